"""Live-training redraw: 50,257 points (GPT-2's vocabulary) move every frame.

One frame = give the view new positions, then render it to a QImage (offscreen,
the same 1000 x 700 view for both). Ours: explorer's Scatter2D (sprites stamped
with numpy, one image per frame). Peer: pyqtgraph's default ScatterPlotItem with
the same positions and per-point brushes, moved with setData as an app would.
ratio = peer time / our time per frame (target: <= 33 ms a frame and >= 5x).
Also reported: the first hover pick after a move (rebuilds the spatial grid).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from _common import median_seconds, options, report

WIDTH, HEIGHT = 1000, 700


def make_frames(n: int, count: int, seed: int = 0) -> list[np.ndarray]:
    """A slowly drifting cloud of clusters, like PCA of an embedding in training."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4, size=(12, 2))
    xy = (centres[rng.integers(0, 12, n)] + rng.normal(size=(n, 2))).astype(np.float32)
    frames = []
    for _ in range(count):
        xy = xy + rng.normal(scale=0.05, size=xy.shape).astype(np.float32)
        frames.append(xy.copy())
    return frames


def main() -> None:
    args = options(__doc__)
    n = 5_000 if args.quick else 50_257
    ours_repeats = max(3, args.repeats * 3)
    peer_repeats = max(2, args.repeats)
    frames = make_frames(n, 8)

    import pyqtgraph as pg
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QApplication

    from explorer.ui.theme import LIGHT, PALETTE
    from explorer.ui.views.scatter2d import Scatter2D

    app = QApplication.instance() or QApplication([])
    rng = np.random.default_rng(1)
    category = rng.integers(0, 10, n)
    colors = np.array([(*PALETTE[c], 230) for c in category], dtype=np.uint8)
    tokens = [f"tok{i}" for i in range(n)]
    counts = rng.zipf(1.3, n).clip(1, 10**6)
    image = QImage(WIDTH, HEIGHT, QImage.Format_ARGB32_Premultiplied)

    def render(view) -> None:
        painter = QPainter(image)
        view.render(painter)
        painter.end()

    ours = Scatter2D(LIGHT)
    ours.resize(WIDTH, HEIGHT + ours.toolbar.height())
    ours.show()
    ours.set_points(frames[0], tokens, colors, counts)
    app.processEvents()
    state = {"k": 0}

    def our_frame() -> None:
        state["k"] = (state["k"] + 1) % len(frames)
        ours.set_positions(frames[state["k"]])
        render(ours)

    our_seconds = median_seconds(our_frame, ours_repeats, warmup=2)
    ours.set_labels(np.argsort(-counts)[:60].tolist())
    our_labelled_seconds = median_seconds(our_frame, ours_repeats, warmup=1)
    ours.set_labels([])

    centre = ours.viewbox.mapViewToScene(pg.Point(*frames[0][0]))

    def pick_only() -> None:
        ours.point_at(centre)

    pick_seconds = median_seconds(pick_only, 5, warmup=1)
    def pick_after_move() -> None:
        ours.points._grid = None  # as after set_positions: the grid is rebuilt on the first pick
        ours.point_at(centre)

    pick_rebuild_seconds = median_seconds(pick_after_move, 3)
    ours.close()

    peer = pg.PlotWidget(background=LIGHT.background)
    peer.resize(WIDTH, HEIGHT)
    peer.show()
    brushes = [pg.mkBrush(*c) for c in colors]
    scatter = pg.ScatterPlotItem(size=LIGHT.point_size, pen=None, hoverable=True)
    peer.addItem(scatter)
    scatter.setData(pos=frames[0], brush=brushes, data=np.arange(n))
    peer.autoRange()
    app.processEvents()

    def peer_frame() -> None:
        state["k"] = (state["k"] + 1) % len(frames)
        scatter.setData(pos=frames[state["k"]], brush=brushes, data=np.arange(n))
        render(peer)

    peer_seconds = median_seconds(peer_frame, peer_repeats, warmup=1)
    peer.close()

    report("scatter redraw, moving points", {
        "peer": "pyqtgraph default ScatterPlotItem (setData + render)",
        "ratio": peer_seconds / our_seconds,
        "target": "<= 33 ms per frame offscreen and >= 5x the default ScatterPlotItem",
        "points": n,
        "view": f"{WIDTH}x{HEIGHT}",
        "ours_ms_per_frame": 1000 * our_seconds,
        "ours_with_60_labels_ms_per_frame": 1000 * our_labelled_seconds,
        "peer_ms_per_frame": 1000 * peer_seconds,
        "hover_pick_ms": 1000 * pick_seconds,
        "hover_pick_after_move_ms (grid rebuilt)": 1000 * pick_rebuild_seconds,
        "within_target": bool(our_seconds <= 0.033 and peer_seconds / our_seconds >= 5),
    }, args.json)


if __name__ == "__main__":
    main()
