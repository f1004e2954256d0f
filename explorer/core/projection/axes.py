"""Semantic axes: coordinates along directions defined by meaning, not variance.

An axis is written "A-B": each end is a token ("woman"), a comma list whose rows are
averaged ("king,man"), or a /regex/ (every token it finds, with `re.search`, averaged).
The direction is d = mean(A) - mean(B), so A lies towards the positive end; the axis
title reads "B → A" ("man → woman"). Tokens that contain '-' are written with a spaced
separator: "e-mail - letter". Without one, a spec with several '-' is split where both
ends name tokens, and is refused as ambiguous when more than one split does.

A row's coordinate (`metric`): "projection" v·d/‖d‖ (its length along d), "cosine"
cos(v, d), or "dot" v·d.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from explorer.core import ExplorerError

AXIS_NAMES = ("x", "y", "z")
TITLE_TOKENS = 3  # a title names at most this many tokens of a list


@dataclass(frozen=True)
class AxisEnd:
    text: str  # as written
    ids: np.ndarray  # the rows averaged

    @property
    def label(self) -> str:
        if self.text.startswith("/"):
            return f"{self.text} ({len(self.ids):,} tokens)"
        items = [t.strip() for t in self.text.split(",") if t.strip()]
        if len(items) > TITLE_TOKENS:
            return ", ".join(items[:TITLE_TOKENS]) + f" … ({len(items)} tokens)"
        return ", ".join(items)


@dataclass(frozen=True)
class Axis:
    name: str  # "x", "y" or "z"
    spec: str
    positive: AxisEnd  # A
    negative: AxisEnd  # B

    def title(self, metric: str = "projection") -> str:
        title = f"{self.negative.label} → {self.positive.label}"
        return title if metric == "projection" else f"{title} ({metric})"


def _error(name: str, spec: str, message: str) -> ExplorerError:
    return ExplorerError(f"{name} axis '{spec}': {message}")


def token_index(tokens) -> dict[str, int]:
    """token -> its first row ID."""
    index: dict[str, int] = {}
    for i, token in enumerate(tokens):
        index.setdefault(token, i)
    return index


def resolve_end(text: str, tokens, index: dict[str, int], name: str, spec: str) -> AxisEnd:
    """The rows one end of an axis names (a token, a comma list, or a /regex/)."""
    text = text.strip()
    if not text:
        raise _error(name, spec, "an end is empty; write A-B, e.g. woman-man")
    if len(text) >= 2 and text.startswith("/") and text.endswith("/"):
        try:
            pattern = re.compile(text[1:-1])
        except re.error as exc:
            raise _error(name, spec, f"{text} is not a valid regular expression ({exc})") from None
        ids = np.array([i for i, token in enumerate(tokens) if pattern.search(token)], dtype=np.int64)
        if len(ids) == 0:
            raise _error(name, spec, f"no token matches {text}")
        return AxisEnd(text, ids)
    ids = []
    for item in (t.strip() for t in text.split(",")):
        if not item:
            continue
        if item not in index:
            raise _error(name, spec, f"no token '{item}' in the vocabulary")
        ids.append(index[item])
    if not ids:
        raise _error(name, spec, "an end is empty; write A-B, e.g. woman-man")
    return AxisEnd(text, np.array(ids, dtype=np.int64))


def _splits(spec: str) -> list[tuple[str, str]]:
    """Where "A-B" may be cut: at " - " when it is written, else at any '-' outside a /regex/."""
    if " - " in spec:
        parts = spec.split(" - ")
        return [(" - ".join(parts[:i]), " - ".join(parts[i:])) for i in range(1, len(parts))]
    if spec.startswith("/"):  # a regex end first: cut after its closing '/'
        return [(spec[:i + 1], spec[i + 2:]) for i in range(1, len(spec) - 1)
                if spec[i] == "/" and spec[i + 1] == "-"]
    cuts = []
    for i, ch in enumerate(spec):
        if ch == "-" and 0 < i < len(spec) - 1:
            cuts.append((spec[:i], spec[i + 1:]))
            if spec[i + 1] == "/":  # the rest is a regex end: no cut inside it
                break
    return cuts


def parse_axis(spec: str, tokens, name: str = "x", index: dict[str, int] | None = None) -> Axis:
    """One axis "A-B" resolved in `tokens` (ID order); clear errors name the axis and the end."""
    spec = spec.strip()
    index = token_index(tokens) if index is None else index
    cuts = _splits(spec)
    if not cuts:
        raise _error(name, spec, "write two ends as A-B (e.g. woman-man); tokens with '-' as 'A - B'")
    resolved, first_error = [], None
    for a, b in cuts:
        try:
            resolved.append(Axis(name, spec, resolve_end(a, tokens, index, name, spec),
                                 resolve_end(b, tokens, index, name, spec)))
        except ExplorerError as exc:
            first_error = first_error or exc
    if not resolved:
        raise first_error
    if len(resolved) > 1:
        options = " or ".join(f"'{a.positive.text} - {a.negative.text}'" for a in resolved)
        raise _error(name, spec, f"ambiguous: write {options} (a spaced ' - ' between the ends)")
    return resolved[0]


def axis_directions(x_rows, axes: list[Axis]) -> np.ndarray:
    """(k, dim) float64: mean(A) - mean(B) for each axis, from `x_rows(ids)` (prepared rows)."""
    directions = []
    for axis in axes:
        d = x_rows(axis.positive.ids).mean(axis=0, dtype=np.float64) \
            - x_rows(axis.negative.ids).mean(axis=0, dtype=np.float64)
        if not np.any(d) or not np.isfinite(d).all():
            raise _error(axis.name, axis.spec, "both ends are the same point: no direction")
        directions.append(d)
    return np.array(directions)


def axis_coords(x: np.ndarray, directions: np.ndarray, metric: str = "projection") -> np.ndarray:
    """(n, k) float32: each row's place along each direction (see the module)."""
    x = np.asarray(x, dtype=np.float32)
    d = np.asarray(directions, dtype=np.float64)
    norms = np.linalg.norm(d, axis=1)
    if metric == "dot":
        return (x @ d.T.astype(np.float32)).astype(np.float32)
    coords = x @ (d / norms[:, None]).T.astype(np.float32)
    if metric == "cosine":
        row_norms = np.linalg.norm(x, axis=1, keepdims=True)
        coords = coords / np.where(row_norms > 0, row_norms, 1)  # zero rows: 0
    elif metric != "projection":
        raise ExplorerError(f"unknown axis metric {metric!r}")
    return coords.astype(np.float32)


