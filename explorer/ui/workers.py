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


class LatestJob(QObject):
    """One kind of job (a projection, the init statistics, a lookup) where only the latest
    request matters: one runs at a time; requests made meanwhile replace each other, and
    the newest starts when the running one ends. A result is dropped when a newer request
    is already waiting (it would be stale the moment it was shown)."""

    def __init__(self, jobs: Jobs, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.jobs = jobs
        self._running = False
        self._pending: tuple | None = None

    @property
    def busy(self) -> bool:
        return self._running or self._pending is not None

    def request(self, fn: Callable, *args, on_result: Callable | None = None,
                on_error: Callable[[Exception], None] | None = None, description: str = "",
                start: Callable | None = None, **kwargs) -> None:
        """Run `fn(*args, **kwargs)` now, or after the running one (replacing any waiting).

        `start(fn, *args, on_result=, on_error=, on_finished=, description=, **kwargs)` starts
        it (default `jobs.start`; pass a long-job starter for a progress bar with Cancel)."""
        self._pending = (fn, args, kwargs, on_result, on_error, description, start)
        if not self._running:
            self._next()

    def cancel_pending(self) -> None:
        self._pending = None

    def _next(self) -> None:
        if self._pending is None:
            return
        fn, args, kwargs, on_result, on_error, description, start = self._pending
        self._pending = None
        self._running = True

        def result(value) -> None:
            if self._pending is None and on_result is not None:
                on_result(value)

        def error(exc: Exception) -> None:
            if self._pending is None and on_error is not None:
                on_error(exc)

        (start or self.jobs.start)(fn, *args, on_result=result, on_error=error,
                                   on_finished=self._finished, description=description, **kwargs)

    def _finished(self) -> None:
        self._running = False
        self._next()
