"""Training settings, free of torch so the window can show and edit them before torch loads."""

from __future__ import annotations

import os
from dataclasses import dataclass

from explorer.core import ExplorerError
from explorer.core.events import Evented, check_choice, check_count

OBJECTIVES = ("sgns", "cbow", "lm", "classify")
OBJECTIVE_LABELS = {
    "sgns": "Skip-gram (negative sampling)",
    "cbow": "CBOW (negative sampling)",
    "lm": "Next-token language model (attention)",
    "classify": "Classification head (__label__ lines)",
}
DEFAULT_LR = {"sgns": 0.025, "cbow": 0.025, "lm": 0.003, "classify": 0.01}
DEVICES = ("auto", "cpu", "cuda")
POSITIONALS = ("sinusoidal", "learned")
# Whole-number settings and their least value.
WHOLE_NUMBERS = {"epochs": 1, "batch_size": 1, "window": 1, "context_length": 1, "workers": 1,
                 "min_count": 1, "negative": 0, "seed": 0}


@dataclass
class TrainConfig(Evented):
    """Everything the Training panel and `embedding-explorer train` set (evented: the panel binds to it)."""

    objective: str = "sgns"
    epochs: int = 5
    lr: float | None = None  # None: the objective's default (DEFAULT_LR)
    min_lr: float = 0.0001
    batch_size: int = 8192  # tokens per step
    window: int = 5
    negative: int = 5
    sample: float = 1e-3  # subsampling threshold; 0 = off
    context_length: int = 32  # lm
    positional: str = "sinusoidal"  # lm: sinusoidal | learned
    tied: bool = True  # lm: output layer shares the embedding matrix
    freeze_embeddings: bool = False
    seed: int = 0
    device: str = "auto"
    workers: int = 1  # sgns/cbow: steps run in this many threads at once (Hogwild, like
    # word2vec's and gensim's workers; above 1 the result is no longer bit-reproducible)
    threads: int | None = 1  # torch intra-op threads (1: fastest for these small ops on a
    # busy machine, and leaves a core to the window); None leaves torch's setting
    yield_seconds: float = 0.1  # yield a snapshot at least this often...
    yield_every: int | None = None  # ...or every this many steps (when set)
    corpus: str = "demo"  # "demo" (the built-in corpus) or a text file's path
    new_vocab: bool = False  # build the vocabulary from the corpus file (and initialize) first
    min_count: int = 5  # ... keeping words seen at least this often
    pace: float = 0.0  # live runs: spread the run over at least this many seconds (0: full speed),
    # so that a presenter's audience can watch it learn

    @property
    def learning_rate(self) -> float:
        return float(self.lr if self.lr is not None else DEFAULT_LR.get(self.objective, 0.025))

    def _check_corpus(self, value):
        if not isinstance(value, (str, os.PathLike)) or not str(value):
            raise ExplorerError(f"the corpus is \"demo\" or a file, not {value!r}")
        return str(value)

    def _check_objective(self, value):
        return check_choice(value, OBJECTIVES, "objective")

    def _check_positional(self, value):
        return check_choice(value, POSITIONALS, "positional encoding")

    def _check_device(self, value):
        return check_choice(value, DEVICES, "device")

    def _check_lr(self, value):
        if value is not None and not value > 0:
            raise ExplorerError(f"the learning rate must be positive, not {value!r}")
        return value

    def _check_whole(self, name: str, value) -> int:
        return check_count(value, name.replace("_", " "), WHOLE_NUMBERS[name])

    def _checked(self, name: str, value):
        if name in WHOLE_NUMBERS:  # stored as int: 5.0 read from JSON becomes 5
            return self._check_whole(name, value)
        return super()._checked(name, value)

    def validate(self) -> None:
        if not 0 <= self.sample < 1:
            raise ExplorerError(f"the subsampling threshold is from 0 (off) to below 1, not {self.sample!r}")
        if not self.pace >= 0:
            raise ExplorerError(f"the pace is a number of seconds (0: full speed), not {self.pace!r}")
        if self.min_lr < 0:
            raise ExplorerError(f"the minimum learning rate cannot be negative, not {self.min_lr!r}")

