"""What an export target is, from its name, and the exports that need no pictures.

The format comes from the target's suffix: ``.png``, ``.svg`` and ``.gif`` are pictures (drawn
by ``convstudio.ui.export``, which needs Qt), a name without a suffix (or an existing folder) is
a folder of numbered PNG frames, ``.npy``/``.csv`` an array and ``.py`` a script. Arrays and
scripts are written here, atomically, without Qt, so ``convstudio export s.convstudio out.npy``
stays fast and runs where no display is.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from convstudio.session.atomic import write_atomically
from convstudio.session.model import Session
from convstudio.transfer.arrays import array_bytes
from convstudio.transfer.code import LANGUAGES, script
from convstudio.transfer.errors import TransferError

PICTURES = {".png": "png", ".svg": "svg", ".gif": "gif"}
DATA = {".npy": "array", ".csv": "array", ".py": "code"}
#: What ``--what`` can write as an array.
WHATS = ("input", "weight", "bias", "output")


def export_kind(path: str | os.PathLike[str]) -> str:
    """ "png", "svg", "gif", "frames", "array" or "code" for the target ``path``."""
    where = Path(os.fspath(path))
    suffix = where.suffix.lower()
    if where.is_dir() or (not suffix and not os.fspath(path).endswith(".")):
        return "frames"
    if suffix in PICTURES:
        return PICTURES[suffix]
    if suffix in DATA:
        return DATA[suffix]
    known = ", ".join([*PICTURES, *DATA, "a folder (PNG frames)"])
    raise TransferError(f"{where}: cannot tell what to write from {suffix!r}; use {known}")


def session_array(session: Session, what: str = "output") -> np.ndarray:
    """The session's ``input``, ``weight``, ``bias`` or computed ``output``."""
    if what not in WHATS:
        raise TransferError(f"--what {what!r} is not one of {', '.join(WHATS)}")
    if what == "output":
        session.validate()
        return session.compute_output()
    return session.array(what)


def export_data(
    session: Session,
    path: str | os.PathLike[str],
    *,
    what: str = "output",
    code: str = "numpy",
) -> str:
    """Write an array (.npy, .csv) or a script (.py) for ``session`` to ``path``; returns the kind.

    Nothing is written when anything is wrong (the write is atomic).
    """
    kind = export_kind(path)
    suffix = Path(os.fspath(path)).suffix.lower()
    if kind == "array":
        data = array_bytes(session_array(session, what), suffix)
    elif kind == "code":
        if code not in LANGUAGES:
            raise TransferError(f"--code {code!r} is not one of {', '.join(LANGUAGES)}")
        data = script(session, code).encode("utf-8")
    else:
        raise TransferError(f"{os.fspath(path)}: a {kind} export needs the window's renderer")
    write_atomically(path, data)
    return kind


__all__ = ["WHATS", "export_data", "export_kind", "session_array"]
