"""Guess what kind of file the user opened, from its name and first bytes."""

from __future__ import annotations

from pathlib import Path

from explorer.core import ExplorerError
from explorer.core.io.textio import describe_binary, is_number, refuse_foreign

# Pickles (.kv, .model, .pkl, ...) count as vectors so that the vectors loader refuses them clearly.
VECTOR_SUFFIXES = {".vec", ".bin", ".npy", ".npz", ".safetensors", ".pt", ".pth", ".ckpt", ".tsv",
                   ".kv", ".model", ".pkl", ".pickle"}
SESSION_SUFFIXES = {".eexp"}
KINDS = ("vocab", "corpus", "tokenizer", "vectors", "session")


def detect_kind(path: str | Path) -> str:
    """One of KINDS. Raises ExplorerError for a missing or empty file."""
    path = Path(path)
    if not path.exists():
        raise ExplorerError("no such file", path)
    if path.is_dir():
        from explorer.core.io.model_folder import is_model_folder

        if is_model_folder(path):
            return "vectors"  # a Hugging Face-style model folder: its input-embedding table
        if (path / "encoder.json").exists() or (path / "vocab.txt").exists() or (path / "tokenizer.json").exists():
            return "tokenizer"
        raise ExplorerError("is a folder, not a file", path)
    if path.stat().st_size == 0:
        raise ExplorerError("the file is empty", path)
    from explorer.core.io.compressed import compression_of_file, inner_name, read_head
    from explorer.core.io.fasttext import is_fasttext_bin
    from explorer.core.io.session import is_session_file  # numpy and zipfile: only when a file opens

    compressed = compression_of_file(path) is not None
    name = (inner_name(path) if compressed else path.name).lower()  # "wiki.vec" for "wiki.vec.gz"
    suffix = Path(name).suffix
    if not compressed and (suffix in SESSION_SUFFIXES or is_session_file(path)):  # a session by name or content
        return "session"
    head = read_head(path, 4096)  # decompressed
    if not head:
        raise ExplorerError("the file is empty (once decompressed)", path)
    if is_fasttext_bin(head):
        return "vectors"  # a Facebook fastText model (words and subword n-grams)
    # zstd and zip files, whatever their name (.npz and zip checkpoints are zips); compressed in compressed.
    refuse_foreign(head, path, zip_ok=suffix in VECTOR_SUFFIXES)
    if name in {"encoder.json", "tokenizer.json", "vocab.bpe"} or name.endswith("tokenizer.json"):
        return "tokenizer"
    if name == "vocab.txt" and path.with_name("tokenizer.json").exists() and not compressed:
        return "tokenizer"
    if suffix in VECTOR_SUFFIXES:
        return "vectors"
    first = head.split(b"\n", 1)[0].split()
    if len(first) >= 3 and all(is_number(x) for x in first[1:]):
        return "vectors"  # GloVe: token then numbers
    if len(first) == 2 and all(x.isdigit() for x in first):
        return "vectors"  # word2vec header: rows dim
    binary = None if head.startswith((b"\xff\xfe", b"\xfe\xff")) else describe_binary(head)  # UTF-16: said below
    if binary:  # an executable, an image, ...: no reader takes it, and "ragged rows" would mislead
        raise ExplorerError(f"{binary}: not a vectors format, nor a vocabulary, corpus, tokenizer or session file",
                            path, offset=0)
    # Word list, corpus, JSON vocabulary, BERT vocab.txt, tokenizer.json: by name and content.
    from explorer.core.io.vocab_files import kind_of

    return kind_of(path)
