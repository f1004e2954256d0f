"""Sessions through the window: save, open, unsaved-changes prompt, autosave and recovery, export."""

import os
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtGui import QImage

from explorer.core.io.session import Session, load_session, new_recovery_path, save_session
from explorer.ui.main_window import MainWindow
from explorer.ui.startup import demo_workspace
from tests.conftest import ROOT


def _window(qtbot, tmp_path):
    window = MainWindow(demo_workspace())
    window.session_controller.recovery_path = new_recovery_path(tmp_path)  # its own file in a shared folder
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.controller.idle, timeout=30000):
        window.controller.reinitialize()
    return window


@pytest.fixture
def window(qtbot, tmp_path):
    window = _window(qtbot, tmp_path)
    yield window  # pytest-qt closes and deletes it; each test ends with no job in flight


def _change_weights(window, qtbot, seed=1):
    w = np.random.default_rng(seed).standard_normal(window.workspace.weights.shape).astype(np.float32)
    with qtbot.waitSignal(window.controller.idle, timeout=30000):
        window.workspace.set_weights(w, "trained")
    return w


def test_start_state_is_clean_and_a_change_makes_it_dirty(window, qtbot):
    sc = window.session_controller
    assert not sc.dirty and not window.isWindowModified()
    assert window.windowTitle().startswith("Untitled")
    _change_weights(window, qtbot)
    assert sc.dirty and window.isWindowModified()


def test_save_then_open_restores_matrix_selection_and_camera(window, qtbot, tmp_path):
    sc = window.session_controller
    w = _change_weights(window, qtbot)
    window.state.explore.selection = (3, 5, 8)
    window.state.view.range2d = ((-1, 1), (-0.5, 0.5))
    path = tmp_path / "mine"  # the suffix is added
    with qtbot.waitSignal(sc.saved, timeout=30000):
        sc.save_to(path)
    path = tmp_path / "mine.eexp"
    assert path.exists() and not sc.dirty and sc.path == path
    assert window.windowTitle().startswith("mine.eexp")
    assert str(path.resolve()) in window.recent_files()
    saved = load_session(path)
    assert saved.weights.tobytes() == w.tobytes() and saved.state["explore"]["selection"] == [3, 5, 8]

    _change_weights(window, qtbot, seed=2)
    window.state.explore.selection = ()
    window.open_path(path)
    with qtbot.waitSignal(sc.opened, timeout=30000):
        sc.resolve_unsaved("discard")  # the changes since the save: opening asks first
    qtbot.waitUntil(lambda: window.controller.up_to_date, timeout=30000)
    assert window.workspace.weights.tobytes() == w.tobytes()
    assert window.state.explore.selection == (3, 5, 8) and not sc.dirty
    from tests.journeys.conftest import shows_region

    qtbot.waitUntil(lambda: shows_region(window.scatter2d, ((-1, 1), (-0.5, 0.5)), tol=1e-3), timeout=10000)
    qtbot.waitUntil(lambda: window.controller.jobs.active == 0, timeout=30000)  # nothing in flight at the end


def test_ctrl_s_without_a_path_asks_for_one(window, monkeypatch, tmp_path, qtbot):
    from PySide6.QtWidgets import QFileDialog

    asked = []
    target = tmp_path / "asked.eexp"

    def fake_dialog(*args, **kwargs):
        asked.append(args[1])
        return str(target), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake_dialog)
    assert window.session_controller.save_action.shortcut().toString() == "Ctrl+S"
    assert window.session_controller.save_as_action.shortcut().toString() == "Ctrl+Shift+S"
    with qtbot.waitSignal(window.session_controller.saved, timeout=30000):
        window.session_controller.save_action.trigger()
    assert asked and target.exists()
    qtbot.waitUntil(lambda: window.controller.jobs.active == 0, timeout=30000)  # nothing in flight at the end


def test_a_broken_session_changes_nothing(window, qtbot, tmp_path):
    before = window.workspace.weights
    bad = tmp_path / "bad.eexp"
    bad.write_bytes(b"PK\x03\x04 not really")
    with qtbot.waitSignal(window.controller.error, timeout=30000) as error:
        window.open_path(bad)
    assert str(bad) in error.args[0]
    assert window.workspace.weights is before
    qtbot.waitUntil(lambda: window.controller.jobs.active == 0, timeout=30000)  # nothing in flight at the end


def test_close_with_unsaved_changes_asks_and_cancel_keeps_the_window(window, qtbot):
    sc = window.session_controller
    sc.prompt_on_close = True
    _change_weights(window, qtbot)
    assert window.close() is False
    assert sc.unsaved_box is not None and sc.unsaved_box.isVisible()
    assert "Save the changes" in sc.unsaved_box.text()
    sc.resolve_unsaved("cancel")
    assert window.isVisible()
    window.close()
    sc.resolve_unsaved("discard")
    assert not window.isVisible()


