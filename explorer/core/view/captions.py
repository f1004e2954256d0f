"""Captions of groups on the plot (k-means clusters, categories, a categorical column):
each group's caption sits at its robust centre and names a few of its tokens (issue #17 §8)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

TOKENS_PER_CAPTION = 3
MAX_CAPTIONS = 40
MAX_POINTS = 200_000  # more drawn points: centres from a seeded sample (plus the most frequent)
# A group is captioned only where it is: its points lie around its centre at most this share of
# how far all points lie around theirs (median distances). A group spread over the whole map
# (categories of a random init) has no place a caption could name.
MAX_SPREAD = 0.35
MIN_GROUP = 3  # a group of one or two points is named by their own labels


@dataclass(frozen=True)
class Caption:
    group: int
    x: float
    y: float
    text: str
    size: int  # points of the group on the plot


def group_captions(groups: np.ndarray, xy: np.ndarray, tokens: Sequence[str], counts: np.ndarray | None = None,
                   *, per_group: int = TOKENS_PER_CAPTION, limit: int = MAX_CAPTIONS,
                   skip: Sequence[int] = (), max_points: int = MAX_POINTS,
                   preferred: np.ndarray | None = None, max_spread: float = MAX_SPREAD) -> list[Caption]:
    """One caption per group (group ids >= 0; -1 and `skip` have none), biggest groups first.

    The centre is the median of the group's drawn points (NaN rows are not drawn), robust to
    outliers. The text is the group's `per_group` most frequent tokens when counts are known,
    else its tokens nearest that centre; `preferred` tokens (a bool per token: whole words, not
    "##ing" pieces or "[unused3]") come before the others. Past `max_points` drawn points a seeded sample of them
    (always with the most frequent tokens) stands for each group: 2M points stay well under a
    second; `size` still counts every point. A group whose points are not gathered around its
    centre (see MAX_SPREAD) gets no caption: it would name a place the group is not."""
    groups = np.asarray(groups, np.int64)
    xy = np.asarray(xy, np.float64)[:, :2]
    drawn = np.isfinite(xy).all(axis=1) & (groups >= 0)
    if skip:
        drawn &= ~np.isin(groups, np.asarray(skip, np.int64))
    ids = np.flatnonzero(drawn)
    if not len(ids):
        return []
    sizes = np.bincount(groups[ids])
    if len(ids) > max_points:
        keep = np.zeros(len(groups), bool)
        keep[ids[np.random.default_rng(0).random(len(ids), np.float32) < max_points / len(ids)]] = True
        if counts is not None:
            frequent = np.argpartition(-np.asarray(counts)[ids], max_points // 10)[:max_points // 10]
            keep[ids[frequent]] = True
        ids = np.flatnonzero(keep & drawn)
    order = np.argsort(groups[ids], kind="stable")
    ids = ids[order]
    starts = np.flatnonzero(np.r_[True, np.diff(groups[ids]) != 0])
    bounds = list(zip(starts, np.r_[starts[1:], len(ids)]))
    overall = np.median(np.linalg.norm(xy[ids] - np.median(xy[ids], axis=0), axis=1))
    out = []
    for start, end in sorted(bounds, key=lambda b: b[0] - b[1])[:limit]:
        members = ids[start:end]
        if len(members) < MIN_GROUP:
            continue
        centre = np.median(xy[members], axis=0)
        if len(bounds) > 1 and np.median(np.linalg.norm(xy[members] - centre, axis=1)) > max_spread * overall:
            continue
        if counts is not None:
            key = -np.asarray(counts, np.float64)[members]
        else:
            key = ((xy[members] - centre) ** 2).sum(axis=1)
        rank = np.lexsort((key,)) if preferred is None else np.lexsort((key, ~np.asarray(preferred)[members]))
        text = " · ".join(str(tokens[i]) for i in members[rank[:per_group]])
        group = int(groups[members[0]])
        out.append(Caption(group, float(centre[0]), float(centre[1]), text, int(sizes[group])))
    return out
