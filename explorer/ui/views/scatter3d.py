"""The 3D projection view (OpenGL): the same points and colours as 2D, orbit and zoom.

Labels, the legend and the "what is shown" line are painted by a transparent child
widget over the GL scene. (pyqtgraph's GLTextItem, and any QPainter drawing inside
`paintGL`, is lost when the window is grabbed: `QWidget.grab()` re-renders the GL
framebuffer and composites it over whatever QPainter drew.) `export()` paints the same
overlay onto `grabFramebuffer()`, so labels appear on screen, in window screenshots and
in exported PNGs alike.

Like the 2D view it follows `state.view`: the colour mode, k and regex (so both views
colour alike, each from the state), the camera (`camera3d`, written when the user
orbits or zooms) and auto-rotation (`auto_rotate`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph.opengl as gl
from pyqtgraph import Vector
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QWidget

from explorer.core.analysis.clusters import kmeans
from explorer.core.state.app import AppState
from explorer.core.view.colours import match_tokens, point_colours
from explorer.ui.theme import NEUTRAL, PALETTE, Theme

ROTATE_INTERVAL_MS = 33  # ~30 frames per second
ROTATE_DEGREES = 0.6  # per frame: a full turn in about 20 s
MAX_LABELS = 200
CAMERA_WRITE_MS = 150  # orbiting and zooming write state.view.camera3d at most this often


def point_size_3d(n: int, base: int) -> float:
    """Smaller points for bigger clouds, so dense ones stay readable."""
    if n <= 2_000:
        return base + 2
    if n <= 20_000:
        return 5
    if n <= 100_000:
        return 4
    return 3


class _Overlay(QWidget):
    """Transparent, click-through layer over the GL view: labels, legend, statement."""

    def __init__(self, view: Scatter3D) -> None:
        super().__init__(view)
        self.view = view
        self.setAttribute(Qt.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WA_NoSystemBackground)
        self.setAttribute(Qt.WA_TranslucentBackground)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        try:
            self.view.paint_overlay(painter)
        finally:
            painter.end()


class Scatter3D(gl.GLViewWidget):
    """Public API: set_points / set_positions / set_colors / set_legend / set_labels /
    set_statement, set_auto_rotate, export(path); signal auto_rotate_changed(bool).
    `state` is the AppState it follows (its own when none is given)."""

    auto_rotate_changed = Signal(bool)

    def __init__(self, theme: Theme, state: AppState | None = None, parent=None) -> None:
        super().__init__(parent=parent)
        self.theme = theme
        self.state = state or AppState()
        self.tokens: list[str] = []
        self.counts: np.ndarray | None = None
        self._raw = np.zeros((0, 3), dtype=np.float32)  # as given: k-means without a runner
        self._category_colors = np.zeros((0, 4), dtype=np.uint8)
        self._category_legend: list = []
        self.cluster_labels: np.ndarray | None = None
        self.cluster_runner = None  # callable(k, done(labels)): k-means of the full vectors
        self._xyz = np.zeros((0, 3), dtype=np.float32)  # shown points, scaled into a unit cube
        self._ids = np.zeros(0, dtype=np.int64)  # token ID of each shown point
        self._row_of: dict[int, int] | None = None  # token ID -> shown row, when not all shown
        self._n_tokens = 0
        self._colors = np.zeros((0, 4), dtype=np.float32)
        self._colors_all = np.zeros((0, 4), dtype=np.uint8)  # per token, as coloured now
        self._label_ids: list[int] = []
        self._frame: tuple[np.ndarray, float] | None = None  # (centre, extent) of the unit cube
        self.legend_entries: list[tuple[str, tuple]] = []
        self.statement = ""
        self.setBackgroundColor(QColor(theme.background))
        self.setCameraPosition(distance=3.4, elevation=22, azimuth=40)
        self.grid = gl.GLGridItem(color=(0, 0, 0, 40))
        self.grid.setSize(2, 2)
        self.grid.setSpacing(0.25, 0.25)
        self.grid.translate(0, 0, -1)
        self.addItem(self.grid)
        self.points = gl.GLScatterPlotItem(size=point_size_3d(0, theme.point_size), pxMode=True)
        self.points.setGLOptions("translucent")
        self.addItem(self.points)
        self.overlay = _Overlay(self)
        self._rotate_timer = QTimer(self, interval=ROTATE_INTERVAL_MS)
        self._rotate_timer.timeout.connect(lambda: self.orbit(ROTATE_DEGREES, 0))
        self._camera_timer = QTimer(self, singleShot=True, interval=CAMERA_WRITE_MS)
        self._camera_timer.timeout.connect(self._store_camera)
        view, explore = self.state.view.events, self.state.explore.events
        view.colour.connect(lambda _mode: self._recolour())
        view.clusters.connect(self._clusters_changed)
        view.colour_pattern.connect(lambda _p: self.state.view.colour == "regex" and self._recolour())
        explore.search.connect(lambda _text: self.state.view.colour == "regex" and self._recolour())
        view.camera3d.connect(self._follow_camera)
        view.auto_rotate.connect(self._follow_auto_rotate)
        self._follow_camera(self.state.view.camera3d)
        self._follow_auto_rotate(self.state.view.auto_rotate)

    # -- data -------------------------------------------------------------------
    @property
    def point_count(self) -> int:
        return len(self._xyz)

    @property
    def shown_ids(self) -> np.ndarray:
        return self._ids

    def set_points(self, xyz: np.ndarray, tokens: list[str], colors: np.ndarray,
                   counts: np.ndarray | None = None) -> None:
        """One row per token; rows with NaN (not in a sampled projection) are left out.
        `colors` are the category colours (RGBA 0-255); `counts` colour by frequency.

        Positions are centred and scaled into a unit cube so the camera always frames them."""
        self.tokens = list(tokens)
        self.counts = None if counts is None else np.asarray(counts)
        self._n_tokens = len(xyz)
        self._frame = None
        self.cluster_labels = None
        self._place(xyz)
        self.set_colors(colors)

    def set_positions(self, xyz: np.ndarray) -> None:
        """New coordinates for the same tokens (live training): colours and labels stay."""
        if self._place(xyz) and len(self._colors_all) == self._n_tokens:
            self._show_colors(self._colors_all)  # another sample: its points' colours
        else:
            self._upload()

    def set_colors(self, colors: np.ndarray) -> None:
        """The category colours, RGBA 0-255 per token (shown when colouring by category)."""
        colors = np.asarray(colors)
        if len(colors) != self._n_tokens:
            return
        self._category_colors = colors
        self._recolour()

    def set_legend(self, entries: list[tuple[str, tuple]]) -> None:
        """The category legend (shown when colouring by category)."""
        self._category_legend = list(entries)
        self._recolour()

    # -- colours, as state.view says ----------------------------------------------
    def set_clusters(self, labels: np.ndarray) -> None:
        """k-means labels per token computed elsewhere (a worker)."""
        labels = np.asarray(labels)
        if len(labels) != self._n_tokens:
            return  # stale: the points changed meanwhile
        self.cluster_labels = labels
        if self.state.view.colour == "cluster":
            self._recolour()

    def _clusters_changed(self, _k: int) -> None:
        self.cluster_labels = None
        if self.state.view.colour == "cluster":
            self._recolour()

    def _recolour(self) -> None:
        n = self._n_tokens
        mode, k = self.state.view.colour, self.state.view.clusters
        if mode == "cluster" and (self.cluster_labels is None or len(self.cluster_labels) != n) and n:
            if self.cluster_runner is not None:
                self.legend_entries = [(f"computing k-means (k={k})…", (*NEUTRAL, 160))]
                self._show_colors(np.tile(np.array([*NEUTRAL, 160], np.uint8), (n, 1)))
                self.cluster_runner(k, lambda labels: k == self.state.view.clusters and self.set_clusters(labels))
                return
            self.cluster_labels = kmeans(np.nan_to_num(self._raw), k)
        pattern = hits = None
        if mode == "regex":
            pattern = self.state.view.colour_pattern or self.state.explore.search
            hits = match_tokens(self.tokens, pattern, regex=True) if pattern else None
        colors, self.legend_entries = point_colours(
            mode, n, palette=PALETTE, neutral=NEUTRAL, category=self._category_colors,
            category_legend=self._category_legend, counts=self.counts, clusters=self.cluster_labels,
            pattern=pattern or "", hits=hits)
        self._show_colors(colors)

    def _show_colors(self, colors: np.ndarray) -> None:
        self._colors_all = colors
        rgba = colors[self._ids].astype(np.float32) / 255.0
        rgba[:, 3] = np.maximum(rgba[:, 3], 0.6)  # keep faint points visible in depth
        self._colors = rgba
        self._upload()

    def _place(self, xyz: np.ndarray) -> bool:
        """Keep the finite rows, scaled into the unit cube; True when the shown rows changed."""
        xyz = np.asarray(xyz, dtype=np.float32)
        if xyz.ndim != 2 or xyz.shape[1] < 3:  # a 2D projection: flat in the z = 0 plane
            xyz = np.column_stack([xyz[:, :2], np.zeros(len(xyz), np.float32)]) if len(xyz) else \
                np.zeros((0, 3), np.float32)
        xyz = xyz[:, :3]
        self._raw = xyz
        finite = np.isfinite(xyz).all(axis=1)
        if finite.all():
            ids = np.arange(len(xyz))
            self._row_of = None
        else:
            ids = np.flatnonzero(finite)
            self._row_of = {int(i): r for r, i in enumerate(ids)}
        shown = xyz[ids]
        if len(shown):
            # Robust framing: a few outliers must not shrink the cloud to a dot. Live
            # updates keep the frame (points must not breathe) until the cloud outgrows it.
            centre = np.median(shown, axis=0)
            reach = np.abs(shown - centre).max(axis=1)
            extent = float(np.percentile(reach, 98)) or float(reach.max()) or 1.0
            if self._frame is not None and 0.67 < extent / self._frame[1] < 1.5:
                centre, extent = self._frame
            self._frame = (centre, extent)
            shown = (shown - centre) / extent
        changed = len(ids) != len(self._ids) or not np.array_equal(ids, self._ids)
        self._ids = ids
        self._xyz = shown.astype(np.float32)
        return changed

    def _upload(self) -> None:
        if len(self._colors) != len(self._xyz):
            return
        self.points.setData(pos=self._xyz, color=self._colors,
                            size=point_size_3d(len(self._xyz), self.theme.point_size))
        self.update()

    def set_statement(self, text: str) -> None:
        """What the view shows (method, sample), drawn in the corner and in exports."""
        self.statement = text
        self.update()

    def set_labels(self, ids: list[int]) -> None:
        self._label_ids = [int(i) for i in ids if 0 <= int(i) < len(self.tokens)][:MAX_LABELS]
        self.update()

    @property
    def labels(self) -> list[str]:
        """Tokens of the labels that are drawn (those whose point is shown)."""
        return [self.tokens[i] for i in self._label_ids if self._row(i) is not None]

    def _row(self, token_id: int) -> int | None:
        if self._row_of is None:
            return token_id if token_id < len(self._xyz) else None
        return self._row_of.get(token_id)

    # -- presentation -----------------------------------------------------------
    @property
    def auto_rotating(self) -> bool:
        return self._rotate_timer.isActive()

    def set_auto_rotate(self, on: bool) -> None:
        """Orbit the camera slowly around the cloud (for presentations): state.view.auto_rotate."""
        self.state.view.auto_rotate = bool(on)

    def _follow_auto_rotate(self, on: bool) -> None:
        if on == self.auto_rotating:
            return
        if on:
            self._rotate_timer.start()
        else:
            self._rotate_timer.stop()
            self._store_camera()  # where the rotation left the camera
        self.auto_rotate_changed.emit(on)

    # -- the camera, in state.view.camera3d -------------------------------------------
    def camera(self) -> dict:
        opts = self.opts
        center = opts["center"]
        return {"distance": float(opts["distance"]), "elevation": float(opts["elevation"]),
                "azimuth": float(opts["azimuth"]), "center": [center.x(), center.y(), center.z()]}

    def _camera_moved(self) -> None:
        if not self._camera_timer.isActive():  # a throttle: one write per interval while it moves
            self._camera_timer.start()

    def _store_camera(self) -> None:
        self.state.view.camera3d = self.camera()

    def _follow_camera(self, camera: dict | None) -> None:
        if camera is None or camera == self.camera():
            return
        try:
            self.setCameraPosition(pos=Vector(*camera.get("center", (0, 0, 0))), distance=camera["distance"],
                                   elevation=camera["elevation"], azimuth=camera["azimuth"])
        except (KeyError, TypeError, ValueError):
            return  # a camera from another version: keep this one
        self.update()

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.setBackgroundColor(QColor(theme.background))
        dark = QColor(theme.background).lightness() < 128
        self.grid.setColor((255, 255, 255, 40) if dark else (0, 0, 0, 40))
        self._upload()

    def export(self, path: str | Path) -> Path:
        """Save what the view shows (points, labels, legend) as a PNG."""
        path = Path(path)
        if path.suffix.lower() != ".png":
            path = path.with_suffix(".png")
        if not self.grab_image().save(str(path)):
            raise OSError(f"{path}: could not write the picture")
        return path

    def grab_image(self):
        """The rendered scene with the overlay (labels, legend, statement) painted on it."""
        image = self.grabFramebuffer()
        painter = QPainter(image)
        try:
            self.paint_overlay(painter)  # the image carries the device pixel ratio: logical units
        finally:
            painter.end()
        return image

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.overlay.setGeometry(self.rect())

    def mousePressEvent(self, event) -> None:
        self.set_auto_rotate(False)  # the user takes the camera
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        super().mouseMoveEvent(event)
        self._camera_moved()

    def wheelEvent(self, event) -> None:
        super().wheelEvent(event)
        self._camera_moved()

    # -- overlay ----------------------------------------------------------------
    def screen_positions(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Widget pixel coordinates of shown rows, and whether each is in front of the camera."""
        w, h = max(self.width(), 1), max(self.height(), 1)
        viewport = (0, 0, w, h)
        mvp = self.projectionMatrix(viewport, viewport) * self.viewMatrix()
        m = np.array(mvp.data(), dtype=np.float64).reshape(4, 4).T  # Qt stores column-major
        pts = np.column_stack([self._xyz[rows], np.ones(len(rows))]) @ m.T
        wcoord = pts[:, 3]
        front = wcoord > 1e-9
        ndc = pts[:, :2] / np.where(front, wcoord, 1)[:, None]
        xy = np.column_stack([(ndc[:, 0] + 1) * w / 2, (1 - ndc[:, 1]) * h / 2])
        return xy, front

    def paintGL(self) -> None:
        super().paintGL()
        self.overlay.update()  # the camera may have moved: labels follow their points

    def paint_overlay(self, painter: QPainter) -> None:
        painter.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
        self._paint_labels(painter)
        self._paint_legend(painter)
        self._paint_statement(painter)

    def _font(self, size: int, bold: bool = False) -> QFont:
        font = QFont()
        font.setPointSize(size)
        font.setBold(bold)
        return font

    def _paint_labels(self, painter: QPainter) -> None:
        rows = [(i, self._row(i)) for i in self._label_ids]
        rows = [(i, r) for i, r in rows if r is not None]
        if not rows:
            return
        xy, front = self.screen_positions(np.array([r for _, r in rows]))
        font = self._font(self.theme.label_size, bold=True)
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        fg, bg = QColor(self.theme.foreground), QColor(self.theme.background)
        bg.setAlpha(200)
        taken: list[QRectF] = []  # overlapping labels are left out, nearest first
        for (token_id, _), (x, y), ok in zip(rows, xy, front):
            if not ok:
                continue
            text = self.tokens[token_id]
            rect = metrics.boundingRect(text)
            box = QRectF(x + 6, y - rect.height() - 2, rect.width() + 6, rect.height() + 2)
            if any(box.intersects(t) for t in taken):
                continue
            taken.append(box)
            painter.setPen(Qt.NoPen)
            painter.setBrush(bg)
            painter.drawRoundedRect(box, 3, 3)
            painter.setPen(QPen(fg))
            painter.drawText(box, Qt.AlignCenter, text)

    def _paint_legend(self, painter: QPainter) -> None:
        if not self.legend_entries:
            return
        font = self._font(self.theme.font_size - 1)
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        line = metrics.height() + 4
        width = max(metrics.horizontalAdvance(name) for name, _ in self.legend_entries) + 34
        box = QRectF(self.width() - width - 12, 12, width, line * len(self.legend_entries) + 10)
        painter.setPen(QPen(QColor(200, 200, 200)))
        painter.setBrush(QColor(*self.theme.legend_background))
        painter.drawRoundedRect(box, 4, 4)
        for k, (name, color) in enumerate(self.legend_entries):
            y = box.top() + 5 + k * line
            painter.setPen(Qt.NoPen)
            painter.setBrush(QColor(*color[:3]))
            painter.drawEllipse(QPointF(box.left() + 14, y + line / 2), 5, 5)
            painter.setPen(QPen(QColor(self.theme.foreground)))
            painter.drawText(QRectF(box.left() + 26, y, width - 28, line), Qt.AlignVCenter | Qt.AlignLeft, name)

    def _paint_statement(self, painter: QPainter) -> None:
        text = self.statement + (" · auto-rotate on" if self.auto_rotating else "")
        if not text:
            return
        font = self._font(self.theme.font_size - 1)
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        rect = QRectF(10, self.height() - metrics.height() - 14, metrics.horizontalAdvance(text) + 14,
                      metrics.height() + 6)
        painter.setPen(QPen(QColor(200, 200, 200)))
        painter.setBrush(QColor(*self.theme.legend_background))
        painter.drawRoundedRect(rect, 3, 3)
        painter.setPen(QPen(QColor(self.theme.foreground)))
        painter.drawText(rect, Qt.AlignCenter, text)
