"""Crash recovery files, with no Qt: where one writer keeps its unsaved work, and which files a
writer that is gone left behind.

A writer (one ConvStudio window, through ``convstudio.ui.files.recovery.Autosaver``) owns one
recovery file ``autosave-<pid>-<token>.convstudio`` and a small JSON sidecar beside it that
records the writer's pid (and, where the OS tells, when that process started, so a recycled pid is
not taken for the writer), the file the work belongs to and the title. Both are written with
``write_atomically`` (the same as File > Save), so each is always the previous or the new snapshot.

``orphaned_records(folder)`` lists the recovery files whose writer is no longer running; files of a
writer that still runs (another ConvStudio window) are left alone. Which folder, when to write and
how to ask the user are the window's questions (``convstudio.ui.files.recovery``).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from convstudio.session import fileformat
from convstudio.session.atomic import write_atomically
from convstudio.session.fileformat import SUFFIX
from convstudio.session.model import Session

#: Recovery files are ``autosave-<pid>-<token>.convstudio``, sidecars the same name with ``.json``.
PREFIX = "autosave-"
SIDECAR_SUFFIX = ".json"
SIDECAR_FORMAT = "convstudio-recovery"
SIDECAR_VERSION = 1
#: A sidecar larger than this is not one of ours (they are a few hundred bytes).
MAX_SIDECAR_BYTES = 64 * 1024


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


def _read_sidecar(path: Path) -> dict[str, Any] | None:
    try:
        if path.stat().st_size > MAX_SIDECAR_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != SIDECAR_FORMAT:
        return None
    return data


def orphaned_records(folder: Path) -> list[RecoveryRecord]:
    """Recovery files in ``folder`` whose writer is no longer running, newest first.

    A sidecar without its session file (a crash between the two writes of the very first
    autosave) is removed once its writer is gone; unreadable sidecars are left alone.
    """
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


# -- one writer's files ---------------------------------------------------------------------------
class RecoveryFiles:
    """The recovery file and sidecar of this process's writer, in the folder ``folder()`` names.

    ``write`` may run on any thread (a session is immutable); ``remove`` may run while a write is
    under way: a write that started before a ``remove`` (its ``epoch`` is older) removes what it
    wrote, so saved work never comes back as a recovery file.
    """

    def __init__(self, folder: Callable[[], Path]) -> None:
        self._folder = folder
        stem = f"{PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.session_name = stem + SUFFIX
        self.sidecar_name = stem + SIDECAR_SUFFIX
        self._epoch = 0  # bumped by remove(): a write that started before must not survive it
        self._lock = threading.Lock()

    @property
    def folder(self) -> Path:
        return self._folder()

    @property
    def session_path(self) -> Path:
        return self.folder / self.session_name

    @property
    def sidecar_path(self) -> Path:
        return self.folder / self.sidecar_name

    @property
    def epoch(self) -> int:
        return self._epoch

    def exists(self) -> bool:
        """True when either file is on disk."""
        return self.sidecar_path.exists() or self.session_path.exists()

    def sidecar(self, session: Session, original: Path | None) -> dict[str, Any]:
        """The sidecar that describes ``session`` (belonging to ``original``), written now."""
        return {
            "format": SIDECAR_FORMAT,
            "version": SIDECAR_VERSION,
            "pid": os.getpid(),
            "identity": process_identity(os.getpid()),
            "session": self.session_name,
            "original": str(original) if original is not None else None,
            "title": session.title,
            "written": time.time(),
        }

    def write(self, session: Session, sidecar: dict[str, Any], epoch: int) -> bool:
        """Write the sidecar, then the session; False when a ``remove`` came meanwhile (then
        nothing is left). Raises ``OSError`` or ``SessionError`` when writing fails.

        Sidecar first: a sidecar without its file is tidied away later, whereas a recovery file
        without a sidecar would never be found.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomically(self.sidecar_path, json.dumps(sidecar, indent=1).encode("utf-8"))
        fileformat.save(session, self.session_path)
        with self._lock:
            if epoch != self._epoch:  # removed while writing: the work was saved meanwhile
                _unlink(self.sidecar_path)
                _unlink(self.session_path)
                return False
        return True

    def remove(self) -> None:
        """Delete both files (the work is saved, or thrown away)."""
        with self._lock:
            self._epoch += 1
            _unlink(self.sidecar_path)
            _unlink(self.session_path)


__all__ = [
    "PREFIX",
    "SIDECAR_FORMAT",
    "RecoveryFiles",
    "RecoveryRecord",
    "orphaned_records",
    "process_identity",
    "writer_running",
]
