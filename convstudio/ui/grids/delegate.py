"""How one cell of the numbers view is painted and edited.

Painting reads the model's numpy array directly (one Python call per visible cell, no round trip
through a dozen data roles), draws a subtle diverging tint, draws padding cells hatched and in grey
italics, and shrinks the text (or its digits) until it fits, so a number is never cut off.
Editing hands the typed text to the grid (``commit_text``) instead of writing it into the model:
the grid validates it and the window's undo stack decides what the cell holds.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, QRect, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from convstudio.ui.grids.model import GridModel
from convstudio.ui.grids.textfit import TextFitter
from convstudio.ui.style.palette import role_color, tint_colors

Index = QModelIndex | QPersistentModelIndex

_TINT_STEPS = 64
_SELECTED = QStyle.StateFlag.State_Selected.value
_HAS_FOCUS = QStyle.StateFlag.State_HasFocus.value


class CellDelegate(QStyledItemDelegate):
    """Paints values on a diverging tint and padding cells as padding; forwards typed text."""

    commit_text = Signal(int, int, str)  # padded row, col and the text the user committed

    def __init__(self, model: GridModel, parent: QWidget) -> None:
        super().__init__(parent)
        self._model = model
        self._limit = 1.0
        self.set_look("light", parent.font(), parent.palette())

    # -- appearance ----------------------------------------------------------------------------

    def set_look(self, theme: str, font: QFont, palette: QPalette) -> None:
        """Colours for ``theme`` and the cell font (the fit cache depends on both)."""
        self._theme = theme
        self._tints = tint_colors(theme, _TINT_STEPS)
        self._text = palette.color(QPalette.ColorRole.Text)
        padding = role_color("padding", theme)
        self._ghost_text = padding.darker(135) if theme == "light" else padding.lighter(135)
        self._ghost_bg = palette.color(QPalette.ColorRole.Window)
        hatch = QColor(padding)
        hatch.setAlpha(120)
        self._hatch = QBrush(hatch, Qt.BrushStyle.BDiagPattern)
        # Infinity and NaN: an overflowed value, cross-hatched so it never reads as a big number.
        self._nonfinite_bg = palette.color(QPalette.ColorRole.Base)
        self._nonfinite = QBrush(role_color("nonfinite", theme), Qt.BrushStyle.DiagCrossPattern)
        self._selected = QColor(palette.color(QPalette.ColorRole.Highlight))
        self._selected.setAlpha(80)
        self._current = QColor(palette.color(QPalette.ColorRole.Highlight))
        self._font = QFont(font)
        self._fitter = TextFitter(font)
        self._italic_fitter = TextFitter(font, italic=True)

    def set_limit(self, limit: float) -> None:
        """The value at which the tint reaches full strength."""
        self._limit = limit if limit > 0 and math.isfinite(limit) else 1.0

    # -- painting ------------------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        model = self._model
        row, col = index.row(), index.column()
        rect: QRect = option.rect
        value = float(model.padded[row, col])
        ghost = not model.is_real(row, col)
        if ghost:
            painter.fillRect(rect, self._ghost_bg)
            painter.fillRect(rect, self._hatch)
        elif math.isfinite(value):
            t = max(-1.0, min(1.0, value / self._limit))
            painter.fillRect(rect, self._tints[round(t * _TINT_STEPS) + _TINT_STEPS])
        elif not model.pending:
            # A hatched frame around a plain middle, so "∞" or "NaN" stays readable on it.
            painter.fillRect(rect, self._nonfinite_bg)
            painter.fillRect(rect, self._nonfinite)
            inset = max(3, rect.height() // 6)
            painter.fillRect(rect.adjusted(inset, inset, -inset, -inset), self._nonfinite_bg)
        state = option.state.value  # plain int: enum arithmetic per cell is slow
        if state & _SELECTED:
            painter.fillRect(rect, self._selected)
        fitter = self._italic_fitter if ghost else self._fitter
        font, text = fitter.fit(model.text(row, col), value, rect.width() - 4)
        painter.setFont(font)
        painter.setPen(self._ghost_text if ghost else self._text)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        if state & _HAS_FOCUS:
            painter.setPen(QPen(self._current, 1, Qt.PenStyle.DotLine))
            painter.drawRect(rect.adjusted(0, 0, -1, -1))

    # -- editing -------------------------------------------------------------------------------

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        editor = QLineEdit(parent)
        editor.setFrame(False)
        editor.setAlignment(Qt.AlignmentFlag.AlignCenter)
        editor.setFont(self._font)
        editor.setAccessibleName("cell value")
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        if isinstance(editor, QLineEdit):
            editor.setText(str(index.data(Qt.ItemDataRole.EditRole)))
            editor.selectAll()

    def updateEditorGeometry(self, editor: QWidget, option: QStyleOptionViewItem, index: Index):
        # Exactly the cell: a wider editor covers the neighbours the user is reading.
        editor.setGeometry(option.rect)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        """Hand the text to the grid; the model itself is never written by an edit."""
        if isinstance(editor, QLineEdit):
            self.commit_text.emit(index.row(), index.column(), editor.text())
