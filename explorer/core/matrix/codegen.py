"""The "Show code" action: the current embedding configuration as a snippet that runs.

The PyTorch snippet reproduces `explorer.core.matrix.init.initialize` bit for bit for the seed:
it seeds a `torch.Generator` the same way and calls the same `nn.init` function with
the same arguments on a tensor of the same shape (an `nn.Embedding`'s weight), then
zeroes the padding row. The Keras snippet is the equivalent layer (Keras draws other
random numbers for the same seed: same distribution, not the same matrix).
No torch here: the snippets are text.
"""

from __future__ import annotations

from explorer.core import ExplorerError
from explorer.core.matrix.schemes import SCHEMES, InitConfig

# nn.init's gain for each nonlinearity (leaky_relu with a = 0, as explorer.core.matrix.init calls it).
GAINS = {"linear": "1.0", "sigmoid": "1.0", "tanh": "5.0 / 3", "relu": "math.sqrt(2.0)",
         "leaky_relu": "math.sqrt(2.0)"}
GAIN_SQUARED = {"linear": 1.0, "sigmoid": 1.0, "tanh": 25.0 / 9.0, "relu": 2.0, "leaky_relu": 2.0}


def _params(config: InitConfig) -> dict:
    scheme = SCHEMES.get(config.scheme)
    if scheme is None:
        raise ExplorerError(f"unknown init scheme {config.scheme!r}; choose one of {', '.join(SCHEMES)}")
    unknown = set(config.params) - set(scheme.params)
    if unknown:
        raise ExplorerError(f"{config.scheme} takes no parameter {', '.join(sorted(unknown))}")
    return {**scheme.params, **config.params}


def _f(value) -> str:
    """A float literal that reads back as exactly the same double."""
    return repr(float(value))


def torch_init_call(config: InitConfig, target: str = "embedding.weight") -> str:
    """The nn.init call (one line) that explorer.core.matrix.init makes for `config`."""
    p = _params(config)
    s = config.scheme
    if s == "normal":
        return f"nn.init.normal_({target}, mean={_f(p['mean'])}, std={_f(p['std'])}, generator=g)"
    if s == "uniform":
        return f"nn.init.uniform_({target}, a={_f(p['a'])}, b={_f(p['b'])}, generator=g)"
    if s in ("xavier_uniform", "xavier_normal", "orthogonal"):
        return f"nn.init.{s}_({target}, gain={_f(p['gain'])}, generator=g)"
    if s in ("kaiming_uniform", "kaiming_normal"):
        return (f"nn.init.{s}_({target}, a=0, mode={str(p['mode'])!r}, "
                f"nonlinearity={str(p['nonlinearity'])!r}, generator=g)")
    if s == "truncated_normal":
        std = _f(p["std"])
        return f"nn.init.trunc_normal_({target}, mean=0.0, std={std}, a=-2 * {std}, b=2 * {std}, generator=g)"
    if s == "word2vec":
        return f"nn.init.uniform_({target}, -0.5 / embedding_dim, 0.5 / embedding_dim, generator=g)"
    if s == "zeros":
        return f"nn.init.zeros_({target})"
    if s == "constant":
        return f"nn.init.constant_({target}, {_f(p['value'])})"
    if s == "one_hot":
        return f"nn.init.eye_({target})  # row i is the one-hot vector of token i"
    raise ExplorerError(f"no code for init scheme {s!r}")


def pytorch_snippet(config: InitConfig, vocab_size: int, padding_idx: int | None = None,
                    example_ids: list[int] | None = None) -> str:
    """A runnable PyTorch snippet that builds the embedding layer exactly as the app did."""
    if config.scheme == "one_hot" and config.dim < vocab_size:
        raise ExplorerError(f"one_hot needs dim >= vocabulary size ({vocab_size}), got {config.dim}")
    call = torch_init_call(config)
    ids = example_ids or list(range(min(3, vocab_size)))
    label = SCHEMES[config.scheme].label
    return f'''import math  # noqa: F401  (some init gains use it)

import torch
from torch import nn

num_embeddings = {vocab_size}  # vocabulary size: one row per token ID
embedding_dim = {config.dim}
padding_idx = {padding_idx!r}  # this row stays zero and gets no gradient

embedding = nn.Embedding(num_embeddings, embedding_dim, padding_idx=padding_idx)

# {label}, seed {config.seed}: the same generator and the same nn.init call as
# Embedding Explorer, so this matrix equals the app's number for number.
g = torch.Generator().manual_seed({int(config.seed)})
with torch.no_grad():
    {call}
    if padding_idx is not None:
        embedding.weight[padding_idx].zero_()

# A lookup is a row of the weight matrix W: embedding(ids) == embedding.weight[ids].
ids = torch.tensor([{", ".join(str(i) for i in ids)}])
vectors = embedding(ids)  # shape (1, {len(ids)}, {config.dim})
print(embedding.weight.shape, vectors.shape)
'''


