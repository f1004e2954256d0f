"""Colours and sizes shared by the views (presentation mode swaps the theme), and the one
place that puts a theme on the window: its palette (disabled text dimmed), a style sheet
for what the palette cannot reach (check box and radio indicators), and every pyqtgraph
plot in it (the Training dock's loss, the histograms, the Inspector's plots), including
plots a panel creates later.

API for the views:
- `Theme.font_size`, `Theme.title_size`, `Theme.label_size`, `Theme.point_size` (points, pt):
  the sizes of this theme. The 2D view's title uses `title_size` and `foreground`.
- `apply_theme(widget, theme)`: colours one plot (or every plot under a widget) now;
  `ThemeKeeper(window)` does it for every plot of the window, now and as plots appear,
  and `window.presentation.theme_changed` (Signal(Theme)) fires after each change of
  the theme shown (a theme chosen, presentation mode on or off).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QApplication

# Tableau 10 then a few more: distinct, readable on light and dark backgrounds.
PALETTE = [
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
    (174, 199, 232), (255, 187, 120), (152, 223, 138), (255, 152, 150),
]
NEUTRAL = (150, 150, 150)


@dataclass(frozen=True)
class Theme:
    background: str = "#ffffff"
    foreground: str = "#202124"
    legend_background: tuple = (255, 255, 255, 210)
    point_size: int = 9
    label_size: int = 9
    font_size: int = 10
    name: str = "light"
    label: str = "Light"
    grid_alpha: float = 0.15
    dark: bool = False  # dark window chrome (palette) too

    @property
    def title_size(self) -> int:
        """The 2D view's title (pt): the theme's text size, so it grows and shrinks with it."""
        return self.font_size

    def scaled(self, factor: float, name_suffix: str = "") -> "Theme":
        """The same colours with points, labels and fonts `factor` times bigger."""
        from dataclasses import replace

        return replace(self, point_size=round(self.point_size * factor),
                       label_size=round(self.label_size * factor), font_size=round(self.font_size * factor),
                       name=self.name + name_suffix)


LIGHT = Theme()
DARK = Theme(background="#1e1f22", foreground="#e8eaed", legend_background=(40, 42, 46, 220),
             name="dark", label="Dark", dark=True)
HIGH_CONTRAST_LIGHT = Theme(background="#ffffff", foreground="#000000", legend_background=(255, 255, 255, 245),
                            point_size=11, label_size=11, font_size=12, name="high-contrast-light",
                            label="High-contrast light", grid_alpha=0.3)
HIGH_CONTRAST_DARK = Theme(background="#000000", foreground="#ffffff", legend_background=(0, 0, 0, 245),
                           point_size=11, label_size=11, font_size=12, name="high-contrast-dark",
                           label="High-contrast dark", grid_alpha=0.35, dark=True)
THEMES = {t.name: t for t in (LIGHT, DARK, HIGH_CONTRAST_LIGHT, HIGH_CONTRAST_DARK)}


def category_colors(labels: list[str] | None, n: int) -> tuple[np.ndarray, list[tuple[str, tuple]]]:
    """RGBA per point and legend entries; 'function' words get a neutral grey."""
    if labels is None:
        colors = np.tile(np.array([*PALETTE[0], 220], dtype=np.uint8), (n, 1))
        return colors, []
    names = sorted({c for c in labels if c != "function"})
    lookup = {name: (*PALETTE[i % len(PALETTE)], 230) for i, name in enumerate(names)}
    lookup["function"] = (*NEUTRAL, 150)
    colors = np.array([lookup[c] for c in labels], dtype=np.uint8)
    legend = [(name, lookup[name]) for name in names]
    if "function" in labels:
        legend.append(("function words", lookup["function"]))
    return colors, legend


# -- the window's palette and style sheet ------------------------------------------------------

def _mix(a: str, b: str, share_of_a: float) -> str:
    """The colour `share_of_a` of the way from `b` to `a` (hex)."""
    ca, cb = QColor(a), QColor(b)
    t = share_of_a
    return QColor(round(ca.red() * t + cb.red() * (1 - t)), round(ca.green() * t + cb.green() * (1 - t)),
                  round(ca.blue() * t + cb.blue() * (1 - t))).name()


_shown = LIGHT  # the theme the window shows now (ThemeKeeper.apply sets it)


def muted_text() -> str:
    """Secondary text (hints, notes) in the theme shown: 72% of the way from the background to
    the text colour, so it reads on dark and high-contrast backgrounds too (a fixed grey
    such as #5f6368 is below 3:1 on a dark one). Light keeps Google's #5f6368."""
    if _shown.name == "light":
        return "#5f6368"
    return _mix(_shown.foreground, _shown.background, 0.72)


def window_colour(theme: Theme) -> str:
    """The window and panel background: a little lighter than the plot's in dark themes (QColor.lighter
    leaves black black, so mix instead)."""
    if theme.dark:
        return _mix("#ffffff", theme.background, 0.10 if theme.background != "#000000" else 0.0)
    return _mix("#000000", theme.background, 0.06) if theme.foreground != "#000000" else "#f2f2f2"


def disabled_text(theme: Theme) -> str:
    """Text of a disabled control: plainly dimmer than enabled text, still legible."""
    return _mix(theme.foreground, window_colour(theme), 0.45)


def palette(theme: Theme, standard=None):
    """The QPalette of `theme`; disabled controls get dimmed text in every theme."""
    pal = QPalette(standard) if standard is not None and not theme.dark else QPalette()
    base, text, window = QColor(theme.background), QColor(theme.foreground), QColor(window_colour(theme))
    roles = [(QPalette.WindowText, text), (QPalette.Text, text), (QPalette.ButtonText, text),
             (QPalette.ToolTipText, text)]
    if theme.dark or theme.foreground == "#000000":
        button = QColor(_mix(theme.foreground, window_colour(theme), 0.12)) if theme.dark else QColor("#e8e8e8")
        roles += [(QPalette.Window, window), (QPalette.Base, base), (QPalette.AlternateBase, window),
                  (QPalette.Button, button), (QPalette.ToolTipBase, window),
                  (QPalette.Highlight, QColor("#8ab4f8" if theme.dark else "#1a73e8")),
                  (QPalette.HighlightedText, QColor("#000000" if theme.dark else "#ffffff")),
                  (QPalette.PlaceholderText, QColor(disabled_text(theme))),
                  (QPalette.Light, QColor(_mix(theme.foreground, theme.background, 0.35))),
                  (QPalette.Midlight, QColor(_mix(theme.foreground, theme.background, 0.25))),
                  (QPalette.Mid, QColor(_mix(theme.foreground, theme.background, 0.4))),
                  (QPalette.Dark, QColor(_mix(theme.foreground, theme.background, 0.5))),
                  (QPalette.Shadow, QColor("#000000"))]
    for role, color in roles:
        pal.setColor(role, color)
    dim = QColor(disabled_text(theme))
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText, QPalette.PlaceholderText):
        pal.setColor(QPalette.Disabled, role, dim)
    if theme.dark:
        pal.setColor(QPalette.Disabled, QPalette.Button, window)  # a disabled button loses its raised look
        pal.setColor(QPalette.Disabled, QPalette.Base, window)
    return pal


