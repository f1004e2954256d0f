"""The package data (resources/ shipped as `explorer.resources`) and the `sample:` addresses."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from explorer.core import ExplorerError
from explorer.core.io.samples import SAMPLES, find_sample, is_sample, resources_folder, vectors_file, vocab_file
from explorer.core.tours import TOURS_DIR
from tests.conftest import ROOT

SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_package_is_listed_for_the_wheel():
    """pyproject lists the packages by hand (a mapped package rules out packages.find): a new
    subpackage missing from the list would be missing from the wheel."""
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "explorer").rglob("__init__.py")}
    assert set(SETUPTOOLS["packages"]) == found | {"explorer.resources"}
    assert SETUPTOOLS["package-dir"] == {"explorer.resources": "resources"}


def test_the_package_data_globs_cover_every_resource():
    resources = ROOT / "resources"
    shipped = {p for pattern in SETUPTOOLS["package-data"]["explorer.resources"] for p in resources.glob(pattern)
               if p.is_file()}
    every = {p for p in resources.rglob("*") if p.is_file() and "__pycache__" not in p.parts
             and p.name != "__init__.py" and p.suffix != ".tmp"}
    assert every and shipped == every, sorted(str(p.relative_to(resources)) for p in every ^ shipped)


def test_resources_are_read_through_importlib_resources():
    # In this (editable) install the package data is the checkout's resources/ folder.
    assert resources_folder() == ROOT / "resources"
    assert TOURS_DIR == resources_folder() / "tours" and len(list(TOURS_DIR.glob("*.json"))) == 9


@pytest.mark.parametrize("name, files", [
    ("gpt2", ["encoder.json", "vocab.bpe", "LICENSE"]),
    ("bert", ["vocab.txt", "tokenizer.json", "LICENSE"]),
])
def test_a_vocabulary_sample_is_its_tokenizer_folder(name, files):
    folder = vocab_file(f"sample:{name}")
    assert folder == resources_folder() / "samples" / name
    assert all((folder / f).is_file() for f in files)
    with pytest.raises(ExplorerError, match=f"sample:{name} is a vocabulary .*not vectors; "
                                            "the samples with vectors: sample:minilm"):
        vectors_file(f"sample:{name}")


def test_the_minilm_sample_is_its_table_with_its_vocabulary():
    table, tokens, tensor = vectors_file("sample:minilm")
    assert table.name == "embeddings.safetensors" and table.is_file()
    assert tokens == vocab_file("sample:minilm") and tokens.name == "vocab.txt" and tokens.is_file()
    assert tensor == "embeddings.word_embeddings.weight"
    mine = Path("my-vocab.txt")
    assert vectors_file("sample:minilm", mine, "other") == (table, mine, "other")  # what is given wins
    assert vectors_file("table.npy", "sample:bert") == (Path("table.npy"), vocab_file("sample:bert"), None)


def test_paths_pass_through_and_unknown_samples_list_the_names():
    assert vocab_file("words.txt") == Path("words.txt") and not is_sample("words.txt")
    assert vectors_file("v.vec") == (Path("v.vec"), None, None)
    assert is_sample(Path("sample:gpt2")) and not is_sample(None)
    with pytest.raises(ExplorerError) as info:
        find_sample("sample:gtp2")
    assert str(info.value) == "no sample named 'gtp2'; the samples are sample:gpt2, sample:bert, sample:minilm"
    assert [s.title for s in SAMPLES.values()] == ["GPT-2 vocabulary", "BERT vocabulary", "MiniLM pretrained table"]
