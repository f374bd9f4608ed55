"""Window fixtures: every MainWindow a test makes is closed and deleted when the test ends, and a
window or a QThread that outlives its test fails that test.

Why (as napari's ``make_napari_viewer`` does): a window that stays alive keeps its application-wide
event filter (the file controller's drag-and-drop filter), its timers and its engine thread, so
every later test runs slower (set-up grew from 0.55 s to 6.5 s with 27 windows left over) and may
see events meant for a window nobody looks at. ``deleteLater`` alone is not enough: a deferred
delete runs only when control returns to an event loop, which a test that ends may never do, so
the check below delivers the pending deletes before it looks.

``make_window(session=None, *, show=True, guard_close=False)`` makes a window that is closed and
deleted at teardown, whatever it holds (a window with unsaved changes and ``guard_close`` on
would ask, and nobody is left to answer). Windows made otherwise (``MainWindow()`` handed to
``qtbot.addWidget``, closed by the test) are fine as long as they are gone when the test ends.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Iterator

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QThread
from PySide6.QtWidgets import QApplication

from convstudio.session import Session
from convstudio.ui.shell.main_window import MainWindow


def _deliver_deletes() -> None:
    """Run the deletes that ``deleteLater`` left pending (twice: a delete may post another)."""
    for _ in range(2):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()


def _close_and_delete(window: MainWindow) -> None:
    """Close ``window`` without any prompt and delete it at once."""
    if not shiboken6.isValid(window):
        return
    window.files.guard_close = False
    window.close()
    window.deleteLater()


def _alive(refs: list[weakref.ref]) -> list:
    return [obj for obj in (ref() for ref in refs) if obj is not None and shiboken6.isValid(obj)]


@pytest.fixture(autouse=True)
def _no_window_or_thread_outlives_the_test(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Record every MainWindow made and every QThread started during the test; at teardown,
    after pending deletes ran, fail the test if one of them is still alive (and clean it up, so
    the next test starts clean)."""
    windows: list[weakref.ref] = []
    threads: list[weakref.ref] = []
    make, start = MainWindow.__init__, QThread.start

    def recording_init(self: MainWindow, *args: object, **kwargs: object) -> None:
        make(self, *args, **kwargs)
        windows.append(weakref.ref(self))

    def recording_start(self: QThread, *args: object) -> None:
        threads.append(weakref.ref(self))
        start(self, *args)

    monkeypatch.setattr(MainWindow, "__init__", recording_init)
    monkeypatch.setattr(QThread, "start", recording_start)
    yield
    _deliver_deletes()
    leaked = _alive(windows)
    if leaked:  # maybe only held by a reference cycle: collect before judging
        gc.collect()
        _deliver_deletes()
        leaked = _alive(windows)
    for window in leaked:
        _close_and_delete(window)
    _deliver_deletes()
    running = [thread for thread in _alive(threads) if thread.isRunning()]
    for thread in running:  # stop them, so that the next tests (and the exit) find none
        thread.quit()
        thread.wait(10_000)
    problems = []
    if leaked:
        problems.append(
            f"{len(leaked)} MainWindow(s) outlived the test: close them (and let deleteLater "
            "run), or make them with the make_window fixture"
        )
    if running:
        names = ", ".join(thread.objectName() or repr(thread) for thread in running)
        problems.append(f"{len(running)} QThread(s) still running after the test: {names}")
    if problems:
        pytest.fail("; ".join(problems), pytrace=False)


@pytest.fixture
def make_window(qapp: QApplication) -> Iterator[Callable[..., MainWindow]]:
    """A factory of windows that are closed and deleted when the test ends."""
    made: list[MainWindow] = []

    def make(
        session: Session | None = None, *, show: bool = True, guard_close: bool = False
    ) -> MainWindow:
        window = MainWindow(session)
        made.append(window)
        if show:
            window.show()
        window.files.guard_close = guard_close
        return window

    yield make
    for window in made:
        _close_and_delete(window)
    made.clear()
    _deliver_deletes()
