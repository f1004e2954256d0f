"""All logic of Embedding Explorer. Never imports Qt (a test enforces it)."""


class ExplorerError(Exception):
    """An error the user caused or can fix: shown as one clear message.

    `path` and `line` (1-based) or `offset` (bytes) locate the problem when known.
    """

    def __init__(self, message: str, path=None, line: int | None = None, offset: int | None = None):
        self.path = str(path) if path is not None else None
        self.line = line
        self.offset = offset
        where = ""
        if self.path:
            where = self.path
            if line is not None:
                where += f", line {line}"
            elif offset is not None:
                where += f", byte {offset}"
            where += ": "
        super().__init__(where + message)


class Cancelled(Exception):
    """Raised by a long core job when its `should_cancel()` callback says stop."""


# Long core functions take these two optional keyword arguments:
#   progress(fraction: float) -> None   called with 0..1 now and then
#   should_cancel() -> bool             polled; when True, raise Cancelled
# so the UI can show a progress bar with Cancel and the CLI a terminal bar.
