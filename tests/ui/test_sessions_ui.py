"""Sessions through the window: save, open, unsaved-changes prompt, autosave and recovery, export."""

import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtGui import QImage

from explorer.core.io.session import Session, load_session, save_session
from explorer.ui.main_window import MainWindow
from explorer.ui.startup import demo_workspace
from tests.conftest import ROOT


def _window(qtbot, tmp_path):
    window = MainWindow(demo_workspace())
    window.session_controller.recovery_path = tmp_path / "recovery.eexp"
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
    window.workspace.select([3, 5, 8])
    window.scatter2d.setRange(xRange=(-1, 1), yRange=(-0.5, 0.5), padding=0)
    path = tmp_path / "mine"  # the suffix is added
    with qtbot.waitSignal(sc.saved, timeout=30000):
        sc.save_to(path)
    path = tmp_path / "mine.eexp"
    assert path.exists() and not sc.dirty and sc.path == path
    assert window.windowTitle().startswith("mine.eexp")
    assert str(path.resolve()) in window.recent_files()
    saved = load_session(path)
    assert saved.weights.tobytes() == w.tobytes() and saved.view["selection"] == [3, 5, 8]

    _change_weights(window, qtbot, seed=2)
    window.workspace.select([])
    with qtbot.waitSignal(sc.opened, timeout=30000):
        window.open_path(path)
    qtbot.waitUntil(lambda: window.controller.up_to_date, timeout=30000)
    assert window.workspace.weights.tobytes() == w.tobytes()
    assert window.workspace.selection == [3, 5, 8] and not sc.dirty
    qtbot.waitUntil(lambda: np.allclose(window.scatter2d.viewRange()[0], (-1, 1), atol=1e-3), timeout=10000)
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


def test_autosave_then_recovery_offer_restores_it(qtbot, tmp_path):
    first = _window(qtbot, tmp_path)
    sc = first.session_controller
    assert sc.autosave() is False  # nothing changed yet
    w = _change_weights(first, qtbot)
    with qtbot.waitSignal(sc.autosaved, timeout=30000):
        assert sc.autosave() is True
    recovery = tmp_path / "recovery.eexp"
    assert load_session(recovery).weights.tobytes() == w.tobytes()
    # A crash: the window goes away without a clean exit, the file stays.
    sc.autosave_timer.stop()

    second = _window(qtbot, tmp_path)
    sc2 = second.session_controller
    assert sc2.offer_recovery() is True and sc2.recovery_box.isVisible()
    with qtbot.waitSignal(second.controller.idle, timeout=30000):
        sc2.resolve_recovery(True)
    qtbot.waitUntil(lambda: second.workspace.weights.tobytes() == w.tobytes(), timeout=30000)
    assert sc2.dirty  # restored, but not saved anywhere
    qtbot.waitUntil(lambda: second.controller.jobs.active == 0 and first.controller.jobs.active == 0, timeout=30000)
    sc2.prompt_on_close = False
    second.close()
    assert not recovery.exists()  # a clean exit removes it
    sc.prompt_on_close = False
    first.close()


def test_discarding_the_recovery_deletes_it(window, tmp_path):
    recovery = window.session_controller.recovery_path
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
                               view={"selection": [vocab.index["dog"]]}))
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
