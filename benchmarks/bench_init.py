"""Truncated-normal init (GPT-2/BERT's) of a 50,257 x 768 matrix: ours against torch's
nn.init.trunc_normal_ with the same generator (the same matrix, bit for bit).

Peer: torch.nn.init.trunc_normal_. Ratio: peer time / our time (above 1: we are faster)."""

from __future__ import annotations

from _common import median_seconds, options, report


def main() -> None:
    args = options(__doc__)
    import torch
    from torch import nn

    from explorer.core.matrix.init import trunc_normal

    rows, dim = (2_000, 64) if args.quick else (50_257, 768)
    std = 0.02

    def ours():
        return trunc_normal(torch.empty(rows, dim), 0.0, std, -2 * std, 2 * std,
                            generator=torch.Generator().manual_seed(0))

    def peer():
        return nn.init.trunc_normal_(torch.empty(rows, dim), 0.0, std, -2 * std, 2 * std,
                                     generator=torch.Generator().manual_seed(0))

    assert torch.equal(ours(), peer()), "not the same matrix as nn.init.trunc_normal_"
    us = median_seconds(ours, args.repeats)
    them = median_seconds(peer, args.repeats)
    report("init_truncated_normal", {
        "shape": f"{rows} x {dim}", "ours_s": us, "peer_s": them, "ratio": them / us,
        "peer": "torch.nn.init.trunc_normal_ (same generator, same matrix)",
        "target": "ratio > 1: GPT-2's init no longer waits on torch's whole-tensor rejection rounds",
    }, args.json)


if __name__ == "__main__":
    main()
