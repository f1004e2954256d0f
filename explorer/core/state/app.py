"""Every user setting and view state of one exploration, in one object (no Qt).

`AppState` groups evented parts (see `explorer.core.events`). Panels and views
bind to a part's fields and follow their events; tours, sessions, bookmarks, window
options and presentation mode only write fields. The data itself (vocabulary, matrix,
categories) lives in `explorer.core.state.workspace.Workspace`, which owns an AppState.

    state.projection.update(method="tsne", sample=5000)    # the view re-projects
    state.view.colour = "cluster"                          # the legend follows
    state.capture(("projection", "view"))                  # a bookmark
"""

from __future__ import annotations

from dataclasses import dataclass, field

from explorer.core import ExplorerError
from explorer.core.analysis.lookup import PE_KINDS
from explorer.core.analysis.neighbors import METRICS
from explorer.core.matrix.pretrained import FILLS
from explorer.core.matrix.schemes import InitConfig
from explorer.core.projection.project import ProjectionSettings
from explorer.core.events import Evented, check_choice, check_count
from explorer.core.tokens.vocab import DEFAULT_SPECIALS, ORDERS
from explorer.core.training.config import TrainConfig

VIEW_MODES = ("2d", "3d")
COLOUR_MODES = ("category", "frequency", "cluster", "regex", "fidelity", "column")
LABEL_MODES = ("auto", "none")
THEMES = ("light", "dark", "high-contrast-light", "high-contrast-dark")
PRETRAINED_MODES = ("vocabulary", "map")
INSPECTOR_TABS = ("Lookup", "Neighbours", "One-hot", "Sentence", "Analogy", "Drift")
MAX_NEIGHBOURS = 200  # the most neighbours the Inspector lists
MAX_ANALOGIES = 100  # the most answers it lists for an analogy


def _optional_id(value) -> int | None:
    return None if value is None else check_count(value, "a token ID")


def _at_most(value, what: str, maximum: int) -> int:
    n = check_count(value, what, 1)
    if n > maximum:
        raise ExplorerError(f"{what} is at most {maximum}, not {n}")
    return n


@dataclass
class VocabSource(Evented):
    """Where the vocabulary came from, and how it was built (for sessions and the title)."""

    source: str = "demo"  # "demo", a file path, or "sample:NAME"
    options: dict = field(default_factory=dict)  # corpus options: min_count, max_size, order, ...
    # The Vocabulary dock's choices for the next file (`options` records those of the current one).
    format: str | None = None  # how to read it (a format of core.io.vocab_files); None: detect
    tokenizer: str = "words"  # corpus tokenizer: words | whitespace | current | a tokenizer file's path
    min_count: int = 1
    max_size: int | None = None  # None: no limit
    order: str = "freq"
    specials: tuple = ()  # roles of special tokens put at the front: pad, unk, bos, eos
    specials_in_text: bool = True  # the tokenize box: `<|endoftext|>` typed is that token (else plain text)

    def _check_specials_in_text(self, value):
        if not isinstance(value, bool):
            raise ExplorerError(f"'special tokens in the text are tokens' is true or false, not {value!r}")
        return value

    def _check_format(self, value):
        if value is not None and (not isinstance(value, str) or not value):
            raise ExplorerError(f"a vocabulary format is a name such as 'corpus', not {value!r}")
        return value

    def _check_tokenizer(self, value):
        if not isinstance(value, str) or not value:
            raise ExplorerError(f"a corpus tokenizer is words, whitespace, current or a file, not {value!r}")
        return value

    def _check_min_count(self, value):
        return check_count(value, "the min count", 1)

    def _check_max_size(self, value):
        return None if value is None else check_count(value, "the max size", 1)

    def _check_order(self, value):
        return check_choice(value, ORDERS, "order")

    def _check_specials(self, value):
        for role in value:
            check_choice(role, tuple(DEFAULT_SPECIALS), "special token")
        return tuple(role for role in DEFAULT_SPECIALS if role in value)  # their order at the front


