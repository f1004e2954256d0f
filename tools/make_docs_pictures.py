"""Make the README's pictures of exploring (docs/images/*.png) from the real window.

- semantic-axes-minilm.png: the bundled MiniLM table (30,522 BERT tokens) on the axes
  woman-man (x) and big-small (y), with a few word pairs selected so they are labelled;
- fidelity-demo.png: the demo trained for 30 epochs, coloured by projection fidelity
  (the share of each token's 10 nearest neighbours the picture keeps), with density contours.

Each is set up as a user would (the sample opened, settings written to the window's state,
training started from the Training dock) and grabbed at 1280x800 once the window is idle.

Run from the project root:  .venv/bin/python tools/make_docs_pictures.py [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SIZE = (1280, 800)
PAIRS = ("king", "queen", "man", "woman", "boy", "girl", "actor", "actress", "he", "she",
         "father", "mother", "big", "small", "huge", "tiny", "giant", "little")


def wait_for(app, condition, what: str, timeout: float = 300.0) -> None:
    """Let the window work (events, workers) until `condition()` holds."""
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise SystemExit(f"timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.02)  # a tool, not a test: polling keeps it simple


def new_window(app):
    from PySide6.QtCore import QSettings

    from explorer.ui.main_window import MainWindow
    from explorer.ui.startup import demo_workspace
    from explorer.ui.welcome import SETTING

    settings = QSettings(str(Path(tempfile.mkdtemp(prefix="explorer-docs-")) / "settings.ini"), QSettings.IniFormat)
    settings.setValue(SETTING, True)  # the first start's hint is not part of these pictures
    window = MainWindow(demo_workspace(0), settings)
    window.resize(*SIZE)
    window.show()
    window.controller.reinitialize()  # as the app does after its first paint
    return window


def idle(window) -> bool:
    return window.controller.up_to_date and window.controller.jobs.active == 0


def semantic_axes(app, out: Path) -> Path:
    window = new_window(app)
    wait_for(app, lambda: idle(window), "the demo")
    window.open_path("sample:minilm")
    wait_for(app, lambda: len(window.workspace.vocab) == 30522 and idle(window), "the MiniLM sample")
    window.docks["Projection"].raise_()
    window.state.projection.update(method="axes", x_axis="woman-man", y_axis="big-small")
    wait_for(app, lambda: idle(window) and window.controller.projection.method == "axes", "the axes")
    vocab = window.workspace.vocab
    window.state.explore.selection = tuple(vocab.id_of(t) for t in PAIRS if vocab.id_of(t) is not None)
    window.state.explore.current = vocab.id_of("queen")
    wait_for(app, lambda: idle(window) and len(window.scatter2d.neighbour_ids), "queen's neighbours")
    window.docks["Projection"].raise_()  # the axes' ends, as typed
    app.processEvents()
    path = out / "semantic-axes-minilm.png"
    window.grab().save(str(path))
    window.close()
    return path


def fidelity(app, out: Path) -> Path:
    window = new_window(app)
    wait_for(app, lambda: idle(window), "the demo")
    window.state.train.epochs = 30
    panel = window.train_panel
    done = []
    panel.run.finished.connect(done.append)
    panel.start_button.click()
    wait_for(app, lambda: done and idle(window), "the demo run")
    window.state.view.update(colour="fidelity", density=True)
    window.state.explore.current = window.workspace.vocab.id_of("dog")
    wait_for(app, lambda: idle(window) and "preserved" in window.scatter2d.colour_bar_caption, "fidelity")
    path = out / "fidelity-demo.png"
    window.grab().save(str(path))
    window.close()
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    args = parser.parse_args()
    from explorer.ui.main_window import app_instance

    app = app_instance()
    args.out.mkdir(parents=True, exist_ok=True)
    for make in (semantic_axes, fidelity):
        print(make(app, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
