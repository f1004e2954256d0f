"""`embedding-explorer vectors FILE`: what a pretrained-vectors file (or a session, or a run) holds."""

from __future__ import annotations

import json

NAME = "vectors"
HELP = ("describe a vectors file: rows, dim, format (and the tensors of safetensors / PyTorch files); "
        "a session or run file: its matrix and training timeline")


def add_arguments(parser) -> None:
    parser.add_argument("file", metavar="FILE", help="GloVe, word2vec (text/binary), fastText .vec or .bin, .npy/.npz, "
                        "safetensors, PyTorch checkpoint, TensorBoard projector TSV, a Hugging Face model "
                        "folder, sample:minilm, a session (.eexp) or a run file (.eerun); "
                        "text files may be .gz, .bz2 or .xz")
    parser.add_argument("--vocab", metavar="FILE", help="tokens for formats that carry none (.npy, safetensors, ...)")
    parser.add_argument("--tensor", metavar="NAME", help="which tensor of a safetensors/PyTorch/.npz file")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args) -> int:
    from explorer.commands.init import progress_bar
    from explorer.core import ExplorerError
    from explorer.core.io.samples import vectors_file
    from explorer.core.io.vectors import TENSOR_FORMATS, NeedsVocabulary, list_tensors, load_vectors, sniff_format

    path, vocab_path, tensor = vectors_file(args.file, args.vocab, args.tensor)
    if _is_session(path):
        return _print(describe_session(path, str(args.file)), args.json)
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
    return _print(info, args.json)


def _is_session(path) -> bool:
    """A session or run by its content, or a session by its .eexp name (a damaged one is then
    reported as a damaged session, not as an unknown vectors format)."""
    from explorer.core.io.session import SUFFIX, is_session_file

    return path.is_file() and (is_session_file(path) or path.suffix.lower() == SUFFIX)


def describe_session(path, name: str) -> dict:
    """What `vectors` says of a session or run file: its matrix (the latest snapshot of a run)
    and its training timeline. A run is scanned, and only its latest matrix read (its checksum
    checked): describing a 2 GB run does not load every snapshot it keeps."""
    from explorer.commands.init import progress_bar
    from explorer.core.io.run_log import is_run_file

    if is_run_file(path):
        return _describe_run(path, name)
    from explorer.core.io.session import load_session

    with progress_bar("loading session") as progress:
        session = load_session(path, progress=progress)
    steps = [int(s.step) for s in session.snapshots]
    return {"file": name, "format": "session", "rows": int(session.weights.shape[0]),
            "dim": int(session.weights.shape[1]), "first_tokens": session.vocab.tokens[:10],
            "snapshots": len(steps), "steps": [steps[0], steps[-1]] if steps else None,
            "initial_weights": session.initial_weights is not None,
            "loss_points": len(session.history.get("loss") or []), "warnings": []}


def _describe_run(path, name: str) -> dict:
    from explorer.core import ExplorerError
    from explorer.core.io.run_log import read_payload, scan_run, snapshot_records, vocab_from

    try:
        with open(path, "rb") as f:
            contents = scan_run(f, path)
            records = snapshot_records(contents, path)
            latest = records[-1]
            rows, dim = (int(v) for v in latest.meta["shape"])
            vocab = vocab_from(contents.header.get("vocab"), rows, path)
            read_payload(f, latest, path, len(vocab))  # the matrix that opens is whole
    except OSError as exc:
        raise ExplorerError(f"cannot read the run ({exc.strerror or exc})", path) from None
    except (KeyError, TypeError, ValueError, OverflowError, IndexError, AttributeError) as exc:  # as load_run
        raise ExplorerError(f"damaged run file ({type(exc).__name__}: {exc})", path) from None
    warnings = []
    if contents.torn:
        warnings.append("the last snapshot is cut short (a training loop is writing it, or was killed): "
                        "it is left out")
    losses = [loss for _step, loss in contents.history if loss is not None]
    return {"file": name, "format": "run", "rows": rows, "dim": dim, "first_tokens": vocab.tokens[:10],
            "snapshots": len(records), "steps": [int(records[0].meta["step"]), int(latest.meta["step"])],
            "closed": contents.closed, "loss_points": len(losses),
            "latest_loss": float(losses[-1]) if losses else None, "warnings": warnings}


def _print(info: dict, as_json: bool) -> int:
    if as_json:
        print(json.dumps(info, ensure_ascii=False))
        return 0
    print(f"{info['file']}: {info['rows']:,} x {info['dim']} ({info['format']})")
    if info["format"] in ("session", "run"):
        steps = info["steps"]
        timeline = (f"{info['snapshots']} snapshot" + ("s" if info["snapshots"] != 1 else "")
                    + (f", steps {steps[0]:,} to {steps[1]:,}" if steps else " (no training recorded)"))
        if info["format"] == "run":
            timeline += ", closed" if info["closed"] else ", still open (a training loop may be writing it)"
            if info["latest_loss"] is not None:
                timeline += f", latest loss {info['latest_loss']:.4g}"
        print(f"timeline: {timeline}")
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
