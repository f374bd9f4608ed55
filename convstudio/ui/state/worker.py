"""The engine in a worker thread: the GUI posts jobs, the newest wins, stale results are dropped.

Why this shape (DESIGN.md, "Worker thread"): a 3->32 feature 1024x1024 layer takes about a second
to convolve, so the GUI thread never computes a full output. Every request bumps a generation number
and leaves its job in a one-slot mailbox (a newer request overwrites an older job that has not
started: bursts of edits coalesce into one computation, never a queue of stale ones). The worker, a
QObject living in its own QThread, takes whatever is newest. It runs the engine's public
``convolve`` with a cancel hook that asks whether a newer job is waiting or the window is closing;
the engine asks it between its tiles, so a stale job is abandoned and ``shutdown`` returns within
one tile. This is superqt's worker pattern (a cooperative
abort flag checked by the job) with a mailbox in place of a thread pool queue.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple, cast

import numpy as np
import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from convstudio import engine
from convstudio.engine import Cancelled, ConvError, ConvParams
from convstudio.ui.state.document import SessionDocument

log = logging.getLogger(__name__)

#: How long ``shutdown`` waits for a job that does not check ``cancelled`` (an injected one).
SHUTDOWN_WAIT_MS = 10_000

CancelHook = Callable[[], bool]
#: ``compute(x, weight, bias_or_None, params, cancelled)`` returns the output array, or None when
#: it gave up because ``cancelled()`` became true (a newer job is waiting, or the window closes).
Compute = Callable[[np.ndarray, np.ndarray, "np.ndarray | None", ConvParams, CancelHook], Any]


def engine_compute(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    params: ConvParams,
    cancelled: CancelHook,
) -> np.ndarray | None:
    """The engine's public ``convolve`` with ``cancelled`` as its cancel hook; None when it gave up.

    The engine asks ``cancelled`` between its own tiles (about every 50 ms of work), so a stale
    job or a closing window waits at most that long; the worker has no tiling of its own.
    """
    try:
        # engine.convolve, not a name imported from convstudio.engine: that would read as the
        # engine's convolve module to the import contracts.
        return engine.convolve(x, weight, bias, **params.settings(), cancel=cancelled)
    except Cancelled:
        return None


class _Job(NamedTuple):
    generation: int
    x: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None
    params: ConvParams


class _Mailbox:
    """One slot shared by the two threads: the newest job not yet taken by the worker."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._job: _Job | None = None
        self.stopping = threading.Event()

    def put(self, job: _Job) -> None:
        with self._lock:
            self._job = job

    def take(self) -> _Job | None:
        with self._lock:
            job, self._job = self._job, None
            return job

    def has_job(self) -> bool:
        with self._lock:
            return self._job is not None


class _Worker(QObject):
    """Lives in the worker thread; ``run_pending`` computes the newest job until none is left."""

    done = Signal(int, object)
    error = Signal(int, str)

    def __init__(self, mailbox: _Mailbox, compute: Compute) -> None:
        super().__init__()
        self._mailbox = mailbox
        self._compute = compute

    def _cancelled(self) -> bool:
        return self._mailbox.stopping.is_set() or self._mailbox.has_job()

    @Slot()
    def run_pending(self) -> None:
        # One wake-up is posted per request; the ones that find the mailbox empty return at once.
        while not self._mailbox.stopping.is_set():
            job = self._mailbox.take()
            if job is None:
                return
            try:
                out = self._compute(job.x, job.weight, job.bias, job.params, self._cancelled)
            except ConvError as exc:
                self.error.emit(job.generation, str(exc))
                continue
            except MemoryError:
                self.error.emit(
                    job.generation,
                    "not enough memory to compute the output of this layer; "
                    "try a smaller input or fewer features",
                )
                continue
            except (
                Exception
            ) as exc:  # a bug must reach the window as a message, not kill the thread
                log.exception("convolution job %d failed", job.generation)
                self.error.emit(job.generation, f"the computation failed: {exc}")
                continue
            if out is not None:
                self.done.emit(job.generation, out)


def _stop_thread(thread: QThread, mailbox: _Mailbox) -> None:
    """Abandon the running job, drop the pending one, end the thread and wait for it."""
    mailbox.stopping.set()
    mailbox.take()
    if not shiboken6.isValid(thread):  # Python's exit already tore the thread object down
        return
    thread.quit()
    if not thread.wait(SHUTDOWN_WAIT_MS):
        log.warning("the engine thread did not stop within %d ms", SHUTDOWN_WAIT_MS)