def test_close_and_save_saves_then_closes(window, qtbot, tmp_path):
    sc = window.session_controller
    with qtbot.waitSignal(sc.saved, timeout=30000):
        sc.save_to(tmp_path / "s.eexp")
    sc.prompt_on_close = True
    w = _change_weights(window, qtbot)
    window.close()
    assert window.isVisible()
    with qtbot.waitSignal(sc.saved, timeout=30000):
        sc.resolve_unsaved("save")
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10000)
    assert load_session(tmp_path / "s.eexp").weights.tobytes() == w.tobytes()


def _crash(window) -> None:
    """What a crash does to a window's recovery file: it stays, and the OS drops the lock
    its process held (the window object itself stays, as tests need it)."""
    sc = window.session_controller
    sc.autosave_timer.stop()
    sc._recovery_lock.release()
    sc._recovery_lock = None  # closing it later is no clean exit of the crashed instance
    sc.prompt_on_close = False


def _autosave(window, qtbot, seed):
    w = _change_weights(window, qtbot, seed)
    with qtbot.waitSignal(window.session_controller.autosaved, timeout=30000):
        assert window.session_controller.autosave() is True
    return w


def test_autosave_then_recovery_offer_restores_it(qtbot, tmp_path):
    first = _window(qtbot, tmp_path)
    sc = first.session_controller
    assert sc.autosave() is False  # nothing changed yet
    w = _autosave(first, qtbot, 1)
    recovery = sc.recovery_path
    assert recovery.parent == tmp_path and load_session(recovery).weights.tobytes() == w.tobytes()

    second = _window(qtbot, tmp_path)
    sc2 = second.session_controller
    assert sc2.offer_recovery() is False  # the first window runs: its file is not offered
    _crash(first)
    assert sc2.offer_recovery() is True and sc2.recovery_box.isVisible()
    with qtbot.waitSignal(second.controller.idle, timeout=30000):
        sc2.resolve_recovery(True)
    qtbot.waitUntil(lambda: second.workspace.weights.tobytes() == w.tobytes(), timeout=30000)
    assert sc2.dirty  # restored, but not saved anywhere
    assert recovery.exists()  # until this window's own autosave, a save or a clean exit holds the work
    qtbot.waitUntil(lambda: second.controller.jobs.active == 0 and first.controller.jobs.active == 0, timeout=30000)
    sc2.prompt_on_close = False
    second.close()
    assert not recovery.exists() and not list(tmp_path.glob("recovery*"))  # a clean exit removes them
    first.close()


def test_two_windows_autosave_to_their_own_files(qtbot, tmp_path):
    first, second = _window(qtbot, tmp_path), _window(qtbot, tmp_path)
    w1, w2 = _autosave(first, qtbot, 1), _autosave(second, qtbot, 2)
    path1, path2 = first.session_controller.recovery_path, second.session_controller.recovery_path
    assert path1 != path2 and sorted(tmp_path.glob("recovery*.eexp")) == sorted([path1, path2])
    assert load_session(path1).weights.tobytes() == w1.tobytes()
    assert load_session(path2).weights.tobytes() == w2.tobytes()  # neither overwrote the other
    third = _window(qtbot, tmp_path)
    assert third.session_controller.offer_recovery() is False  # both still run
    for window in (first, second):
        window.session_controller.prompt_on_close = False
        window.close()
    assert not list(tmp_path.glob("recovery*"))  # each removed its own file


def test_every_file_left_behind_is_offered_in_turn(qtbot, tmp_path):
    first, second = _window(qtbot, tmp_path), _window(qtbot, tmp_path)
    w1, w2 = _autosave(first, qtbot, 1), _autosave(second, qtbot, 2)
    older, newer = first.session_controller.recovery_path, second.session_controller.recovery_path
    os.utime(older, (1_000_000_000, 1_000_000_000))
    _crash(first)
    _crash(second)
    third = _window(qtbot, tmp_path)
    sc = third.session_controller
    assert sc.offer_recovery() is True
    assert "1 more autosaved session" in sc.recovery_box.informativeText()
    assert sc.recovery_box.detailedText() == str(newer)  # the newest first
    sc.resolve_recovery(False)  # Discard deletes it, then the other one is asked about
    assert not newer.exists() and sc.recovery_box.isVisible() and sc.recovery_box.detailedText() == str(older)
    with qtbot.waitSignal(third.controller.idle, timeout=30000):
        sc.resolve_recovery(True)
    qtbot.waitUntil(lambda: third.workspace.weights.tobytes() == w1.tobytes(), timeout=30000)
    assert w1.tobytes() != w2.tobytes()
    qtbot.waitUntil(lambda: third.controller.jobs.active == 0, timeout=30000)
    with qtbot.waitSignal(sc.autosaved, timeout=30000):
        assert sc.autosave() is True  # the restored work is in this window's own file now
    assert not older.exists() and sorted(tmp_path.glob("recovery*.eexp")) == [sc.recovery_path]


def test_discarding_the_recovery_deletes_it(window, tmp_path):
    recovery = tmp_path / "recovery-1-1.eexp"  # left behind: no running instance holds its lock
    vocab = window.workspace.vocab
    save_session(recovery, Session(vocab, np.zeros((len(vocab), 2), np.float32)))
    assert window.session_controller.offer_recovery()
    window.session_controller.resolve_recovery(False)
    assert not recovery.exists()
    assert window.workspace.weights.shape[1] == 64  # unchanged


