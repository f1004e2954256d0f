"""Graphics items of the 2D scatter, built for large vocabularies.

- PointsItem draws every point by stamping pre-rendered, anti-aliased sprites into
  a numpy image (explorer.core.view.raster.stamp_sprites) and drawing that image once:
  no per-point Python or Qt call, so 50k points that move every frame stay fast.
  Past `lod_threshold` visible points it draws a density image of all of them
  instead (level of detail); the view states which one is shown.
- LabelsItem places text labels in pixel space and drops those that would overlap.
- TrailsItem draws the paths of selected tokens over training snapshots.
- NeighboursItem draws lines from the current token to its nearest neighbours, and rings.
- ContoursItem draws density iso-lines over the points, with a halo.
- SelectViewBox adds rectangle and lasso selection to pyqtgraph's ViewBox.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor, QFont, QFontMetricsF, QImage, QPainter, QPainterPath, QPaintEngine, QPen, QPolygonF,
)
from PySide6.QtWidgets import QGraphicsPathItem

from explorer.core.view.labels import place_labels
from explorer.core.view.picking import SpatialGrid
from explorer.core.view.raster import count_in_rect, density_image_of, pack_rgb, sprite_offsets, sprite_table, stamp_sprites

LOD_THRESHOLD = 60_000  # more visible points than this: draw their density instead
MAX_HIGHLIGHTED = 50_000  # highlighted points drawn with a ring on top (search hits, selection)
MAX_SVG_POINTS = 200_000  # vector export beyond this embeds the density image


def _device_rect(painter: QPainter, view: QRectF) -> tuple[int, int, int, int] | None:
    """The visible data rectangle in integer device pixels, clipped to the device."""
    rect = painter.transform().mapRect(view)
    device = painter.device()
    rect = rect.intersected(QRectF(0, 0, device.width(), device.height()))
    if rect.isEmpty():
        return None
    x0, y0 = int(math.floor(rect.left())), int(math.floor(rect.top()))
    x1, y1 = int(math.ceil(rect.right())), int(math.ceil(rect.bottom()))
    return x0, y0, max(1, x1 - x0), max(1, y1 - y0)


def map_points(transform, xy: np.ndarray, centre: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Data -> device pixels with a QTransform, vectorized (float32, centred for precision)."""
    cx, cy = float(centre[0]), float(centre[1])
    x = xy[:, 0] - np.float32(cx)
    y = xy[:, 1] - np.float32(cy)
    ox = transform.m11() * cx + transform.m21() * cy + transform.m31()
    oy = transform.m12() * cx + transform.m22() * cy + transform.m32()
    px = np.float32(transform.m11()) * x + np.float32(transform.m21()) * y + np.float32(ox)
    py = np.float32(transform.m12()) * x + np.float32(transform.m22()) * y + np.float32(oy)
    return px, py


class _ViewRectItem(pg.GraphicsObject):
    """An item that draws anywhere in the visible area (in device pixels)."""

    def __init__(self) -> None:
        super().__init__()
        self._view = QRectF()

    def viewRangeChanged(self) -> None:  # called by pyqtgraph when the view moves
        self.prepareGeometryChange()
        vb = self.getViewBox()
        self._view = vb.viewRect() if vb is not None else QRectF()
        self.update()

    def boundingRect(self) -> QRectF:
        if self._view.isEmpty():
            vb = self.getViewBox()
            if vb is not None:
                self._view = vb.viewRect()
        return QRectF(self._view)

    def view_rect(self) -> QRectF:
        vb = self.getViewBox()
        return vb.viewRect() if vb is not None else QRectF()


