"""Concept tours: short guided demos, written as data (JSON) so a teacher can write their own.

A tour file (resources/tours/*.json, or any file opened with Tours ▸ Open tour file…):

    {"title": "Why not integers or one-hot?",
     "summary": "one line for the menu's tooltip",
     "steps": [ {"caption": "...", ...}, ... ]}

Each step sets up part of the app's state and shows its caption; what a step does not
set stays as the previous step left it. The keys of a step (all but `caption` optional),
applied in this order:

    title        a short heading shown before the caption
    caption      one or two sentences; {id:TOKEN}, {vocab_size}, {dim} and {shape} are
                 filled in from the state the step sets up
    vocab        "demo" | {"tokens": [...], "order": "alpha"|"given"|"freq", "specials": [...]}
                 | {"text": "..." or [...lines], "order": ..., "specials": [...]}
                 | {"file": "path" or "sample:gpt2", "format": "gpt2"|"wordpiece"|...}
    vectors      {"file": "path" or "sample:minilm", "vocab_file": "path", "tensor": "name",
                  "mode": "file"|"map"}: a pretrained table; "file" (default) brings its own
                 vocabulary, "map" puts its rows onto the current vocabulary (a sample brings its
                 own vocab_file and tensor)
    init         {"scheme": "normal", "dim": 16 | "vocab", "seed": 0, "params": {...}}
    matrix       "ids": each token's row is [its ID, 0], the integer encoding
    projection   {"method": "pca"|"svd"|"tsne"|"umap", "dims": 2|3, "sphereize": bool, "perplexity": n,
                  "sample": 5000 | null, "refit": true (fit afresh after the step's training)}
    view         "2d" | "3d"
    train        {"objective": "sgns", "epochs": 5, "lr": .., "freeze": false, "seed": 0,
                  "window": 5, "negative": 5, "trails": ["dog", "cat"]}
    race         {"schemes": ["zeros", "normal", ...] (2-4), "epochs": 3}: the init race
    compare_inits [{"scheme": "normal", "params": {...}, "dim": 64}, ...] (2 or more)
    select       ["dog", "cat"]: selected and labelled in the view
    inspector    {"tab": "lookup"|"neighbours"|"onehot"|"sentence"|"analogy"|"drift",
                  "token": "dog", "metric": "cosine"|"euclidean"|"dot", "k": 10,
                  "ids": [2, 3, "dog"], "sentence": "...", "positions": "sinusoidal"|"none",
                  "example": "teaching", "analogy": ["king", "man", "woman"]}
    tokenize     {"text": "...", "tokenizers": [{"label": "...", "file": "path"}, {"label": "..."}]}:
                 the pieces and IDs of `text` for each tokenizer (no file: the current
                 vocabulary), shown in the caption bar
    offer_open   {"label": "Open another table…", "kind": "vectors"|"vocab"}: a button in the
                 caption bar that lets the audience bring its own file
    show         ["Inspector", "Training", ...]: docks to bring to the front (besides the docks the
                 caption names: "Inspector", "Training dock", ...; see `step_docks`)
    if_missing   step keys that replace the step's own when a file it names is absent
                 (null removes a key); the caption then says which file was missing

A file is a bundled sample (`sample:gpt2`, `sample:bert`, `sample:minilm`, always there: the
shipped tours use only these), or a path relative to the tour file's folder, else to the
current folder. `Trails` keeps a training step's trail tokens as weight rows, frame by
frame, so the view draws them through whichever projection it shows. Qt-free: the player
lives in explorer.ui.tours.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.core import ExplorerError
from explorer.core.analysis.neighbors import METRICS
from explorer.core.io.samples import find_sample, is_sample, resources_folder, vectors_file, vocab_file
from explorer.core.io.vocab_files import FORMATS as VOCAB_FILE_FORMATS
from explorer.core.matrix.schemes import SCHEMES
from explorer.core.projection.project import METHODS
from explorer.core.tokens.vocab import ORDERS
from explorer.core.training.config import OBJECTIVES

TOURS_DIR = resources_folder() / "tours"  # the package data explorer.resources (resources/ in a checkout)

STEP_KEYS = ("title", "caption", "vocab", "vectors", "init", "matrix", "projection", "view", "train",
             "race", "compare_inits", "select", "inspector", "tokenize", "offer_open", "show", "if_missing")
INSPECTOR_TABS = {"lookup": "Lookup", "neighbours": "Neighbours", "neighbors": "Neighbours",
                  "onehot": "One-hot", "one-hot": "One-hot", "sentence": "Sentence",
                  "analogy": "Analogy", "drift": "Drift"}
DOCKS = ("Vocabulary", "Initialization", "Projection", "Training", "Inspector")
VOCAB_FORMATS = tuple(VOCAB_FILE_FORMATS)
TRAIL_FRAMES = 240  # frames a trail keeps; when full, every other one goes (first and latest stay)


@dataclass(frozen=True)
class Step:
    number: int  # 1-based
    data: dict  # the step's keys, validated

    @property
    def caption(self) -> str:
        return self.data["caption"]

    @property
    def title(self) -> str:
        return self.data.get("title", "")

    def files(self) -> list[str]:
        """Files (paths or samples) this step cannot do without (the tokenize rows just say when
        theirs is absent)."""
        out = []
        vocab = self.data.get("vocab")
        if isinstance(vocab, dict) and "file" in vocab:
            out.append(vocab["file"])
        vectors = self.data.get("vectors")
        if isinstance(vectors, dict):
            out += [vectors[k] for k in ("file", "vocab_file") if k in vectors]
        return out


@dataclass
class Tour:
    title: str
    steps: list[Step]
    path: Path | None = None
    summary: str = ""
    name: str = ""  # the file's stem without its number, e.g. "why-not-integers"
    base: Path | None = None  # the folder relative paths start from first (the tour file's)

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def ref(self) -> str:
        """What `find_tour` finds it by again: a shipped tour's name, else its file (else its title)."""
        if self.path is not None and self.path.resolve().parent == TOURS_DIR.resolve():
            return self.name
        return str(self.path) if self.path is not None else self.title

    def resolve(self, path: str) -> Path | None:
        """An existing file or folder for `path`: a sample's vocabulary, else the path as given,
        next to the tour or here."""
        if is_sample(path):
            return vocab_file(path)
        p = Path(path).expanduser()
        if p.is_absolute():
            return p if p.exists() else None
        folders = [Path.cwd()] if self.base is None else [self.base, Path.cwd()]
        for folder in folders:
            if (folder / p).exists():
                return (folder / p).resolve()
        return None

    def vectors_source(self, spec: dict) -> tuple[Path | None, Path | None, str | None]:
        """(table, tokens file, tensor) of a step's "vectors" (a sample brings its own tokens and
        tensor); None for a file that is not here."""
        tokens = self.resolve(spec["vocab_file"]) if "vocab_file" in spec else None
        if is_sample(spec["file"]):
            return vectors_file(spec["file"], tokens, spec.get("tensor"))
        return self.resolve(spec["file"]), tokens, spec.get("tensor")

    def missing(self, step: Step) -> list[str]:
        """The files a step needs that are not here (a sample always is)."""
        return [f for f in step.files() if not is_sample(f) and self.resolve(f) is None]

    def effective(self, step: Step) -> tuple[dict, list[str]]:
        """The keys to apply for `step` (its if_missing replacements when a file is absent)
        and the missing files."""
        missing = self.missing(step)
        data = {k: v for k, v in step.data.items() if k != "if_missing"}
        if missing and "if_missing" in step.data:
            for key, value in step.data["if_missing"].items():
                if value is None:
                    data.pop(key, None)
                else:
                    data[key] = value
        return data, missing


