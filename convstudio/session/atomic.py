"""Atomic writes: a file is either its old self or completely the new one, never half written.

The bytes go to a temporary file beside the target, are flushed and fsynced, and the temporary
file is renamed over the target with ``os.replace``; the folder is fsynced so the rename itself
lasts. Session files (``fileformat.save``) and every export (pictures, arrays, scripts, frame
folders) are written this way, so a failure (disk full, permission, a folder in the way) leaves
whatever was there before untouched and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from convstudio.session.errors import SessionError


def _umask() -> int:
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (best effort: not every system can open a folder)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see the module docstring).

    A symbolic link is followed, so the file it points to is replaced; an existing file keeps its
    permissions. Raises ``SessionError`` ("cannot save PATH: ...", ``.path`` set) on any failure.
    """
    where = Path(os.fspath(path))
    if where.is_symlink():
        where = Path(os.path.realpath(where))
    if where.is_dir():
        raise SessionError(f"cannot save {where}: it is a folder", path=where)
    temporary: str | None = None
    try:
        try:
            mode = stat.S_IMODE(os.stat(where).st_mode)
        except (FileNotFoundError, NotADirectoryError):
            mode = 0o666 & ~_umask()
        fd, temporary = tempfile.mkstemp(prefix=f".{where.name}.", suffix=".tmp", dir=where.parent)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, where)
        temporary = None
        fsync_folder(where.parent)
    except OSError as error:
        raise SessionError(f"cannot save {where}: {error.strerror or error}", path=where) from error
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


class AtomicFolder:
    """A folder written whole: files go into a temporary folder beside ``path``, which
    ``commit()`` renames to ``path``; ``discard()`` (or a failure) removes it, leaving nothing.

    ``path`` must not exist, or be an empty folder (it is then replaced). Long exports (one PNG
    per frame, written while a progress dialog runs) fill ``temporary`` one file at a time.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        where = Path(os.fspath(path))
        if where.exists() and (not where.is_dir() or any(where.iterdir())):
            what = "a file" if not where.is_dir() else "a folder that is not empty"
            raise SessionError(f"cannot save {where}: it is {what}", path=where)
        self.path = where
        try:
            self.temporary: Path | None = Path(
                tempfile.mkdtemp(prefix=f".{where.name}.", dir=where.parent)
            )
        except OSError as error:
            raise SessionError(
                f"cannot save {where}: {error.strerror or error}", path=where
            ) from error

    def commit(self) -> None:
        """Put the finished folder in place (raises ``SessionError``; nothing is left then)."""
        if self.temporary is None:
            raise SessionError(f"cannot save {self.path}: already finished", path=self.path)
        try:
            os.chmod(self.temporary, 0o777 & ~_umask())
            os.replace(self.temporary, self.path)
            self.temporary = None
            fsync_folder(self.path.parent)
        except OSError as error:
            self.discard()
            raise SessionError(
                f"cannot save {self.path}: {error.strerror or error}", path=self.path
            ) from error

    def discard(self) -> None:
        """Remove the unfinished folder (a cancel, a failure); harmless after ``commit``."""
        if self.temporary is not None:
            shutil.rmtree(self.temporary, ignore_errors=True)
            self.temporary = None


def write_folder_atomically(path: str | os.PathLike[str], fill: Callable[[Path], None]) -> None:
    """Create the folder ``path`` whole with ``fill(temporary_folder)`` writing its files.

    If ``fill`` raises (a ``SessionError``, a cancel), nothing is left at ``path`` and the
    exception goes on.
    """
    folder = AtomicFolder(path)
    try:
        assert folder.temporary is not None
        fill(folder.temporary)
        folder.commit()
    finally:
        folder.discard()
