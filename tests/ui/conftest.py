"""The window as a user starts it: the demo, initialized and projected."""

import pytest

from explorer.ui.main_window import MainWindow
from explorer.ui.startup import demo_workspace


@pytest.fixture
def window(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    # Its own settings file: no layout, recent files or first-start hint left by another window.
    window = MainWindow(demo_workspace(), QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.controller.idle, timeout=30000):
        window.controller.reinitialize()
    yield window
    window.session_controller.prompt_on_close = False  # no "save changes?" box in tests
    window.close()