def keras_initializer(config: InitConfig) -> str:
    """The Keras initializer with the same distribution as the app's scheme."""
    p = _params(config)
    s, seed = config.scheme, int(config.seed)
    if s == "normal":
        return f"initializers.RandomNormal(mean={_f(p['mean'])}, stddev={_f(p['std'])}, seed={seed})"
    if s == "uniform":
        return f"initializers.RandomUniform(minval={_f(p['a'])}, maxval={_f(p['b'])}, seed={seed})"
    if s in ("xavier_uniform", "xavier_normal"):
        gain = float(p["gain"])
        kind = "uniform" if s.endswith("uniform") else "truncated_normal"
        if gain == 1.0 and kind == "uniform":
            return f"initializers.GlorotUniform(seed={seed})"
        # torch's xavier_normal is untruncated: VarianceScaling with "untruncated_normal".
        kind = "uniform" if kind == "uniform" else "untruncated_normal"
        return (f"initializers.VarianceScaling(scale={_f(gain * gain)}, mode=\"fan_avg\", "
                f"distribution={kind!r}, seed={seed})")
    if s in ("kaiming_uniform", "kaiming_normal"):
        # torch's fan_in of a (vocab, dim) weight is dim: Keras calls that fan_out (its output_dim).
        mode = "fan_out" if p["mode"] == "fan_in" else "fan_in"
        kind = "uniform" if s.endswith("uniform") else "untruncated_normal"
        scale = GAIN_SQUARED.get(str(p["nonlinearity"]), 2.0)
        return (f"initializers.VarianceScaling(scale={_f(scale)}, mode={mode!r}, distribution={kind!r}, "
                f"seed={seed})")
    if s == "truncated_normal":
        return f"initializers.TruncatedNormal(mean=0.0, stddev={_f(p['std'])}, seed={seed})  # cut at ±2 std"
    if s == "word2vec":
        return f"initializers.RandomUniform(minval=-0.5 / {config.dim}, maxval=0.5 / {config.dim}, seed={seed})"
    if s == "orthogonal":
        return f"initializers.Orthogonal(gain={_f(p['gain'])}, seed={seed})"
    if s == "zeros":
        return "initializers.Zeros()"
    if s == "constant":
        return f"initializers.Constant({_f(p['value'])})"
    if s == "one_hot":
        return "initializers.Identity()"
    raise ExplorerError(f"no code for init scheme {s!r}")


def keras_snippet(config: InitConfig, vocab_size: int, padding_idx: int | None = None) -> str:
    """The Keras equivalent: Embedding(input_dim, output_dim) with a matching initializer."""
    init = keras_initializer(config)
    if padding_idx is None:
        padding = ""
    elif padding_idx == 0:
        padding = ("    mask_zero=True,  # ID 0 is padding: Keras masks it (it has no padding_idx row that\n"
                   "                     # stays zero; zero it yourself if you need PyTorch's behaviour)\n")
    else:
        padding = (f"    # padding ID {padding_idx}: Keras has no padding_idx; mask_zero only works\n"
                   "    # when padding is ID 0, so renumber or mask it yourself\n")
    return f'''import keras
from keras import initializers, layers

embedding = layers.Embedding(
    input_dim={vocab_size},  # vocabulary size (PyTorch: num_embeddings)
    output_dim={config.dim},  # PyTorch: embedding_dim
    embeddings_initializer={init},
{padding})

# Same distribution as the app's {SCHEMES[config.scheme].label}, seed {config.seed}; Keras draws
# its own random numbers, so the values differ from PyTorch's.
vectors = embedding(keras.ops.convert_to_tensor([[0, 1, 2]]))  # shape (1, 3, {config.dim})
'''