# -- validation ---------------------------------------------------------------------------------

class _Invalid(Exception):
    pass


def _fail(message: str):
    raise _Invalid(message)


def _str(value, where: str, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        _fail(f"{where} must be a non-empty string, got {json.dumps(value)}")
    return value


def _int(value, where: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(f"{where} must be a whole number, got {json.dumps(value)}")
    if minimum is not None and value < minimum:
        _fail(f"{where} must be at least {minimum}, got {value}")
    return value


def _number(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _fail(f"{where} must be a number, got {json.dumps(value)}")
    return value


def _bool(value, where: str) -> bool:
    if not isinstance(value, bool):
        _fail(f"{where} must be true or false, got {json.dumps(value)}")
    return value


def _choice(value, choices, where: str) -> str:
    if value not in choices:
        _fail(f"{where} must be one of {', '.join(map(str, choices))}; got {json.dumps(value)}")
    return value


def _obj(value, where: str, keys, required=()) -> dict:
    if not isinstance(value, dict):
        _fail(f"{where} must be an object {{...}}, got {json.dumps(value)}")
    unknown = [k for k in value if k not in keys]
    if unknown:
        _fail(f"{where} has an unknown key {unknown[0]!r} (known: {', '.join(keys)})")
    for key in required:
        if key not in value:
            _fail(f"{where} needs {key!r}")
    return value


def _str_list(value, where: str, min_len: int = 1) -> list:
    if not isinstance(value, list) or len(value) < min_len or not all(isinstance(v, str) and v for v in value):
        _fail(f"{where} must be a list of at least {min_len} non-empty strings, got {json.dumps(value)}")
    return value


def _file(value, where: str, table: bool = False) -> str:
    """A path, or a known sample (with a table when `table`)."""
    _str(value, where)
    if is_sample(value):
        try:
            sample = find_sample(value)
            if table:
                vectors_file(sample.address)
        except ExplorerError as exc:
            _fail(f"{where}: {exc}")
    return value


def _vocab(value, where: str) -> None:
    if value == "demo":
        return
    if isinstance(value, str):
        _fail(f'{where} must be "demo" or an object with "tokens", "text" or "file"; got {json.dumps(value)}')
    _obj(value, where, ("tokens", "text", "file", "format", "order", "specials"))
    sources = [k for k in ("tokens", "text", "file") if k in value]
    if len(sources) != 1:
        _fail(f'{where} needs exactly one of "tokens", "text" or "file"')
    if "tokens" in value:
        _str_list(value["tokens"], f"{where}.tokens")
    if "text" in value:
        text = value["text"]
        if isinstance(text, list):
            _str_list(text, f"{where}.text")
        else:
            _str(text, f"{where}.text")
    if "file" in value:
        _file(value["file"], f"{where}.file")
    if "format" in value:
        _choice(value["format"], VOCAB_FORMATS, f"{where}.format")
    if "order" in value:
        _choice(value["order"], ORDERS + ("given",), f"{where}.order")
    if "specials" in value:
        _str_list(value["specials"], f"{where}.specials", 0)


def _init(value, where: str) -> None:
    _obj(value, where, ("scheme", "dim", "seed", "params"))
    if "scheme" in value:
        _choice(value["scheme"], list(SCHEMES), f"{where}.scheme")
    if "dim" in value and value["dim"] != "vocab":
        _int(value["dim"], f'{where}.dim (or "vocab")', 1)
    if "seed" in value:
        _int(value["seed"], f"{where}.seed", 0)
    if "params" in value:
        scheme = SCHEMES[value.get("scheme", "normal")]
        params = _obj(value["params"], f"{where}.params", tuple(scheme.params) or ("(none)",))
        for name, default in scheme.params.items():
            if name in params and isinstance(default, float):
                _number(params[name], f"{where}.params.{name}")


def _projection(value, where: str) -> None:
    _obj(value, where, ("method", "dims", "sphereize", "perplexity", "sample", "refit"))
    if "refit" in value:
        _bool(value["refit"], f"{where}.refit")
    if value.get("sample") is not None:
        _int(value["sample"], f"{where}.sample (or null: all rows)", 3)
    if "method" in value:
        _choice(value["method"], METHODS, f"{where}.method")
    if "dims" in value:
        _choice(value["dims"], (2, 3), f"{where}.dims")
    if "sphereize" in value:
        _bool(value["sphereize"], f"{where}.sphereize")
    if "perplexity" in value:
        _number(value["perplexity"], f"{where}.perplexity")


def _train(value, where: str) -> None:
    _obj(value, where, ("objective", "epochs", "lr", "freeze", "seed", "window", "negative", "trails"))
    if "objective" in value:
        _choice(value["objective"], OBJECTIVES, f"{where}.objective")
    for key in ("epochs", "window"):
        if key in value:
            _int(value[key], f"{where}.{key}", 1)
    for key in ("seed", "negative"):
        if key in value:
            _int(value[key], f"{where}.{key}", 0)
    if "lr" in value and not _number(value["lr"], f"{where}.lr") > 0:
        _fail(f"{where}.lr must be positive")
    if "freeze" in value:
        _bool(value["freeze"], f"{where}.freeze")
    if "trails" in value:
        _str_list(value["trails"], f"{where}.trails")


def _race(value, where: str) -> None:
    _obj(value, where, ("schemes", "epochs"), required=("schemes",))
    schemes = value["schemes"]
    if not isinstance(schemes, list) or not 2 <= len(schemes) <= 4:
        _fail(f"{where}.schemes must list 2 to 4 schemes, got {json.dumps(schemes)}")
    for i, scheme in enumerate(schemes):
        _choice(scheme, list(SCHEMES), f"{where}.schemes[{i}]")
    if "epochs" in value:
        _int(value["epochs"], f"{where}.epochs", 1)


def _compare(value, where: str) -> None:
    if not isinstance(value, list) or len(value) < 2:
        _fail(f"{where} must list 2 or more schemes, got {json.dumps(value)}")
    for i, entry in enumerate(value):
        _init(entry, f"{where}[{i}]")
        if "scheme" not in entry:
            _fail(f"{where}[{i}] needs 'scheme'")


def _inspector(value, where: str) -> None:
    _obj(value, where, ("tab", "token", "metric", "k", "ids", "sentence", "positions", "example", "analogy"))
    if "tab" in value:
        _choice(value["tab"], list(INSPECTOR_TABS), f"{where}.tab")
    if "token" in value:
        _str(value["token"], f"{where}.token")
    if "metric" in value:
        _choice(value["metric"], METRICS, f"{where}.metric")
    if "k" in value:
        _int(value["k"], f"{where}.k", 1)
    if "ids" in value:
        ids = value["ids"]
        if not isinstance(ids, list) or not ids or not all(
                (isinstance(i, int) and not isinstance(i, bool) and i >= 0) or (isinstance(i, str) and i)
                for i in ids):
            _fail(f"{where}.ids must be a list of IDs (whole numbers >= 0) or tokens, got {json.dumps(ids)}")
    if "sentence" in value:
        _str(value["sentence"], f"{where}.sentence")
    if "positions" in value:
        _choice(value["positions"], ("sinusoidal", "none"), f"{where}.positions")
    if "example" in value:
        _choice(value["example"], ("teaching",), f"{where}.example")
    if "analogy" in value:
        analogy = _str_list(value["analogy"], f"{where}.analogy", 3)
        if len(analogy) != 3:
            _fail(f"{where}.analogy must hold 3 tokens (a − b + c), got {len(analogy)}")


def _tokenize(value, where: str) -> None:
    _obj(value, where, ("text", "tokenizers"), required=("text",))
    _str(value["text"], f"{where}.text")
    rows = value.get("tokenizers", [{}])
    if not isinstance(rows, list) or not rows:
        _fail(f"{where}.tokenizers must be a list of {{\"label\": ..., \"file\": ...}} objects")
    for i, row in enumerate(rows):
        _obj(row, f"{where}.tokenizers[{i}]", ("label", "file", "format"))
        if "label" in row:
            _str(row["label"], f"{where}.tokenizers[{i}].label")
        if "file" in row:
            _file(row["file"], f"{where}.tokenizers[{i}].file")
        if "format" in row:
            _choice(row["format"], VOCAB_FORMATS, f"{where}.tokenizers[{i}].format")


def _vectors(value, where: str) -> None:
    _obj(value, where, ("file", "vocab_file", "tensor", "mode"), required=("file",))
    for key in value:
        _str(value[key], f"{where}.{key}")
    _file(value["file"], f"{where}.file", table=True)
    if "vocab_file" in value:
        _file(value["vocab_file"], f"{where}.vocab_file")
    if "mode" in value:
        _choice(value["mode"], ("file", "map"), f"{where}.mode")


def _offer(value, where: str) -> None:
    _obj(value, where, ("label", "kind"), required=("kind",))
    _choice(value["kind"], ("vectors", "vocab", "session", "corpus", "tokenizer"), f"{where}.kind")
    if "label" in value:
        _str(value["label"], f"{where}.label")


VALIDATORS = {
    "title": lambda v, w: _str(v, w),
    "caption": lambda v, w: _str(v, w),
    "vocab": _vocab,
    "vectors": _vectors,
    "init": _init,
    "matrix": lambda v, w: _choice(v, ("ids",), w),
    "projection": _projection,
    "view": lambda v, w: _choice(v, ("2d", "3d"), w),
    "train": _train,
    "race": _race,
    "compare_inits": _compare,
    "select": lambda v, w: _str_list(v, w),
    "inspector": _inspector,
    "tokenize": _tokenize,
    "offer_open": _offer,
    "show": lambda v, w: [_choice(d, DOCKS, f"{w}[{i}]") for i, d in enumerate(_str_list(v, w))],
}


def _step(value, number: int) -> Step:
    where = f"step {number}"
    if not isinstance(value, dict):
        _fail(f"{where} must be an object {{\"caption\": ...}}, got {json.dumps(value)}")
    unknown = [k for k in value if k not in STEP_KEYS]
    if unknown:
        _fail(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(STEP_KEYS)})")
    if "caption" not in value:
        _fail(f"{where} needs a \"caption\"")
    for key, item in value.items():
        if key == "if_missing":
            if not isinstance(item, dict):
                _fail(f"{where}.if_missing must be an object of step keys")
            for sub, sub_value in item.items():
                if sub not in VALIDATORS:
                    _fail(f"{where}.if_missing: unknown key {sub!r} (known: {', '.join(VALIDATORS)})")
                if sub_value is not None:
                    VALIDATORS[sub](sub_value, f"{where}.if_missing.{sub}")
            continue
        VALIDATORS[key](item, f"{where}.{key}")
    return Step(number, dict(value))


def _slug(path: Path) -> str:
    return re.sub(r"^\d+[-_ ]*", "", path.stem)


def parse_tour(data, path: str | Path | None = None) -> Tour:
    """A Tour from parsed JSON; ExplorerError naming `path` and the step when it is invalid."""
    try:
        top = _obj(data, "the tour", ("title", "summary", "steps"), required=("title", "steps"))
        title = _str(top["title"], "the tour's title")
        summary = _str(top.get("summary", ""), "the tour's summary", allow_empty=True)
        steps_data = top["steps"]
        if not isinstance(steps_data, list) or not steps_data:
            _fail("\"steps\" must be a non-empty list of steps")
        steps = [_step(item, i) for i, item in enumerate(steps_data, 1)]
    except _Invalid as exc:
        raise ExplorerError(str(exc), path) from None
    p = Path(path) if path is not None else None
    return Tour(title=title, steps=steps, path=p, summary=summary,
                name=_slug(p) if p is not None else title, base=p.resolve().parent if p is not None else None)


def load_tour(path: str | Path) -> Tour:
    """Read and validate a tour file; problems raise ExplorerError naming the file (and line or step)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ExplorerError("no such tour file", path) from None
    except IsADirectoryError:
        raise ExplorerError("is a folder, not a tour file", path) from None
    except UnicodeDecodeError as exc:
        raise ExplorerError(f"not UTF-8 text ({exc.reason})", path, offset=exc.start) from None
    except OSError as exc:
        raise ExplorerError(f"cannot read it ({exc.strerror or exc})", path) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExplorerError(f"not valid JSON: {exc.msg} (column {exc.colno})", path, line=exc.lineno) from None
    return parse_tour(data, path)


def shipped_tour_paths(folder: Path = TOURS_DIR) -> list[Path]:
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def shipped_tours(folder: Path = TOURS_DIR) -> list[Tour]:
    """The tours that come with the app, in file-name order (01-…, 02-…)."""
    return [load_tour(p) for p in shipped_tour_paths(folder)]


def find_tour(name: str, folder: Path = TOURS_DIR) -> Tour:
    """A shipped tour by number ("1"), name ("why-not-integers"), file stem, or a path to a tour file."""
    candidate = Path(name)
    if candidate.suffix.lower() == ".json" or candidate.exists():
        return load_tour(candidate)
    paths = shipped_tour_paths(folder)
    key = name.strip().lower()
    for i, p in enumerate(paths, 1):
        if key in (str(i), p.stem.lower(), _slug(p).lower()):
            return load_tour(p)
    names = ", ".join(_slug(p) for p in paths)
    raise ExplorerError(f"no tour named {name!r}; the shipped tours are {names} (or 1..{len(paths)})")


PLACEHOLDER = re.compile(r"\{(id:[^{}]+|vocab_size|dim|shape)\}")


def fill_caption(text: str, vocab=None, weights=None) -> str:
    """Replace {id:TOKEN}, {vocab_size}, {dim} and {shape} with what the app holds now."""
    def sub(match: re.Match) -> str:
        key = match.group(1)
        if key.startswith("id:"):
            token_id = None if vocab is None else vocab.id_of(key[3:])
            return "?" if token_id is None else str(token_id)
        if key == "vocab_size":
            return "?" if vocab is None else f"{len(vocab):,}"
        if weights is None:
            return "?"
        if key == "dim":
            return str(weights.shape[1])
        return f"{weights.shape[0]:,} × {weights.shape[1]}"

    return PLACEHOLDER.sub(sub, text)


DOCKS = ("Vocabulary", "Initialization", "Projection", "Training", "Inspector")
# How a caption names a dock: the Inspector by its name, the others as "the Training dock".
_DOCK_NAMED = {name: re.compile(rf"\b{name}\b" if name == "Inspector" else rf"\b{name} dock\b")
               for name in DOCKS}


def step_docks(data: dict) -> list[str]:
    """The docks a step's caption points to ("dog's neighbours (Inspector)", "the loss falls in the
    Training dock") and those its `show` lists: the player brings them to the front, and in
    presentation mode shows them beside the view. In the order the caption names them."""
    caption = data.get("caption", "")
    named = sorted((m.start(), name) for name, pattern in _DOCK_NAMED.items()
                   for m in [pattern.search(caption)] if m is not None)
    out = [name for _pos, name in named]
    for name in data.get("show", []):
        if name not in out:
            out.append(name)
    return out


def race_summary(curves: dict, names: dict | None = None) -> list[tuple[str, float]]:
    """Each run's final loss from the init race's curves ({scheme: [(step, loss), ...]}), lowest first,
    as (display name, loss): what the race step lists under its caption, so the caption's claims
    rest on what is shown."""
    names = names or {}
    final = [(names.get(scheme, scheme), float(points[-1][1])) for scheme, points in curves.items()
             if len(points) and np.isfinite(points[-1][1])]
    return sorted(final, key=lambda item: item[1])


def word_pieces(vocab, text: str) -> tuple[list[str], list[int | None]] | None:
    """A word vocabulary's pieces of `text` with what its word splitter skips shown too: a run of
    non-space characters outside every word (an emoji, "🍉") is a piece of its own, mapped to the
    unknown token (or None), instead of vanishing. None for a subword tokenizer (it covers all text)."""
    from explorer.core.tokens.vocab import WORD_RE, WordTokenizer

    tokenizer = vocab.tokenizer
    if tokenizer is not None and not (isinstance(tokenizer, WordTokenizer) and tokenizer.lowercase):
        return None
    pieces: list[str] = []
    ids: list[int | None] = []
    lowered = text.lower()
    at = 0

    def skipped(chunk: str) -> None:
        for run in chunk.split():
            rest = run.strip(".,;:!?\"'()[]{}«»“”‘’-–—…_")  # punctuation is not a word, nor unknown
            if rest:
                pieces.append(rest)
                ids.append(vocab.unk_id)

    for match in WORD_RE.finditer(lowered):
        skipped(lowered[at:match.start()])
        pieces.append(match.group())
        ids.append(vocab.index.get(match.group(), vocab.unk_id))
        at = match.end()
    skipped(lowered[at:])
    return pieces, ids


def build_vocab_spec(spec):
    """The Vocabulary (and category labels) for an in-file vocab spec: "demo", tokens or text.
    Files are loaded by the UI (in a worker), not here."""
    from collections import Counter

    from explorer.core.tokens.demo import category_labels, demo_vocabulary
    from explorer.core.tokens.vocab import WordTokenizer, build_vocab, vocab_from_counts

    if spec == "demo":
        vocab = demo_vocabulary()
        return vocab, category_labels(vocab)
    order = spec.get("order", "alpha")
    order = "first" if order == "given" else order
    specials = spec.get("specials", [])
    if "tokens" in spec:
        vocab = vocab_from_counts(Counter(spec["tokens"]), order=order, specials=specials, source="tour",
                                  tokenizer=WordTokenizer(), kind="tour")
    else:
        lines = spec["text"] if isinstance(spec["text"], list) else [spec["text"]]
        vocab = build_vocab(lines, WordTokenizer(), order=order, specials=specials, source="tour")
        vocab.kind = "tour"
    return vocab, category_labels(vocab)


class Trails:
    """Where a few tokens went during training, kept as their weight rows frame by frame.

    Rows, not screen coordinates: `paths(projection)` draws them through whichever fitted
    projection is shown now, so after a re-fit, a sign flip or another PCA/SVD projection
    every trail still ends at its own token's point. A t-SNE or UMAP layout has no basis
    to carry earlier frames through: `paths` then returns None (the view clears the trails).
    Small: len(ids) × dim numbers a frame, at most `max_frames` frames.
    """

    def __init__(self, ids=(), max_frames: int = TRAIL_FRAMES) -> None:
        self.ids = [int(i) for i in ids]
        self.max_frames = max_frames
        self.rows: list[np.ndarray] = []  # per frame: (len(ids), dim)
        self.centroids: list[np.ndarray] = []  # per frame: the projected rows' mean (sphereize centres on it)

    def __len__(self) -> int:
        return len(self.rows)

    def add(self, weights: np.ndarray, sample: np.ndarray | None = None) -> None:
        """Keep this frame's rows of the trail tokens (`sample`: the rows a sampled projection fits)."""
        if not self.ids:
            return
        rows = np.array(weights[self.ids], dtype=np.float32)
        if self.rows and rows.shape == self.rows[-1].shape and np.array_equal(rows, self.rows[-1]):
            return  # the same matrix again (the final frame, then the trained matrix)
        fitted = weights if sample is None else weights[sample]
        self.rows.append(rows)
        self.centroids.append(np.asarray(fitted, dtype=np.float32).mean(axis=0))
        if len(self.rows) > self.max_frames:
            keep = list(range(0, len(self.rows) - 1, 2)) + [len(self.rows) - 1]
            self.rows = [self.rows[i] for i in keep]
            self.centroids = [self.centroids[i] for i in keep]

    def paths(self, projection) -> list[np.ndarray] | None:
        """Each frame's (len(ids), dims) coordinates in `projection`, oldest first.

        None when the projection has no basis (t-SNE, UMAP) or was fitted on rows of another
        width. Tokens outside a sampled projection have no point: their coordinates are NaN."""
        basis = projection.basis if projection is not None else None
        if basis is None or not self.rows or basis.components.shape[1] != self.rows[0].shape[1]:
            return None
        out = []
        for rows, centroid in zip(self.rows, self.centroids):
            x = rows
            if projection.settings.sphereize:  # as explorer.core.projection.project.sphereize does
                x = x - centroid
                norms = np.linalg.norm(x, axis=1, keepdims=True)
                x = x / np.where(norms > 0, norms, 1)
            out.append(basis.transform(x))
        if projection.ids is not None:
            outside = ~np.isin(self.ids, projection.ids)
            for coords in out:
                coords[outside] = np.nan
        return out
