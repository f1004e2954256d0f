"""`embedding-explorer vectors FILE`: what a pretrained-vectors file holds."""

from __future__ import annotations

import json

NAME = "vectors"
HELP = "describe a vectors file: rows, dim, format (and the tensors of safetensors / PyTorch files)"


def add_arguments(parser) -> None:
    parser.add_argument("file", metavar="FILE", help="GloVe, word2vec (text/binary), fastText .vec, .npy/.npz, "
                        "safetensors, PyTorch checkpoint, TensorBoard projector TSV, or sample:minilm")
    parser.add_argument("--vocab", metavar="FILE", help="tokens for formats that carry none (.npy, safetensors, ...)")
    parser.add_argument("--tensor", metavar="NAME", help="which tensor of a safetensors/PyTorch/.npz file")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args) -> int:
    from explorer.commands.init import progress_bar
    from explorer.core import ExplorerError
    from explorer.core.io.samples import vectors_file
    from explorer.core.io.vectors import TENSOR_FORMATS, list_tensors, load_vectors, sniff_format

    path, vocab_path, tensor = vectors_file(args.file, args.vocab, args.tensor)
    fmt = sniff_format(path)
    info: dict = {"file": str(args.file), "format": fmt}
    if fmt in TENSOR_FORMATS:
        info["tensors"] = {name: list(shape) for name, shape in list_tensors(path).items()}
    try:
        with progress_bar("loading vectors") as progress:
            loaded = load_vectors(path, vocab_path=vocab_path, tensor_name=tensor, progress=progress)
    except ExplorerError:
        if fmt not in TENSOR_FORMATS or vocab_path:
            raise
        # No tokens for the table: still say what it is.
        from explorer.core.io.vectors import pick_tensor

        shapes = list_tensors(path)
        name = pick_tensor(path, shapes, tensor)
        info.update({"rows": shapes[name][0], "dim": shapes[name][1], "tensor": name,
                     "warnings": ["no tokens: give --vocab FILE to load the table"]})
    else:
        info.update({"rows": int(loaded.weights.shape[0]), "dim": int(loaded.weights.shape[1]),
                     "tensor": loaded.tensor_name, "warnings": loaded.warnings,
                     "first_tokens": loaded.vocab.tokens[:10]})
    if args.json:
        print(json.dumps(info, ensure_ascii=False))
        return 0
    print(f"{info['file']}: {info['rows']:,} x {info['dim']} ({fmt})")
    if info.get("tensor"):
        print(f"tensor: {info['tensor']}")
    for name, shape in info.get("tensors", {}).items():
        print(f"  {name}  {shape}")
    if info.get("first_tokens"):
        print("first tokens: " + " ".join(info["first_tokens"]))
    for warning in info.get("warnings", []):
        print(f"warning: {warning}")
    return 0
