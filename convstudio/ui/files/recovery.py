"""Autosave and crash recovery: unsaved work survives a crash, a kill or a power cut.

While the document has unsaved changes, an ``Autosaver`` writes it every few seconds (only when
it changed since the last autosave) to a recovery file in the user's data folder, with the same
atomic ``save`` as File > Save, so a recovery file is always the previous or the new snapshot, never
a torn one. Beside it a small JSON sidecar records the writer's pid (and, where the OS tells, when
that process started, so a recycled pid is not taken for the writer), the file the work belongs to
and the title. A clean close, or a save that leaves nothing unsaved, removes both files.

On the next launch ``orphaned_records`` lists the recovery files whose writer is no longer running;
the window offers to restore them (``ask_restore``: Restore / Discard). Files of a writer that is
still running (another ConvStudio window) are left alone.

The write itself runs in a short-lived Python thread: a session is immutable (its arrays are
read-only), so it can be handed over without a copy, and a large layer (millions of values,
seconds of JSON) never freezes the window. One write at a time; a tick that finds one running
leaves the change for the next tick.

Where: ``$CONVSTUDIO_DATA_DIR/recovery`` when that variable is set (tests, portable installs), else
``QStandardPaths.AppDataLocation/recovery``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from convstudio.session import fileformat
from convstudio.session.errors import SessionError
from convstudio.session.model import Session

log = logging.getLogger(__name__)

#: Environment variable naming the data folder (recovery files go in its ``recovery`` subfolder).
DATA_DIR_ENV = "CONVSTUDIO_DATA_DIR"
#: How often unsaved changes are written to the recovery file, in milliseconds.
AUTOSAVE_INTERVAL_MS = 5000
#: Recovery files are ``autosave-<pid>-<token>.convstudio``, sidecars the same name with ``.json``.
PREFIX = "autosave-"
SESSION_SUFFIX = ".convstudio"
SIDECAR_SUFFIX = ".json"
SIDECAR_FORMAT = "convstudio-recovery"
SIDECAR_VERSION = 1
#: A sidecar larger than this is not one of ours (they are a few hundred bytes).
MAX_SIDECAR_BYTES = 64 * 1024


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


# -- is the writer still running? -----------------------------------------------------------------
def _proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (Linux), or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    return text[text.rfind(")") + 2 :].split()


def process_identity(pid: int) -> str | None:
    """Something that tells this process from a later one with the same pid: the boot and the
    start time on Linux; None where the OS does not say (then the pid alone is trusted)."""
    fields = _proc_stat(pid)
    if fields is None or len(fields) < 20:
        return None
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    except OSError:
        boot = "?"
    return f"{boot}:{fields[19]}"  # field 22 of stat: start time in clock ticks since boot


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill(pid, 0) would send CTRL_C_EVENT there
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        try:
            ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        finally:
            kernel32.CloseHandle(handle)
        return bool(ok) and code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    except OSError:
        return False
    fields = _proc_stat(pid)
    return not (fields and fields[0] in ("Z", "X"))  # a zombie has finished running


def writer_running(pid: int, identity: str | None) -> bool:
    """True when the process that wrote a sidecar is still running (and is the same process)."""
    if not _pid_alive(pid):
        return False
    if identity is None:
        return True
    current = process_identity(pid)
    return current is None or current == identity


# -- files ----------------------------------------------------------------------------------------
def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file beside it and ``os.replace``."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


@dataclass(frozen=True)
class RecoveryRecord:
    """One recovery file left by a ConvStudio that did not close cleanly."""

    session_path: Path
    sidecar_path: Path
    original: Path | None
    title: str
    written: float
    pid: int

    def describe(self) -> str:
        """What the restore prompt says about this file."""
        what = f"“{self.original.name}” ({self.original.parent})" if self.original else "untitled"
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.written))
        title = f" “{self.title}”" if self.title else ""
        return f"Unsaved changes to the session{title}, {what}, autosaved {when}."

    def load(self) -> Session:
        """The autosaved session; raises SessionError when it cannot be read."""
        return fileformat.load(self.session_path)

    def remove(self) -> None:
        """Delete the recovery file and its sidecar (already gone is fine)."""
        _unlink(self.session_path)
        _unlink(self.sidecar_path)

    def set_aside(self) -> None:
        """Rename an unreadable recovery file so it is not offered again but stays for a person."""
        for path in (self.session_path, self.sidecar_path):
            with contextlib.suppress(OSError):
                path.replace(path.with_name(path.name + ".unreadable"))


def _read_sidecar(path: Path) -> dict | None:
    try:
        if path.stat().st_size > MAX_SIDECAR_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != SIDECAR_FORMAT:
        return None
    return data


def orphaned_records(folder: Path | None = None) -> list[RecoveryRecord]:
    """Recovery files whose writer is no longer running, newest first.

    A sidecar without its session file (a crash between the two writes of the very first
    autosave) is removed once its writer is gone; unreadable sidecars are left alone.
    """
    folder = recovery_dir() if folder is None else folder
    try:
        sidecars = sorted(folder.glob(f"{PREFIX}*{SIDECAR_SUFFIX}"))
    except OSError:
        return []
    records: list[RecoveryRecord] = []
    for sidecar in sidecars:
        data = _read_sidecar(sidecar)
        if data is None:
            continue
        pid, identity = data.get("pid"), data.get("identity")
        name, original = data.get("session"), data.get("original")
        if not isinstance(pid, int) or not isinstance(name, str) or Path(name).name != name:
            continue
        if writer_running(pid, identity if isinstance(identity, str) else None):
            continue
        session_path = folder / name
        if not session_path.is_file():
            _unlink(sidecar)
            continue
        written = data.get("written")
        title = data.get("title")
        records.append(
            RecoveryRecord(
                session_path=session_path,
                sidecar_path=sidecar,
                original=Path(original) if isinstance(original, str) and original else None,
                title=title if isinstance(title, str) else "",
                written=float(written) if isinstance(written, (int, float)) else 0.0,
                pid=pid,
            )
        )
    records.sort(key=lambda record: record.written, reverse=True)
    return records


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
        stem = f"{PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._session_name = stem + SESSION_SUFFIX
        self._sidecar_name = stem + SIDECAR_SUFFIX
        self._changed = False
        self._last_failure: str | None = None
        self._epoch = 0  # bumped by remove(): a write that started before must not survive it
        self._lock = threading.Lock()
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
        return self.folder / self._session_name

    @property
    def sidecar_path(self) -> Path:
        return self.folder / self._sidecar_name

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
            if self.sidecar_path.exists() or self.session_path.exists():
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
        with self._lock:
            self._epoch += 1
            _unlink(self.sidecar_path)
            _unlink(self.session_path)

    def shutdown(self) -> None:
        """A clean close: stop writing and remove the recovery file."""
        self.stop()
        self.remove()
        self.wait()
        self.remove()

    # -- the write ---------------------------------------------------------------------------
    def _job(self) -> tuple[Session, dict, int]:
        session = self._snapshot()
        original = self._original()
        sidecar = {
            "format": SIDECAR_FORMAT,
            "version": SIDECAR_VERSION,
            "pid": os.getpid(),
            "identity": process_identity(os.getpid()),
            "session": self._session_name,
            "original": str(original) if original is not None else None,
            "title": session.title,
            "written": time.time(),
        }
        return session, sidecar, self._epoch

    def _run(self, session: Session, sidecar: dict, epoch: int) -> bool:
        """Sidecar first, then the session: a sidecar without its file is tidied away later,
        whereas a recovery file without a sidecar would never be found."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _write_atomic(self.sidecar_path, json.dumps(sidecar, indent=1))
            fileformat.save(session, self.session_path)
        except (OSError, SessionError) as error:
            log.warning("autosave failed: %s", error)
            self._changed = True  # the next tick tries again
            message = f"Autosave failed: {error}"
            if message != self._last_failure:  # said once, not every few seconds
                self._last_failure = message
                self.failed.emit(message)
            return False
        self._last_failure = None
        with self._lock:
            if epoch != self._epoch:  # removed while writing: the work was saved meanwhile
                _unlink(self.sidecar_path)
                _unlink(self.session_path)
                return True
        self.written.emit(str(self.session_path))
        return True
