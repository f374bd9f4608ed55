"""The `.convstudio` file: UTF-8 JSON as DESIGN.md's "Session file contract" lays it out.

Reading is defensive because files come from other people and other tools: every problem becomes
a ``SessionError`` naming the field and what is wrong, and sizes are checked before anything large
is built. The order is: file size (before reading it whole), the first bytes (a JSON object?),
UTF-8, then the top-level object field by field, with format, version and settings checked as soon
as they are read (so a large file with a bad header is refused before its arrays are parsed);
then migrations, field types, settings (through ``ConvParams``), the shapes the nested lists
declare against the limits, and only then are the arrays built and the session validated.

Writing is atomic: the text goes to a temporary file beside the target, is flushed and fsynced,
then renamed over the target, so a save that fails leaves the old file exactly as it was.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from convstudio.engine import is_whole_number
from convstudio.engine.errors import ConvError
from convstudio.engine.params import FIELD_NAMES, ConvParams
from convstudio.session import limits
from convstudio.session.atomic import write_atomically
from convstudio.session.errors import SessionError
from convstudio.session.model import (
    Cursor,
    Session,
    check_shapes,
    check_text,
    check_view,
    index_text,
    spatial_names,
)

__all__ = [
    "FORMAT",
    "MAX_FILE_BYTES",
    "MIGRATIONS",
    "VERSION",
    "SessionError",
    "dumps",
    "from_document",
    "load",
    "loads",
    "migrate",
    "save",
]

#: The session file's suffix (File > Save As appends it when missing; drops and lists look for it).
SUFFIX = ".convstudio"
FORMAT = "convstudio-session"
VERSION = 1

#: Upgrades a parsed file one version forward: ``MIGRATIONS[n]`` takes a version-n document (a
#: dict) and returns the same content laid out as version n+1 (the loader then sets "version").
#: They run before any validation, so a step may assume nothing beyond the old layout.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}

#: Text one value may take in a file: the longest float64 repr is 24 characters
#: ("-2.2250738585072014e-308"), plus a separator and a share of brackets and indentation.
BYTES_PER_VALUE = 32
#: The largest file read: ``limits.MAX_VALUES`` values' worth of text plus 16 MiB for everything
#: else (about 2.06 GB). A bigger file cannot hold a session within the limits, so it is refused
#: from its size alone, before it is read.
MAX_FILE_BYTES = limits.MAX_VALUES * BYTES_PER_VALUE + 16 * 2**20
#: Bytes read first to refuse a file that is not a JSON object (a picture, a binary) at once.
PEEK_BYTES = 4096

_REQUIRED = ("format", "version", "params", "input", "weight", "bias")
_OPTIONAL = ("title", "notes", "cursor", "view")
_JSON_SPACE = b" \t\r\n"
_BOM = b"\xef\xbb\xbf"


# -- describing bad values -----------------------------------------------------------------------
def _show(value: Any) -> str:
    """A value as the file spelled it, short enough for a message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        text = repr(value)
        return text if len(text) <= 30 else text[:27] + "..."
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 40 else text[:37] + '..."'
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _whole(where: str, value: Any) -> int:
    if not is_whole_number(value):
        raise SessionError(f"{where}: expected a whole number, got {_show(value)}")
    return int(value)


