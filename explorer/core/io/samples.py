"""The samples shipped with the app, addressed as `sample:NAME` wherever a file is asked for.

The one place such an address becomes files: the command line's arguments, `load_matrix`,
the window's File ▸ Open and the tour player call `vocab_file` or `vectors_file` before they
read anything, so the format readers only ever see real paths. The files live in the package
data `explorer.resources` (resources/ in a checkout), found through importlib.resources; pip
installs wheels unpacked, so they are plain files that the readers can open by path.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from explorer.core import ExplorerError

PREFIX = "sample:"


def resources_folder() -> Path:
    """The app's resources (tours, samples, desktop files), in a checkout and an installed wheel alike."""
    return Path(files("explorer.resources"))


@dataclass(frozen=True)
class Sample:
    name: str
    title: str  # its entry in File ▸ Open sample
    vocab: str  # its tokens, under samples/: a tokenizer folder or a vocab.txt
    vectors: str | None = None  # its table, under samples/, when it has one
    tensor: str | None = None  # the table's tensor in a safetensors file

    @property
    def address(self) -> str:
        return PREFIX + self.name

    @property
    def vocab_path(self) -> Path:
        return resources_folder() / "samples" / self.vocab

    @property
    def vectors_path(self) -> Path | None:
        return None if self.vectors is None else resources_folder() / "samples" / self.vectors


SAMPLES = {s.name: s for s in (
    Sample("gpt2", "GPT-2 vocabulary", "gpt2"),
    Sample("bert", "BERT vocabulary", "bert"),
    Sample("minilm", "MiniLM pretrained table", "minilm/vocab.txt", "minilm/embeddings.safetensors",
           "embeddings.word_embeddings.weight"),
)}


def is_sample(text: str | Path | None) -> bool:
    return text is not None and str(text).startswith(PREFIX)


def find_sample(text: str | Path) -> Sample:
    """The Sample `sample:NAME` names; an ExplorerError listing the samples for any other name."""
    name = str(text)[len(PREFIX):]
    if name not in SAMPLES:
        raise ExplorerError(f"no sample named {name!r}; the samples are "
                            + ", ".join(s.address for s in SAMPLES.values()))
    return SAMPLES[name]


def vocab_file(text: str | Path) -> Path:
    """The vocabulary file (or tokenizer folder) `text` names: a sample's tokens, else the path as given."""
    return find_sample(text).vocab_path if is_sample(text) else Path(text)


def vectors_file(text: str | Path, vocab_path: str | Path | None = None,
                 tensor: str | None = None) -> tuple[Path, Path | None, str | None]:
    """(file, tokens file, tensor) to read the vectors `text` names with.

    A sample brings its own tokens and tensor (`vocab_path` and `tensor`, when given, win);
    `vocab_path` may itself be a sample, whose tokens it then means."""
    vocab = None if vocab_path is None else vocab_file(vocab_path)
    if not is_sample(text):
        return Path(text), vocab, tensor
    sample = find_sample(text)
    if sample.vectors_path is None:
        tables = ", ".join(s.address for s in SAMPLES.values() if s.vectors)
        raise ExplorerError(f"{sample.address} is a vocabulary ({sample.title}), not vectors; "
                            f"the samples with vectors: {tables}")
    return sample.vectors_path, vocab or sample.vocab_path, tensor or sample.tensor
