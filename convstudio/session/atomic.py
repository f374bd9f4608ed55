"""Writing a file atomically: the one way ConvStudio replaces a file on disk.

Session files (File > Save) and the recovery files with their sidecars (autosave) all go through
``write_atomic``, so each of them is, at every moment, either the old file or the new one, never
a torn mix, even when the machine loses power in the middle of a write.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


def _umask() -> int:
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every system can open a folder)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data``: a temporary file beside it is written, flushed and fsynced,
    renamed over ``path`` with ``os.replace``, and the folder is fsynced so the rename lasts.

    An existing file keeps its permissions; a new one gets the default ones (``0o666`` less the
    umask). On any failure the ``OSError`` is raised, ``path`` is as it was and the temporary
    file is removed.
    """
    temporary: str | None = None
    try:
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except (FileNotFoundError, NotADirectoryError):
            mode = 0o666 & ~_umask()
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
        temporary = None
        _fsync_folder(path.parent)
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


__all__ = ["write_atomic"]
