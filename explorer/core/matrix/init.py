"""Initialization schemes: name -> fn(vocab_size, dim, generator, **params) -> Tensor.

Names and parameters are listed in `explorer.core.matrix.schemes` (no torch there).

Every scheme is seeded through a torch.Generator, so the same seed gives the
same matrix bit for bit, and `nn.init` calls with that generator reproduce it.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from explorer.core import ExplorerError
from explorer.core.matrix.memory import check_matrix
from explorer.core.matrix.schemes import SCHEMES, InitConfig


def _empty(v: int, d: int) -> torch.Tensor:
    return torch.empty(v, d, dtype=torch.float32)


def _check_std(std) -> None:
    if not std > 0:
        raise ExplorerError(f"std must be positive, got {std}")


def _normal(v, d, g, mean=0.0, std=1.0):
    _check_std(std)
    return nn.init.normal_(_empty(v, d), mean, std, generator=g)


def _uniform(v, d, g, a=-1.0, b=1.0):
    if a >= b:
        raise ExplorerError(f"uniform needs a < b (got a={a}, b={b})")
    return nn.init.uniform_(_empty(v, d), a, b, generator=g)


def _xavier_uniform(v, d, g, gain=1.0):
    return nn.init.xavier_uniform_(_empty(v, d), gain, generator=g)


def _xavier_normal(v, d, g, gain=1.0):
    return nn.init.xavier_normal_(_empty(v, d), gain, generator=g)


def _kaiming_uniform(v, d, g, mode="fan_in", nonlinearity="leaky_relu"):
    return nn.init.kaiming_uniform_(_empty(v, d), 0, mode, nonlinearity, generator=g)


def _kaiming_normal(v, d, g, mode="fan_in", nonlinearity="leaky_relu"):
    return nn.init.kaiming_normal_(_empty(v, d), 0, mode, nonlinearity, generator=g)


def _truncated_normal(v, d, g, std=0.02):
    _check_std(std)
    return trunc_normal(_empty(v, d), 0.0, std, -2 * std, 2 * std, generator=g)


def trunc_normal(tensor: torch.Tensor, mean: float, std: float, a: float, b: float,
                 generator: torch.Generator) -> torch.Tensor:
    """`nn.init.trunc_normal_`, bit for bit, in a fraction of its time on big matrices.

    torch (when most of N(mean, std) lies in [a, b]) redraws a whole tensor of normals per
    rejection round and rebuilds the tensor with `torch.where`: seven rounds on 50,257 x 768,
    seven seconds. The same draws, in the same order, into one reused buffer, and only the
    still-rejected values looked at and replaced, give the same matrix (the Show-code snippet,
    which calls nn.init, reproduces it) at the cost of the draws alone."""
    p = 0.5 * (math.erf((b - mean) / (std * math.sqrt(2.0))) - math.erf((a - mean) / (std * math.sqrt(2.0))))
    if p <= 0.3 or tensor.numel() == 0:  # torch's other path (narrow intervals): fast already
        return nn.init.trunc_normal_(tensor, mean, std, a, b, generator=generator)
    lo = tensor.new_tensor(a).item()
    hi = tensor.new_tensor(b).item()
    flat = tensor.view(-1)
    tensor.normal_(mean, std, generator=generator)
    pending = ((flat < lo) | (flat > hi)).nonzero().view(-1)
    buffer = None
    while len(pending):
        if buffer is None:
            buffer = torch.empty_like(tensor)
        buffer.normal_(mean, std, generator=generator)  # torch draws a whole tensor each round
        values = buffer.view(-1)[pending]
        flat[pending] = values
        pending = pending[(values < lo) | (values > hi)]
    return tensor


def _word2vec(v, d, g):
    return nn.init.uniform_(_empty(v, d), -0.5 / d, 0.5 / d, generator=g)


def _orthogonal(v, d, g, gain=1.0):
    return nn.init.orthogonal_(_empty(v, d), gain, generator=g)


def _zeros(v, d, g):
    return torch.zeros(v, d)


def _constant(v, d, g, value=0.1):
    return torch.full((v, d), float(value))


def _one_hot(v, d, g):
    if d < v:
        raise ExplorerError(
            f"one_hot needs dim >= vocabulary size: {v} tokens need at least {v} dimensions, got {d}"
        )
    return torch.eye(v, d)


IMPLEMENTATIONS = {
    "normal": _normal, "uniform": _uniform,
    "xavier_uniform": _xavier_uniform, "xavier_normal": _xavier_normal,
    "kaiming_uniform": _kaiming_uniform, "kaiming_normal": _kaiming_normal,
    "truncated_normal": _truncated_normal, "word2vec": _word2vec,
    "orthogonal": _orthogonal, "zeros": _zeros, "constant": _constant, "one_hot": _one_hot,
}
assert IMPLEMENTATIONS.keys() == SCHEMES.keys()


def initialize(config: InitConfig, vocab_size: int, padding_idx: int | None = None) -> np.ndarray:
    """The (vocab_size x dim) float32 matrix for `config`; the padding row is zeroed."""
    scheme = SCHEMES.get(config.scheme)
    if scheme is None:
        raise ExplorerError(f"unknown init scheme {config.scheme!r}; choose one of {', '.join(SCHEMES)}")
    if vocab_size < 1 or config.dim < 1:
        raise ExplorerError(f"need at least one token and one dimension (got {vocab_size} x {config.dim})")
    unknown = set(config.params) - set(scheme.params)
    if unknown:
        raise ExplorerError(f"{config.scheme} takes no parameter {', '.join(sorted(unknown))}")
    params = {**scheme.params, **config.params}
    check_matrix(vocab_size, config.dim, what="the initialized matrix")  # refused before allocating
    fn = IMPLEMENTATIONS[config.scheme]
    generator = torch.Generator().manual_seed(int(config.seed))
    with torch.no_grad():
        weights = fn(vocab_size, config.dim, generator, **params)
        if padding_idx is not None:
            weights[padding_idx].zero_()
    return weights.numpy()