def semantic_axes(weights: np.ndarray, ids: np.ndarray | None, settings, tokens) -> tuple[np.ndarray, tuple]:
    """(coords of the projected rows, axis titles) for `settings` (method "axes").

    The ends may lie outside the projected rows (isolation, sample); with sphereize they
    are prepared as the projected rows are: shifted by those rows' centroid, scaled to unit length."""
    if tokens is None:
        raise ExplorerError("semantic axes need the vocabulary's tokens to find their ends")
    if len(tokens) != len(weights):
        raise ExplorerError(f"the vocabulary has {len(tokens):,} tokens but the matrix {len(weights):,} rows")
    index = token_index(tokens)
    specs = [settings.x_axis, settings.y_axis, settings.z_axis][:settings.dims]
    axes = [parse_axis(spec, tokens, name, index) for name, spec in zip(AXIS_NAMES, specs)]
    x = np.asarray(weights if ids is None else weights[ids], dtype=np.float32)
    centre = x.mean(axis=0) if settings.sphereize else None

    def prepare(rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.float32)
        if centre is None:
            return rows
        rows = rows - centre
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return rows / np.where(norms > 0, norms, 1)

    directions = axis_directions(lambda end_ids: prepare(weights[end_ids]), axes)
    coords = axis_coords(prepare(x), directions, settings.axis_metric)
    return coords, tuple(axis.title(settings.axis_metric) for axis in axes)
