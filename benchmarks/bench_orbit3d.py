"""3D view: time per orbit frame with 200,000 points (--quick: 20,000), rendered by Mesa
(llvmpipe, software) under Xvfb or by whatever GL the display has. Each frame turns the
camera 2 degrees, renders (paintGL) and waits for the GL pipeline (glFinish).

Peer: the default pyqtgraph configuration (a GLViewWidget with one GLScatterPlotItem
holding the same points and colours). The figure depends on the hardware: record it.
Without an OpenGL context (no display, no xvfb-run) it prints ratio null and exits 0.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

from _common import options, report


def _reexec_under_xvfb() -> int | None:
    """OpenGL needs a display: re-run under xvfb-run when there is none."""
    if os.environ.get("DISPLAY") or os.environ.get("EXPLORER_BENCH_IN_XVFB") or not shutil.which("xvfb-run"):
        return None
    env = {**os.environ, "EXPLORER_BENCH_IN_XVFB": "1", "QT_QPA_PLATFORM": "xcb"}
    command = ["xvfb-run", "-a", "-s", "-screen 0 1280x1024x24", sys.executable, *sys.argv]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    if result.returncode == 0 and result.stdout.strip():
        sys.stdout.write(result.stdout)
        return 0
    return None  # fall through: report that no context could be made


def frame_seconds(view, frames: int) -> float:
    from OpenGL import GL

    view.makeCurrent()
    times = []
    for _ in range(frames):
        view.orbit(2.0, 0.0)
        start = time.perf_counter()
        view.paintGL()
        GL.glFinish()
        times.append(time.perf_counter() - start)
    view.doneCurrent()
    times.sort()
    return times[len(times) // 2]


def main() -> None:
    args = options(__doc__)
    n = 20_000 if args.quick else 200_000
    frames = 10 if args.quick else 30
    base = {"peer": "default GLScatterPlotItem", "target": "record the orbit frame time (hardware-dependent)",
            "points": n}
    code = _reexec_under_xvfb()
    if code is not None:
        return
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    try:
        import numpy as np
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QOffscreenSurface, QOpenGLContext
        from PySide6.QtWidgets import QApplication

        QApplication.setAttribute(Qt.AA_ShareOpenGLContexts)
        app = QApplication.instance() or QApplication([])
        if app.platformName() in ("offscreen", "minimal"):
            raise RuntimeError(f"the Qt platform '{app.platformName()}' has no OpenGL")
        context, surface = QOpenGLContext(), QOffscreenSurface()
        surface.create()
        if not context.create() or not context.makeCurrent(surface):
            raise RuntimeError("an OpenGL context cannot be made")
        renderer = "unknown"
        try:
            from OpenGL import GL

            renderer = GL.glGetString(GL.GL_RENDERER).decode()
        except Exception:
            pass
        context.doneCurrent()
    except Exception as exc:  # no GL here: say so, with no figure
        report("3D orbit", {**base, "ratio": None, "skipped": f"no OpenGL context: {exc}"}, args.json)
        return

    import pyqtgraph.opengl as gl

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from explorer.ui.theme import LIGHT
    from explorer.ui.views.scatter3d import Scatter3D

    rng = np.random.default_rng(0)
    xyz = rng.standard_normal((n, 3)).astype(np.float32)
    colors = rng.integers(0, 255, (n, 4)).astype(np.uint8)
    colors[:, 3] = 230

    ours = Scatter3D(LIGHT)
    ours.resize(1000, 800)
    ours.show()
    ours.set_points(xyz, [str(i) for i in range(n)], colors)
    ours.set_labels(list(range(60)))
    peer = gl.GLViewWidget()
    peer.resize(1000, 800)
    peer.show()
    peer.addItem(gl.GLScatterPlotItem(pos=xyz / 3, color=colors.astype(np.float32) / 255))
    for _ in range(3):
        app.processEvents()
    frame_seconds(ours, 2)  # warm-up: buffers uploaded, shaders compiled
    frame_seconds(peer, 2)
    us = frame_seconds(ours, frames)
    theirs = frame_seconds(peer, frames)
    report("3D orbit", {**base, "ratio": theirs / us, "renderer": renderer, "frames": frames,
                        "us_ms_per_frame": 1000 * us, "peer_ms_per_frame": 1000 * theirs,
                        "us_fps": 1 / us}, args.json)


if __name__ == "__main__":
    main()
