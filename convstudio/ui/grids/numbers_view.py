"""The numbers view of a grid: a QTableView of fixed square cells with overlay highlights.

Highlights are painted over the cells in ``paintEvent`` from the shared layer dictionary, and a
change repaints only the old and new extents (DESIGN.md: per-cell highlight state was ten times too
slow). Keyboard editing follows a spreadsheet: type or F2/double-click to edit, Enter commits and
moves down, Tab moves right through the real cells, Escape cancels.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QTableView,
    QWidget,
)

from convstudio.ui.grids.delegate import CellDelegate
from convstudio.ui.grids.highlights import HighlightLayer, stacked
from convstudio.ui.grids.model import GridModel
from convstudio.ui.style.palette import highlight_fill, role_color, role_pen_style, theme_of

#: Key sequences the grid handles itself even when the window has actions on the same keys.
_GRID_KEYS = {
    QKeySequence.StandardKey.Copy: "copy",
    QKeySequence.StandardKey.Paste: "paste",
    QKeySequence.StandardKey.Delete: "delete",
}
#: Above this many cells along the longer side the grid uses its dense (smaller) cells.
DENSE_FROM = 13


def key_action_of(event: QKeyEvent) -> str | None:
    for sequence, action in _GRID_KEYS.items():
        if event.matches(sequence):
            return action
    return None


def claims_shortcut(event: QEvent) -> bool:
    """True for the ShortcutOverride of a key the grid handles itself (as QLineEdit claims
    Ctrl+C): the window's actions on the same keys must not take it."""
    return event.type() == QEvent.Type.ShortcutOverride and key_action_of(event) is not None


