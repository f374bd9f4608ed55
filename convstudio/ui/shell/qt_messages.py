"""Qt's messages on the command line, less the one that says nothing to a ConvStudio user.

Qt's offscreen platform warns "This plugin does not support propagateSizeHints()" whenever a
window is shown, so every ``--screenshot`` printed it (twice) although nothing is wrong. A Qt
message handler drops exactly that message and passes every other one on: to the handler that was
installed before, else formatted as Qt's own handler formats it (``QT_MESSAGE_PATTERN`` included).
A logging rule could not do it: the warning is in Qt's default category, so a rule would silence
every other default warning as well.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from PySide6.QtCore import QMessageLogContext, QtMsgType, qFormatLogMessage, qInstallMessageHandler

#: The messages that are noise to a user, compared whole.
SILENCED = frozenset({"This plugin does not support propagateSizeHints()"})

Handler = Callable[[QtMsgType, QMessageLogContext, str], None]


class _Filter:
    """The installed handler: drops the silenced messages, forwards the rest."""

    def __init__(self) -> None:
        self.previous: Handler | None = None

    def __call__(self, mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if message in SILENCED:
            return
        if self.previous is not None:
            self.previous(mode, context, message)
            return
        sys.stderr.write(qFormatLogMessage(mode, context, message) + "\n")
        sys.stderr.flush()


_filter = _Filter()


def silence_noise() -> None:
    """Install the filter in front of the current handler (a second call changes nothing)."""
    previous = qInstallMessageHandler(_filter)
    if previous is not _filter:
        _filter.previous = previous