def test_export_from_the_window_reads_back_in_gensim(window, qtbot, tmp_path):
    from gensim.models import KeyedVectors

    sc = window.session_controller
    assert set(sc.export_actions) >= {"projector", "word2vec", "word2vec-bin", "glove", "npy", "csv", "2d-png"}
    with qtbot.waitSignal(sc.exported, timeout=30000):
        sc.export_to("word2vec-bin", tmp_path / "v.bin")
    kv = KeyedVectors.load_word2vec_format(str(tmp_path / "v.bin"), binary=True)
    assert kv.index_to_key == window.workspace.vocab.tokens
    assert kv.vectors.tobytes() == window.workspace.weights.tobytes()
    with qtbot.waitSignal(sc.exported, timeout=30000):
        sc.export_to("csv", tmp_path / "c.csv")
    lines = (tmp_path / "c.csv").read_text().splitlines()
    assert lines[0] == "id,token,x,y" and float(lines[1].split(",")[2]) == window.controller.coords[0, 0]
    with qtbot.waitSignal(sc.exported, timeout=30000):
        sc.export_to("projector", tmp_path / "proj")
    assert (tmp_path / "proj.metadata.tsv").read_text().startswith("token\tcount\tcategory\n")
    assert (tmp_path / "proj.tsv").exists()
    qtbot.waitUntil(lambda: window.controller.jobs.active == 0, timeout=30000)  # nothing in flight at the end


def test_export_pictures_of_the_2d_view(window, tmp_path):
    sc = window.session_controller
    assert sc.export_picture("2d-png", tmp_path / "v.png")
    assert not QImage(str(tmp_path / "v.png")).isNull()
    assert sc.export_picture("2d-svg", tmp_path / "v.svg")
    assert "<svg" in (tmp_path / "v.svg").read_text()[:2000]


def test_screenshot_of_a_saved_session(tmp_path):
    from explorer.core.tokens.demo import category_labels, demo_vocabulary

    vocab = demo_vocabulary()
    w = np.random.default_rng(3).standard_normal((len(vocab), 16)).astype(np.float32)
    path = tmp_path / "s.eexp"
    save_session(path, Session(vocab, w, categories=category_labels(vocab),
                               state={"explore": {"selection": [vocab.index["dog"]]}}))
    out = tmp_path / "shot.png"
    result = subprocess.run([sys.executable, "-m", "explorer", "--screenshot", str(out), "--size", "1000x700",
                             "--session", str(path), "--present", "--theme", "dark"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert image.width() == 1000
    # Presenting in the dark theme: the picture is the plot alone, on a black background.
    corners = [image.pixelColor(x, y).lightness() for x, y in ((5, image.height() - 5), (image.width() // 2, image.height() - 3))]
    assert max(corners) < 40


def test_a_version_1_session_opens_with_its_view(window, qtbot, tmp_path):
    """Files saved before the state object: their `view` dict becomes the window's state."""
    import json
    import zipfile

    from safetensors.numpy import save as save_tensors

    vocab = window.workspace.vocab
    w = np.random.default_rng(5).standard_normal((len(vocab), 8)).astype(np.float32)
    meta = {"format": "embedding-explorer-session", "version": 1,
            "vocab": {"tokens": vocab.tokens, "counts": vocab.counts.tolist(), "specials": vocab.specials,
                      "source": "demo", "kind": "words", "tokenizer": None},
            "init_config": {"scheme": "uniform", "dim": 8, "seed": 3, "params": {}},
            "train_config": {"objective": "cbow", "epochs": 2, "corpus": "demo"},
            "history": {"loss": [[10, 2.5]]}, "snapshot_steps": [10],
            "view": {"selection": [3, 4], "colours": "frequency", "camera": {"x": [-0.5, 0.5], "y": [-0.25, 0.25]},
                     "projection": {"method": "svd", "dims": 2}}}
    path = tmp_path / "old.eexp"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("session.json", json.dumps(meta))
        zf.writestr("tensors.safetensors", save_tensors({"weights": w, "snapshot.0": w * 2}))
    with qtbot.waitSignal(window.session_controller.opened, timeout=30000):
        window.open_path(path)
    qtbot.waitUntil(lambda: window.controller.up_to_date and window.controller.jobs.active == 0, timeout=30000)
    state = window.state
    assert window.workspace.weights.tobytes() == w.tobytes()
    assert state.explore.selection == (3, 4) and state.projection.method == "svd"
    assert (state.init.scheme, state.train.objective, state.train.epochs) == ("uniform", "cbow", 2)
    assert window.scatter2d.toolbar.color.currentData() == "frequency"
    assert window.scatter2d.legend_entries[0][0].startswith("count")
    from tests.journeys.conftest import shows_region

    qtbot.waitUntil(lambda: shows_region(window.scatter2d, ((-0.5, 0.5), (-0.25, 0.25))), timeout=10000)
    assert state.matrix.made_by == "session: old.eexp"
    snapshot = window.train_panel.run_history()[1][0]
    assert (snapshot.step, snapshot.epoch, snapshot.loss) == (10, 0, 2.5)
