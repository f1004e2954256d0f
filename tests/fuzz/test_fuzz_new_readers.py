"""Fuzz the readers of issue 18: compressed vectors and vocabularies (mutated gzip, bzip2 and
xz streams, and mutated text inside a valid stream), fastText .bin models (mutated gensim test
models: gensim's own errors must come back as ExplorerErrors naming the file, and no header may
make it allocate what the file cannot hold), and model folders (mutated config.json and
safetensors index). Every case ends in a value or an ExplorerError, within the time guard."""

from __future__ import annotations

import bz2
import gzip
import importlib.util
import json
import lzma
from functools import lru_cache
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from explorer.core.io.vectors import load_vectors
from explorer.core.io.vocab_files import load_vocabulary
from tests.fuzz._harness import check_vectors, check_vocabulary, fuzz_settings, mutated, run_case, shared

COMPRESS = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}


@lru_cache(maxsize=None)
def _glove() -> bytes:
    return shared("gensim/test_glove.txt").read_bytes()


@lru_cache(maxsize=None)
def _binary() -> bytes:
    return shared("gensim/euclidean_vectors.bin").read_bytes()


@fuzz_settings(0.4)
@given(data=st.data())
def test_compressed_vectors_mutated(scratch, data):
    suffix = data.draw(st.sampled_from(sorted(COMPRESS)))
    base = data.draw(st.sampled_from([_glove(), _binary()]))
    if data.draw(st.booleans()):  # damage the stream itself
        blob = data.draw(mutated(COMPRESS[suffix](base)))
    else:  # damage the text, then compress it properly
        blob = COMPRESS[suffix](data.draw(mutated(base)))
    path = scratch.fresh() / ("vectors.txt" + suffix)
    path.write_bytes(blob)
    if data.draw(st.integers(0, 4)) == 0:
        run_case("compressed", load_vocabulary, path, check=check_vocabulary)
    else:
        run_case("compressed", load_vectors, path, check=check_vectors)


def _fasttext_models() -> list[Path]:
    spec = importlib.util.find_spec("gensim")
    if spec is None:
        return []
    folder = Path(next(iter(spec.submodule_search_locations))) / "test" / "test_data"
    return [p for p in (folder / "lee_fasttext_new.bin", folder / "toy-model.bin", folder / "lee_fasttext.bin")
            if p.exists()]


@lru_cache(maxsize=None)
def _fasttext_bytes(path: Path) -> bytes:
    return path.read_bytes()


@fuzz_settings(0.3)
@given(data=st.data())
def test_fasttext_bin_mutated(scratch, data):
    models = _fasttext_models()
    if not models:
        return  # gensim absent: nothing to mutate (the extra is optional)
    import gensim.models.fasttext  # noqa: F401  (imported outside the time guard: slow on a busy machine)
    base = _fasttext_bytes(data.draw(st.sampled_from(models)))
    cut = data.draw(st.integers(0, 3))
    blob = base[: data.draw(st.integers(0, len(base)))] if cut == 0 else base
    if cut:  # flip a few bytes of the header (counts) or anywhere
        blob = bytearray(blob)
        for _ in range(data.draw(st.integers(1, 4))):
            at = data.draw(st.integers(0, min(len(blob) - 1, 200) if data.draw(st.booleans()) else len(blob) - 1))
            blob[at] = data.draw(st.integers(0, 255))
        blob = bytes(blob)
    path = scratch.fresh() / "model.bin"
    path.write_bytes(blob)
    if not blob:
        return
    run_case("fasttext_bin", load_vectors, path, check=check_vectors)


@fuzz_settings(0.3)
@given(data=st.data())
def test_model_folder_mutated_config_and_index(scratch, data):
    from safetensors.numpy import save_file

    folder = scratch.fresh() / "model"
    folder.mkdir()
    rng = np.random.default_rng(0)
    tensors = {"transformer.wte.weight": rng.standard_normal((20, 4)).astype(np.float32),
               "transformer.wpe.weight": rng.standard_normal((8, 4)).astype(np.float32),
               "lm_head.weight": rng.standard_normal((20, 4)).astype(np.float32)}
    sharded = data.draw(st.booleans())
    if sharded:
        save_file({k: v for k, v in tensors.items() if k != "lm_head.weight"}, str(folder / "a.safetensors"))
        save_file({"lm_head.weight": tensors["lm_head.weight"]}, str(folder / "b.safetensors"))
        index = json.dumps({"weight_map": {"transformer.wte.weight": "a.safetensors",
                                           "transformer.wpe.weight": "a.safetensors",
                                           "lm_head.weight": "b.safetensors"}}).encode()
        (folder / "model.safetensors.index.json").write_bytes(data.draw(mutated(index)))
    else:
        save_file(tensors, str(folder / "model.safetensors"))
    config = json.dumps({"vocab_size": 20, "n_embd": 4}).encode()
    (folder / "config.json").write_bytes(data.draw(mutated(config)) if data.draw(st.booleans()) else config)
    (folder / "vocab.txt").write_text("\n".join(f"t{i}" for i in range(20)) + "\n")
    run_case("model_folder", load_vectors, folder, check=check_vectors)
