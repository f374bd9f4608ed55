"""Opening and saving big files without freezing the window: a job in a thread, with progress.

Why a child process under the thread: the session loader parses the file with ``json.loads``,
which holds Python's global lock for the whole parse (0.7 s for a 3->32 feature 1024x1024 file),
so a thread alone still froze the window. The job's thread starts a child process that calls the
same Qt-free ``convstudio.session.fileformat.load`` (or ``save``) and hands the session back as
pickled numpy buffers, and it waits on the child in 50 ms steps so that Cancel ends the child at
once. Small files (below ``BACKGROUND_BYTES``) are read on the GUI thread as before: a child
process costs more than they do.

``FileJobs.run`` keeps the caller's contract simple: it returns when the job is done, failed or
cancelled, running the event loop meanwhile, so the window repaints, scrubs and answers while the
job runs. After ``SHOW_AFTER_MS`` a bar in the status bar shows the job with a Cancel button; Esc
cancels too. A cancelled open never touches the document.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, Qt, QThread, QTimer, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QProgressBar, QPushButton, QWidget

from convstudio import session as store
from convstudio.session import Session, SessionError

#: Files at least this large are read by a background job (a 1 MB file parses in ~50 ms).
BACKGROUND_BYTES = 1_000_000
#: Sessions with at least this many values are written by a background job.
BACKGROUND_VALUES = 100_000
#: A job that runs longer than this shows its progress bar and Cancel button.
SHOW_AFTER_MS = 500
#: How often the job's thread looks for Cancel while it waits for the child process.
POLL_S = 0.05

Cancelled = Callable[[], bool]
#: ``task(cancelled)`` does the work and returns its result; it raises ``SessionError`` with a
#: message for the user, and ``JobCancelled`` when it stopped because ``cancelled()`` became true.
Task = Callable[[Cancelled], Any]


class JobCancelled(Exception):
    """The job stopped because it was cancelled (nothing was changed)."""


# -- the child process --------------------------------------------------------------------------
def _exit_on_terminate() -> None:
    # SIGTERM (Cancel) becomes SystemExit, so ``save`` removes its temporary file on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))


def _send_session(conn, session: Session) -> None:
    buffers: list[pickle.PickleBuffer] = []
    head = pickle.dumps(session, protocol=5, buffer_callback=buffers.append)
    raws = [buffer.raw() for buffer in buffers]
    conn.send(("ok", head, [raw.nbytes for raw in raws]))
    for raw in raws:
        conn.send_bytes(raw)


def _receive_session(conn, head: bytes, sizes: list[int]) -> Session:
    buffers = []
    for size in sizes:
        buffer = bytearray(size)
        conn.recv_bytes_into(buffer)
        buffers.append(buffer)
    return pickle.loads(head, buffers=buffers)


def _child_load(path: str, conn) -> None:
    _exit_on_terminate()
    try:
        session = store.load(path)
    except SessionError as error:
        conn.send(("error", str(error), []))
        return
    _send_session(conn, session)


def _child_save(path: str, conn) -> None:
    _exit_on_terminate()
    _kind, head, sizes = conn.recv()
    session = _receive_session(conn, head, sizes)
    try:
        store.save(session, path)
    except SessionError as error:
        conn.send(("error", str(error), []))
        return
    conn.send(("ok", b"", []))


def _wait_for(conn, process, cancelled: Cancelled, what: str) -> tuple[str, Any, list[int]]:
    """The child's answer; ends the child on Cancel (``JobCancelled``) or reports its death."""
    while not conn.poll(POLL_S):
        if cancelled():
            raise JobCancelled
        if not process.is_alive() and not conn.poll(0):
            raise SessionError(f"{what} stopped unexpectedly (exit code {process.exitcode})")
    return conn.recv()


def _start(target, *args):
    context = multiprocessing.get_context("spawn")  # never fork a process with Qt threads
    ours, theirs = context.Pipe()
    process = context.Process(target=target, args=(*args, theirs), daemon=True)
    process.start()
    theirs.close()
    return ours, process


def _finish(process) -> None:
    if process.is_alive():
        process.terminate()
    process.join(5)


def load_in_child(path: Path) -> Task:
    """A task reading ``path`` with ``fileformat.load`` in a child process."""

    def task(cancelled: Cancelled) -> Session:
        conn, process = _start(_child_load, os.fspath(path))
        try:
            kind, head, sizes = _wait_for(conn, process, cancelled, f"reading {path.name}")
            if kind == "error":
                raise SessionError(head)
            return _receive_session(conn, head, sizes)
        finally:
            conn.close()
            _finish(process)

    return task


def save_in_child(session: Session, path: Path) -> Task:
    """A task writing ``session`` to ``path`` with ``fileformat.save`` in a child process.

    Cancel ends the child; the write is atomic, so the old file stays as it was.
    """

    def task(cancelled: Cancelled) -> None:
        conn, process = _start(_child_save, os.fspath(path))
        try:
            _send_session(conn, session)
            kind, message, _sizes = _wait_for(conn, process, cancelled, f"saving {path.name}")
            if kind == "error":
                raise SessionError(message)
        finally:
            conn.close()
            _finish(process)

    return task


def wants_background_load(path: Path, threshold: int = BACKGROUND_BYTES) -> bool:
    """True for a file big enough that reading it would stall the window."""
    try:
        return path.stat().st_size >= threshold
    except OSError:
        return False  # the ordinary load names the problem


