"""Highlight layers: named sets of lit cells that both grid views draw as overlays.

A highlight that moves as the user scrubs must never be per-cell model state (a full model update
per step is ten times too slow, see DESIGN.md), so a layer is just a few index arrays plus their
extent; the views draw it over the cells and repaint only the old and new extents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from convstudio.ui.style.palette import HIGHLIGHT_ROLES


@dataclass(frozen=True)
class HighlightLayer:
    """The lit cells of one layer, in padded coordinates, already clipped to the grid."""

    style: str
    rows: np.ndarray  # int64, one entry per lit cell
    cols: np.ndarray
    #: (top, left, bottom, right), inclusive, of the lit cells; None when no cell is lit.
    extent: tuple[int, int, int, int] | None

    @cached_property
    def has_gaps(self) -> bool:
        """True when the lit cells do not fill their extent (dilation's or a stride's gaps):
        a frame around the extent would then suggest that the gaps are lit too."""
        if self.extent is None:
            return False
        top, left, bottom, right = self.extent
        width = right - left + 1
        distinct = np.unique((self.rows - top) * width + (self.cols - left)).size
        return bool(distinct < (bottom - top + 1) * width)

    @property
    def z(self) -> int:
        """Stacking order: layers with a later role are drawn over earlier ones."""
        return HIGHLIGHT_ROLES.index(self.style)


def check_style(style: str) -> None:
    """Refuse a style that is not a highlight role (a programming error, not user input)."""
    if style not in HIGHLIGHT_ROLES:
        raise ValueError(
            f"unknown highlight style {style!r}: expected one of {', '.join(HIGHLIGHT_ROLES)}"
        )


def cells_to_arrays(cells: object) -> tuple[np.ndarray, np.ndarray]:
    """Read ``cells`` as (rows, cols) int arrays.

    Two forms: a pair of numpy arrays ``(rows_array, cols_array)`` (what ``np.nonzero`` returns),
    or an iterable of ``(row, col)`` pairs. A tuple of two tuples is read as pairs, never as
    arrays: only numpy arrays select the first form.
    """
    if (
        isinstance(cells, tuple)
        and len(cells) == 2
        and isinstance(cells[0], np.ndarray)
        and isinstance(cells[1], np.ndarray)
    ):
        rows = np.asarray(cells[0], dtype=np.int64).ravel()
        cols = np.asarray(cells[1], dtype=np.int64).ravel()
        if rows.shape != cols.shape:
            raise ValueError(
                f"highlight rows ({rows.size}) and cols ({cols.size}) differ in length"
            )
        return rows, cols
    if cells is None:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if not isinstance(cells, Iterable):
        raise TypeError("highlight cells must be (rows_array, cols_array) or (row, col) pairs")
    pairs = np.asarray(list(cells), dtype=np.int64)
    if pairs.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if pairs.ndim != 2 or pairs.shape[1] != 2:
        raise ValueError("highlight cells must be (row, col) pairs")
    return pairs[:, 0].copy(), pairs[:, 1].copy()


def make_layer(style: str, cells: object, shape: tuple[int, int]) -> HighlightLayer:
    """A layer of ``style`` over ``cells``, keeping only cells inside a grid of ``shape``."""
    check_style(style)
    rows, cols = cells_to_arrays(cells)
    inside = (rows >= 0) & (rows < shape[0]) & (cols >= 0) & (cols < shape[1])
    if not inside.all():
        rows, cols = rows[inside], cols[inside]
    if rows.size == 0:
        return HighlightLayer(style, rows, cols, None)
    extent = (int(rows.min()), int(cols.min()), int(rows.max()), int(cols.max()))
    return HighlightLayer(style, rows, cols, extent)


def row_runs(layer: HighlightLayer) -> list[tuple[int, int, int]]:
    """The lit cells as (row, first col, last col) runs: few rectangles for large solid layers."""
    if layer.rows.size == 0:
        return []
    order = np.lexsort((layer.cols, layer.rows))
    rows, cols = layer.rows[order], layer.cols[order]
    keep = np.ones(rows.size, dtype=bool)
    keep[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    rows, cols = rows[keep], cols[keep]
    breaks = np.nonzero((np.diff(rows) != 0) | (np.diff(cols) != 1))[0] + 1
    starts = np.concatenate(([0], breaks))
    ends = np.concatenate((breaks, [rows.size])) - 1
    return [(int(rows[s]), int(cols[s]), int(cols[e])) for s, e in zip(starts, ends)]


def stacked(layers: dict[str, HighlightLayer]) -> list[HighlightLayer]:
    """The non-empty layers in drawing order (role order, then name for a stable result)."""
    named = sorted(
        ((layer.z, name, layer) for name, layer in layers.items() if layer.extent is not None),
        key=lambda item: (item[0], item[1]),
    )
    return [layer for _, _, layer in named]
