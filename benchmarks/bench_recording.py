"""Recording a run (`export SESSION --format gif|mp4`): frames of the demo's 124 words drawn
by the real 2D view offscreen at 960x600, then encoded. GIF: us (explorer.core.io.video:
one palette for the clip, Pillow) against imageio's own GIF writer (`imageio.v3.imwrite`,
Pillow, a palette per frame) on the same frames: time and file size. MP4 (imageio-ffmpeg,
libx264) and the drawing are reported per frame. Target: a 40-frame clip in under 10 s.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

from _common import median_seconds, options, report  # noqa: E402


def demo_snapshots(count: int):
    """The demo's words moving from a small random start to category clusters."""
    from explorer.core.tokens.demo import category_labels, demo_vocabulary
    from explorer.core.training.snapshot import Snapshot

    vocab = demo_vocabulary()
    labels = category_labels(vocab)
    names = sorted(set(labels))
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((len(names), 64)).astype(np.float32)
    goal = np.stack([centres[names.index(c)] for c in labels]) + 0.2 * rng.standard_normal((len(vocab), 64))
    start = 0.02 * rng.standard_normal((len(vocab), 64))
    snaps = [Snapshot(10 * k, k // 2, 4.0 - 2.0 * k / count, 100 * k,
                      (start + (goal - start) * (k / (count - 1)) ** 0.5).astype(np.float32),
                      progress=k / (count - 1)) for k in range(count)]
    return vocab, labels, snaps


def main() -> None:
    args = options(__doc__)
    import imageio.v3 as iio
    from PySide6.QtWidgets import QApplication

    from explorer.core.io.recording import plan_recording
    from explorer.core.io.video import VideoWriter
    from explorer.ui.recording import FrameRenderer
    from explorer.ui.theme import category_colors

    app = QApplication.instance() or QApplication([])  # noqa: F841 - the view needs one
    count = 8 if args.quick else 40
    vocab, labels, snaps = demo_snapshots(count)
    colors, legend = category_colors(labels, len(vocab))
    plan = plan_recording(snaps, trail_ids=[vocab.tokens.index("dog")]).prepare()
    renderer = FrameRenderer(plan, vocab.tokens, colors, legend, size=(960, 600), label_ids=list(range(60)))
    frames: list[np.ndarray] = []

    def draw() -> None:
        frames.clear()
        frames.extend(renderer.render(plan.frame(i)) for i in range(len(plan)))

    draw_seconds = median_seconds(draw, max(1, args.repeats // 2), warmup=1)
    folder = Path(tempfile.mkdtemp(prefix="bench-recording-"))

    def ours(fmt: str) -> None:
        with VideoWriter(folder / f"ours.{fmt}", fmt, fps=8) as writer:
            for frame in frames:
                writer.append(frame)

    def peer_gif() -> None:
        iio.imwrite(folder / "peer.gif", np.stack(frames), extension=".gif", duration=125, loop=0)

    us_gif = median_seconds(lambda: ours("gif"), args.repeats, warmup=1)
    them_gif = median_seconds(peer_gif, args.repeats, warmup=1)
    us_mp4 = median_seconds(lambda: ours("mp4"), max(1, args.repeats // 2), warmup=1)
    renderer.close()
    n = len(frames)
    sizes = {name: (folder / name).stat().st_size for name in ("ours.gif", "peer.gif", "ours.mp4")}
    total = draw_seconds + us_gif
    figures = {
        "peer": "imageio.v3.imwrite GIF (Pillow, a palette per frame)",
        "target": f"a {n}-frame 960x600 clip drawn and encoded in < 10 s; GIF smaller and faster than the peer's",
        "frames": n,
        "ratio": them_gif / us_gif,
        "draw_ms_per_frame": 1000 * draw_seconds / n,
        "us_gif_ms_per_frame": 1000 * us_gif / n,
        "peer_gif_ms_per_frame": 1000 * them_gif / n,
        "us_gif_kb": sizes["ours.gif"] / 1e3,
        "peer_gif_kb": sizes["peer.gif"] / 1e3,
        "size_ratio": sizes["peer.gif"] / sizes["ours.gif"],
        "us_mp4_ms_per_frame": 1000 * us_mp4 / n,
        "us_mp4_kb": sizes["ours.mp4"] / 1e3,
        "gif_clip_seconds": total,
        "within_target": total < 10.0,
    }
    report("Record a run (GIF / MP4)", figures, args.json)


if __name__ == "__main__":
    main()