def wants_background_save(session: Session, threshold: int = BACKGROUND_VALUES) -> bool:
    return session.input.size + session.weight.size >= threshold


# -- the thread ---------------------------------------------------------------------------------
class _Runner(QObject):
    """Lives in the job's thread: runs the task once and reports how it ended."""

    ended = Signal(str, object)  # "done" | "failed" | "cancelled", result or message

    def __init__(self, task: Task, cancel: threading.Event) -> None:
        super().__init__()
        self._task = task
        self._cancel = cancel

    @Slot()
    def run(self) -> None:
        try:
            result = self._task(self._cancel.is_set)
        except JobCancelled:
            self.ended.emit("cancelled", None)
        except SessionError as error:
            self.ended.emit("failed", str(error))
        except MemoryError:
            self.ended.emit("failed", "not enough memory for this file")
        except Exception as error:  # a bug must reach the user as a message, not kill the thread
            self.ended.emit("failed", f"{type(error).__name__}: {error}")
        else:
            self.ended.emit("cancelled" if self._cancel.is_set() else "done", result)


class JobProgress(QWidget):
    """The status bar's view of a running job: what it does, a busy bar, Cancel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # the loader reports no fraction: a busy bar and the time taken
        self.bar.setMaximumWidth(120)
        self.bar.setMaximumHeight(14)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop this job (Esc); nothing is changed")
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self.setVisible(False)


class FileJobs(QObject):
    """Runs one file job at a time for a window, with its progress in the status bar."""

    def __init__(self, window: QMainWindow, *, show_after_ms: int = SHOW_AFTER_MS) -> None:
        super().__init__(window)
        self._window = window
        self.show_after_ms = show_after_ms
        #: What reads and writes big files (tests put slow stand-ins here).
        self.load_task: Callable[[Path], Task] = load_in_child
        self.save_task: Callable[[Session, Path], Task] = save_in_child
        self.load_threshold = BACKGROUND_BYTES
        self.save_threshold = BACKGROUND_VALUES
        self.progress = JobProgress()
        window.statusBar().addPermanentWidget(self.progress)
        self.progress.cancel_button.clicked.connect(self.cancel)
        self._escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), window)
        self._escape.setContext(Qt.ShortcutContext.WindowShortcut)
        self._escape.setEnabled(False)
        self._escape.activated.connect(self.cancel)
        self._show_timer = QTimer(self)
        self._show_timer.setSingleShot(True)
        self._show_timer.timeout.connect(self._show_progress)
        self._tick = QTimer(self)
        self._tick.setInterval(250)
        self._tick.timeout.connect(self._update_label)
        self._cancel: threading.Event | None = None
        self._loop: QEventLoop | None = None
        self._title = ""
        self._started = 0.0
        self._ending: tuple[str, Any] = ("cancelled", None)
        self._threads: list[QThread] = []

    def busy(self) -> bool:
        """True while a job runs (a second one is refused, not queued)."""
        return self._loop is not None

    def run(self, title: str, task: Task) -> tuple[str, Any]:
        """Run ``task`` off the GUI thread; returns ("done", result), ("failed", message) or
        ("cancelled", None) once it ends, the event loop running meanwhile."""
        if self.busy():
            return ("failed", f"{self._title} is still running; wait for it or cancel it")
        cancel = threading.Event()
        thread = QThread()
        thread.setObjectName("convstudio-file-job")
        runner = _Runner(task, cancel)
        runner.moveToThread(thread)
        thread.started.connect(runner.run)
        runner.ended.connect(self._ended)
        runner.ended.connect(thread.quit)
        thread.finished.connect(lambda t=thread: self._forget(t))
        self._threads.append(thread)
        thread._runner = runner  # lives as long as its thread
        self._cancel, self._title, self._started = cancel, title, time.monotonic()
        self._ending = ("cancelled", None)
        loop = self._loop = QEventLoop()
        self._escape.setEnabled(True)
        self._show_timer.start(self.show_after_ms)
        thread.start()
        loop.exec()
        self._loop = None
        self._cancel = None
        self._escape.setEnabled(False)
        self._show_timer.stop()
        self._tick.stop()
        self.progress.setVisible(False)
        return self._ending

    def cancel(self) -> None:
        """Stop the running job: ``run`` returns ("cancelled", None) at once; the thread ends
        when its task sees the request (a child process is ended within ``POLL_S``)."""
        if self._cancel is None or self._loop is None:
            return
        self._cancel.set()
        self._ending = ("cancelled", None)
        self._loop.quit()

    def shutdown(self) -> None:
        """Cancel the running job and wait for every job thread (the window is closing)."""
        self.cancel()
        for thread in list(self._threads):
            thread.quit()
            thread.wait(10_000)

    # -- internals ---------------------------------------------------------------------------
    def _ended(self, how: str, value: object) -> None:
        if self._loop is None or self._cancel is None or self._cancel.is_set():
            return  # a cancelled job's late answer: dropped
        self._ending = (how, value)
        self._loop.quit()

    def _forget(self, thread: QThread) -> None:
        if thread in self._threads:
            self._threads.remove(thread)
        thread.deleteLater()

    def _show_progress(self) -> None:
        self._update_label()
        self.progress.setVisible(True)
        self._tick.start()

    def _update_label(self) -> None:
        elapsed = time.monotonic() - self._started
        self.progress.label.setText(f"{self._title}… {elapsed:.0f} s")
