"""Arrays in and out: a signal, a grid or a stack of features from .npy, .csv or .tsv; and any of
a session's arrays (input, weight, bias, output) written as .npy or .csv.

A .npy file is read with ``allow_pickle=False`` (a pickle could run code) and its header is read
first, so an array over the limits is refused before it is loaded. A text file holds one row per
line (commas in .csv, tabs in .tsv): one line is a 1D signal, several lines a 2D grid. Arrays of
more than two axes are written to .csv as rows of their last axis under a ``# shape (...)`` line,
which this reader honours, so every array round-trips exactly (values as repr of float64).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from convstudio.engine.errors import ConvError
from convstudio.engine.params import ConvParams
from convstudio.session import limits
from convstudio.session.atomic import write_atomically
from convstudio.session.model import check_finite
from convstudio.transfer.errors import TransferError

ARRAY_SUFFIXES = (".npy", ".csv", ".tsv")
WRITE_SUFFIXES = (".npy", ".csv")
#: The most bytes a text array file may hold: the text of the limit's values.
MAX_TEXT_BYTES = limits.MAX_VALUES * 32
_SHAPE_LINE = re.compile(r"^#\s*shape\s*\(([\d,\s]*)\)\s*$")


def is_array_path(path: str | os.PathLike[str]) -> bool:
    return os.fspath(path).lower().endswith(ARRAY_SUFFIXES)


def _checked(where: str, shape: Sequence[int]) -> None:
    try:
        limits.check_values(where, shape)
    except ConvError as error:
        raise TransferError(str(error)) from None


def _read_npy(path: Path, where: str) -> np.ndarray:
    with open(path, "rb") as file:
        try:
            version = np.lib.format.read_magic(file)
            if version == (1, 0):
                shape, _fortran, dtype = np.lib.format.read_array_header_1_0(file)
            else:
                shape, _fortran, dtype = np.lib.format.read_array_header_2_0(file)
        except (ValueError, OSError) as error:
            raise TransferError(f"{where}: not a .npy array file ({error})") from None
        if dtype.kind not in "biuf":
            raise TransferError(f"{where}: holds values of type {dtype}, not real numbers")
        _checked(where, shape)
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise TransferError(f"{where}: cannot read the array: {error}") from None
    return np.asarray(array, dtype=np.float64)


def _read_text(path: Path, where: str, delimiter: str) -> np.ndarray:
    size = path.stat().st_size
    if size > MAX_TEXT_BYTES:
        raise TransferError(f"{where}: {size:,} bytes, over the limit of {MAX_TEXT_BYTES:,}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise TransferError(f"{where}: not UTF-8 text (byte {error.start})") from None
    shape: tuple[int, ...] | None = None
    rows: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        match = _SHAPE_LINE.match(stripped)
        if match:
            shape = tuple(int(n) for n in match.group(1).replace(" ", "").split(",") if n)
        elif stripped and not stripped.startswith("#"):
            rows.append(stripped)
    if not rows:
        raise TransferError(f"{where}: holds no numbers")
    widths = {len(row.split(delimiter)) for row in rows}
    if len(widths) > 1:
        for number, row in enumerate(rows):
            if len(row.split(delimiter)) != len(rows[0].split(delimiter)):
                raise TransferError(
                    f"{where}: row {number} has {len(row.split(delimiter))} values but row 0 has "
                    f"{len(rows[0].split(delimiter))}: every row needs as many"
                )
    try:
        array = np.loadtxt(io.StringIO("\n".join(rows)), delimiter=delimiter, ndmin=2)
    except ValueError as error:
        raise TransferError(f"{where}: {error}") from None
    if shape is not None:
        if int(np.prod(shape)) != array.size:
            raise TransferError(
                f"{where}: the '# shape {shape}' line does not match its {array.size} values"
            )
        _checked(where, shape)
        return array.reshape(shape)
    return array[0] if array.shape[0] == 1 else array


def read_array(path: str | os.PathLike[str]) -> np.ndarray:
    """A float64 array from a .npy, .csv or .tsv file; finite values only.

    Raises ``TransferError`` (or the session's ``SessionError`` for a non-finite value) naming the
    file and the problem.
    """
    where_path = Path(os.fspath(path))
    where = str(where_path)
    suffix = where_path.suffix.lower()
    if suffix not in ARRAY_SUFFIXES:
        raise TransferError(f"{where}: an array file is .npy, .csv or .tsv")
    if where_path.is_dir():
        raise TransferError(f"{where}: is a folder, not an array file")
    try:
        if suffix == ".npy":
            array = _read_npy(where_path, where)
        else:
            array = _read_text(where_path, where, "," if suffix == ".csv" else "\t")
    except FileNotFoundError:
        raise TransferError(f"{where}: no such file") from None
    except PermissionError:
        raise TransferError(f"{where}: permission denied, cannot read it") from None
    except OSError as error:
        raise TransferError(f"{where}: cannot read it: {error.strerror or error}") from None
    check_finite(where_path.name, array)
    return np.ascontiguousarray(array)


def as_input(array: np.ndarray, params: ConvParams, where: str = "the array") -> np.ndarray:
    """``array`` as the layer's input ``(in_features, *spatial)``.

    A 1D signal (L,) or a 2D grid (H, W) is the one feature of a layer with one input feature;
    (C, L) or (C, H, W) must have the layer's C. Anything else is refused, naming both shapes.
    """
    ndim = params.ndim
    shape = tuple(array.shape)
    expected = "(L,) or (C, L)" if ndim == 1 else "(H, W) or (C, H, W)"
    if array.ndim == ndim:
        if params.in_features != 1:
            raise TransferError(
                f"{where}: shape {shape} is one feature, but the layer takes "
                f"{params.in_features} input features: give ({params.in_features}, "
                f"{'L' if ndim == 1 else 'H, W'})"
            )
        return array[None]
    if array.ndim == ndim + 1:
        if shape[0] != params.in_features:
            raise TransferError(
                f"{where}: shape {shape} has {shape[0]} features, but the layer takes "
                f"{params.in_features}"
            )
        return array
    raise TransferError(f"{where}: shape {shape} does not fit a {ndim}D layer: expected {expected}")


def array_bytes(array: np.ndarray, suffix: str) -> bytes:
    """The bytes of ``array`` written as .npy or .csv (exact: repr of every float64)."""
    values = np.asarray(array, dtype=np.float64)
    if suffix == ".npy":
        buffer = io.BytesIO()
        np.save(buffer, values, allow_pickle=False)
        return buffer.getvalue()
    if suffix == ".csv":
        lines = []
        if values.ndim > 2:
            lines.append(f"# shape ({', '.join(str(n) for n in values.shape)})")
        rows = values.reshape(1, -1) if values.ndim <= 1 else values.reshape(-1, values.shape[-1])
        lines.extend(",".join(map(repr, row.tolist())) for row in rows)
        return ("\n".join(lines) + "\n").encode("utf-8")
    raise TransferError(f"an array is written as .npy or .csv, not {suffix or 'no suffix'}")


def write_array(array: np.ndarray, path: str | os.PathLike[str]) -> None:
    """Write ``array`` to ``path`` (.npy or .csv by its suffix), atomically."""
    suffix = Path(os.fspath(path)).suffix.lower()
    write_atomically(path, array_bytes(array, suffix))


__all__ = [
    "ARRAY_SUFFIXES",
    "array_bytes",
    "as_input",
    "is_array_path",
    "read_array",
    "write_array",
]