def _whole_list(where: str, value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(is_whole_number(v) for v in value):
        shown = _show(value) if not isinstance(value, list) else json.dumps(value)[:40]
        raise SessionError(f"{where}: expected a list of whole numbers, got {shown}")
    return tuple(value)


def _object(where: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SessionError(f"{where}: expected an object, got {_show(value)}")
    return value


def _text(where: str, value: Any) -> str:
    if not isinstance(value, str):
        raise SessionError(f"{where}: expected text, got {_show(value)}")
    check_text(where, value)
    return value


def _no_unknown(where: str, value: dict[str, Any], known: tuple[str, ...]) -> None:
    unknown = [key for key in value if key not in known]
    if unknown:
        prefix = f"{where}: " if where else ""
        raise SessionError(f"{prefix}unknown field {unknown[0]!r} (known: {', '.join(known)})")


def _pairs_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise SessionError(f"the field {key!r} appears twice in one object")
        result[key] = value
    return result


# -- reading ---------------------------------------------------------------------------------------
def _check_format(value: Any) -> None:
    if value != FORMAT:
        raise SessionError(
            f"format: {_show(value)} is not {FORMAT!r}; this is not a ConvStudio session file"
        )


def _check_version(version: Any) -> int:
    """A version this ConvStudio reads: the current one, or one the migrations start from."""
    if not is_whole_number(version):
        raise SessionError(f"version: expected a whole number, got {_show(version)}")
    if version > VERSION:
        raise SessionError(
            f"version: {version} is newer than this ConvStudio reads (up to {VERSION}); "
            "open the file with a newer ConvStudio"
        )
    oldest = VERSION
    while oldest - 1 in MIGRATIONS:
        oldest -= 1
    if version < oldest:
        raise SessionError(
            f"version: {version} is not a version ConvStudio knows "
            f"(it reads versions {oldest} to {VERSION})"
        )
    return int(version)


def migrate(doc: dict[str, Any]) -> dict[str, Any]:
    """Bring a parsed document up to ``VERSION`` through ``MIGRATIONS``, one version at a time."""
    if "version" not in doc:
        raise SessionError("version: missing")
    version = _check_version(doc["version"])
    while version < VERSION:
        step = MIGRATIONS[version]
        try:
            doc = step(dict(doc))
        except SessionError:
            raise
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as error:
            raise SessionError(
                f"version: cannot bring this version {version} file up to date "
                f"({type(error).__name__}: {error})"
            ) from None
        if not isinstance(doc, dict):
            raise SessionError(f"version: the migration from version {version} lost the document")
        version += 1
        doc["version"] = version
    return doc


def _params(value: Any) -> ConvParams:
    params = _object("params", value)
    for name in FIELD_NAMES:
        if name not in params:
            raise SessionError(f"params.{name}: missing")
    _no_unknown("params", params, FIELD_NAMES)
    padding = params["padding"]
    if not isinstance(padding, list) or not all(
        isinstance(p, list) and len(p) == 2 and all(is_whole_number(v) for v in p) for p in padding
    ):
        raise SessionError(
            "params.padding: expected one [before, after] pair of whole numbers per dimension, "
            f"got {json.dumps(padding)[:40] if isinstance(padding, list) else _show(padding)}"
        )
    mode = params["padding_mode"]
    if not isinstance(mode, str):
        raise SessionError(f"params.padding_mode: expected text, got {_show(mode)}")
    bias = params["bias"]
    if not isinstance(bias, bool):
        raise SessionError(f"params.bias: expected true or false, got {_show(bias)}")
    settings: dict[str, Any] = {
        name: _whole(f"params.{name}", params[name])
        for name in ("ndim", "in_features", "out_features", "groups")
    }
    settings |= {
        name: _whole_list(f"params.{name}", params[name])
        for name in ("kernel_size", "stride", "dilation")
    }
    try:
        layer = ConvParams(
            **settings,
            padding=tuple(tuple(p) for p in padding),
            padding_mode=mode,
            bias=bias,
        )
        limits.check_params(layer)
        return layer
    except ConvError as error:
        raise SessionError(f"params: {error}") from None


def _declared_shape(name: str, value: Any, depth: int, expected: str) -> tuple[int, ...]:
    """The shape the nested lists claim, read along their first entries (cheap, no copies).

    Raggedness is found later while the array is filled; this is what the limits are checked
    against before anything is allocated.
    """
    if not isinstance(value, list):
        raise SessionError(
            f"{name}: expected nested lists of numbers {expected}, got {_show(value)}"
        )
    shape: list[int] = []
    node: Any = value
    while isinstance(node, list):
        if len(shape) == depth:
            raise SessionError(f"{name}: nested deeper than {depth} levels, expected {expected}")
        shape.append(len(node))
        if not node:
            shape += [0] * (depth - len(shape))
            break
        node = node[0]
    return tuple(shape)


def _build(name: str, value: list[Any], shape: tuple[int, ...]) -> np.ndarray:
    """Fill a float64 array of ``shape`` from nested lists, refusing ragged lists and non-numbers.

    Recursion is bounded by the array's rank (at most 4), whatever the file holds.
    """
    array = np.empty(shape, dtype=np.float64)
    last = len(shape) - 1

    def fill(node: Any, index: tuple[int, ...], level: int) -> None:
        if not isinstance(node, list) or len(node) != shape[level]:
            got = f"{len(node)} entries" if isinstance(node, list) else _show(node)
            raise SessionError(
                f"{index_text(name, index)}: expected a list of {shape[level]} numbers"
                f"{'' if level == last else ' lists'}, got {got} (the lists must form a grid of "
                f"shape {shape})"
            )
        if level < last:
            for i, child in enumerate(node):
                fill(child, (*index, i), level + 1)
            return
        if not set(map(type, node)) <= {float, int}:
            for j, v in enumerate(node):
                if type(v) not in (float, int):
                    raise SessionError(
                        f"{index_text(name, (*index, j))}: expected a number, got {_show(v)}"
                    )
        try:
            array[index] = node
        except OverflowError:
            for j, v in enumerate(node):
                if isinstance(v, int) and abs(v) > 2**1023:
                    raise SessionError(
                        f"{index_text(name, (*index, j))}: a whole number of {len(str(abs(v)))} "
                        "digits is too large"
                    ) from None
            raise

    fill(value, (), 0)
    array.flags.writeable = False
    return array


def _cursor(value: Any, ndim: int) -> Cursor:
    cursor = _object("cursor", value)
    for name in ("out_feature", "position"):
        if name not in cursor:
            raise SessionError(f"cursor.{name}: missing")
    _no_unknown("cursor", cursor, ("out_feature", "position"))
    out_feature = _whole("cursor.out_feature", cursor["out_feature"])
    position = _whole_list("cursor.position", cursor["position"])
    if len(position) != ndim:
        raise SessionError(
            f"cursor.position: expected {ndim} whole number{'s' if ndim > 1 else ''} "
            f"for a {ndim}D layer, got {len(position)}"
        )
    return Cursor(out_feature, position)


def from_document(doc: Any) -> Session:
    """A validated ``Session`` from a parsed JSON document (what ``loads`` does after parsing).

    A cursor outside the output is moved to the nearest output cell rather than refused: it only
    says where the user was looking.
    """
    if not isinstance(doc, dict):
        raise SessionError(
            f"not a ConvStudio session: the file holds {_show(doc)} where an object is expected"
        )
    if "format" not in doc:
        raise SessionError("format: missing; this is not a ConvStudio session file")
    _check_format(doc["format"])
    doc = migrate(doc)
    for name in _REQUIRED:
        if name not in doc:
            raise SessionError(f"{name}: missing")
    _no_unknown("", doc, _REQUIRED + _OPTIONAL)
    params = _params(doc["params"])
    ndim = params.ndim
    shapes = {
        "input": _declared_shape(
            "input", doc["input"], ndim + 1, f"({params.in_features}, {spatial_names(ndim)})"
        ),
        "weight": _declared_shape("weight", doc["weight"], ndim + 2, str(params.weight_shape)),
        "bias": _declared_shape("bias", doc["bias"], 1, str(params.bias_shape)),
    }
    check_shapes(params, shapes["input"], shapes["weight"], shapes["bias"])
    title = _text("title", doc.get("title", ""))
    notes = _text("notes", doc.get("notes", ""))
    view = _object("view", doc.get("view", {}))
    check_view(view)
    cursor = _cursor(doc["cursor"], ndim) if "cursor" in doc else Cursor()
    arrays = {name: _build(name, doc[name], shape) for name, shape in shapes.items()}
    session = Session(
        params=params,
        input=arrays["input"],
        weight=arrays["weight"],
        bias=arrays["bias"],
        cursor=cursor,
        title=title,
        notes=notes,
        view=view,
    )
    return session.clamp_cursor().validate()


_SPACE = re.compile(r"[ \t\n\r]*")


def _check_early(key: str, doc: dict[str, Any]) -> None:
    """Checks that can run as soon as their field is read (format, version, params), so a large
    file with a wrong header or settings is refused before its arrays are parsed."""
    if key == "format":
        _check_format(doc["format"])
    elif key == "version" and "format" in doc:
        _check_version(doc["version"])
    elif key == "params" and "format" in doc and doc.get("version") == VERSION:
        _params(doc["params"])


def _skip_space(text: str, index: int) -> int:
    """The index of the first character at or after ``index`` that is not JSON white space."""
    match = _SPACE.match(text, index)
    return match.end() if match is not None else index


def _parse_object(text: str, index: int) -> dict[str, Any]:
    """The top-level JSON object, read one field at a time (``json`` parses each value)."""
    decoder = json.JSONDecoder(object_pairs_hook=_pairs_without_duplicates)
    doc: dict[str, Any] = {}
    index = _skip_space(text, index + 1)
    if text.startswith("}", index):
        index += 1
    else:
        while True:
            if not text.startswith('"', index):
                raise json.JSONDecodeError(
                    "Expecting property name enclosed in double quotes", text, index
                )
            key, index = decoder.raw_decode(text, index)  # a JSON string: the field's name
            index = _skip_space(text, index)
            if not text.startswith(":", index):
                raise json.JSONDecodeError("Expecting ':' delimiter", text, index)
            value, index = decoder.raw_decode(text, _skip_space(text, index + 1))
            if key in doc:
                raise SessionError(f"the field {key!r} appears twice in one object")
            doc[key] = value
            _check_early(key, doc)
            index = _skip_space(text, index)
            if text.startswith(",", index):
                index = _skip_space(text, index + 1)
            elif text.startswith("}", index):
                index += 1
                break
            else:
                raise json.JSONDecodeError("Expecting ',' delimiter", text, index)
    index = _skip_space(text, index)
    if index != len(text):
        raise json.JSONDecodeError("Extra data", text, index)
    return doc


def _parse(text: str) -> Any:
    start = _skip_space(text, 0)
    if start == len(text):
        raise SessionError("the file is empty")
    try:
        if text.startswith("{", start):
            return _parse_object(text, start)
        return json.loads(text, object_pairs_hook=_pairs_without_duplicates)
    except json.JSONDecodeError as error:
        raise SessionError(
            f"not JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
    except RecursionError:
        raise SessionError("not a ConvStudio session: the JSON nests too deeply") from None
    except SessionError:
        raise
    except ValueError as error:  # an integer of more than 4300 digits, say
        raise SessionError(f"not a ConvStudio session: {error}") from None


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SessionError(
            f"not UTF-8 text: the byte 0x{data[error.start]:02x} at offset {error.start} is not "
            "valid UTF-8"
        ) from None


def _too_big(size: int) -> SessionError:
    return SessionError(
        f"the file has {size:,} bytes, over the limit of {MAX_FILE_BYTES:,} bytes for a session "
        f"file (the text of {limits.MAX_VALUES:,} values)"
    )


def loads(text: str | bytes) -> Session:
    """A validated ``Session`` from the text (or UTF-8 bytes) of a session file."""
    try:
        if isinstance(text, (bytes, bytearray, memoryview)):
            data = bytes(text)
            if len(data) > MAX_FILE_BYTES:
                raise _too_big(len(data))
            text = _decode(data)
        elif not isinstance(text, str):
            raise SessionError(f"expected the text of a session file, got {type(text).__name__}")
        if len(text) > MAX_FILE_BYTES:
            raise _too_big(len(text))
        return from_document(_parse(text))
    except MemoryError:
        raise SessionError("the file is too large to read into this computer's memory") from None


def _check_head(head: bytes) -> None:
    """Refuse at once what cannot be a session file, from its first bytes."""
    stripped = head.removeprefix(_BOM).lstrip(_JSON_SPACE)
    if not stripped:
        if len(head) < PEEK_BYTES:
            raise SessionError("the file is empty")
        return
    if not stripped.startswith(b"{"):
        raise SessionError(
            "not a ConvStudio session: the file does not start with '{' as a JSON object does"
        )


def load(path: str | os.PathLike[str]) -> Session:
    """Read and validate a session file. Every problem raises ``SessionError`` (``.path`` set)."""
    where = Path(os.fspath(path))
    try:
        info = os.stat(where)
        if stat.S_ISDIR(info.st_mode):
            raise SessionError(f"{where}: is a folder, not a session file", path=where)
        if not stat.S_ISREG(info.st_mode):
            raise SessionError(f"{where}: is not a regular file", path=where)
        if info.st_size > MAX_FILE_BYTES:
            raise _too_big(info.st_size)
        with open(where, "rb") as file:
            _check_head(file.read(PEEK_BYTES))
            file.seek(0)
            data = file.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise _too_big(len(data))
        text = _decode(data)
        del data  # a large file: keep one copy of its text in memory, not two
        return from_document(_parse(text))
    except SessionError as error:
        message = str(error)
        if not message.startswith(str(where)):
            message = f"{where.name}: {message}"
        raise SessionError(message, path=where) from None
    except (FileNotFoundError, NotADirectoryError):
        raise SessionError(f"{where}: no such file", path=where) from None
    except PermissionError:
        raise SessionError(f"{where}: permission denied, cannot read it", path=where) from None
    except ValueError as error:  # a path with a NUL character, say
        raise SessionError(f"{where}: cannot read it: {error}", path=where) from None
    except OSError as error:
        raise SessionError(
            f"{where}: cannot read it: {error.strerror or error}", path=where
        ) from None
    except MemoryError:
        raise SessionError(
            f"{where}: too large to read into this computer's memory", path=where
        ) from None


# -- writing ---------------------------------------------------------------------------------------
def _grid(array: np.ndarray, level: int) -> str:
    """Nested JSON lists, one innermost row per line; floats as their exact repr."""
    if array.ndim == 1:
        return "[" + ", ".join(map(repr, array.tolist())) + "]"
    inner = "  " * (level + 1)
    rows = (",\n" + inner).join(_grid(sub, level + 1) for sub in array)
    return "[\n" + inner + rows + "\n" + "  " * level + "]"


def _params_document(params: ConvParams) -> dict[str, Any]:
    if params.transposed:  # version 1 holds forward layers only: refuse rather than drop the flag
        raise SessionError(
            "params: a transposed layer cannot be saved yet: the session file (version "
            f"{VERSION}) describes forward layers only"
        )
    return {
        "ndim": params.ndim,
        "in_features": params.in_features,
        "out_features": params.out_features,
        "kernel_size": list(params.kernel_size),
        "stride": list(params.stride),
        "padding": [list(p) for p in params.padding],
        "padding_mode": params.padding_mode,
        "dilation": list(params.dilation),
        "groups": params.groups,
        "bias": params.bias,
    }


def dumps(session: Session) -> str:
    """The text of a session file. Validates first, so nothing unreadable is ever written."""
    if not isinstance(session, Session):
        raise SessionError(f"expected a Session, got {type(session).__name__}")
    session.validate()

    def text(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)

    lines = [
        "{",
        f'  "format": {text(FORMAT)},',
        f'  "version": {VERSION},',
        f'  "title": {text(session.title)},',
        f'  "notes": {text(session.notes)},',
        f'  "params": {text(_params_document(session.params))},',
        f'  "input": {_grid(session.input, 1)},',
        f'  "weight": {_grid(session.weight, 1)},',
        f'  "bias": {_grid(session.bias, 1)},',
        '  "cursor": '
        + text(
            {"out_feature": session.cursor.out_feature, "position": list(session.cursor.position)}
        )
        + ",",
        f'  "view": {text(session.view)}',
        "}",
        "",
    ]
    return "\n".join(lines)


def with_suffix(path: str) -> str:
    """``path`` with ``SUFFIX`` appended unless it already ends with it (in any case)."""
    return path if path.lower().endswith(SUFFIX) else path + SUFFIX


def save(session: Session, path: str | os.PathLike[str]) -> None:
    """Write ``session`` to ``path`` atomically.

    The text is written to a temporary file in the same folder, flushed, fsynced and renamed over
    the target with ``os.replace``. On any failure (invalid session, disk full, file too large,
    permission, a folder in the way) a ``SessionError`` names the path, the old file is unchanged
    and the temporary file is removed. A symbolic link is followed, so the file it points to is
    replaced; an existing file keeps its permissions.
    """
    where = Path(os.fspath(path))
    try:
        data = dumps(session).encode("utf-8")
    except SessionError as error:
        raise SessionError(f"cannot save {where}: {error}", path=where) from None
    if len(data) > MAX_FILE_BYTES:
        raise SessionError(
            f"cannot save {where}: the session takes {len(data):,} bytes, over the limit of "
            f"{MAX_FILE_BYTES:,} bytes for a session file",
            path=where,
        )
    write_atomically(where, data)
