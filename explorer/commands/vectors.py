"""`embedding-explorer vectors FILE`: what a pretrained-vectors file holds."""

from __future__ import annotations

import json

NAME = "vectors"
HELP = "describe a vectors file: rows, dim, format (and the tensors of safetensors / PyTorch files)"


def add_arguments(parser) -> None:
    parser.add_argument("file", metavar="FILE", help="GloVe, word2vec (text/binary), fastText .vec or .bin, .npy/.npz, "
                        "safetensors, PyTorch checkpoint, TensorBoard projector TSV, a Hugging Face model "
                        "folder, or sample:minilm; text files may be .gz, .bz2 or .xz")
    parser.add_argument("--vocab", metavar="FILE", help="tokens for formats that carry none (.npy, safetensors, ...)")
    parser.add_argument("--tensor", metavar="NAME", help="which tensor of a safetensors/PyTorch/.npz file")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args) -> int:
    from explorer.commands.init import progress_bar
    from explorer.core import ExplorerError
    from explorer.core.io.samples import vectors_file
    from explorer.core.io.vectors import TENSOR_FORMATS, NeedsVocabulary, list_tensors, load_vectors, sniff_format

    path, vocab_path, tensor = vectors_file(args.file, args.vocab, args.tensor)
    fmt = sniff_format(path)
    info: dict = {"file": str(args.file), "format": fmt}
    if fmt in TENSOR_FORMATS:
        info["tensors"] = {name: list(shape) for name, shape in list_tensors(path).items()}
    try:
        with progress_bar("loading vectors") as progress:
            loaded = load_vectors(path, vocab_path=vocab_path, tensor_name=tensor, progress=progress)
    except NeedsVocabulary if fmt == "model_folder" and not vocab_path else ():  # () catches nothing
        from explorer.core.io.model_folder import open_folder

        folder = open_folder(path)
        name = tensor or folder.embedding_name()
        shape = folder.shapes([name])[name]
        info.update({"rows": shape[0], "dim": shape[1], "tensor": name,
                     "tensor_file": str(folder.tensor_files[name]),
                     "warnings": ["no tokenizer in the folder: give --vocab FILE to load the table"]})
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
        if loaded.tensor_file:
            info["tensor_file"] = loaded.tensor_file
        if fmt == "model_folder":
            info["positional_tensor"] = loaded.positional_name
            info["vocabulary"] = loaded.vocab.kind
        if loaded.subwords is not None:
            info["subwords"] = {"ngrams": loaded.subwords.bucket, "min_n": loaded.subwords.min_n,
                                "max_n": loaded.subwords.max_n}
    if args.json:
        print(json.dumps(info, ensure_ascii=False))
        return 0
    print(f"{info['file']}: {info['rows']:,} x {info['dim']} ({fmt})")
    if info.get("tensor"):
        print(f"tensor: {info['tensor']}" + (f" (in {info['tensor_file']})" if info.get("tensor_file") else ""))
    if info.get("positional_tensor"):
        print(f"positional table: {info['positional_tensor']}")
    if info.get("subwords"):
        sub = info["subwords"]
        print(f"subword n-grams: {sub['ngrams']:,} rows, lengths {sub['min_n']}-{sub['max_n']} "
              "(words outside the vocabulary get a vector)")
    for name, shape in info.get("tensors", {}).items():
        print(f"  {name}  {shape}")
    if info.get("first_tokens"):
        print("first tokens: " + " ".join(info["first_tokens"]))
    for warning in info.get("warnings", []):
        print(f"warning: {warning}")
    return 0
