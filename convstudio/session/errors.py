"""The one exception the session layer raises for a session or file it cannot accept."""

from __future__ import annotations

import os


class SessionError(ValueError):
    """An invalid session, or a session file that cannot be read or written.

    The message names the field and the problem ("weight: shape (3, 2, 3) does not match params,
    expected (3, 2, 3, 3)") or, for a problem with the file itself, the path; the window shows it
    verbatim. ``path`` is the file involved when there is one, so a dialog can say which file
    failed without parsing the message. A ``ValueError`` so that callers catching the engine's
    ``ConvError`` and this one can catch both with one clause.
    """

    def __init__(self, message: str, *, path: str | os.PathLike[str] | None = None) -> None:
        super().__init__(message)
        self.path = None if path is None else os.fspath(path)