def _mark_image(colour: str, kind: str) -> str:
    """A check mark (or radio dot) in `colour` as a PNG file for the style sheet; made once, cached."""
    folder = Path(tempfile.gettempdir()) / "embedding-explorer-theme"
    folder.mkdir(exist_ok=True)
    path = folder / f"{kind}-{colour.lstrip('#')}.png"
    if not path.exists():
        image = QImage(32, 32, QImage.Format_ARGB32)
        image.fill(Qt.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.Antialiasing)
        if kind == "check":
            painter.setPen(QPen(QColor(colour), 4.5, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
            painter.drawPolyline([QPointF(7, 17), QPointF(13, 23), QPointF(25, 9)])
        else:
            painter.setPen(Qt.NoPen)
            painter.setBrush(QColor(colour))
            painter.drawEllipse(QPointF(16, 16), 7, 7)
        painter.end()
        tmp = path.with_suffix(".tmp.png")
        image.save(str(tmp))
        tmp.replace(path)
    return path.as_posix()


def style_sheet(theme: Theme) -> str:
    """What the palette cannot reach. Fusion draws a check box's frame in the window colour darkened:
    faint on light grey (contrast 1.7) and, on black, black: the boxes (Sample, Sphereize, New
    vocabulary) vanish in high-contrast dark. Here they get a frame in a colour that stands out
    from the panel (3:1 at least) and a mark of their own."""
    fg, bg, dim = theme.foreground, theme.background, disabled_text(theme)
    frame = fg if theme.dark or fg == "#000000" else _mix(fg, bg, 0.7)
    accent = "#8ab4f8" if theme.dark else "#1a73e8"
    check, dot = _mark_image(bg, "check"), _mark_image(bg, "dot")
    return (
        "QCheckBox::indicator, QGroupBox::indicator, QRadioButton::indicator {"
        f" width: 14px; height: 14px; border: 2px solid {frame}; background: {bg}; }}"
        "QRadioButton::indicator { border-radius: 9px; }"
        "QCheckBox::indicator:hover, QRadioButton::indicator:hover, QGroupBox::indicator:hover {"
        f" border-color: {accent}; }}"
        "QCheckBox::indicator:checked, QGroupBox::indicator:checked {"
        f" background: {accent}; border-color: {accent}; image: url({check}); }}"
        "QRadioButton::indicator:checked {"
        f" background: {accent}; border-color: {accent}; image: url({dot}); }}"
        "QCheckBox::indicator:indeterminate {"
        f" background: {dim}; }}"
        "QCheckBox::indicator:disabled, QRadioButton::indicator:disabled, QGroupBox::indicator:disabled {"
        f" border-color: {dim}; }}"
        "QCheckBox::indicator:checked:disabled, QRadioButton::indicator:checked:disabled {"
        f" background: {dim}; }}"
    )


# -- pyqtgraph plots ---------------------------------------------------------------------------------

_INLINE_COLOUR = re.compile(r"(?<![-\w])color\s*:\s*(#[0-9a-fA-F]{3,8}|[a-zA-Z]+)")


def _recolour_html(text: str, colour: str) -> str:
    """Inline `color:` styles in a plot title's HTML replaced by `colour` (the panels write e.g. #444)."""
    return _INLINE_COLOUR.sub(f"color:{colour}", text)


def theme_plot_view(view, theme: Theme) -> None:
    """Colour one pyqtgraph GraphicsView (PlotWidget, GraphicsLayoutWidget): background, axes,
    tick text, axis labels, titles and legends."""
    fg, bg = theme.foreground, theme.background
    axis_colour = _mix(fg, bg, 0.55)
    view.setBackground(bg)
    for item in view.scene().items():
        if isinstance(item, pg.AxisItem):
            item.setPen(axis_colour)
            item.setTextPen(fg)
        elif isinstance(item, pg.LegendItem):
            item.setLabelTextColor(fg)
            item.setBrush(pg.mkBrush(*theme.legend_background))
            item.setPen(pg.mkPen(axis_colour))
        elif isinstance(item, pg.LabelItem):
            item.opts["color"] = fg
            if item.text:
                item.setText(_recolour_html(item.text, fg))
        elif isinstance(item, pg.TextItem) and not getattr(item, "keep_colour", False):
            item.setColor(fg)


def apply_theme(widget, theme: Theme) -> int:
    """Theme `widget` if it is a pyqtgraph view and every pyqtgraph view under it, except views that
    theme themselves (they have a `set_theme`, e.g. the 2D scatter). Returns how many were themed."""
    views = [widget] if isinstance(widget, pg.GraphicsView) else []
    views += widget.findChildren(pg.GraphicsView)
    n = 0
    for view in views:
        if hasattr(view, "set_theme"):
            continue
        theme_plot_view(view, theme)
        n += 1
    return n


def set_plot_defaults(theme: Theme) -> None:
    """pyqtgraph's defaults for plots made from now on (axes and labels not coloured explicitly)."""
    pg.setConfigOptions(background=theme.background, foreground=theme.foreground)


class ThemeKeeper(QObject):
    """Keeps every pyqtgraph plot of `window` (its docks, and dialogs it owns) in the window's theme:
    `apply(theme)` themes them all now; plots that appear later are themed when first polished and
    each time they are shown (panels create some lazily, e.g. the Inspector's lookup plots)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.theme: Theme | None = None
        self._app = QApplication.instance()
        self._app.installEventFilter(self)
        window.destroyed.connect(self.stop)  # Qt also drops the filter when this object goes

    def stop(self, *_args) -> None:
        """No more theming (the window closed): the application's event filter goes, since every
        event of the application passes through each filter installed (windows closed but not
        yet deleted, e.g. a test suite's, each slowed every later event)."""
        self.theme = None
        try:
            self._app.removeEventFilter(self)
        except RuntimeError:  # already gone
            pass

    def apply(self, theme: Theme) -> int:
        global _shown
        self.theme = _shown = theme
        set_plot_defaults(theme)
        n = apply_theme(self.window, theme)
        for top in QApplication.topLevelWidgets():  # dialogs the window owns (Compare inits)
            if top is not self.window and self._mine(top):
                n += apply_theme(top, theme)
        return n

    def _mine(self, widget) -> bool:
        while widget is not None:
            if widget is self.window:
                return True
            widget = widget.parentWidget()
        return False

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
        # Called for every event of the application: decide on the cheap tests first, and never
        # raise (a window being destroyed still sends events).
        if self.theme is None:
            return False
        try:
            kind = event.type()
            if kind != QEvent.Polish and kind != QEvent.Show:
                return False
            if isinstance(obj, pg.GraphicsView) and not hasattr(obj, "set_theme") \
                    and shiboken6.isValid(self.window) and self._mine(obj):
                theme_plot_view(obj, self.theme)
        except RuntimeError:  # a C++ object already deleted: nothing to theme
            pass
        return False
