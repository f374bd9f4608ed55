"""Autosave and crash recovery in the window: unsaved work survives a crash, a kill or a power cut.

While the document has unsaved changes, an ``Autosaver`` writes it every few seconds (only when
it changed since the last autosave) to this window's recovery file and sidecar in the user's data
folder (``convstudio.session.recovery.RecoveryFiles``, Qt-free: the files, their format and who
counts as gone live there). A clean close, or a save that leaves nothing unsaved, removes both
files. On the next launch the window offers the files whose writer is gone (``ask_restore``:
Restore / Discard).

The write itself runs in a short-lived Python thread: a session is immutable (its arrays are
read-only), so it can be handed over without a copy, and a large layer (millions of values,
seconds of JSON) never freezes the window. One write at a time; a tick that finds one running
leaves the change for the next tick.

Where: ``$CONVSTUDIO_DATA_DIR/recovery`` when that variable is set (tests, portable installs), else
``QStandardPaths.AppDataLocation/recovery``.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from convstudio.session import RecoveryFiles, RecoveryRecord, Session, SessionError

log = logging.getLogger(__name__)

#: Environment variable naming the data folder (recovery files go in its ``recovery`` subfolder).
DATA_DIR_ENV = "CONVSTUDIO_DATA_DIR"
#: How often unsaved changes are written to the recovery file, in milliseconds.
AUTOSAVE_INTERVAL_MS = 5000


def data_dir() -> Path:
    """The user's data folder for ConvStudio (``$CONVSTUDIO_DATA_DIR`` wins)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(location) if location else Path.home() / ".convstudio"


def recovery_dir() -> Path:
    """Where recovery files and their sidecars live."""
    return data_dir() / "recovery"


def ask_restore(parent: QWidget | None, record: RecoveryRecord, more: int) -> bool:
    """Ask whether to restore ``record``: True for Restore, False for Discard.

    A module-level function so that tests answer it without a modal dialog.
    """
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Restore unsaved work?")
    box.setText("ConvStudio did not close properly last time. Restore the unsaved work?")
    extra = f"\n\n{more} more autosaved session(s) will be offered next time." if more else ""
    box.setInformativeText(record.describe() + extra)
    restore = box.addButton("&Restore", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("&Discard", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(restore)
    box.exec()
    return box.clickedButton() is restore


# -- writing --------------------------------------------------------------------------------------
class Autosaver(QObject):
    """Writes the current session to this window's recovery file while it has unsaved changes.

    ``snapshot()`` returns the session to write (with the view state folded in), ``original()`` the
    file the work belongs to (or None), ``is_modified()`` whether there is anything unsaved. Call
    ``mark_changed()`` on every change; ``start()`` begins the timer.
    """

    #: The recovery file was written (its path).
    written = Signal(str)
    #: Writing failed (the message); the next change retries.
    failed = Signal(str)

    def __init__(
        self,
        snapshot: Callable[[], Session],
        original: Callable[[], Path | None],
        is_modified: Callable[[], bool],
        *,
        folder: Path | None = None,
        interval_ms: int = AUTOSAVE_INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._snapshot = snapshot
        self._original = original
        self._is_modified = is_modified
        self._folder = folder
        self._files = RecoveryFiles(lambda: self.folder)
        self._changed = False
        self._last_failure: str | None = None
        self._thread: threading.Thread | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.tick)

    # -- where -------------------------------------------------------------------------------
    @property
    def folder(self) -> Path:
        return recovery_dir() if self._folder is None else self._folder

    @property
    def session_path(self) -> Path:
        """This window's recovery file (it exists only while there is unsaved work)."""
        return self._files.session_path

    @property
    def sidecar_path(self) -> Path:
        return self._files.sidecar_path

    # -- control -----------------------------------------------------------------------------
    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def mark_changed(self) -> None:
        """The session changed: write it at the next tick (if it is still unsaved then)."""
        self._changed = True

    def busy(self) -> bool:
        """True while a write is running in the background."""
        return self._thread is not None and self._thread.is_alive()

    def tick(self) -> None:
        """Write in the background if the session changed and is unsaved; tidy up if saved."""
        if not self._is_modified():
            self._changed = False
            if self._files.exists():
                self.remove()
            return
        if not self._changed or self.busy():
            return
        self._changed = False
        job = self._job()
        self._thread = threading.Thread(
            target=self._run, args=job, name="convstudio-autosave", daemon=True
        )
        self._thread.start()

    def save_now(self) -> bool:
        """Write the recovery file at once, on this thread; True on success."""
        self.wait()
        self._changed = False
        return self._run(*self._job())

    def wait(self, timeout: float = 60.0) -> None:
        """Wait for a background write to finish."""
        if self._thread is not None:
            self._thread.join(timeout)

    def remove(self) -> None:
        """Delete this window's recovery file and sidecar (the work is saved, or thrown away)."""
        self._files.remove()

    def shutdown(self) -> None:
        """A clean close: stop writing and remove the recovery file."""
        self.stop()
        self.remove()
        self.wait()
        self.remove()

    # -- the write ---------------------------------------------------------------------------
    def _job(self) -> tuple[Session, dict[str, Any], int]:
        session = self._snapshot()
        return session, self._files.sidecar(session, self._original()), self._files.epoch

    def _run(self, session: Session, sidecar: dict[str, Any], epoch: int) -> bool:
        """Write both files; on failure say so once (not every few seconds) and retry later."""
        try:
            written = self._files.write(session, sidecar, epoch)
        except (OSError, SessionError) as error:
            log.warning("autosave failed: %s", error)
            self._changed = True  # the next tick tries again
            message = f"Autosave failed: {error}"
            if message != self._last_failure:  # said once, not every few seconds
                self._last_failure = message
                self.failed.emit(message)
            return False
        self._last_failure = None
        if written:
            self.written.emit(str(self.session_path))
        return True