@dataclass
class MatrixOrigin(Evented):
    """What made the current matrix, in words the Initialization dock shows."""

    made_by: str = ""  # e.g. "normal (mean 0, std 1) · dim 64 · seed 0", "pretrained: glove.txt"
    kind: str = "init"  # init | pretrained | session | trained

    def _check_kind(self, value):
        return check_choice(value, ("init", "pretrained", "session", "trained"), "matrix origin")


@dataclass
class PretrainedMapping(Evented):
    """The Initialization dock's pretrained-vectors choices."""

    path: str | None = None
    mode: str = "vocabulary"  # vocabulary: the file defines it; map: onto the current one
    vocab_file: str | None = None  # tokens for files that carry none (.npy, safetensors)
    tensor: str | None = None  # which tensor of a safetensors/checkpoint file
    case_insensitive: bool = False
    fill: str = "random"  # rows the file lacks: random | zeros | mean | subwords (a fastText .bin)
    adopt_dim: bool = True  # map mode: take the file's dim (False: a different dim is refused)

    def _check_mode(self, value):
        return check_choice(value, PRETRAINED_MODES, "pretrained mode")

    def _check_fill(self, value):
        return check_choice(value, FILLS, "fill strategy")


@dataclass
class FitState(Evented):
    """The fitted projection shown (its PCA basis or t-SNE layout keeps frames stable).

    Written by the projection job; sessions save its basis so a reopened session shows
    the same points in the same place. `generation` counts fits: a view that draws in
    projected coordinates (trails) redraws when it changes."""

    TRANSIENT = ("projection",)

    projection: object = None  # explorer.core.projection.project.Projection, or None
    generation: int = 0


@dataclass
class ViewState(Evented):
    """How the points are drawn: 2D or 3D, colours, labels, the visible range, the theme."""

    TRANSIENT = ()

    mode: str = "2d"
    colour: str = "category"
    clusters: int = 8  # k for k-means colours
    colour_pattern: str = ""  # regex for regex colours
    labels: str = "auto"
    colour_column: str = ""  # colour "column": the metadata column that colours the points
    label_column: str = ""  # labels show this metadata column instead of the token ("": the token)
    neighbours: bool = True  # the current token's nearest neighbours (full space) drawn on the plot
    cluster_labels: bool = True  # a caption per cluster/category when colouring by one
    density: bool = False  # density contours over the points
    range2d: tuple | None = None  # ((x0, x1), (y0, y1)) as the user left it; None: fit the points
    camera3d: dict | None = None  # distance, elevation, azimuth, center
    theme: str = "light"
    auto_rotate: bool = False

    def _check_mode(self, value):
        return check_choice(value, VIEW_MODES, "view")

    def _check_colour(self, value):
        return check_choice(value, COLOUR_MODES, "colour mode")

    def _check_clusters(self, value):
        return check_count(value, "the number of clusters", 2)

    def _check_labels(self, value):
        return check_choice(value, LABEL_MODES, "label mode")

    def _check_theme(self, value):
        return check_choice(value, THEMES, "theme")

    def _check_range2d(self, value):
        if value is None:
            return None
        try:
            (x0, x1), (y0, y1) = value
            x0, x1, y0, y1 = float(x0), float(x1), float(y0), float(y1)
        except (TypeError, ValueError):
            raise ExplorerError(f"a 2D range is ((x0, x1), (y0, y1)), not {value!r}") from None
        if not (x0 < x1 and y0 < y1):
            raise ExplorerError(f"an empty 2D range: {value!r}")
        return ((x0, x1), (y0, y1))


