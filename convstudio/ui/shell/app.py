"""Starting the Qt application: the window for people, a PNG for docs and checks."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSize, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from convstudio import __version__
from convstudio.session import Session, selection_fits
from convstudio.ui.shell.main_window import DEFAULT_SIZE, MainWindow
from convstudio.ui.shell.welcome import first_run_session
from convstudio.ui.state.preferences import attach_window
from convstudio.ui.style.theme import theme_controller

#: The longest a screenshot waits for the worker's first result before it gives up, in ms.
SCREENSHOT_TIMEOUT_MS = 60_000


def application() -> QApplication:
    """The one QApplication, created with ConvStudio's name and icon on first use."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("ConvStudio")
        app.setOrganizationName("ConvStudio")
        app.setApplicationVersion(__version__)
        app.setDesktopFileName("io.github.convstudio.ConvStudio")
        icon = icon_path()
        if icon is not None:
            app.setWindowIcon(QIcon(str(icon)))
        theme_controller(app).load()  # the saved theme, or the system's light/dark
    return app  # type: ignore[return-value]


def icon_path() -> Path | None:
    from convstudio.resources_path import resources_dir

    path = resources_dir() / "icons" / "convstudio.svg"
    return path if path.exists() else None


def load_session(path: str | None) -> Session:
    """The session in ``path``; with no path, the session a launch starts on (the first lecture
    example on a first run, else the built-in example), so a screenshot shows what people see."""
    if path is None:
        return first_run_session() or Session.default()
    from convstudio.session import load

    return load(path)


def open_window(path: str | None = None) -> MainWindow:
    """Everything a launch does before the event loop runs: the window, shown, with its file."""
    application()
    # On a first run (welcome not dismissed yet) and no file given: the first lecture example.
    window = MainWindow(first_run_session() if path is None else None)
    attach_window(window)  # restore the saved size and dock layout; save them on close
    window.show()
    # Opens the file (or shows why it cannot), offers work a crash left, starts autosaving.
    window.files.launch(path)
    return window


def run(path: str | None = None) -> int:
    """Open the window (on ``path`` if given) and run until it closes."""
    window = open_window(path)  # noqa: F841 - the window must live while the loop runs
    return application().exec()


def wait_for_output(window: MainWindow, timeout_ms: int = SCREENSHOT_TIMEOUT_MS) -> bool:
    """Spin the event loop until the worker has delivered the newest output, or time out."""
    if window.output_is_current():
        return True
    loop = QEventLoop()
    window.runner.result_ready.connect(lambda *_: loop.quit())
    window.runner.failed.connect(lambda *_: loop.quit())
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    return window.output_is_current()


def screenshot(
    png: str,
    path: str | None = None,
    *,
    out_feature: int | None = None,
    position: tuple[int, ...] | None = None,
    size: tuple[int, int] | None = None,
    reveal: bool = False,
    select_input: tuple[int, tuple[int, ...]] | None = None,
) -> int:
    """Render the main window, with the output computed, to a PNG; returns an exit status.

    ``reveal``: the output as playback shows it at the cursor, cells not reached yet blank."""
    app = application()
    try:
        session = load_session(path)
    except ValueError as error:
        print(f"convstudio: {error}", file=sys.stderr)
        return 2
    window = MainWindow(session)
    # Offscreen, the "screen" is 800x800; a screenshot is the window at its designed size.
    window.resize(DEFAULT_SIZE if size is None else QSize(*size))
    window.show()
    if reveal:
        window.view.reveal = True
    cursor = window.document.session.cursor
    window.document.set_cursor(
        cursor.out_feature if out_feature is None else out_feature,
        cursor.position if position is None else position,
    )
    if select_input is not None:  # the reverse view: the output cells this input cell feeds
        if not selection_fits(session.params, session.input.shape, select_input):
            print(f"convstudio: --select-input {select_input} is not a cell of the input",
                  file=sys.stderr)  # fmt: skip
            window.close()
            return 2
        window.view.selected_input = select_input
    ok = wait_for_output(window)
    window.settle()
    app.processEvents()
    window.stage.build_on_view()  # the cards on view, all of them, not a few per turn
    app.processEvents()
    saved = window.grab().save(png)
    window.close()
    if not ok:
        print("convstudio: the output was not ready in time", file=sys.stderr)
        return 1
    if not saved:
        print(f"convstudio: could not write {png}", file=sys.stderr)
        return 1
    return 0
