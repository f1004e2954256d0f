"""Security: nothing from a user's file is ever unpickled, evaluated or executed, and paths
inside session files cannot escape.

1. A static scan of every module of explorer/ (the AST, so strings and comments do not count):
   no eval/exec/compile, no pickle/marshal/shelve/dill/joblib loads, torch.load only with
   weights_only=True, np.load only with allow_pickle=False, yaml only with a safe loader.
2. Behaviour: pickles with a payload (a .pkl, a pickle under another name, a PyTorch
   checkpoint holding an object, object arrays in .npy/.npz) are refused and the payload
   never runs.
3. Zip slip: tests/core/test_session.py checks '../', absolute and nested escapes and a pickle
   in place of the tensors; here: Windows-style and symlink members, and that a load writes
   nothing anywhere.
"""

from __future__ import annotations

import ast
import io
import os
import pickle
import stat
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from explorer.core import ExplorerError
from tests.conftest import ROOT

SOURCES = sorted((ROOT / "explorer").rglob("*.py"))
FORBIDDEN_BUILTINS = {"eval", "exec", "compile", "__import__"}
FORBIDDEN_CALLS = {
    ("pickle", "load"), ("pickle", "loads"), ("pickle", "Unpickler"), ("cPickle", "load"),
    ("cPickle", "loads"), ("marshal", "load"), ("marshal", "loads"), ("shelve", "open"),
    ("dill", "load"), ("dill", "loads"), ("joblib", "load"), ("cloudpickle", "loads"),
    ("pd", "read_pickle"), ("pandas", "read_pickle"), ("os", "system"), ("os", "popen"),
}


def _dotted(node) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return "?"


def _keyword(call: ast.Call, name: str):
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def _problems(source: str, filename: str) -> list[str]:
    tree = ast.parse(source, filename)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        where = f"{filename}:{node.lineno}"
        func = node.func
        if isinstance(func, ast.Name) and func.id in FORBIDDEN_BUILTINS:
            found.append(f"{where}: {func.id}()")
            continue
        name = _dotted(func)
        parts = name.split(".")
        if len(parts) >= 2 and (parts[-2], parts[-1]) in FORBIDDEN_CALLS:
            found.append(f"{where}: {name}()")
        if name in ("torch.load",):
            value = _keyword(node, "weights_only")
            if not (isinstance(value, ast.Constant) and value.value is True):
                found.append(f"{where}: torch.load without weights_only=True")
        if name in ("np.load", "numpy.load"):
            value = _keyword(node, "allow_pickle")
            if not (isinstance(value, ast.Constant) and value.value is False):
                found.append(f"{where}: {name} without allow_pickle=False")
        if name in ("yaml.load", "yaml.load_all", "yaml.unsafe_load", "yaml.full_load"):
            loader = _keyword(node, "Loader")
            if name != "yaml.load" or loader is None or "Safe" not in _dotted(loader):
                found.append(f"{where}: {name} without a safe loader")
    return found


def test_no_module_unpickles_evaluates_or_executes():
    assert len(SOURCES) > 30
    problems = []
    for path in SOURCES:
        problems += _problems(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert not problems, "\n".join(problems)


def test_the_scan_finds_what_it_looks_for():
    bad = "\n".join([
        "import pickle, torch, numpy as np, yaml",
        "pickle.loads(b'')", "eval('1')", "exec('x=1')", "torch.load('m.pt')",
        "torch.load('m.pt', weights_only=False)", "np.load('a.npy')", "np.load('a.npy', allow_pickle=True)",
        "yaml.load(open('x'))",
        "torch.load('m.pt', weights_only=True)", "np.load('a.npy', allow_pickle=False)", "app.exec()",
        "s = 'eval(1) pickle.load(f)'",
    ])
    problems = _problems(bad, "bad.py")
    assert len(problems) == 8, problems  # the last four lines are fine


class _Payload:
    """Unpickling this creates the marker file: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("name", ["vectors.pkl", "model.kv", "model.vec", "vectors.txt", "vectors.bin", "words"])
def test_pickles_are_refused_and_never_run(tmp_path, name):
    from explorer.core.io.vectors import load_vectors
    from explorer.core.io.vocab_files import load_vocabulary

    marker = tmp_path / "ran"
    path = tmp_path / name
    path.write_bytes(pickle.dumps({"king": _Payload(marker)}, protocol=4))
    for reader in (load_vectors, load_vocabulary):
        with pytest.raises(ExplorerError):
            reader(path)
    assert not marker.exists()


def test_a_pytorch_checkpoint_holding_an_object_is_refused_and_never_runs(tmp_path):
    import torch

    from explorer.core.io.vectors import list_tensors, load_vectors

    marker = tmp_path / "ran"
    path = tmp_path / "model.pt"
    torch.save({"weight": torch.zeros(3, 2), "evil": _Payload(marker)}, path)
    for reader in (load_vectors, list_tensors):
        with pytest.raises(ExplorerError, match="weights_only"):
            reader(path)
    assert not marker.exists()


def test_object_arrays_in_npy_and_npz_are_refused(tmp_path):
    from explorer.core.io.vectors import load_vectors

    marker = tmp_path / "ran"
    objects = np.array([_Payload(marker), _Payload(marker)], dtype=object)
    npy = tmp_path / "a.npy"
    np.save(npy, objects, allow_pickle=True)
    npz = tmp_path / "a.npz"
    np.savez(npz, embeddings=np.zeros((2, 3)), vocab=objects)
    (tmp_path / "vocab.txt").write_text("a\nb\n")
    for path in (npy, npz):
        with pytest.raises(ExplorerError, match="refused"):
            load_vectors(path, vocab_path=tmp_path / "vocab.txt")
    assert not marker.exists()


def _listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def test_session_members_cannot_escape_windows_style_or_by_symlink(tmp_path, monkeypatch):
    from explorer.core.io.session import Session, load_session, save_session
    from explorer.core.tokens.demo import demo_vocabulary

    vocab = demo_vocabulary()
    good = tmp_path / "good.eexp"
    save_session(good, Session(vocab, np.zeros((len(vocab), 2), np.float32)))
    with zipfile.ZipFile(good) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    for evil in ["..\\..\\evil.txt", "C:\\evil.txt", "C:/evil.txt", "session.json\\..\\..\\x", "link"]:
        bad = tmp_path / "bad.eexp"
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for n, data in members.items():
                zf.writestr(n, data)
            info = zipfile.ZipInfo(evil)
            if evil == "link":  # a symlink member pointing outside
                info.create_system = 3
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                zf.writestr(info, "/etc/passwd")
            else:
                zf.writestr(info, b"pwned")
        bad.write_bytes(buf.getvalue())
        before = _listing(tmp_path)
        with pytest.raises(ExplorerError, match="unexpected member"):
            load_session(bad)
        assert _listing(tmp_path) == before, "loading a session wrote files"
    assert not list(work.iterdir())
    assert sys.platform != "win32" or not Path("C:/evil.txt").exists()
