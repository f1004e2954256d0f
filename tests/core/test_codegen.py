"""Show code: the PyTorch snippet runs and rebuilds the app's matrix bit for bit for the seed."""

import json
import subprocess
import sys

import numpy as np
import pytest

from explorer.core import ExplorerError
from explorer.core.matrix.codegen import keras_snippet, pytorch_snippet
from explorer.core.matrix.init import initialize
from explorer.core.matrix.schemes import SCHEMES, InitConfig

CASES = [
    (InitConfig("normal", 16, 0), 50, None),
    (InitConfig("normal", 8, 7, {"std": 0.02}), 30, 0),
    (InitConfig("uniform", 8, 3, {"a": -0.1, "b": 0.3}), 20, None),
    (InitConfig("xavier_uniform", 32, 1), 40, 2),
    (InitConfig("xavier_normal", 12, 5, {"gain": 0.5}), 25, None),
    (InitConfig("kaiming_uniform", 16, 2), 40, None),
    (InitConfig("kaiming_normal", 16, 9, {"mode": "fan_out", "nonlinearity": "tanh"}), 33, None),
    (InitConfig("truncated_normal", 24, 4), 60, 1),
    (InitConfig("word2vec", 10, 11), 15, None),
    (InitConfig("orthogonal", 6, 6), 12, None),
    (InitConfig("zeros", 5, 0), 9, None),
    (InitConfig("constant", 5, 0, {"value": 0.25}), 9, 3),
    (InitConfig("one_hot", 12, 0), 12, None),
]

RUNNER = r"""
import json, sys
import numpy as np
cases = json.load(sys.stdin)
out = {}
for i, code in enumerate(cases):
    namespace = {"__name__": "__snippet__"}
    exec(compile(code, f"snippet{i}", "exec"), namespace)
    out[f"m{i}"] = namespace["embedding"].weight.detach().numpy()
np.savez(sys.argv[1], **out)
"""


def test_every_scheme_has_a_case():
    assert {c.scheme for c, _v, _p in CASES} == set(SCHEMES)


def test_pytorch_snippets_reproduce_the_matrix_bit_for_bit(tmp_path):
    snippets = [pytorch_snippet(config, vocab, pad) for config, vocab, pad in CASES]
    out = tmp_path / "matrices.npz"
    result = subprocess.run([sys.executable, "-c", RUNNER, str(out)], input=json.dumps(snippets),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "torch.Size" in result.stdout  # each snippet also runs its lookup example
    matrices = np.load(out)
    for i, (config, vocab, pad) in enumerate(CASES):
        expected = initialize(config, vocab, pad)
        got = matrices[f"m{i}"]
        assert got.dtype == np.float32 and got.shape == expected.shape, config
        assert np.array_equal(got, expected), f"{config.scheme}: the snippet's matrix differs"
        if pad is not None:
            assert not got[pad].any()


def test_snippet_states_the_layer_and_the_seed():
    code = pytorch_snippet(InitConfig("xavier_uniform", 64, 42), 124, 0)
    assert "nn.Embedding(num_embeddings, embedding_dim, padding_idx=padding_idx)" in code
    assert "num_embeddings = 124" in code and "embedding_dim = 64" in code and "padding_idx = 0" in code
    assert "manual_seed(42)" in code and "nn.init.xavier_uniform_(embedding.weight, gain=1.0, generator=g)" in code


def test_keras_equivalent_names_input_and_output_dims():
    code = keras_snippet(InitConfig("normal", 64, 3, {"std": 0.02}), 124, 0)
    assert "layers.Embedding(" in code and "input_dim=124" in code and "output_dim=64" in code
    assert "RandomNormal(mean=0.0, stddev=0.02, seed=3)" in code and "mask_zero=True" in code
    compile(code, "keras_snippet", "exec")  # valid Python (Keras itself is not installed)
    kaiming = keras_snippet(InitConfig("kaiming_uniform", 16, 0), 100)
    assert "mode='fan_out'" in kaiming and "scale=2.0" in kaiming  # torch's fan_in of (vocab, dim) is dim
    for scheme in SCHEMES:
        compile(keras_snippet(InitConfig(scheme, 128, 0), 100), scheme, "exec")


def test_bad_configurations_are_reported():
    with pytest.raises(ExplorerError, match="one_hot needs dim"):
        pytorch_snippet(InitConfig("one_hot", 4, 0), 10)
    with pytest.raises(ExplorerError, match="no parameter"):
        pytorch_snippet(InitConfig("zeros", 4, 0, {"std": 1.0}), 10)
