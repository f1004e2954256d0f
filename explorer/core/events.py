"""Qt-free events, and evented dataclasses: a setting lives in one field, and changing it
tells everyone once.

The pattern of glue's `State`/`CallbackProperty` and napari's `EventedModel`, kept small:

    @dataclass
    class ProjectionSettings(Evented):
        method: str = "pca"
        def _check_method(self, value): ...   # optional: return the value to store, or raise

    settings.events.method.connect(on_method)  # called with the new value
    settings.events.changed.connect(on_any)    # called with (name, new value)
    settings.method = "tsne"                   # validated, stored, then both events fire
    settings.update(method="tsne", sample=500) # all checked first: a bad value changes nothing

A value equal to the current one emits nothing. `validate()` (override it) checks rules
that span fields; it runs on a copy before anything changes. Subclasses keep the dataclass'
own `__eq__` and `replace()`; `copy()` gives an independent copy (no listeners) for a worker.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from explorer.core import ExplorerError


class Event:
    """Callbacks registered with `connect` are called, in order, on `emit`."""

    def __init__(self) -> None:
        self._callbacks: list[Callable] = []

    def connect(self, callback: Callable) -> None:
        self._callbacks.append(callback)

    def disconnect(self, callback: Callable) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, *args) -> None:
        for callback in list(self._callbacks):
            callback(*args)


class EventGroup:
    """One `Event` per field (emitted with the new value), plus `changed(name, value)`."""

    def __init__(self, names) -> None:
        self.names = tuple(names)
        self.changed = Event()
        for name in self.names:
            setattr(self, name, Event())


def _same(a, b) -> bool:
    if a is b:
        return True
    try:
        return bool(a == b)
    except (ValueError, TypeError):  # arrays, or objects holding arrays: only identity counts
        return False


def _plain(value):
    """A JSON-able copy of a field value (tuples become lists)."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


class Evented:
    """Base for the state dataclasses (subclasses are `@dataclass`es)."""

    # Fields that are never written into a session or bookmark (objects, arrays).
    TRANSIENT: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        names = [f.name for f in dataclasses.fields(self)]
        object.__setattr__(self, "events", EventGroup(names))
        for name in names:  # defaults and constructor arguments pass the same checks
            object.__setattr__(self, name, self._checked(name, getattr(self, name)))
        self.validate()
        object.__setattr__(self, "_ready", True)

    # -- checks -------------------------------------------------------------------------
    def _checked(self, name: str, value):
        check = getattr(self, f"_check_{name}", None)
        return check(value) if check is not None else value

    def validate(self) -> None:
        """Rules that span fields; raise ExplorerError. Runs on a copy before a change."""

    # -- changes ------------------------------------------------------------------------
    def __setattr__(self, name: str, value) -> None:
        if not getattr(self, "_ready", False) or name not in self.events.names:
            object.__setattr__(self, name, value)
            return
        self.update(**{name: value})

    def update(self, **changes) -> None:
        """Set several fields at once; nothing changes unless every value is valid."""
        unknown = set(changes) - set(self.events.names)
        if unknown:
            raise AttributeError(f"{type(self).__name__} has no field {', '.join(sorted(unknown))}")
        checked = {name: self._checked(name, value) for name, value in changes.items()}
        changed = {name: value for name, value in checked.items() if not _same(getattr(self, name), value)}
        if not changed:
            return
        trial = dataclasses.replace(self, **changed)  # runs every check and validate() on a copy
        for name in changed:
            object.__setattr__(self, name, getattr(trial, name))
        if getattr(self, "_blocked", False):
            return
        for name in changed:
            value = getattr(self, name)
            getattr(self.events, name).emit(value)
            self.events.changed.emit(name, value)

    @contextmanager
    def blocked(self) -> Iterator[None]:
        """Change fields without telling anyone (for a widget that set the value itself)."""
        object.__setattr__(self, "_blocked", True)
        try:
            yield
        finally:
            object.__setattr__(self, "_blocked", False)

    # -- copies and serialization -------------------------------------------------------
    def copy(self):
        """An independent copy with no listeners (hand this to a worker thread)."""
        return dataclasses.replace(self)

    def to_dict(self) -> dict:
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)
                if f.name not in self.TRANSIENT}

    def update_from_dict(self, data: dict) -> list[str]:
        """Apply saved fields (unknown keys are skipped, and returned); validated as `update`."""
        known = {k: v for k, v in (data or {}).items() if k in self.events.names and k not in self.TRANSIENT}
        types = {f.name: f.type for f in dataclasses.fields(self)}
        for name, value in list(known.items()):
            if isinstance(value, list) and "tuple" in str(types[name]):
                known[name] = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        self.update(**known)
        return sorted(set(data or {}) - set(known))


# -- checks the evented parts share -------------------------------------------------------
def check_choice(value, choices, what: str):
    """`value` if it is one of `choices`, else a clear ExplorerError."""
    if value not in choices:
        raise ExplorerError(f"unknown {what} {value!r} (choose from {', '.join(map(str, choices))})")
    return value


def check_count(value, what: str, minimum: int = 0) -> int:
    """`value` as an int if it is a whole number >= `minimum` (1.0 passes, True and inf do not)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or int(value) != value or value < minimum:
        raise ExplorerError(f"{what} must be a whole number of at least {minimum}, not {value!r}")
    return int(value)