class PointsItem(_ViewRectItem):
    def __init__(self, background: str, foreground: str) -> None:
        super().__init__()
        self.background = QColor(background)
        self.foreground = QColor(foreground)
        self.xy = np.zeros((0, 2), np.float32)
        self.color_index = np.zeros(0, np.int32)
        self.palette = np.zeros((0, 4), np.uint8)
        self.rgb = None  # per point 0xRRGGBB, for the density image
        self.faded: np.ndarray | None = None  # bool per point: dimmed (not a search hit)
        self.highlighted = np.zeros(0, np.int64)
        self.hovered: int | None = None
        self.diameter = 9.0
        self.lod_threshold = LOD_THRESHOLD
        self.mode = "points"  # or "density"
        self.visible_count = 0
        self._bounds = None
        self._tables: dict = {}
        self._buffer = np.zeros((0, 0), np.uint32)
        self._centre = np.zeros(2, np.float32)
        self._rows = None
        self._rows_key = None
        self._vis_key = None
        self._vis = (0, None)
        self._grid = None
        self._grid_version = -1
        self._version = 0  # bumped whenever positions change

    # -- data ----------------------------------------------------------------------
    def set_data(self, xy: np.ndarray, color_index: np.ndarray | None = None,
                 palette: np.ndarray | None = None) -> None:
        self.xy = xy
        self._version += 1
        if color_index is not None:
            self.color_index = np.asarray(color_index, np.int32)
            self.palette = np.asarray(palette, np.uint8).reshape(-1, 4)
            self.rgb = pack_rgb(self.palette[:, :3])[self.color_index] if len(self.palette) else None
            self._tables = {}
            self._rows_key = None
        self._bounds = None
        self.update_mode()
        self.prepareGeometryChange()
        self.update()

    def set_diameter(self, diameter: float) -> None:
        if diameter != self.diameter:
            self.diameter = float(diameter)
            self._tables = {}
            self._rows_key = None
            self.update()

    def _data_bounds(self):
        if self._bounds is None:
            xy = self.xy
            if len(xy) == 0:
                self._bounds = (np.zeros(2), np.ones(2))
            else:
                lo = np.array([xy[:, 0].min(), xy[:, 1].min()], dtype=float)
                hi = np.array([xy[:, 0].max(), xy[:, 1].max()], dtype=float)
                if not (np.isfinite(lo).all() and np.isfinite(hi).all()):  # NaN/inf rows: skip them
                    finite = xy[np.isfinite(xy).all(axis=1)]
                    lo = finite.min(axis=0).astype(float) if len(finite) else np.zeros(2)
                    hi = finite.max(axis=0).astype(float) if len(finite) else np.ones(2)
                self._bounds = (lo, hi)
            self._centre = ((self._bounds[0] + self._bounds[1]) / 2).astype(np.float32)
        return self._bounds

    def dataBounds(self, axis: int, frac: float = 1.0, orthoRange=None):
        if len(self.xy) == 0:
            return None, None
        lo, hi = self._data_bounds()
        return float(lo[axis]), float(hi[axis])

    def pixelPadding(self) -> float:
        return self.diameter / 2 + 3

    # -- level of detail -------------------------------------------------------------
    def grid(self) -> SpatialGrid:
        """A spatial grid of the current positions, built lazily (hover, picking, culling)."""
        if self._grid is None or self._grid_version != self._version:
            self._grid = SpatialGrid(self.xy)
            self._grid_version = self._version
        return self._grid

    def visible(self) -> tuple[int, np.ndarray | None]:
        """(points in view, their ids or None for 'draw them all and let stamping cull')."""
        view = self.view_rect()
        key = (view.left(), view.top(), view.width(), view.height(), id(self.xy), self._version)
        if key == self._vis_key:
            return self._vis
        n = int(np.count_nonzero(np.isfinite(self.xy[:, 0])))  # NaN rows: outside a projection's sample
        lo, hi = self._data_bounds()
        if view.left() <= lo[0] and view.right() >= hi[0] and view.top() <= lo[1] and view.bottom() >= hi[1]:
            result = (n, None)  # everything is in view: nothing to count
        else:
            count = count_in_rect(self.xy, view.left(), view.right(), view.top(), view.bottom())
            ids = None
            zoomed = view.width() * view.height() < 0.05 * max((hi[0] - lo[0]) * (hi[1] - lo[1]), 1e-30)
            if count <= self.lod_threshold < n and zoomed:
                # Zoomed in on a big set (usually a static pretrained table): draw only the
                # points near the view, found with the grid.
                ids = self.grid().candidates(view.left(), view.top(), view.right(), view.bottom())
            result = (count, ids)
        self._vis_key, self._vis = key, result
        return result

    def update_mode(self) -> None:
        """Decide points vs density from how many points the view shows."""
        if self.getViewBox() is None or len(self.xy) == 0:
            self.visible_count = len(self.xy)
            self.mode = "points" if len(self.xy) <= self.lod_threshold else "density"
            return
        self.visible_count = self.visible()[0]
        self.mode = "density" if self.visible_count > self.lod_threshold else "points"

    def viewRangeChanged(self) -> None:
        super().viewRangeChanged()
        self.update_mode()

    # -- sprites ---------------------------------------------------------------------
    def _table(self, kind: str):
        if kind not in self._tables:
            bg = (self.background.red(), self.background.green(), self.background.blue())
            fg = (self.foreground.red(), self.foreground.green(), self.foreground.blue())
            palette = self.palette.astype(np.float32) if len(self.palette) else np.array([[31, 119, 180, 220]], np.float32)
            if kind == "normal":
                offsets, coverage = sprite_offsets(self.diameter)
                table = sprite_table(palette, coverage, bg)
            elif kind == "faded":
                offsets, coverage = sprite_offsets(self.diameter)
                faded = palette.copy()
                faded[:, 3] *= 0.18
                table = sprite_table(faded, coverage, bg)
            else:  # "ring": larger, opaque, with a dark outline
                d = self.diameter + 4
                offsets, coverage = sprite_offsets(d)
                dist = np.sqrt((offsets.astype(np.float32) ** 2).sum(axis=1))
                ring = np.clip(dist - (d / 2 - 2.2), 0, 1)
                solid = palette.copy()
                solid[:, 3] = 255
                table = sprite_table(solid, coverage, bg, ring=ring, ring_color=fg)
            self._tables[kind] = (offsets, table)
        return self._tables[kind]

    # -- painting --------------------------------------------------------------------
    def paint(self, p: QPainter, option, widget=None) -> None:
        if len(self.xy) == 0:
            return
        view = self.view_rect()
        area = _device_rect(p, view)
        if area is None:
            return
        self._data_bounds()
        self.update_mode()
        transform = p.transform()
        engine = p.paintEngine()
        if engine is not None and engine.type() == QPaintEngine.SVG:
            self._paint_vector(p, transform, area)
            return
        p.resetTransform()
        if self.mode == "density":
            self._paint_density(p, transform, area)
        else:
            self._paint_points(p, transform, area)

    def _canvas(self, w: int, h: int) -> np.ndarray:
        if self._buffer.shape != (h, w):
            self._buffer = np.zeros((h, w), np.uint32)
        else:
            self._buffer.fill(0)
        return self._buffer

    def _blit(self, p: QPainter, buf: np.ndarray, x: float, y: float, target: QRectF | None = None) -> None:
        image = pg.functions.ndarray_to_qimage(buf, QImage.Format_ARGB32_Premultiplied)
        if target is None:
            p.drawImage(QPointF(x, y), image)
        else:
            p.setRenderHint(QPainter.SmoothPixmapTransform, False)
            p.drawImage(target, image)

    def _paint_points(self, p, transform, area) -> None:
        x0, y0, w, h = area
        offsets, normal = self._table("normal")
        ring_offsets, ring = self._table("ring")
        reach = int(np.abs(ring_offsets).max(initial=0))
        buf = self._canvas(w + 2 * reach, h + 2 * reach)
        origin = (np.float32(x0 - reach), np.float32(y0 - reach))
        ids = self.visible()[1]
        if ids is None:
            px, py = map_points(transform, self.xy, self._centre)
            ci, faded = self.color_index, self.faded
        else:  # zoomed in on a big set: only the points near the view
            px, py = map_points(transform, self.xy[ids], self._centre)
            ci = self.color_index[ids]
            faded = None if self.faded is None else self.faded[ids]
        bx, by = px - origin[0], py - origin[1]
        if faded is not None and len(faded) == len(ci):
            f_offsets, faded_table = self._table("faded")
            dim = np.flatnonzero(faded)
            keep = np.flatnonzero(~faded)
            stamp_sprites(buf, bx[dim], by[dim], ci[dim], f_offsets, faded_table)
            stamp_sprites(buf, bx[keep], by[keep], ci[keep], offsets, normal)
        elif ids is None and len(ci) <= 100_000:
            key = (id(normal), len(ci))
            if self._rows_key != key:
                self._rows = normal[ci]  # each point's sprite pixels, while colours stay
                self._rows_key = key
            stamp_sprites(buf, bx, by, ci, offsets, normal, rows=self._rows)
        else:
            stamp_sprites(buf, bx, by, ci, offsets, normal)
        self._stamp_highlights(buf, transform, origin, ring_offsets, ring)
        self._blit(p, buf, x0 - reach, y0 - reach)

    def _stamp_highlights(self, buf, transform, origin, ring_offsets, ring) -> None:
        ids = self.highlighted[:MAX_HIGHLIGHTED]
        if self.hovered is not None and 0 <= self.hovered < len(self.xy):
            ids = np.append(ids, self.hovered).astype(np.int64)
        if len(ids):
            hx, hy = map_points(transform, self.xy[ids], self._centre)
            stamp_sprites(buf, hx - origin[0], hy - origin[1], self.color_index[ids], ring_offsets, ring)

    def _paint_density(self, p, transform, area) -> None:
        x0, y0, w, h = area
        cell = 2
        cw, ch = -(-w // cell), -(-h // cell)
        cx, cy = float(self._centre[0]), float(self._centre[1])
        ox = transform.m11() * cx + transform.m21() * cy + transform.m31()
        oy = transform.m12() * cx + transform.m22() * cy + transform.m32()
        affine = (transform.m11() / cell, transform.m21() / cell, transform.m12() / cell,
                  transform.m22() / cell, (ox - x0) / cell, (oy - y0) / cell)  # data -> image cells
        image, _ = density_image_of(self.xy, affine, self._centre, cw, ch, self.rgb)
        self._blit(p, np.ascontiguousarray(image), x0, y0, QRectF(x0, y0, cw * cell, ch * cell))
        ring_offsets, ring = self._table("ring")
        reach = int(np.abs(ring_offsets).max(initial=0))
        if len(self.highlighted) or self.hovered is not None:
            buf = self._canvas(w + 2 * reach, h + 2 * reach)
            self._stamp_highlights(buf, transform, (np.float32(x0 - reach), np.float32(y0 - reach)), ring_offsets, ring)
            self._blit(p, buf, x0 - reach, y0 - reach)

    def _paint_vector(self, p, transform, area) -> None:
        """SVG export: real vector circles (or the density image past MAX_SVG_POINTS)."""
        x0, y0, w, h = area
        px, py = map_points(transform, self.xy, self._centre)
        p.resetTransform()
        inside = np.flatnonzero((px >= x0 - 10) & (px <= x0 + w + 10) & (py >= y0 - 10) & (py <= y0 + h + 10))
        if len(inside) > MAX_SVG_POINTS or self.mode == "density":
            self._paint_density(p, transform, area)
            return
        p.setRenderHint(QPainter.Antialiasing, True)
        p.setPen(Qt.NoPen)
        r = self.diameter / 2
        dim = self.faded if self.faded is not None and len(self.faded) == len(px) else None
        for faded_pass in ((True, False) if dim is not None else (False,)):
            for k, rgba in enumerate(self.palette):
                sel = inside[self.color_index[inside] == k]
                if dim is not None:
                    sel = sel[dim[sel] == faded_pass]
                if len(sel) == 0:
                    continue
                path = QPainterPath()
                for x, y in zip(px[sel].tolist(), py[sel].tolist()):
                    path.addEllipse(QPointF(x, y), r, r)
                alpha = int(rgba[3] * (0.18 if faded_pass else 1))
                p.fillPath(path, QColor(int(rgba[0]), int(rgba[1]), int(rgba[2]), alpha))
        ids = self.highlighted[:MAX_HIGHLIGHTED]
        if len(ids):
            p.setPen(QPen(self.foreground, 1.5))
            for i in ids.tolist():
                rgba = self.palette[self.color_index[i]]
                p.setBrush(QColor(int(rgba[0]), int(rgba[1]), int(rgba[2])))
                p.drawEllipse(QPointF(float(px[i]), float(py[i])), r + 2, r + 2)


class LabelsItem(_ViewRectItem):
    """Text labels for chosen points; a label that would overlap another is dropped."""

    def __init__(self, foreground: str, background: str, point_size: int) -> None:
        super().__init__()
        self.foreground = QColor(foreground)
        self.halo = QColor(background)
        self.font = QFont()
        self.font.setPointSize(point_size)
        self.bold = QFont(self.font)
        self.bold.setBold(True)
        self.candidates: list[int] = []  # token ids, highest priority first
        self.strong: set[int] = set()  # drawn bold (selection, current, search hits)
        self.tokens: list[str] = []  # the label text of each point (a token, or a metadata value)
        self.caption_font = QFont(self.font)
        self.caption_font.setBold(True)
        self.caption_font.setPointSize(point_size + 2)
        self.captions: list[tuple[float, float, str]] = []  # group captions (x, y, text), placed first
        self.placed_captions: list[tuple[int, QRectF]] = []
        self.xy = np.zeros((0, 2), np.float32)
        self.gap = 7.0
        self.placed: list[tuple[int, QRectF]] = []
        self._sizes: dict[tuple[str, bool], tuple[float, float, float]] = {}
        self._images: dict = {}

    def set_tokens(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self._sizes = {}
        self._images = {}

    def _font(self, bold) -> QFont:
        return self.caption_font if bold == "caption" else self.bold if bold else self.font

    def _size(self, text: str, bold) -> tuple[float, float, float]:
        key = (text, bold)
        if key not in self._sizes:
            metrics = QFontMetricsF(self._font(bold))
            self._sizes[key] = (metrics.horizontalAdvance(text) + 2, metrics.height(), metrics.ascent())
        return self._sizes[key]

    def layout_captions(self, transform, obstacles: np.ndarray | None = None) -> list[tuple[int, QRectF]]:
        """Place the group captions (centred on their centres) with this data -> device transform,
        clear of `obstacles` (x0, y0, x1, y1 boxes)."""
        if not self.captions or transform is None:
            return []
        view = transform.mapRect(self.view_rect()) if self.getViewBox() is not None else None
        pts = np.array([(x, y) for x, y, _ in self.captions], np.float64)
        ax = transform.m11() * pts[:, 0] + transform.m21() * pts[:, 1] + transform.m31()
        ay = transform.m12() * pts[:, 0] + transform.m22() * pts[:, 1] + transform.m32()
        sizes = np.array([self._size(text, "caption")[:2] for _, _, text in self.captions]).reshape(-1, 2)
        ay = ay + sizes[:, 1] / 2  # place_labels' first spot is above the anchor: centre it on it
        bounds = None if view is None else (view.left(), view.top(), view.right(), view.bottom())
        placed = place_labels(np.column_stack([ax, ay]), sizes, gap=0.0, bounds=bounds, obstacles=obstacles)
        return [(k, QRectF(b[0], b[1], b[2] - b[0], b[3] - b[1])) for k, b in placed]

    def _place(self, ids: list[int], transform, view, obstacles: np.ndarray) -> list[tuple[int, QRectF]]:
        if not ids:
            return []
        sel = np.asarray(ids, dtype=np.int64)
        pts = self.xy[sel].astype(np.float64)
        ax = transform.m11() * pts[:, 0] + transform.m21() * pts[:, 1] + transform.m31()
        ay = transform.m12() * pts[:, 0] + transform.m22() * pts[:, 1] + transform.m32()
        keep = np.isfinite(ax) & np.isfinite(ay)
        if view is not None:
            keep &= (ax >= view.left()) & (ax <= view.right()) & (ay >= view.top()) & (ay <= view.bottom())
        sel, ax, ay = sel[keep], ax[keep], ay[keep]
        sizes = np.array([self._size(self.tokens[i], i in self.strong)[:2] for i in sel.tolist()]).reshape(-1, 2)
        bounds = None if view is None else (view.left(), view.top(), view.right(), view.bottom())
        placed = place_labels(np.column_stack([ax, ay]), sizes, gap=self.gap, bounds=bounds, obstacles=obstacles)
        return [(int(sel[k]), QRectF(b[0], b[1], b[2] - b[0], b[3] - b[1])) for k, b in placed]

    def layout(self, transform) -> list[tuple[int, QRectF]]:
        """Place labels for the candidates with this data -> device transform: the emphasised
        ones (current, neighbours, selection, search hits) first, then the group captions around
        them, then the other labels around both; whatever finds no free spot is not drawn."""
        if transform is None:
            self.placed_captions = []
            return []
        view = transform.mapRect(self.view_rect()) if self.getViewBox() is not None else None
        ids = [i for i in self.candidates if 0 <= i < len(self.xy)]
        strong = self._place([i for i in ids if i in self.strong], transform, view, np.zeros((0, 4)))
        taken = [b for _, b in strong]
        self.placed_captions = self.layout_captions(transform, _boxes(taken))
        taken += [b for _, b in self.placed_captions]
        return strong + self._place([i for i in ids if i not in self.strong], transform, view, _boxes(taken))

    def _image(self, text: str, bold, ratio: float) -> QImage:
        """The label pre-rendered with its halo: drawing it is one image blit."""
        key = (text, bold, ratio)
        image = self._images.get(key)
        if image is None:
            if len(self._images) > 4000:
                self._images.clear()
            width, height, ascent = self._size(text, bold)
            pad = 2
            image = QImage(int((width + 2 * pad) * ratio) + 1, int((height + 2 * pad) * ratio) + 1,
                           QImage.Format_ARGB32_Premultiplied)
            image.setDevicePixelRatio(ratio)
            image.fill(Qt.transparent)
            painter = QPainter(image)
            painter.setRenderHint(QPainter.Antialiasing, True)
            path = QPainterPath()
            path.addText(pad + 1, pad + ascent, self._font(bold), text)
            halo = QPen(self.halo, 3.2)
            halo.setJoinStyle(Qt.RoundJoin)
            painter.strokePath(path, halo)
            painter.fillPath(path, self.foreground)
            painter.end()
            self._images[key] = image
        return image

    def paint(self, p: QPainter, option, widget=None) -> None:
        self.placed = self.layout(p.transform())
        shown = [(i, box, i in self.strong, self.tokens[i]) for i, box in self.placed]
        shown += [(None, box, "caption", self.captions[k][2]) for k, box in self.placed_captions]
        if not shown:
            return
        engine = p.paintEngine()
        vector = engine is not None and engine.type() == QPaintEngine.SVG
        ratio = widget.devicePixelRatioF() if widget is not None else 1.0
        p.resetTransform()
        if vector:  # SVG export: real text outlines
            p.setRenderHint(QPainter.Antialiasing, True)
            halo = QPen(self.halo, 3.2)
            halo.setJoinStyle(Qt.RoundJoin)
        for _i, box, bold, text in shown:
            if vector:
                path = QPainterPath()
                path.addText(box.left() + 1, box.top() + self._size(text, bold)[2], self._font(bold), text)
                p.strokePath(path, halo)
                p.fillPath(path, self.foreground)
            else:
                p.drawImage(QPointF(box.left() - 2, box.top() - 2), self._image(text, bold, ratio))


def _boxes(rects: list[QRectF]) -> np.ndarray:
    return np.array([(r.left(), r.top(), r.right(), r.bottom()) for r in rects], np.float64).reshape(-1, 4)


class TrailsItem(_ViewRectItem):
    """Each selected token's path over training snapshots, fading towards the past."""

    def __init__(self, foreground: str) -> None:
        super().__init__()
        self.foreground = QColor(foreground)
        self.ids: list[int] = []
        self.paths = np.zeros((0, 0, 2), np.float32)  # (tokens, snapshots, 2)
        self.colors: list[QColor] = []

    def set_trails(self, ids: list[int], paths: np.ndarray, colors: list[QColor]) -> None:
        self.ids = list(ids)
        self.paths = paths
        self.colors = colors
        self.update()

    def paint(self, p: QPainter, option, widget=None) -> None:
        if len(self.ids) == 0 or self.paths.shape[1] < 2:
            return
        tr = p.transform()
        p.resetTransform()
        p.setRenderHint(QPainter.Antialiasing, True)
        steps = self.paths.shape[1]
        for path, color in zip(self.paths, self.colors):
            pts = [tr.map(QPointF(float(x), float(y))) for x, y in path if math.isfinite(x) and math.isfinite(y)]
            for k in range(1, len(pts)):
                c = QColor(color)
                c.setAlphaF(0.15 + 0.85 * k / (steps - 1))
                pen = QPen(c, 2.2)
                pen.setCapStyle(Qt.RoundCap)
                p.setPen(pen)
                p.drawLine(pts[k - 1], pts[k])
            if pts:
                p.setPen(QPen(self.foreground, 1))
                p.setBrush(QColor(color))
                p.drawEllipse(pts[0], 2.5, 2.5)


class NeighboursItem(_ViewRectItem):
    """Lines from the current token to each of its nearest neighbours (in the full space), and a
    ring on each neighbour: on-screen closeness against true closeness at a glance."""

    def __init__(self, foreground: str) -> None:
        super().__init__()
        self.foreground = QColor(foreground)
        self.xy = np.zeros((0, 2), np.float32)
        self.centre: int | None = None
        self.ids = np.zeros(0, np.int64)

    def set_neighbours(self, centre: int | None, ids, xy: np.ndarray) -> None:
        self.centre = centre
        self.ids = np.asarray(ids, np.int64).reshape(-1)
        self.xy = xy
        self.update()

    def drawn(self) -> np.ndarray:
        """The neighbours with a line: those on the plot (a NaN row is outside the sample or
        isolation), when the current token is on it too."""
        if self.centre is None or not (0 <= self.centre < len(self.xy)) or not len(self.ids):
            return np.zeros(0, np.int64)
        if not np.isfinite(self.xy[self.centre]).all():
            return np.zeros(0, np.int64)
        ids = self.ids[(self.ids >= 0) & (self.ids < len(self.xy))]
        return ids[np.isfinite(self.xy[ids]).all(axis=1)]

    def paint(self, p: QPainter, option, widget=None) -> None:
        ids = self.drawn()
        if not len(ids):
            return
        tr = p.transform()
        p.resetTransform()
        p.setRenderHint(QPainter.Antialiasing, True)
        line = QColor(self.foreground)
        line.setAlphaF(0.55)
        pen = QPen(line, 1.4)
        pen.setCapStyle(Qt.RoundCap)
        p.setPen(pen)
        origin = tr.map(QPointF(float(self.xy[self.centre, 0]), float(self.xy[self.centre, 1])))
        ends = [tr.map(QPointF(float(x), float(y))) for x, y in self.xy[ids, :2].tolist()]
        for end in ends:
            p.drawLine(origin, end)
        p.setPen(QPen(self.foreground, 1.6))
        p.setBrush(Qt.NoBrush)
        for end in ends:
            p.drawEllipse(end, 7.0, 7.0)


class ContoursItem(pg.GraphicsObject):
    """Density iso-lines (explorer.core.view.density), in data coordinates with a cosmetic pen."""

    def __init__(self, foreground: str, background: str) -> None:
        super().__init__()
        self.foreground = QColor(foreground)
        self.background = QColor(background)
        self.paths: list[QPainterPath] = []
        self._rect = QRectF()

    def set_density(self, density) -> None:
        """Lines of a explorer.core.view.density.Density (None: none)."""
        self.prepareGeometryChange()
        self.paths = []
        self._rect = QRectF()
        if density is not None:
            for level in density.levels:
                path = QPainterPath()
                for line in pg.functions.isocurve(density.grid, level, connected=True):
                    pts = np.asarray(line, np.float64)  # in cells, from cell centres
                    if len(pts) < 2:
                        continue
                    xs = density.x0 + (pts[:, 0] + 0.5) * density.dx
                    ys = density.y0 + (pts[:, 1] + 0.5) * density.dy
                    path.addPolygon(QPolygonF([QPointF(x, y) for x, y in zip(xs.tolist(), ys.tolist())]))
                self.paths.append(path)
            shape = density.grid.shape
            self._rect = QRectF(density.x0, density.y0, shape[0] * density.dx, shape[1] * density.dy)
        self.update()

    @property
    def line_count(self) -> int:
        return sum(1 for path in self.paths if not path.isEmpty())

    def boundingRect(self) -> QRectF:
        return QRectF(self._rect)

    def paint(self, p: QPainter, option, widget=None) -> None:
        p.setRenderHint(QPainter.Antialiasing, True)
        for k, path in enumerate(self.paths):
            colour = QColor(self.foreground)
            colour.setAlphaF(0.45 + 0.45 * k / max(len(self.paths) - 1, 1))  # denser: stronger
            halo = QColor(self.background)
            halo.setAlphaF(0.6)
            for c, width in ((halo, 3.2), (colour, 1.3)):  # a halo keeps the line readable over points
                pen = QPen(c, width)
                pen.setCosmetic(True)
                p.setPen(pen)
                p.drawPath(path)


class SelectViewBox(pg.ViewBox):
    """A ViewBox whose left drag draws a selection rectangle or lasso when a tool is on."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.tool = "pan"  # "pan" | "rect" | "lasso"
        self.on_select = None  # callable(kind, [(x, y), ...] in data coords, additive)
        self._shape: QGraphicsPathItem | None = None
        self._points: list[QPointF] = []

    def mouseDragEvent(self, ev, axis=None) -> None:
        if self.tool == "pan" or ev.button() != Qt.LeftButton:
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        here = self.mapToView(ev.pos())
        if ev.isStart() or self._shape is None:
            self._points = [self.mapToView(ev.buttonDownPos())]
            self._shape = QGraphicsPathItem()
            pen = QPen(QColor(30, 30, 30), 1.2, Qt.DashLine)
            pen.setCosmetic(True)
            self._shape.setPen(pen)
            self._shape.setBrush(QColor(66, 133, 244, 40))
            self._shape.setZValue(1e6)
            self.addItem(self._shape, ignoreBounds=True)
        if self.tool == "lasso":
            self._points.append(here)
        else:
            self._points = [self._points[0], here]
        self._shape.setPath(self._outline())
        if ev.isFinish():
            outline = self._corners()
            self.removeItem(self._shape)
            self._shape = None
            additive = bool(ev.modifiers() & (Qt.ShiftModifier | Qt.ControlModifier))
            if self.on_select is not None:
                self.on_select(self.tool, outline, additive)

    def _corners(self) -> list[tuple[float, float]]:
        if self.tool == "rect":
            a, b = self._points[0], self._points[-1]
            return [(a.x(), a.y()), (b.x(), a.y()), (b.x(), b.y()), (a.x(), b.y())]
        return [(pt.x(), pt.y()) for pt in self._points]

    def _outline(self) -> QPainterPath:
        path = QPainterPath()
        path.addPolygon(QPolygonF([QPointF(x, y) for x, y in self._corners()]))
        path.closeSubpath()
        return path


class LegendBox(pg.GraphicsWidget):
    """Colour swatches and names in a column of the plot's layout, beside the points
    (never over them). Drawn in one paint; long legends end with '… N more'."""

    MAX_ROWS = 24

    def __init__(self, foreground: str, point_size: int) -> None:
        super().__init__()
        self.foreground = QColor(foreground)
        self.font = QFont()
        self.font.setPointSize(point_size)
        self.entries: list[tuple[str, tuple]] = []
        self.bar = None  # (caption lines, low text, high text, colours) of a numeric colouring
        self._rows: list[tuple[str, QColor | None]] = []
        self.setSizePolicy(pg.QtWidgets.QSizePolicy.Fixed, pg.QtWidgets.QSizePolicy.Preferred)

    def set_entries(self, entries) -> None:
        self.entries = list(entries)
        self.bar = None
        rows = [(str(name), QColor(*[int(v) for v in color])) for name, color in self.entries]
        if len(rows) > self.MAX_ROWS:
            rows = rows[:self.MAX_ROWS - 1] + [(f"… {len(rows) - self.MAX_ROWS + 1} more", None)]
        self._rows = rows
        metrics = QFontMetricsF(self.font)
        self._line = metrics.height() + 4
        width = max((metrics.horizontalAdvance(name) for name, _ in rows), default=0) + 32 if rows else 0
        self._resize(width, self._line * len(rows) + 12 if rows else 0)

    def set_bar(self, caption: list[str], lo: str, hi: str, colours) -> None:
        """A colour bar for a numeric colouring: caption lines, then a vertical ramp of `colours`
        (low to high, RGBA) with its top (`hi`) and bottom (`lo`) values."""
        self.entries, self._rows = [], []
        self.bar = ([str(t) for t in caption], str(lo), str(hi), [QColor(*[int(v) for v in c]) for c in colours])
        metrics = QFontMetricsF(self.font)
        self._line = metrics.height() + 4
        width = max([metrics.horizontalAdvance(t) for t in self.bar[0]]
                    + [20 + metrics.horizontalAdvance(t) for t in (lo, hi)]) + 16
        self._resize(width, self._line * len(caption) + self.BAR_HEIGHT + 24)

    BAR_HEIGHT = 140

    def _resize(self, width: float, height: float) -> None:
        self.setMinimumWidth(width)
        self.setMaximumWidth(width)
        self.setPreferredSize(width, height)
        layout = self.parentLayoutItem()
        if layout is not None and hasattr(layout, "setColumnFixedWidth"):
            layout.setColumnFixedWidth(3, width)  # its column of the plot's layout
        self.updateGeometry()
        if layout is not None:
            layout.invalidate()
            layout.activate()
        self.update()

    def _paint_bar(self, p: QPainter) -> None:
        caption, lo, hi, colours = self.bar
        metrics = QFontMetricsF(self.font)
        p.setFont(self.font)
        p.setPen(self.foreground)
        y = 8.0
        for line in caption:
            p.drawText(QPointF(6, y + metrics.ascent()), line)
            y += self._line
        top = y + 6
        step = self.BAR_HEIGHT / max(len(colours), 1)
        p.setPen(Qt.NoPen)
        for k, colour in enumerate(reversed(colours)):  # high at the top
            p.fillRect(QRectF(6, top + k * step, 14, step + 0.5), colour)
        p.setPen(self.foreground)
        p.setBrush(Qt.NoBrush)
        p.drawRect(QRectF(6, top, 14, self.BAR_HEIGHT))
        p.drawText(QPointF(26, top + metrics.ascent() - 2), hi)
        p.drawText(QPointF(26, top + self.BAR_HEIGHT), lo)

    def paint(self, p: QPainter, option, widget=None) -> None:
        if self.bar is not None:
            self._paint_bar(p)
            return
        if not self._rows:
            return
        p.setRenderHint(QPainter.Antialiasing, True)
        p.setFont(self.font)
        metrics = QFontMetricsF(self.font)
        y = 8.0
        for name, color in self._rows:
            centre = QPointF(12, y + self._line / 2 - 2)
            if color is not None:
                p.setPen(Qt.NoPen)
                p.setBrush(color)
                p.drawEllipse(centre, 5, 5)
            p.setPen(self.foreground)
            p.drawText(QPointF(24, centre.y() + metrics.ascent() / 2 - 1), name)
            y += self._line
