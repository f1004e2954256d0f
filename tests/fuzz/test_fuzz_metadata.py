"""Fuzz the metadata reader (#17): mutated metadata tables (TSV with a header, CSV with quoting,
a one-column label file) made from the real BERT vocabulary, and hypothesis-built tables of
odd text. Every case ends in a Metadata that fits the vocabulary (every column one value per
token, numbers float32, text str) or in an ExplorerError naming the file, within the time guard."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from explorer.core.io.metadata import read_metadata
from explorer.core.tokens.vocab import Vocabulary
from tests.fuzz._harness import fuzz_settings, mutated, run_case, shared

ROWS = 400  # the first BERT tokens: specials, [unused*], punctuation and words


@lru_cache(maxsize=None)
def _vocab() -> Vocabulary:
    text = shared("tokenizers/bert/vocab.txt").read_text(encoding="utf-8")
    return Vocabulary(text.split("\n")[:ROWS])


def _kind(token: str) -> str:
    return "special" if token.startswith("[") and token.endswith("]") else "subword" if token.startswith("##") \
        else "word"


@lru_cache(maxsize=None)
def _bases() -> dict[str, bytes]:
    tokens = _vocab().tokens
    tsv = "token\tkind\tlength\n" + "".join(f"{t}\t{_kind(t)}\t{len(t)}\n" for t in tokens)
    csv = "word,kind,score\n" + "".join(f'"{t.replace(chr(34), chr(34) * 2)}",{_kind(t)},{i / 7:.4f}\n'
                                        for i, t in enumerate(reversed(tokens)))
    labels = "".join(f"{_kind(t)}\n" for t in tokens)
    return {"metadata.tsv": tsv.encode(), "metadata.csv": csv.encode(), "labels.txt": labels.encode()}


def check_metadata(metadata) -> None:
    n = len(_vocab())
    assert metadata.names and len(set(metadata.names)) == len(metadata.names)
    for name in metadata.names:
        values = metadata.values(name)
        assert values.shape == (n,), f"column {name!r} has {values.shape} values for {n} tokens"
        if metadata.is_numeric(name):
            assert values.dtype == np.float32
        else:
            assert values.dtype == object and all(isinstance(v, str) for v in values.tolist())


@fuzz_settings(0.6)
@given(data=st.data())
def test_mutated_metadata_tables(scratch, data):
    bases = _bases()
    name = data.draw(st.sampled_from(sorted(bases)))
    path = scratch.fresh() / name
    path.write_bytes(data.draw(mutated(bases[name])))
    run_case("metadata", read_metadata, path, _vocab(), check=check_metadata)


FIELD = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\t\n\r"), max_size=8)


@fuzz_settings(0.4)
@given(data=st.data())
def test_generated_metadata_tables(scratch, data):
    tokens = _vocab().tokens
    width = data.draw(st.integers(1, 4))
    header = data.draw(st.lists(st.sampled_from(["token", "Word", "label", "pos", "n", "", "x"]),
                                min_size=width, max_size=width))
    rows = data.draw(st.sampled_from([len(tokens), len(tokens) - 1, 3, 0]))
    lines = ["\t".join(header)] if width > 1 else []
    for i in range(rows):
        fields = [tokens[i] if h.lower() in ("token", "word") and data.draw(st.booleans()) else data.draw(FIELD)
                  for h in header]
        lines.append("\t".join(fields))
    path = scratch.fresh() / "generated.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run_case("metadata", read_metadata, path, _vocab(), check=check_metadata)