class NumbersView(QTableView):
    """Table of the padded grid; emits padded coordinates, never changes values itself."""

    commit_requested = Signal(int, int, str)  # padded row, col, text typed
    key_action = Signal(str)  # "copy", "paste" or "delete"
    cell_clicked = Signal(int, int)
    cell_hovered = Signal(int, int)

    def __init__(self, model: GridModel, layers: dict[str, HighlightLayer], parent=None) -> None:
        super().__init__(parent)
        self._grid = model
        self._layers = layers
        self._hovered = (-1, -1)
        #: The keys held during the last pointer move (Shift+hover: the reverse view).
        self.hover_modifiers = Qt.KeyboardModifier.NoModifier
        self._hold_cursor = False
        self._side = 40
        self._font_scale = 1.0
        self._styles: dict[tuple[str, str], tuple[QColor, QColor, QPen]] = {}
        self.setModel(model)
        self.delegate = CellDelegate(model, self)
        self.delegate.commit_text.connect(self.commit_requested)
        self.setItemDelegate(self.delegate)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        self.setMouseTracking(True)
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            header.setMinimumSectionSize(8)
            header.setHighlightSections(False)
            header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.clicked.connect(lambda index: self.cell_clicked.emit(index.row(), index.column()))
        self.refresh_look()
        self.relayout()

    # -- layout --------------------------------------------------------------------------------

    def refresh_look(self) -> None:
        """Take colours and fonts from the current palette (light or dark theme)."""
        self._theme = theme_of(self)
        self._frame_pen = QColor(self.palette().text().color())
        self._frame_pen.setAlpha(150)

    def cell_side(self) -> int:
        return self._side

    def set_font_scale(self, scale: float) -> None:
        """Numbers (and so cells) ``scale`` times their usual size, whatever font is inherited."""
        self._font_scale = scale
        self.relayout()

    def relayout(self) -> None:
        """Size the square cells for the grid's shape: smaller cells and text for dense grids."""
        rows, cols = self._grid.padded.shape
        base = QFont(self.font())
        dense = max(rows, cols) >= DENSE_FROM
        cell_font = QFont(base)
        cell_font.setPointSizeF(base.pointSizeF() * (0.82 if dense else 0.9) * self._font_scale)
        metrics = QFontMetrics(cell_font)
        # Room for "-0.00" (dense grids: "-0.0") at full size: lecture values are whole numbers
        # or one decimal; longer numbers lose digits, then shrink.
        sample = "\u22120.0" if dense else "\u22120.00"
        self._side = max(
            24 if dense else 32, metrics.horizontalAdvance(sample) + (8 if dense else 6)
        )
        self._side = max(self._side, metrics.height() + 8)
        self.delegate.set_look(self._theme, cell_font, self.palette())
        header_font = QFont(base)
        header_font.setPointSizeF(max(6.0, base.pointSizeF() * 0.7))
        header_metrics = QFontMetrics(header_font)
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setFont(header_font)
            header.setDefaultSectionSize(self._side)
        # The style draws a header's text inside a margin on each side: without room for both
        # the digits are clipped at the top.
        margin = self.style().pixelMetric(
            QStyle.PixelMetric.PM_HeaderMargin, None, self.horizontalHeader()
        )
        self.horizontalHeader().setFixedHeight(header_metrics.height() + 2 * margin)
        digits = len(str(max(1, max(rows, cols) - 1)))
        self.verticalHeader().setFixedWidth(header_metrics.horizontalAdvance("8" * digits) + 6)
        self.updateGeometry()

    def set_index_headers(self, visible: bool) -> None:
        self.horizontalHeader().setVisible(visible)
        self.verticalHeader().setVisible(visible)
        self.updateGeometry()

    def _extra(self) -> QSize:
        h = self.horizontalHeader()
        v = self.verticalHeader()
        frame = 2 * self.frameWidth()
        return QSize(
            frame + (v.width() if not v.isHidden() else 0),
            frame + (h.height() if not h.isHidden() else 0),
        )

    def sizeHint(self) -> QSize:
        """The whole grid, so a small grid can be laid out without scroll bars."""
        rows, cols = self._grid.padded.shape
        extra = self._extra()
        return QSize(extra.width() + cols * self._side, extra.height() + rows * self._side)

    def minimumSizeHint(self) -> QSize:
        rows, cols = self._grid.padded.shape
        extra = self._extra()
        side = self._side
        return QSize(extra.width() + min(cols, 3) * side, extra.height() + min(rows, 3) * side)

    # -- geometry ------------------------------------------------------------------------------

    def cell_viewport_rect(self, row: int, col: int) -> QRect:
        """Rect of a cell in viewport coordinates (without the gridline right of and below it)."""
        side = self._side
        return QRect(
            col * side - self.horizontalOffset(),
            row * side - self.verticalOffset(),
            side - 1,
            side - 1,
        )

    def _cells_rect(self, top: int, left: int, rows: int, cols: int) -> QRect:
        """Viewport rect of a block of cells, their right and bottom gridlines included."""
        side = self._side
        return QRect(
            left * side - self.horizontalOffset(),
            top * side - self.verticalOffset(),
            cols * side,
            rows * side,
        )

    def _extent_rect(self, layer: HighlightLayer) -> QRect:
        top, left, bottom, right = layer.extent  # type: ignore[misc]
        return self._cells_rect(top, left, bottom - top + 1, right - left + 1)

    def repaint_layer_change(self, old: HighlightLayer | None, new: HighlightLayer | None) -> None:
        """Schedule a repaint of only the cells an old and a new version of a layer cover.

        A layer draws strictly inside its extent's cells, so no neighbouring cell is repainted.
        """
        viewport = self.viewport()
        for layer in (old, new):
            if layer is not None and layer.extent is not None:
                viewport.update(self._extent_rect(layer))

    # -- painting ------------------------------------------------------------------------------

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        painter = QPainter(self.viewport())
        clip = event.rect()
        self._paint_real_frame(painter, clip)
        for layer in stacked(self._layers):
            self._paint_layer(painter, layer, clip)
        painter.end()

    @staticmethod
    def _outline(painter: QPainter, rect: QRect, color: QColor, clip: QRect) -> None:
        """A 1 px outline on the inner edge of ``rect``, only where it meets ``clip``.

        Four clipped fills: a pen outline of a large rect costs far more, even mostly clipped.
        """
        x, y, w, h = rect.x(), rect.y(), rect.width(), rect.height()
        for edge in (
            QRect(x, y, w, 1),
            QRect(x, y + h - 1, w, 1),
            QRect(x, y, 1, h),
            QRect(x + w - 1, y, 1, h),
        ):
            part = edge.intersected(clip)
            if not part.isEmpty():
                painter.fillRect(part, color)

    def _paint_real_frame(self, painter: QPainter, clip: QRect) -> None:
        """Outline the real cells (on the gridlines around them) when there is padding."""
        top, left, rows, cols = self._grid.real_rect
        if (rows, cols) == self._grid.padded.shape or not rows or not cols:
            return
        rect = self._cells_rect(top, left, rows, cols).adjusted(-1, -1, 0, 0)
        self._outline(painter, rect, self._frame_pen, clip)

    def _paint_layer(self, painter: QPainter, layer: HighlightLayer, clip: QRect) -> None:
        frame = self._extent_rect(layer)
        if not frame.intersects(clip):
            return
        side = self._side
        hoff, voff = self.horizontalOffset(), self.verticalOffset()
        r0 = max(0, (clip.top() + voff) // side)
        r1 = (clip.bottom() + voff) // side
        c0 = max(0, (clip.left() + hoff) // side)
        c1 = (clip.right() + hoff) // side
        rows, cols = layer.rows, layer.cols
        visible = (rows >= r0) & (rows <= r1) & (cols >= c0) & (cols <= c1)
        rects = [
            QRect(c * side - hoff, r * side - voff, side - 1, side - 1)
            for r, c in zip(rows[visible].tolist(), cols[visible].tolist())
        ]
        style = self._layer_style(layer.style)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(style[1])
        painter.drawRects(rects)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(style[2])
        painter.drawRects([r.adjusted(1, 1, -1, -1) for r in rects])
        if not layer.has_gaps:  # around dilation's gaps a frame would say they are read
            self._outline(painter, frame.adjusted(0, 0, -1, -1), style[0], clip)

    def _layer_style(self, role: str) -> tuple[QColor, QColor, QPen]:
        """(border colour, fill, 2 px border pen) of a role in the current theme, cached."""
        key = (role, self._theme)
        style = self._styles.get(key)
        if style is None:
            color = role_color(role, self._theme)
            pen = QPen(color, 2, role_pen_style(role), Qt.PenCapStyle.SquareCap)
            pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
            style = self._styles[key] = (color, highlight_fill(role, self._theme), pen)
        return style

    # -- keyboard and mouse --------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        if claims_shortcut(event):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        action = key_action_of(event)
        if action is not None and self.state() != QAbstractItemView.State.EditingState:
            self.key_action.emit(action)
            event.accept()
            return
        super().keyPressEvent(event)

    def hold_cursor(self) -> None:
        """The entry being committed was refused: Enter must not move on from its cell."""
        self._hold_cursor = True

    def keyboardSearch(self, search: str) -> None:
        """Typing on a cell that cannot be edited does nothing (Qt would jump to a match)."""

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        """Enter commits and moves down to the next real cell, like a spreadsheet (not after a
        refused entry, whether Enter or Tab ended it: the cursor stays on the cell to be
        corrected)."""
        held, self._hold_cursor = self._hold_cursor, False
        super().closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint if held else hint)
        if hint == QAbstractItemDelegate.EndEditHint.SubmitModelCache and not held:
            current = self.currentIndex()
            if current.isValid() and self._grid.is_real(current.row() + 1, current.column()):
                below = self.model().index(current.row() + 1, current.column())
                self.setCurrentIndex(below)

    def moveCursor(self, action: QAbstractItemView.CursorAction, modifiers) -> QModelIndex:
        """Tab and Shift+Tab walk the real cells in reading order and stop at the ends."""
        if action not in (
            QAbstractItemView.CursorAction.MoveNext,
            QAbstractItemView.CursorAction.MovePrevious,
        ):
            return super().moveCursor(action, modifiers)
        top, left, rows, cols = self._grid.real_rect
        current = self.currentIndex()
        if not rows or not cols:
            return QModelIndex()
        if not current.isValid() or not self._grid.is_real(current.row(), current.column()):
            return self.model().index(top, left)
        flat = (current.row() - top) * cols + (current.column() - left)
        flat += 1 if action == QAbstractItemView.CursorAction.MoveNext else -1
        if not 0 <= flat < rows * cols:
            return QModelIndex()
        return self.model().index(top + flat // cols, left + flat % cols)

    def mouseMoveEvent(self, event) -> None:
        self.hover_modifiers = event.modifiers()
        index = self.indexAt(event.position().toPoint())
        cell = (index.row(), index.column()) if index.isValid() else (-1, -1)
        if cell != self._hovered:
            self._hovered = cell
            self.cell_hovered.emit(*cell)
        super().mouseMoveEvent(event)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Leave and self._hovered != (-1, -1):
            self._hovered = (-1, -1)
            self.cell_hovered.emit(-1, -1)
        return super().viewportEvent(event)

    # -- selection -----------------------------------------------------------------------------

    def selected_rects(self) -> list[tuple[int, int, int, int]]:
        """The selection as (top, left, bottom, right) inclusive padded rectangles."""
        model = self.selectionModel()
        out = [(r.top(), r.left(), r.bottom(), r.right()) for r in model.selection()]
        if not out:
            current = self.currentIndex()
            if current.isValid():
                out = [(current.row(), current.column(), current.row(), current.column())]
        return out

    def anchor(self) -> tuple[int, int] | None:
        """Where a paste lands: the top-left of the selection holding the current cell."""
        current = self.currentIndex()
        if not current.isValid():
            return None
        for top, left, bottom, right in self.selected_rects():
            if top <= current.row() <= bottom and left <= current.column() <= right:
                return top, left
        return current.row(), current.column()
