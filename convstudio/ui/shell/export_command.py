"""``convstudio export`` for pictures: the window built offscreen, as ``--screenshot`` builds it."""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QCoreApplication, QEvent

from convstudio.ui.export.exporter import ExportRequest, export_now
from convstudio.ui.shell import app, qt_messages
from convstudio.ui.shell.main_window import DEFAULT_SIZE, MainWindow
from convstudio.ui.style.theme import theme_controller


def export_pictures(session_path: str, request: ExportRequest, theme: str | None = None) -> int:
    """Open ``session_path`` in an offscreen window and export from it; returns an exit status."""
    # Pictures for a file never need a screen: Qt's offscreen platform, unless the caller chose one
    # (set before the QApplication exists; Qt reads it then).
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    qt_messages.silence_noise()
    application = app.application()
    try:
        session = app.load_session(session_path)
    except ValueError as error:
        print(f"convstudio: {error}", file=sys.stderr)
        return 1
    if theme is not None:
        theme_controller(application).set_choice(theme, persist=False)
    window = MainWindow(session)
    window.resize(DEFAULT_SIZE)
    window.show()
    try:
        if not app.wait_for_output(window):
            print("convstudio: the output was not ready in time", file=sys.stderr)
            return 1
        window.settle()
        application.processEvents()
        export_now(window, request)
    except ValueError as error:
        print(f"convstudio: {error}", file=sys.stderr)
        return 1
    finally:
        # Gone, not only closed: a caller in the same process (a script, the tests) keeps no
        # hidden window with its worker thread behind.
        window.close()
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return 0
