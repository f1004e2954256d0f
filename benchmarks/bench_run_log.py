"""What `run.log(step, weights, loss)` costs a training loop at GPT-2's 50,257 x 768
(154 MB in float32): ours against saving the same tensor with np.save and torch.save
(which the loop waits for), in one run, to files in the same folder.

Ours copies the matrix and hands it to a background thread that writes (and fsyncs) it:
the loop waits only for the copy. Between two timed logs the writer is let finish (as in
a loop that logs every 50 steps), and the time until a snapshot is on disk is reported
too (`ours_on_disk_s`, fsync included; the peers do not fsync), and one bare memcpy of the
matrix (`memcpy_s`), the least a copy can cost on this machine.

Peer: np.save of the same array. Ratio: peer time / our time in the loop (above 1: the
loop waits less than np.save makes it)."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import ROOT, median_seconds, options, report


def main() -> None:
    args = options(__doc__)
    import torch

    from explorer.api import Run

    rows, dim = (2_000, 64) if args.quick else (50_257, 768)
    torch.manual_seed(0)
    weights = torch.nn.Embedding(rows, dim).weight  # a parameter, as a training loop has it
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="bench-run-log-", dir=out))
    try:
        run = Run(folder / "run.eerun", tokens=[f"t{i}" for i in range(rows)])
        step = [0]
        on_disk = []

        def ours():
            run.log(step[0], weights, loss=1.0)
            step[0] += 1

        def settle():  # the writer finishes before the next timed log (training happens meanwhile)
            start = time.perf_counter()
            run.flush()
            on_disk.append(time.perf_counter() - start)

        ours()  # warm: the first log allocates the copy buffers and writes the header
        settle()
        loop_times = []
        for _ in range(max(1, args.repeats)):
            start = time.perf_counter()
            ours()
            loop_times.append(time.perf_counter() - start)
            settle()
        run.close()
        us = float(np.median(loop_times))
        array = weights.detach().numpy()
        them = median_seconds(lambda: np.save(folder / "peer.npy", array), args.repeats, warmup=1)
        torch_s = median_seconds(lambda: torch.save(weights.detach(), folder / "peer.pt"), args.repeats, warmup=1)
        buffer = np.empty_like(array)
        copy_s = median_seconds(lambda: np.copyto(buffer, array), args.repeats, warmup=1)  # the floor: one memcpy
        from explorer.core.io.session import load_session

        session = load_session(folder / "run.eerun")
        assert np.array_equal(session.weights, array), "the logged matrix is not the tensor, bit for bit"
        report("run_log", {
            "shape": f"{rows} x {dim}", "ours_s": us, "peer_s": them, "torch_save_s": torch_s,
            "ours_on_disk_s": float(np.median(on_disk[1:] or on_disk)), "memcpy_s": copy_s, "ratio": them / us,
            "ratio_torch_save": torch_s / us,
            "peer": "np.save of the same float32 array (torch.save also given), same folder, same run",
            "target": "log costs the loop milliseconds at 50,257 x 768, not seconds",
        }, args.json)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
