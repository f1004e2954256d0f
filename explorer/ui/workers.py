"""The one place that runs core jobs off the GUI thread (superqt workers).

`Jobs.start` runs a plain function or a generator in a worker thread and calls
back on the GUI thread. Workers are tracked so that closing the window can stop
them and wait: no thread outlives the window.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from superqt.utils import WorkerBase, create_worker


class ProgressHandle(QObject):
    """Passed to a long job as progress= / should_cancel=; lives on the GUI thread.

    Emitting `changed` from the worker thread is safe: Qt queues it to the GUI.
    """

    changed = Signal(float)

    def __init__(self, description: str) -> None:
        super().__init__()
        self.description = description
        self.cancelled = False

    def progress(self, fraction: float) -> None:
        self.changed.emit(float(fraction))

    def should_cancel(self) -> bool:
        return self.cancelled

    def cancel(self) -> None:
        self.cancelled = True


class Jobs(QObject):
    """Starts workers and tells the window what is running (for the status bar)."""

    running_changed = Signal(str)  # description of what runs now, "" when idle

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._workers: dict[object, str] = {}

    def start(
        self,
        fn: Callable,
        *args,
        description: str = "",
        on_result: Callable | None = None,
        on_error: Callable[[Exception], None] | None = None,
        on_yield: Callable | None = None,
        on_finished: Callable | None = None,
        **kwargs,
    ):
        """Run `fn(*args, **kwargs)` in a worker thread; callbacks run on the GUI thread."""
        # With an on_error handler, the error is handled: superqt must not re-raise it as well.
        worker = create_worker(fn, *args, _start_thread=False, _ignore_errors=on_error is not None, **kwargs)
        if on_result is not None:
            worker.returned.connect(on_result)
        if on_error is not None:
            worker.errored.connect(on_error)
        if on_yield is not None and hasattr(worker, "yielded"):
            worker.yielded.connect(on_yield)
        worker.finished.connect(lambda: self._forget(worker))
        if on_finished is not None:
            worker.finished.connect(on_finished)
        self._workers[worker] = description
        self._announce()
        worker.start()
        return worker

    def _forget(self, worker) -> None:
        self._workers.pop(worker, None)
        self._announce()

    def _announce(self) -> None:
        names = [d for d in self._workers.values() if d]
        self.running_changed.emit(", ".join(names))

    @property
    def active(self) -> int:
        return len(self._workers)

    def stop_all(self, timeout_ms: int = 5000) -> None:
        """Ask every worker to quit and wait for them (used when the window closes)."""
        for worker in list(self._workers):
            worker.quit()
        WorkerBase.await_workers(timeout_ms)
