"""The fast truncated normal is torch's nn.init.trunc_normal_ bit for bit (Show code's snippet
calls nn.init), for wide intervals (the rejection rounds it speeds up) and narrow ones."""

import pytest
import torch
from torch import nn

from explorer.core.matrix.init import trunc_normal


@pytest.mark.parametrize("shape", [(3000, 64), (60, 24), (1, 1), (7, 3)])
@pytest.mark.parametrize("bounds", [(0.02, -0.04, 0.04), (1.0, -2.0, 2.0), (0.02, -0.01, 0.05), (1.0, -0.2, 0.2)])
@pytest.mark.parametrize("seed", [0, 5])
def test_same_matrix_as_torch(shape, bounds, seed):
    std, a, b = bounds
    expected = nn.init.trunc_normal_(torch.empty(*shape), 0.0, std, a, b, generator=torch.Generator().manual_seed(seed))
    got = trunc_normal(torch.empty(*shape), 0.0, std, a, b, generator=torch.Generator().manual_seed(seed))
    assert torch.equal(got, expected)
    assert got.min() >= a and got.max() <= b