@dataclass
class ExploreState(Evented):
    """What the user is looking at: selection, search, the current token, the inspector query."""

    selection: tuple = ()
    current: int | None = None
    search: str = ""
    search_regex: bool = False
    query: str = ""  # the Inspector's lookup box
    tokenize: str = ""  # the Vocabulary dock's tokenize box
    # The Inspector's other choices: its tab, neighbours, sentence, one-hot, analogy and drift.
    inspector_tab: str = "Lookup"
    metric: str = "cosine"
    k: int = 10  # neighbours listed
    sentence: str = ""  # empty: a sentence of known tokens is chosen
    positions: str = "sinusoidal"  # positional encoding added to the sentence's rows
    one_hot_ids: tuple = (2, 3, 1)
    analogy: tuple = ("", "", "")  # a − b + c as typed; empty boxes use the examples shown
    analogy_k: int = 10
    moved_by: str = "distance"  # tokens that moved most: by distance or by cosine
    filter_column: str = ""  # the Vocabulary dock's metadata filter: column ...
    filter_value: str = ""  # ... and the value its rows must have

    def _check_selection(self, value):
        return tuple(check_count(i, "a token ID") for i in value)

    def _check_current(self, value):
        return _optional_id(value)

    def _check_inspector_tab(self, value):
        return check_choice(value, INSPECTOR_TABS, "Inspector tab")

    def _check_metric(self, value):
        return check_choice(value, METRICS, "metric")

    def _check_k(self, value):
        return _at_most(value, "the number of neighbours", MAX_NEIGHBOURS)

    def _check_positions(self, value):
        return check_choice(value, PE_KINDS, "positional encoding")

    def _check_one_hot_ids(self, value):
        ids = tuple(check_count(i, "a token ID") for i in value)
        if not ids:
            raise ExplorerError("give at least one ID")
        return ids

    def _check_analogy(self, value):
        if len(value) != 3 or not all(isinstance(t, str) for t in value):
            raise ExplorerError(f"an analogy is three tokens a, b, c, not {value!r}")
        return tuple(value)

    def _check_analogy_k(self, value):
        return _at_most(value, "the number of analogy answers", MAX_ANALOGIES)

    def _check_moved_by(self, value):
        return check_choice(value, ("distance", "cosine"), "drift order")


@dataclass
class PresentationState(Evented):
    """Presentation mode, bookmarks and the tour being shown."""

    active: bool = False
    bookmarks: tuple = ()  # each a dict: {"name": ..., plus parts captured by AppState.capture}
    bookmark_index: int = -1
    tour: str | None = None  # the tour's name (or file) while one runs
    tour_step: int = -1

    def _check_bookmarks(self, value):
        if any(not isinstance(b, dict) for b in value):
            raise ExplorerError("each bookmark is a mapping of setting names to values")
        return tuple(dict(b) for b in value)

    def validate(self) -> None:
        if not -1 <= self.bookmark_index < len(self.bookmarks):
            raise ExplorerError(f"no bookmark {self.bookmark_index + 1} among {len(self.bookmarks)}")


# Parts a session saves (in this order); a bookmark saves BOOKMARK_PARTS.
PARTS = ("vocab", "init", "pretrained", "matrix", "train", "projection", "view", "explore", "presentation")
BOOKMARK_PARTS = ("projection", "view", "explore")


class AppState:
    """The one place every setting lives. Each attribute is an evented part."""

    def __init__(self) -> None:
        self.vocab = VocabSource()
        self.init = InitConfig()
        self.pretrained = PretrainedMapping()
        self.matrix = MatrixOrigin()
        self.train = TrainConfig()
        self.projection = ProjectionSettings()
        self.fit = FitState()
        self.view = ViewState()
        self.explore = ExploreState()
        self.presentation = PresentationState()

    def part(self, name: str) -> Evented:
        if name not in PARTS and name != "fit":
            raise ExplorerError(f"no part {name!r} in the state")
        return getattr(self, name)

    def capture(self, parts=PARTS) -> dict:
        """The named parts as plain JSON-able data."""
        return {name: self.part(name).to_dict() for name in parts}

    def restore(self, data: dict, parts=PARTS) -> list[str]:
        """Write saved parts back (validated per part; unknown parts and fields are skipped).

        Returns what was skipped, as "part.field" strings, so a caller can say so."""
        skipped = []
        for name in parts:
            if name in (data or {}):
                try:
                    skipped += [f"{name}.{k}" for k in self.part(name).update_from_dict(data[name])]
                except (ExplorerError, TypeError, ValueError) as exc:
                    skipped.append(f"{name} ({exc})")
        return skipped
