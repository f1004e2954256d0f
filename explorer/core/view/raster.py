"""Qt-free rasterizing of many points with numpy: anti-aliased sprites stamped
into an ARGB buffer, and density images.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def sprite_offsets(diameter: float) -> tuple[np.ndarray, np.ndarray]:
    """Pixel offsets (K, 2) of a disc of this diameter and each pixel's coverage 0..1
    (4x4 supersampled), for anti-aliased sprites."""
    r = diameter / 2
    reach = int(math.ceil(r))
    sub = (np.arange(4) + 0.5) / 4 - 0.5
    offsets, coverage = [], []
    for dy in range(-reach, reach + 1):
        for dx in range(-reach, reach + 1):
            sx = dx + sub[None, :]
            sy = dy + sub[:, None]
            cov = float(((sx * sx + sy * sy) <= r * r).mean())
            if cov > 0:
                offsets.append((dx, dy))
                coverage.append(cov)
    return np.array(offsets, dtype=np.int64).reshape(-1, 2), np.array(coverage, dtype=np.float32)


def sprite_table(colors: np.ndarray, coverage: np.ndarray, background: Sequence[int],
                 ring: np.ndarray | None = None, ring_color: Sequence[int] | None = None) -> np.ndarray:
    """Opaque ARGB32 sprite pixels (P, K) for P RGBA colours, pre-blended over the
    background: an anti-aliased rim that needs no read-back when stamping.
    `ring` (K,) 0..1 optionally mixes `ring_color` in (an outline)."""
    colors = np.asarray(colors, dtype=np.float32).reshape(-1, 4)
    bg = np.asarray(background[:3], dtype=np.float32)
    alpha = (colors[:, 3:4] / 255.0)[:, None, :] * coverage[None, :, None]  # (P, K, 1)
    rgb = colors[:, None, :3]
    if ring is not None and ring_color is not None:
        mix = ring[None, :, None]
        rgb = rgb * (1 - mix) + np.asarray(ring_color[:3], np.float32)[None, None, :] * mix
    out = rgb * alpha + bg[None, None, :] * (1 - alpha)
    out = np.clip(np.rint(out), 0, 255).astype(np.uint32)
    return (np.uint32(0xFF000000) | (out[..., 0] << 16) | (out[..., 1] << 8) | out[..., 2]).astype(np.uint32)


def stamp_sprites(buf: np.ndarray, px: np.ndarray, py: np.ndarray, color_index: np.ndarray,
                  offsets: np.ndarray, table: np.ndarray, rows: np.ndarray | None = None) -> int:
    """Draw one sprite per point into `buf` (H x W uint32 ARGB), in order (later on top).

    offsets: (K, 2) integer pixel offsets (dx, dy); table: (P, K) opaque ARGB per
    palette colour (see sprite_table). Points whose sprite does not fit entirely in
    the buffer are skipped: give the buffer a margin as wide as the sprite's radius
    around the area shown and they are exactly the invisible ones. One gather and
    one scatter per pixel: no per-point Python. `rows` may hold table[color_index]
    already (cached while colours stay). Returns the number of points drawn.
    """
    h, w = buf.shape
    if len(px) == 0:
        return 0
    reach = int(np.abs(offsets).max(initial=0))
    with np.errstate(invalid="ignore"):  # NaN rows (outside a projection's sample) fall outside
        ix = np.rint(px).astype(np.int32)
        iy = np.rint(py).astype(np.int32)
    ok = (ix >= reach) & (ix < w - reach) & (iy >= reach) & (iy < h - reach)
    if not ok.all():
        sel = np.flatnonzero(ok)
        ix, iy, color_index = ix[sel], iy[sel], color_index[sel]
        rows = None if rows is None else rows[sel]
    base = iy * np.int32(w) + ix
    doff = (offsets[:, 1] * w + offsets[:, 0]).astype(np.int32)
    idx = base[:, None] + doff[None, :]
    buf.reshape(-1)[idx.ravel()] = (table[color_index] if rows is None else rows).ravel()
    return len(base)


def pack_rgb(rgb: np.ndarray) -> np.ndarray:
    """(N, 3) uint8 -> (N,) uint32 0x00RRGGBB."""
    rgb = np.asarray(rgb, dtype=np.uint32)
    return (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]


def density_image(px: np.ndarray, py: np.ndarray, width: int, height: int,
                  colors: np.ndarray | None = None, *, min_alpha: float = 0.35) -> tuple[np.ndarray, int]:
    """A (height x width) premultiplied-ARGB density image of points at pixel coords.

    A cell's opacity grows with log(count of its points), and a cell holding one
    point is still clearly visible, so no point disappears. Its colour is that of
    the point drawn last there, as when drawing points in order (colors: (N,)
    uint32 0xRRGGBB, see pack_rgb; grey if None). Returns (image, points binned).
    """
    size = width * height
    with np.errstate(invalid="ignore"):  # NaN rows (outside a projection's sample) fall outside
        ix = np.floor(px).astype(np.int32)
        iy = np.floor(py).astype(np.int32)
    inside = (ix.view(np.uint32) < np.uint32(width)) & (iy.view(np.uint32) < np.uint32(height))
    flat = iy * np.int32(width) + ix
    flat[~inside] = size  # one spare cell for the points outside: no masked copies
    counts = np.bincount(flat, minlength=size + 1)[:size]
    image = np.zeros(size, dtype=np.uint32)
    filled = np.flatnonzero(counts)
    if len(filled) == 0:
        return image.reshape(height, width), 0
    c = counts[filled].astype(np.float32)
    if colors is None:
        rgb = np.full(len(filled), 0x3C3C3C, dtype=np.uint32)
    else:
        top = np.zeros(size + 1, dtype=np.uint32)
        top[flat] = colors  # the last write wins: the point on top
        rgb = top[filled]
    alpha = min_alpha + (1 - min_alpha) * np.log1p(c) / np.log1p(c.max())
    a8 = np.rint(alpha * 255).astype(np.uint32)
    scale = alpha.astype(np.float32)
    r = np.rint(((rgb >> 16) & 255) * scale).astype(np.uint32)
    g = np.rint(((rgb >> 8) & 255) * scale).astype(np.uint32)
    b = np.rint((rgb & 255) * scale).astype(np.uint32)
    image[filled] = (a8 << 24) | (r << 16) | (g << 8) | b
    return image.reshape(height, width), int(counts.sum())
