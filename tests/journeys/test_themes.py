"""Journey: a user picks each theme from View ▸ Theme at 1280×800 and looks at the window.
In the dark themes nothing large stays white (before: the loss plot, the histograms and the
Inspector's plots, about 12% of the window), every plot follows the theme (also plots a panel
makes later, like the Inspector's lookup plots), check boxes and their text stand out from the
panel, disabled buttons look disabled, and the plot title keeps the theme's colour and size
(before: invisible in high-contrast dark, tiny or huge after presenting)."""

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QPushButton, QStyle, QStyleOptionButton

from explorer.ui.theme import THEMES
from tests.journeys.conftest import menu_action

DARK = [name for name, theme in THEMES.items() if theme.dark]


def rgb(image) -> np.ndarray:
    """A QImage as an (h, w, 3) uint8 array."""
    image = image.convertToFormat(image.Format.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    return np.frombuffer(image.constBits(), np.uint8, count=h * stride).reshape(h, stride)[:, :w * 3].reshape(h, w, 3).copy()


def luminance(pixels: np.ndarray) -> np.ndarray:
    c = pixels.astype(np.float64) / 255
    c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return c @ np.array([0.2126, 0.7152, 0.0722])


def contrast(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """WCAG contrast ratio between colours `a` and `b` (1 to 21)."""
    la, lb = luminance(a), luminance(b)
    return (np.maximum(la, lb) + 0.05) / (np.minimum(la, lb) + 0.05)


def best_contrast(widget, rect=None) -> float:
    """The strongest contrast of any pixel in `rect` of `widget` against the panel behind it."""
    pixels = rgb((widget.grab(rect) if rect is not None else widget.grab()).toImage()).reshape(-1, 3)
    background = np.array(QColor(widget.palette().color(widget.backgroundRole())).getRgb()[:3])
    return float(contrast(pixels, background[None, :]).max())


def choose_theme(qtbot, window, name: str) -> None:
    menu_action(window, "View", "Theme", THEMES[name].label).trigger()
    assert window.state.view.theme == name and window.theme.name == name
    qtbot.waitUntil(lambda: window.scatter2d.plotItem.titleLabel.text != "", timeout=10_000)


def show_inspector_plots(qtbot, window) -> None:
    """Pick a token (the Inspector makes its lookup plots on the first one) and raise the Inspector."""
    window.state.explore.current = window.workspace.vocab.index["dog"]
    window.docks["Inspector"].raise_()
    dock = window.docks["Inspector"]
    qtbot.waitUntil(lambda: any(v.isVisible() for v in dock.findChildren(pg.GraphicsView)), timeout=20_000)


@pytest.mark.parametrize("name", list(THEMES))
def test_every_plot_and_control_follows_the_theme(window, qtbot, name):
    choose_theme(qtbot, window, name)
    theme = THEMES[name]
    show_inspector_plots(qtbot, window)
    window.docks["Training"].raise_()  # the loss plot, shown
    qtbot.wait_exposed(window)

    plots = [v for v in window.findChildren(pg.GraphicsView) if not hasattr(v, "set_theme")]
    assert len(plots) >= 4  # loss, two histograms, the Inspector's
    for view in plots:
        assert view.backgroundBrush().color().name() == QColor(theme.background).name(), view
        for axis in (i for i in view.scene().items() if isinstance(i, pg.AxisItem)):
            assert axis.textPen().color().name() == QColor(theme.foreground).name()

    image = rgb(window.grab().toImage())
    near_white = float((image.min(axis=2) >= 235).mean())
    if theme.dark:
        assert near_white < 0.02, f"{near_white:.1%} of the window is near-white in {name}"

    # Check boxes: the box and its text stand out from the panel.
    for dock, text in (("Projection", "Sample"), ("Projection", "Sphereize"), ("Training", "New vocabulary")):
        window.docks[dock].raise_()
        box = next(b for b in window.docks[dock].findChildren(QCheckBox) if b.text().startswith(text))
        qtbot.waitUntil(box.isVisible, timeout=5000)
        option = QStyleOptionButton()
        box.initStyleOption(option)
        indicator = box.style().subElementRect(QStyle.SE_CheckBoxIndicator, option, box)
        assert best_contrast(box, indicator) >= 3.0, f"the {text} box is invisible in {name}"
        label = box.style().subElementRect(QStyle.SE_CheckBoxContents, option, box)
        assert best_contrast(box, label) >= 4.5, f"the {text} label is unreadable in {name}"

    # A disabled button looks disabled: its text is plainly weaker than an enabled one's.
    buttons = [b for b in window.docks["Training"].findChildren(QPushButton) if b.isVisible()]
    enabled = next(b for b in buttons if b.isEnabled() and b.text())
    disabled = next(b for b in buttons if not b.isEnabled() and b.text())
    assert best_contrast(enabled) >= 1.5 * best_contrast(disabled), (enabled.text(), disabled.text())


@pytest.mark.parametrize("name", ["light", "high-contrast-dark"])
def test_the_plot_title_keeps_the_theme_colour_and_size_through_presenting(window, qtbot, name):
    label = window.scatter2d.plotItem.titleLabel
    choose_theme(qtbot, window, name)

    def shown(theme) -> bool:
        return (QColor(label.opts["color"]).name() == QColor(theme.foreground).name()
                and label.opts.get("size") == f"{theme.title_size}pt")

    assert shown(window.theme)
    title_pixels = rgb(window.scatter2d.grab(label.sceneBoundingRect().toRect()).toImage()).reshape(-1, 3)
    background = np.array(QColor(window.theme.background).getRgb()[:3])[None, :]
    assert contrast(title_pixels, background).max() >= 7  # the title is readable, not black on black
    normal_size = window.theme.title_size

    window.presentation.full_screen = False  # the size stays 1280×800: only the theme changes
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window, Qt.Key_F11)
    assert window.state.presentation.active and window.theme.title_size > normal_size
    assert shown(window.theme)
    qtbot.keyClick(window, Qt.Key_Escape)
    assert not window.state.presentation.active and window.theme.name == name
    assert shown(window.theme) and window.theme.title_size == normal_size


@pytest.mark.parametrize("name", list(THEMES))
def test_the_inspectors_hints_and_notes_are_readable_in_every_theme(window, qtbot, name):
    """Before: the hint under "Pick a token" and the tab notes were a fixed #5f6368, under 3:1
    on the dark backgrounds."""
    from PySide6.QtWidgets import QLabel

    choose_theme(qtbot, window, name)
    inspector = window.inspector_panel
    window.docks["Inspector"].raise_()
    qtbot.waitUntil(lambda: inspector.lookup_hint.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: best_contrast(inspector.lookup_hint) >= 4.5, timeout=5000)
    inspector.tabs.setCurrentIndex(inspector.TABS.index("One-hot"))
    note = next(label for label in inspector.findChildren(QLabel, "inspectorNote")
                if label.isVisible() and label.text())
    qtbot.waitUntil(lambda: best_contrast(note) >= 4.5, timeout=5000)
