"""Bind a widget to one field of an evented state part: the widget writes the field and
follows it; it keeps no copy of its own (glue's `connect_*` helpers, napari's `_qt` widgets).

    bind(self.epochs, state.train, "epochs")                  # QSpinBox
    bind(self.method, state.projection, "method")             # QComboBox: item data (else text)
    bind(self.sphereize, state.projection, "sphereize")       # QCheckBox
    bind(self.lr, state.train, "lr", to_widget=lambda v: v or 0.0,
         from_widget=lambda v: v or None)                     # converters for odd fields

A value the state refuses (ExplorerError) puts the widget back to the state's value and
reports the message through `on_error` (the window shows it).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QAbstractButton, QAbstractSpinBox, QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox, QWidget,
)

from explorer.core import ExplorerError


def _identity(value):
    return value


def _combo_value(combo: QComboBox):
    data = combo.currentData()
    return data if data is not None else combo.currentText()


def _set_combo(combo: QComboBox, value) -> None:
    index = combo.findData(value)
    if index < 0:
        index = combo.findText(str(value))
    if index >= 0:
        combo.setCurrentIndex(index)


def _accessors(widget: QWidget):
    """(signal the user's edits arrive on, read the widget, write the widget)."""
    if isinstance(widget, QComboBox):
        return widget.currentIndexChanged, lambda: _combo_value(widget), lambda v: _set_combo(widget, v)
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        return widget.valueChanged, widget.value, widget.setValue
    if isinstance(widget, QAbstractButton):  # QCheckBox, QRadioButton, checkable buttons
        return widget.toggled, widget.isChecked, widget.setChecked
    if isinstance(widget, QLineEdit):
        return widget.editingFinished, widget.text, widget.setText
    raise TypeError(f"bind() does not know {type(widget).__name__}")


def bind(widget: QWidget, model, name: str, *, to_widget: Callable = _identity,
         from_widget: Callable = _identity, on_error: Callable[[str], None] | None = None) -> None:
    """Keep `widget` and `model.<name>` the same, in both directions, for the widget's life."""
    edited, read, write = _accessors(widget)
    event = getattr(model.events, name)

    def show(value) -> None:
        widget.blockSignals(True)
        try:
            write(to_widget(value))
        finally:
            widget.blockSignals(False)

    def store(*_args) -> None:
        try:
            setattr(model, name, from_widget(read()))
        except ExplorerError as exc:
            show(getattr(model, name))
            if on_error is not None:
                on_error(str(exc))

    if isinstance(widget, QAbstractSpinBox):
        widget.setKeyboardTracking(False)  # one change per finished edit, not per keystroke
    show(getattr(model, name))
    edited.connect(store)
    event.connect(show)
    widget.destroyed.connect(lambda *_: event.disconnect(show))
