"""What each init scheme is called and which parameters it takes; the evented `InitConfig`
the Initialization dock binds to; and `describe`, what made a matrix in words.

Kept free of torch so the window can list schemes before torch is imported;
the implementations live in `explorer.core.matrix.init`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from explorer.core import ExplorerError
from explorer.core.events import Evented, check_count


@dataclass(frozen=True)
class SchemeInfo:
    name: str
    label: str
    params: dict[str, object]  # parameter name -> default value
    note: str = ""


SCHEMES: dict[str, SchemeInfo] = {
    s.name: s
    for s in [
        SchemeInfo("normal", "Normal N(mean, std)", {"mean": 0.0, "std": 1.0},
                   "torch.nn.Embedding's default is N(0, 1)"),
        SchemeInfo("uniform", "Uniform U(a, b)", {"a": -1.0, "b": 1.0}),
        SchemeInfo("xavier_uniform", "Xavier (Glorot) uniform", {"gain": 1.0},
                   "scale shrinks as vocab size + dim grows"),
        SchemeInfo("xavier_normal", "Xavier (Glorot) normal", {"gain": 1.0}),
        SchemeInfo("kaiming_uniform", "Kaiming (He) uniform",
                   {"mode": "fan_in", "nonlinearity": "leaky_relu"}),
        SchemeInfo("kaiming_normal", "Kaiming (He) normal",
                   {"mode": "fan_in", "nonlinearity": "leaky_relu"}),
        SchemeInfo("truncated_normal", "Truncated normal (BERT, GPT-2)", {"std": 0.02},
                   "N(0, std) cut at ±2 std"),
        SchemeInfo("word2vec", "word2vec U(-0.5/dim, 0.5/dim)", {}),
        SchemeInfo("orthogonal", "Orthogonal", {"gain": 1.0}),
        SchemeInfo("zeros", "Zeros", {}, "every token is identical: nothing to tell apart"),
        SchemeInfo("constant", "Constant c", {"value": 0.1}),
        SchemeInfo("one_hot", "One-hot / identity", {}, "needs dim >= vocabulary size"),
    ]
}

CHOICES: dict[str, tuple[str, ...]] = {
    "mode": ("fan_in", "fan_out"),
    "nonlinearity": ("leaky_relu", "relu", "linear", "tanh", "sigmoid"),
}


@dataclass
class InitConfig(Evented):
    """What the Initialization panel edits: a scheme, its parameters, dim and seed (evented:
    the panel binds to it; `params` holds only the scheme's own parameters that differ
    from their defaults or were set)."""

    scheme: str = "normal"
    dim: int = 64
    seed: int = 0
    params: dict[str, object] = field(default_factory=dict)

    def _check_scheme(self, value):
        if value not in SCHEMES:
            raise ExplorerError(f"unknown init scheme {value!r} (choose from {', '.join(SCHEMES)})")
        return value

    def _check_dim(self, value):
        return check_count(value, "the dimension", 1)

    def _check_seed(self, value):
        return check_count(value, "the seed", 0)

    def _check_params(self, value):
        return dict(value or {})

    def validate(self) -> None:
        allowed = SCHEMES[self.scheme].params
        unknown = set(self.params) - set(allowed)
        if unknown:
            raise ExplorerError(f"{self.scheme} takes no parameter {', '.join(sorted(unknown))}"
                                + (f" (it takes {', '.join(allowed)})" if allowed else ""))
        for name, choices in CHOICES.items():
            if name in self.params and self.params[name] not in choices:
                raise ExplorerError(f"{name} must be one of {', '.join(choices)}, not {self.params[name]!r}")


def _number(value) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def describe(config: InitConfig) -> str:
    """What made a matrix, in words: the scheme's label, its parameter values, dim and seed,
    e.g. "Truncated normal (BERT, GPT-2) · std 0.02 · dim 64 · seed 0"."""
    info = SCHEMES[config.scheme]
    values = {**info.params, **config.params}
    return " · ".join([info.label, *(f"{name} {_number(v)}" for name, v in values.items()),
                       f"dim {config.dim}", f"seed {config.seed}"])
