"""How grid cells show numbers and read what the user types or pastes.

Kept apart from the widgets so the rules (what counts as a number, how a value is shortened to fit a
cell) are one small, testable place. Nothing here imports Qt.
"""

from __future__ import annotations

import math
import re

import numpy as np

#: The unicode minus sign, used when displaying negative numbers (it is as wide as "+" and reads
#: better than a hyphen at small sizes) and accepted when reading.
MINUS = "\u2212"
#: Characters read as a minus sign: the unicode minus, the small and the full-width hyphen-minus.
_MINUS_LIKE = str.maketrans({"\u2212": "-", "\ufe63": "-", "\uff0d": "-", "\uff0b": "+"})
# A plain decimal number: optional sign, digits with an optional point (or a point and digits),
# optional exponent. Deliberately stricter than float(): no "1_000", no "nan", no "infinity".
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+")
#: Integral values below this magnitude are shown as integers ("123456"), larger ones compactly.
_INTEGER_LIMIT = 1e6


class NumberError(ValueError):
    """Text that is not a finite number; the message names the text and says why."""


def format_compact(value: float, digits: int = 4, integers: bool = True) -> str:
    """The short form shown in a cell: integers as integers, else ``digits`` significant digits.

    ``integers=False`` shortens integers too ("123456" -> "1.2e5" with 2 digits), for cells too
    narrow for every digit.
    Exponents are shortened ("1.5e+07" -> "1.5e7") and negative numbers take the unicode minus, so
    that the text fits the small square cells of a grid.
    """
    v = float(value)
    if not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("\u221e" if v > 0 else MINUS + "\u221e")
    if v == 0.0:
        return "0"  # also -0.0: a signed zero only confuses
    if integers and v.is_integer() and abs(v) < _INTEGER_LIMIT:
        text = str(int(v))
    else:
        text = f"{v:.{max(1, digits)}g}"
        if "e" in text:
            mantissa, exponent = text.split("e")
            text = f"{mantissa}e{int(exponent)}"
    return text.replace("-", MINUS)


def format_exact(value: float) -> str:
    """The full-precision form (for editing, copying and messages): round-trips through parsing."""
    v = float(value)
    if v == 0.0:
        return "0"
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def parse_number(text: str) -> float:
    """Read one finite number from what the user typed.

    Accepts surrounding spaces, a leading "+", the unicode minus and exponents ("1e-3"). Refuses,
    with a :class:`NumberError` naming the text: anything that is not a plain decimal number,
    "nan"/"inf", values that overflow (like "1e999"), and a decimal comma ("1,5" is ambiguous with
    comma-separated numbers, so it is refused rather than guessed).
    """
    stripped = text.strip().translate(_MINUS_LIKE)
    if not stripped:
        raise NumberError("an empty entry is not a number")
    if not _NUMBER.fullmatch(stripped):
        if _DECIMAL_COMMA.fullmatch(stripped):
            raise NumberError(
                f"“{text.strip()}” is not a number (decimals take a point: "
                f"{stripped.replace(',', '.')})"
            )
        try:
            special = float(stripped)
        except ValueError:
            special = None
        if special is not None and not math.isfinite(special):
            raise NumberError(f"“{text.strip()}” is not a finite number")
        raise NumberError(f"“{text.strip()}” is not a number")
    value = float(stripped)
    if not math.isfinite(value):
        raise NumberError(f"“{text.strip()}” is too large to be a finite number")
    return value


def _split_line(line: str, separator: str | None) -> list[str]:
    if separator is None:
        return line.split()
    tokens = line.split(separator)
    if len(tokens) > 1 and not tokens[-1].strip():
        tokens.pop()  # a trailing separator, as some spreadsheets write
    return tokens


def parse_block(text: str) -> np.ndarray:
    """Read a rectangular block of numbers pasted from a spreadsheet or a text file.

    Rows are lines; the numbers in a row are separated by tabs, else semicolons, else commas, else
    whitespace (the first of these present in the text wins). One bad entry refuses the whole
    block: the :class:`NumberError` names the entry and its row and column (counted from 1, as in
    the pasted text). Returns a 2D float64 array.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise NumberError("the clipboard holds no numbers to paste")
    separator: str | None = None
    for candidate in ("\t", ";", ","):
        if candidate in text:
            separator = candidate
            break
    rows: list[list[float]] = []
    width = -1
    for r, line in enumerate(lines, start=1):
        tokens = _split_line(line, separator)
        if width < 0:
            width = len(tokens)
        elif len(tokens) != width:
            raise NumberError(
                f"row {r} of the pasted block has {len(tokens)} numbers, row 1 has {width}"
            )
        row: list[float] = []
        for c, token in enumerate(tokens, start=1):
            try:
                row.append(parse_number(token))
            except NumberError as error:
                raise NumberError(f"{error} (row {r}, column {c} of the pasted block)") from None
        rows.append(row)
    return np.array(rows, dtype=np.float64).reshape(len(rows), width)


def format_block(values: np.ndarray, present: np.ndarray | None = None) -> str:
    """Tab-separated rows of exact values, the way spreadsheets copy; absent cells stay empty."""
    lines = []
    for r in range(values.shape[0]):
        cells = []
        for c in range(values.shape[1]):
            cells.append(format_exact(values[r, c]) if present is None or present[r, c] else "")
        lines.append("\t".join(cells))
    return "\n".join(lines)
