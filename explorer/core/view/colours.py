"""Qt-free colour modes for the views: token search matches, frequency bins and
a sequential colour ramp.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from explorer.core import ExplorerError


# The colour modes of the 2D view and their names in its toolbar.
COLOR_MODES = {"category": "Category", "frequency": "Frequency", "cluster": "k-means cluster",
               "regex": "Regex match", "fidelity": "Fidelity (10-NN kept)"}
# Colour "column" is offered once per metadata column, named after it.


def match_tokens(tokens: Sequence[str], text: str, regex: bool = False,
                 lowered: Sequence[str] | None = None) -> np.ndarray:
    """IDs of tokens matching a search: case-insensitive substring, or a regex.

    A bad regex raises ExplorerError with the pattern in the message.
    """
    if not text:
        return np.zeros(0, np.int64)
    if regex:
        try:
            pattern = re.compile(text, re.IGNORECASE)
        except re.error as exc:
            raise ExplorerError(f"bad regular expression {text!r}: {exc}") from None
        return np.array([i for i, t in enumerate(tokens) if pattern.search(t)], dtype=np.int64)
    needle = text.lower()
    lowered = lowered if lowered is not None else [t.lower() for t in tokens]
    return np.array([i for i, t in enumerate(lowered) if needle in t], dtype=np.int64)


def frequency_bins(counts: np.ndarray | None, n: int) -> tuple[np.ndarray, list[str]]:
    """Bin tokens by count on a log scale: (bin per token, 0 = rarest; legend texts)."""
    if counts is None:
        return np.zeros(n, dtype=np.int64), ["no counts"]
    counts = np.asarray(counts, dtype=np.float64)
    top = max(float(counts.max(initial=0)), 1.0)
    edges = [0.0] + [10.0 ** e for e in range(1, int(math.ceil(math.log10(top))) + 1)]
    if len(edges) < 2:
        edges = [0.0, 10.0]
    edges[-1] = max(edges[-1], top + 1)
    bins = np.clip(np.searchsorted(edges, counts, side="right") - 1, 0, len(edges) - 2)
    names = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        lo_i = int(lo)
        hi_i = int(hi) - 1 if hi < top + 1 else int(top)
        names.append(f"{lo_i:,}–{hi_i:,}" if hi_i > lo_i else f"{lo_i:,}")
    return bins.astype(np.int64), names


def sequential_colors(n: int) -> list[tuple[int, int, int]]:
    """n colours along a viridis-like ramp, from light green (bin 0, rare) to dark
    purple (frequent); the ramp skips viridis' yellow, which vanishes on white."""
    ramp = np.array([(170, 220, 50), (94, 201, 98), (33, 145, 140), (59, 82, 139), (68, 1, 84)], float)
    if n <= 1:
        return [tuple(int(v) for v in ramp[2])]
    out = []
    for t in np.linspace(0, 1, n):
        pos = t * (len(ramp) - 1)
        i = min(int(pos), len(ramp) - 2)
        c = ramp[i] + (ramp[i + 1] - ramp[i]) * (pos - i)
        out.append(tuple(int(round(v)) for v in c))
    return out


Colour = tuple[int, int, int]


def point_colours(mode: str, n: int, *, palette: Sequence[Colour], neutral: Colour,
                  category: np.ndarray | None = None, category_legend: Sequence = (),
                  counts: np.ndarray | None = None, clusters: np.ndarray | None = None,
                  pattern: str = "", hits: np.ndarray | None = None) -> tuple[np.ndarray, list]:
    """RGBA (0-255) per point and the legend entries [(text, rgba)] of one colour mode.

    category: the category colours (N x 4) and their legend; frequency: log bins of
    `counts`; cluster: the k-means `clusters` label per point; regex: the points in
    `hits` (matches of `pattern`) stand out. The 2D and 3D views both colour this way."""
    if mode == "frequency":
        bins, names = frequency_bins(counts, n)
        lut = np.array([(*c, 235) for c in sequential_colors(len(names))], dtype=np.uint8)
        legend = [(f"count {name}", tuple(int(v) for v in lut[b])) for b, name in enumerate(names)][::-1]
        return lut[bins], legend
    if mode == "cluster":
        labels = np.zeros(n, np.int64) if clusters is None else np.asarray(clusters, np.int64)
        k = max(int(labels.max(initial=0)) + 1, 1)
        lut = np.array([(*palette[i % len(palette)], 230) for i in range(k)], dtype=np.uint8)
        sizes = np.bincount(labels, minlength=k)
        return lut[labels], [(f"cluster {i + 1} ({sizes[i]:,})", tuple(int(v) for v in lut[i])) for i in range(k)]
    if mode == "regex":
        hits = np.zeros(0, np.int64) if hits is None else hits
        hit_colour, other = (*palette[3], 240), (*neutral, 110)
        colours = np.tile(np.array(other, np.uint8), (n, 1))
        colours[hits] = hit_colour
        legend = [(f"/{pattern}/ ({len(hits):,})", hit_colour), (f"other ({n - len(hits):,})", other)] \
            if pattern else [("type a pattern", other)]
        return colours, legend
    if category is None or len(category) != n:
        return np.tile(np.array([*palette[0], 220], np.uint8), (n, 1)), list(category_legend)
    return np.asarray(category, np.uint8), list(category_legend)


