"""Fuzz session files (explorer.core.io.session.load_session).

Bases are real sessions: the demo vocabulary and a vocabulary counted from
../shared/data/gensim/lee.cor, with matrices, snapshots, history, the state and a fitted
projection, one with a real GPT-2 tokenizer inside, and one in format version 1. Cases damage the zip bytes, the JSON member (as
bytes, or by putting random JSON anywhere in its structure), the tensors member, and
the member list; generated sessions must round-trip exactly."""

from __future__ import annotations

import io
import json
import zipfile
from functools import lru_cache

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from explorer.core.io.session import Session, load_session, save_session
from explorer.core.projection.project import ProjectionSettings, project
from explorer.core.state.app import AppState
from explorer.core.tokens.demo import demo_vocabulary
from explorer.core.training.snapshot import Snapshot
from tests.fuzz._harness import check_session, fuzz_settings, mutated, run_case, shared


def _session_bytes(session: Session) -> bytes:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.eexp"
        save_session(path, session)
        return path.read_bytes()


@lru_cache(maxsize=None)
def _bases() -> tuple[bytes, ...]:
    from explorer.core.io.vocab_files import load_vocabulary
    from tests.fuzz.test_fuzz_tokenizers import _gpt2_base

    rng = np.random.default_rng(0)
    demo = demo_vocabulary()
    w = rng.standard_normal((len(demo), 8)).astype(np.float32)
    state = AppState()
    state.init.update(scheme="xavier_uniform", dim=8, seed=3)
    state.train.update(objective="sgns", epochs=3)
    state.view.update(range2d=((0, 1), (-1, 1)), theme="dark", colour="cluster")
    state.explore.update(selection=(1, 2), current=3)
    state.presentation.bookmarks = ({"name": "start", "explore": {"selection": [0]}},)
    first = Session(demo, w, initial_weights=w * 0.5, categories=[f"c{i % 3}" for i in range(len(demo))],
                    state=state.capture(), history={"loss": [[1, 2.5], [2, 2.25]]},
                    snapshots=[Snapshot(5, 0, 2.5, 100, w * 0.9), Snapshot(10, 1, 2.25, 200, w * 0.8)],
                    projection=project(w, ProjectionSettings(sample=40, seed=1)))
    lee = load_vocabulary(shared("gensim/lee.cor"), "corpus", min_count=3, errors="replace")
    second = Session(lee, rng.standard_normal((len(lee), 4)).astype(np.float32))
    import tempfile
    from pathlib import Path

    encoder, merges = _gpt2_base()
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "encoder.json").write_bytes(encoder)
        (Path(folder) / "vocab.bpe").write_bytes(merges)
        gpt2 = load_vocabulary(Path(folder))
    third = Session(gpt2, rng.standard_normal((len(gpt2), 2)).astype(np.float32))
    return _session_bytes(first), _session_bytes(second), _session_bytes(third), _version_1_bytes(demo, w)


def _version_1_bytes(vocab, weights) -> bytes:
    """A session as format version 1 wrote it (a `view` dict, snapshots as steps only)."""
    from safetensors.numpy import save as save_tensors

    meta = {"format": "embedding-explorer-session", "version": 1,
            "vocab": {"tokens": vocab.tokens, "counts": vocab.counts.tolist(), "specials": vocab.specials,
                      "source": "demo", "kind": "words", "tokenizer": None},
            "init_config": {"scheme": "uniform", "dim": 8, "seed": 3, "params": {}},
            "train_config": {"objective": "sgns", "epochs": 3, "corpus": "demo"},
            "history": {"loss": [[5, 2.5]]}, "snapshot_steps": [5],
            "view": {"selection": [1, 2], "current": 3, "camera": {"x": [0, 1], "y": [-1, 1]},
                     "projection": {"method": "pca", "dims": 2}, "colours": "category",
                     "bookmarks": [{"name": "start", "selection": [0]}], "theme": "dark"}}
    return _zip([("session.json", json.dumps(meta).encode()),
                 ("tensors.safetensors", save_tensors({"weights": weights, "snapshot.0": weights * 0.9}))])


def _members(blob: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _zip(members: list[tuple[str, bytes]], compression=zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return buf.getvalue()


JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**63, 2**64) | st.floats() | st.text(max_size=6),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                                  max_size=4),
                    max_leaves=10)


@st.composite
def json_damage(draw, meta):
    """Put random JSON at a random place of the metadata (or delete that key)."""
    node = meta
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node))) if isinstance(node, list) else []
        if not keys:
            return meta
        key = draw(st.sampled_from(keys[:50]))
        child = node[key]
        if isinstance(child, (dict, list)) and child and draw(st.integers(0, 2)):
            node = child
            continue
        if isinstance(node, dict) and draw(st.integers(0, 5)) == 0:
            del node[key]
        else:
            node[key] = draw(JSON)
        return meta


