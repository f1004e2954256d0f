"""The first start's hint, in the window above the plot: what to try (press Start to watch the
demo's words learn; Tours for guided demos; File ▸ Open for your own vectors). It goes away for
good once used (a run started, a tour begun, a file opened) or closed, remembered in the
settings file as `welcome_done`; it is hidden while presenting or touring."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton

SETTING = "welcome_done"


def welcome_text(tokens: int) -> str:
    return (f"<b>New here?</b> Press <b>Start</b> (Training, on the left) to watch these {tokens:,} words "
            f"learn where they belong. <b>Tours</b> has guided demos; <b>File ▸ Open</b> reads your own "
            f"vectors, vocabulary or corpus.")


class WelcomeBar(QFrame):
    """The hint strip: its text, three buttons that do what it says, and a close button."""

    start_clicked = Signal()
    tours_clicked = Signal()
    open_clicked = Signal()
    closed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomeBar")
        # Palette colours: the strip follows each theme (light, dark, high contrast).
        self.setStyleSheet("QFrame#welcomeBar { background: palette(alternate-base); "
                           "border-bottom: 1px solid palette(mid); }")
        self.text = QLabel(wordWrap=True, textFormat=Qt.RichText)
        self.start_button = QPushButton("Start training")
        self.tours_button = QPushButton("Tours")
        self.open_button = QPushButton("Open…")
        self.close_button = QToolButton(text="✕", autoRaise=True, toolTip="Don't show this again")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.text, 1)
        for button in (self.start_button, self.tours_button, self.open_button):
            layout.addWidget(button)
        layout.addWidget(self.close_button, 0, Qt.AlignTop)
        self.start_button.clicked.connect(self.start_clicked)
        self.tours_button.clicked.connect(self.tours_clicked)
        self.open_button.clicked.connect(self.open_clicked)
        self.close_button.clicked.connect(self.closed)

    def set_tokens(self, tokens: int) -> None:
        self.text.setText(welcome_text(tokens))