GRADIENT_STEPS = 64  # a numeric colouring is drawn in this many shades (and its colour bar too)
MAX_GROUPS = 12  # a categorical column shows its most frequent values, the rest as "other"


def gradient_colours(values: np.ndarray, neutral: Colour, *, lo: float | None = None,
                     hi: float | None = None) -> tuple[np.ndarray, float, float]:
    """RGBA per point along the sequential ramp for numeric `values` (NaN: missing, neutral and
    faint), and the (lo, hi) the ramp spans (the finite values' range unless given)."""
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    if lo is None or hi is None:
        lo = float(values[finite].min()) if finite.any() else 0.0
        hi = float(values[finite].max()) if finite.any() else 1.0
    span = hi - lo if hi > lo else 1.0
    ramp = np.array([(*c, 235) for c in sequential_colors(GRADIENT_STEPS)], np.uint8)
    step = np.zeros(len(values), np.int64)
    step[finite] = np.clip(((values[finite] - lo) / span * (GRADIENT_STEPS - 1)).round(), 0, GRADIENT_STEPS - 1)
    colours = ramp[step]
    colours[~finite] = (*neutral, 90)
    return colours, lo, hi


def category_groups(values: np.ndarray, top: int = MAX_GROUPS) -> tuple[np.ndarray, list[str], int]:
    """Groups of a categorical column: (group per point, -1 = missing ""; names of the `top`
    most frequent values, then "other" when more; how many points are missing)."""
    values = np.asarray(values, dtype=object)
    present = np.array([v != "" for v in values.tolist()], dtype=bool)
    names, inverse, sizes = np.unique(values[present].astype(str), return_inverse=True, return_counts=True)
    order = np.lexsort((names, -sizes))  # most frequent first, ties by name
    rank = np.empty(len(names), np.int64)
    rank[order] = np.arange(len(names))
    ranked = rank[inverse]
    shown = [str(names[i]) for i in order[:top]]
    if len(names) > top:
        ranked = np.minimum(ranked, top)
        shown.append("other")
    groups = np.full(len(values), -1, np.int64)
    groups[present] = ranked
    return groups, shown, int(len(values) - present.sum())


def column_colours(values: np.ndarray, *, palette: Sequence[Colour], neutral: Colour,
                   top: int = MAX_GROUPS) -> tuple[np.ndarray, list, np.ndarray]:
    """Colours of a categorical column: (RGBA per point, legend [(text, rgba)], group per point).
    The `top` most frequent values get palette colours, the rest one "other" colour; missing
    values ("") are neutral and faint."""
    groups, names, missing = category_groups(values, top)
    lut = [(*palette[i % len(palette)], 230) for i in range(min(len(names), top))]
    if len(names) > top:
        lut.append((*neutral, 200))  # "other"
    lut.append((*neutral, 90))  # missing, at index -1
    lut = np.array(lut, np.uint8)
    sizes = np.bincount(groups[groups >= 0], minlength=len(names))
    legend = [(f"{name} ({sizes[i]:,})", tuple(int(v) for v in lut[i])) for i, name in enumerate(names)]
    if missing:
        legend.append((f"missing ({missing:,})", tuple(int(v) for v in lut[-1])))
    return lut[groups], legend, groups