@fuzz_settings(0.7)
@given(data=st.data())
def test_session_damaged_real_sessions(scratch, data):
    base = data.draw(st.sampled_from(_bases()))
    how = data.draw(st.sampled_from(["bytes", "json_bytes", "json_tree", "json_tree", "tensors", "members"]))
    if how == "bytes":
        blob = data.draw(mutated(base))
    else:
        members = _members(base)
        meta, tensors = members["session.json"], members["tensors.safetensors"]
        extra: list[tuple[str, bytes]] = []
        compression = zipfile.ZIP_STORED
        if how == "json_bytes":
            meta = data.draw(mutated(meta))
        elif how == "json_tree":
            tree = json.loads(meta)
            for _ in range(data.draw(st.integers(1, 3))):
                tree = data.draw(json_damage(tree))
            meta = json.dumps(tree, allow_nan=True).encode("utf-8", "surrogatepass")
        elif how == "tensors":
            tensors = data.draw(mutated(tensors))
        else:
            extra = data.draw(st.lists(st.tuples(
                st.sampled_from(["session.json", "tensors.safetensors", "../evil", "/abs", "x/../../y", "a\\b",
                                 "extra.txt", ""]), st.binary(max_size=20)), max_size=2))
            compression = data.draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_LZMA]))
        members_list = [("session.json", meta), ("tensors.safetensors", tensors)]
        if data.draw(st.booleans()):
            members_list.reverse()
        blob = _zip([m for m in members_list + extra if m[0]], compression)
    path = scratch.fresh() / "s.eexp"
    path.write_bytes(blob)
    run_case("session", load_session, path, check=check_session)
    assert sorted(p.name for p in scratch.root.iterdir()) == ["s.eexp"], "loading wrote files"


TOKEN = st.text(min_size=1, max_size=8)


@st.composite
def sessions(draw):
    tokens = draw(st.lists(TOKEN, min_size=1, max_size=20, unique=True))
    dim = draw(st.integers(1, 5))
    values = st.floats(width=32)
    weights = np.array(draw(st.lists(values, min_size=len(tokens) * dim, max_size=len(tokens) * dim)),
                       dtype=np.float32).reshape(len(tokens), dim)
    from explorer.core.tokens.vocab import Vocabulary

    counts = draw(st.one_of(st.none(), st.lists(st.integers(0, 2**62), min_size=len(tokens), max_size=len(tokens))))
    vocab = Vocabulary(tokens=tokens, counts=counts,
                       specials={"pad": 0} if draw(st.booleans()) else {})
    snapshots = [Snapshot(step=draw(st.integers(0, 10**9)), epoch=draw(st.integers(0, 1000)), loss=draw(st.floats()),
                          tokens_seen=draw(st.integers(0, 2**62)), weights=weights[::-1].copy())
                 for _ in range(draw(st.integers(0, 2)))]
    state = draw(st.dictionaries(st.text(max_size=5), st.dictionaries(st.text(max_size=5), JSON, max_size=3),
                                 max_size=3))
    state.pop("presentation", None)  # its bookmarks must be a list of objects: drawn apart below
    if draw(st.booleans()):
        state["presentation"] = {"bookmarks": draw(st.lists(st.dictionaries(st.text(max_size=5), JSON, max_size=2),
                                                            max_size=2))}
    projection = None
    if len(tokens) >= 3 and draw(st.booleans()) and np.all(np.abs(weights) < 1e6):  # PCA overflows beyond
        settings = ProjectionSettings(method=draw(st.sampled_from(["pca", "svd"])),
                                      sample=draw(st.one_of(st.none(), st.integers(3, len(tokens)))))
        projection = project(weights, settings)
    return Session(vocab, weights, initial_weights=weights if draw(st.booleans()) else None,
                   categories=draw(st.one_of(st.none(), st.lists(st.text(max_size=3), min_size=len(tokens),
                                                                  max_size=len(tokens)))),
                   history={"loss": draw(st.lists(st.tuples(st.integers(0, 100), st.floats()).map(list),
                                                  max_size=3))},
                   state=state, snapshots=snapshots, projection=projection)


@fuzz_settings(0.3)
@given(session=sessions())
def test_session_generated_round_trips(scratch, session):
    path = scratch.fresh() / "s.eexp"
    try:
        save_session(path, session)
    except Exception as exc:  # e.g. a lone surrogate in a token cannot be written as UTF-8
        from explorer.core import ExplorerError

        assert isinstance(exc, ExplorerError), f"saving raised {type(exc).__name__}: {exc}"
        assert not path.exists()
        return
    back = run_case("session", load_session, path, check=check_session)
    assert not isinstance(back, Exception), f"a session we saved does not load: {back}"
    assert back.vocab.tokens == session.vocab.tokens
    assert back.weights.tobytes() == session.weights.tobytes()
    assert [(s.step, s.epoch, s.tokens_seen) for s in back.snapshots] == \
        [(s.step, s.epoch, s.tokens_seen) for s in session.snapshots]
    assert [s.weights.tobytes() for s in back.snapshots] == [s.weights.tobytes() for s in session.snapshots]
    assert back.categories == session.categories
    assert set(back.state) == set(session.state)
    if session.projection is None:
        assert back.projection is None
    else:
        assert back.projection.basis.components.tobytes() == session.projection.basis.components.tobytes()
        assert back.projection.coords.tobytes() == session.projection.coords.tobytes()