class ConvolutionRunner(QObject):
    """Runs the session's convolution off the GUI thread and reports only the newest result.

    ``bind(document)`` requests the document's output on every change of its values or settings;
    ``request(session)`` returns the generation of the job; ``result_ready(generation, output)``
    and ``failed(generation, message)`` are emitted only for the newest generation.
    ``busy_changed(True)`` is emitted when a request is outstanding, ``busy_changed(False)`` when
    the newest one has been answered (or on ``shutdown``). Call ``shutdown`` before the window
    closes; it is also connected to the application's ``aboutToQuit``.
    """

    result_ready = Signal(int, object)
    failed = Signal(int, str)
    busy_changed = Signal(bool)
    _wake = Signal()

    def __init__(self, parent: QObject | None = None, *, compute: Compute | None = None) -> None:
        super().__init__(parent)
        self._generation = 0
        self._busy = False
        self._output: np.ndarray | None = None
        self._output_generation = -1
        self._document: SessionDocument | None = None
        self._shut_down = False
        self._mailbox = _Mailbox()
        self._thread = QThread()
        self._thread.setObjectName("convstudio-engine")
        self._worker = _Worker(self._mailbox, compute or engine_compute)
        self._worker.moveToThread(self._thread)
        self._wake.connect(self._worker.run_pending)
        self._worker.done.connect(self._on_done)
        self._worker.error.connect(self._on_error)
        self._thread.start()
        # If the runner is deleted without shutdown (its parent window destroyed), stop the thread
        # anyway: a QThread destroyed while running aborts the process. The callback holds the
        # thread and mailbox, not the runner, so it is safe to run during the runner's destruction.
        self.destroyed.connect(partial(_stop_thread, self._thread, self._mailbox))
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # -- public API ------------------------------------------------------------------------------
    @property
    def generation(self) -> int:
        """The generation of the newest request (0 before the first)."""
        return self._generation

    @property
    def busy(self) -> bool:
        """True while the newest request has not been answered."""
        return self._busy

    @property
    def worker_thread(self) -> QThread:
        """The worker thread (for tests and diagnostics). Not ``thread``: that is QObject's
        ``thread()``, the thread this runner itself lives in."""
        return self._thread

    @property
    def output(self) -> np.ndarray | None:
        """The newest output that arrived (None before the first)."""
        return self._output

    def output_is_current(self) -> bool:
        """True when ``output`` was computed from the newest request (the session as it is)."""
        return self._output is not None and self._output_generation == self._generation

    def bind(self, document: SessionDocument) -> None:
        """Compute the document's output now and after every change of settings or values."""
        self._document = document
        document.changed.connect(self._document_changed)
        self.request(document.session)

    def _document_changed(self, parts: frozenset[str]) -> None:
        if self._document is not None and parts & {"params", "input", "weight", "bias"}:
            self.request(self._document.session)

    def request(self, session: Any) -> int:
        """Post the session's convolution as the newest job; returns its generation.

        The job holds references to the session's arrays, not copies: sessions are immutable (an
        edit makes a new array), so the snapshot cannot change under the worker. After
        ``shutdown`` the generation still advances but nothing is computed.
        """
        self._generation += 1
        if self._shut_down:
            return self._generation
        params = session.params
        bias = session.bias if params.bias else None
        self._mailbox.put(_Job(self._generation, session.input, session.weight, bias, params))
        self._set_busy(True)
        self._wake.emit()
        return self._generation

    def shutdown(self) -> None:
        """Stop the worker thread: a running job is abandoned at its next tile. Safe to repeat."""
        if self._shut_down:
            return
        self._shut_down = True
        _stop_thread(self._thread, self._mailbox)
        self._set_busy(False)

    # -- results from the worker ---------------------------------------------------------------
    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)

    @Slot(int, object)
    def _on_done(self, generation: int, output: object) -> None:
        if generation != self._generation or self._shut_down:
            return
        self._output, self._output_generation = cast(np.ndarray, output), generation
        self._set_busy(False)
        self.result_ready.emit(generation, output)

    @Slot(int, str)
    def _on_error(self, generation: int, message: str) -> None:
        if generation != self._generation or self._shut_down:
            return
        self._set_busy(False)
        self.failed.emit(generation, message)
