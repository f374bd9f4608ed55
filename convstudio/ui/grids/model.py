"""The numbers a grid shows: a padded numpy array and which of its cells are real input cells.

One object shared by both views of a grid (the table and the colour map), so a new set of values
is stored once. It is a Qt table model for the numbers view; it never changes its own values on an
edit (the window's undo stack does, through ``GridView.set_values``), so ``setData`` is not offered.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from convstudio.ui.grids.numbers import format_compact, format_exact

Index = QModelIndex | QPersistentModelIndex

#: Data role: the cell's float value.
VALUE_ROLE = Qt.ItemDataRole.UserRole
#: Data role: True for a padding (ghost) cell.
GHOST_ROLE = Qt.ItemDataRole.UserRole + 1

Padding = tuple[tuple[int, int], tuple[int, int]]
#: Above this many padded cells a new set of values updates the whole view at once.
WHOLE_UPDATE_CELLS = 64 * 64

_NO_FLAGS = Qt.ItemFlag.NoItemFlags
_CELL_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_EDITABLE_FLAGS = _CELL_FLAGS | Qt.ItemFlag.ItemIsEditable


def normalise_padding(padding: object) -> Padding:
    """``((top, bottom), (left, right))`` as non-negative ints; refuses anything else."""
    try:
        (top, bottom), (left, right) = padding  # type: ignore[misc]
        out = ((int(top), int(bottom)), (int(left), int(right)))
    except (TypeError, ValueError):
        raise ValueError(
            f"padding must be ((top, bottom), (left, right)), got {padding!r}"
        ) from None
    if min(out[0] + out[1]) < 0:
        raise ValueError(f"padding amounts must not be negative, got {padding!r}")
    return out


class GridModel(QAbstractTableModel):
    """A 2D padded float array as a table; the real cells are a rectangle inside it."""

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)
        self.padded = np.zeros((0, 0), dtype=np.float64)
        self.padding: Padding = ((0, 0), (0, 0))
        self.real_shape: tuple[int, int] = (0, 0)
        self.editable = True
        #: True while the values are a placeholder (an output not computed yet): blank cells.
        self.pending = False
        self._texts: dict[tuple[int, int], str] = {}
        #: Says where a padding cell's value came from (padded row, col -> "reflect of in 0
        #: [0, 2]"); None: the tooltip only says "padding".
        self.ghost_tip: Callable[[int, int], str] | None = None

    # -- the data ------------------------------------------------------------------------------

    def set_arrays(self, values: np.ndarray, padding: Padding, ghost: np.ndarray | None) -> bool:
        """Store new values; True when the padded shape changed (the views must lay out again)."""
        (top, bottom), (left, right) = padding
        rows, cols = values.shape
        shape = (rows + top + bottom, cols + left + right)
        if ghost is None:
            padded = np.zeros(shape, dtype=np.float64)
        else:
            ghost = np.asarray(ghost, dtype=np.float64)
            if ghost.shape != shape:
                raise ValueError(
                    f"ghost has shape {ghost.shape}, the padded grid is {shape} "
                    f"(values {values.shape} with padding {padding})"
                )
            padded = ghost.copy()
        padded[top : top + rows, left : left + cols] = values
        reshaped = shape != self.padded.shape
        if reshaped:
            self.beginResetModel()
            self.padded, self.padding, self.real_shape = padded, padding, (rows, cols)
            self._texts.clear()
            self.endResetModel()
            return True
        moved = padding != self.padding
        if padded.size > WHOLE_UPDATE_CELLS:
            # A big grid: telling the view "all of it" costs nothing (it repaints what is on
            # screen); finding the changed block would scan a million cells on the GUI thread.
            moved = True
            changed = (np.empty(0, np.int64), np.empty(0, np.int64))
        else:
            changed = np.nonzero(padded != self.padded)  # NaN != NaN: shown again, harmless
        self.padded, self.padding, self.real_shape = padded, padding, (rows, cols)
        self._texts.clear()
        if moved and shape[0] and shape[1]:
            self.dataChanged.emit(self.index(0, 0), self.index(shape[0] - 1, shape[1] - 1))
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, shape[1] - 1)
            self.headerDataChanged.emit(Qt.Orientation.Vertical, 0, shape[0] - 1)
        elif changed[0].size:
            # Only the block of cells whose values changed is repainted (an edit changes a few).
            self.dataChanged.emit(
                self.index(int(changed[0].min()), int(changed[1].min())),
                self.index(int(changed[0].max()), int(changed[1].max())),
            )
        return False

    def set_editable(self, editable: bool) -> None:
        self.editable = editable
        rows, cols = self.padded.shape
        if rows and cols:
            self.dataChanged.emit(self.index(0, 0), self.index(rows - 1, cols - 1))

    @property
    def real_rect(self) -> tuple[int, int, int, int]:
        """(top, left, rows, cols) of the real cells inside the padded grid."""
        return self.padding[0][0], self.padding[1][0], self.real_shape[0], self.real_shape[1]

    def is_real(self, row: int, col: int) -> bool:
        (top, _), (left, _) = self.padding
        rows, cols = self.real_shape
        return top <= row < top + rows and left <= col < left + cols

    def real_values(self) -> np.ndarray:
        top, left, rows, cols = self.real_rect
        return self.padded[top : top + rows, left : left + cols]

    def text(self, row: int, col: int) -> str:
        """The compact text of a cell, cached until the values change ("" for a cell still
        awaiting its value: NaN while pending)."""
        if self.pending and np.isnan(self.padded[row, col]):
            return ""
        key = (row, col)
        text = self._texts.get(key)
        if text is None:
            text = self._texts[key] = format_compact(self.padded[row, col])
        return text

    # -- QAbstractTableModel -------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else self.padded.shape[0]

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.padded.shape[1]

    def flags(self, index: Index) -> Qt.ItemFlag:
        # Called for every painted cell: no enum arithmetic here, only prebuilt values.
        if not index.isValid():
            return _NO_FLAGS
        if self.editable and self.is_real(index.row(), index.column()):
            return _EDITABLE_FLAGS
        return _CELL_FLAGS

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(row, col)
        if role == Qt.ItemDataRole.EditRole:
            return format_exact(self.padded[row, col])
        if role == VALUE_ROLE:
            return float(self.padded[row, col])
        if role == GHOST_ROLE:
            return not self.is_real(row, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            value = format_exact(self.padded[row, col])
            if self.is_real(row, col):
                top, left = self.padding[0][0], self.padding[1][0]
                return f"[{row - top}, {col - left}] = {value}"
            origin = self.ghost_tip(row, col) if self.ghost_tip is not None else ""
            return f"{origin or 'padding'} = {value}"
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        """0-based indices of real cells; padding rows and columns have no index."""
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            offset, count = self.padding[1][0], self.real_shape[1]
        else:
            offset, count = self.padding[0][0], self.real_shape[0]
        index = section - offset
        return str(index) if 0 <= index < count else ""
