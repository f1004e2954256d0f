"""A minimal Qt-free event emitter, so core state can notify views (napari style)."""

from collections.abc import Callable


class Event:
    """Callbacks registered with `connect` are called, in order, on `emit`."""

    def __init__(self) -> None:
        self._callbacks: list[Callable] = []

    def connect(self, callback: Callable) -> None:
        self._callbacks.append(callback)

    def disconnect(self, callback: Callable) -> None:
        self._callbacks.remove(callback)

    def emit(self, *args) -> None:
        for callback in list(self._callbacks):
            callback(*args)
