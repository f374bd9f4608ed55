"""GridView: the one grid widget used for every input, kernel, bias and output grid.

It shows a 2D array of real cells inside a border of padding ("ghost") cells, either as numbers in
a table (small grids) or as a colour map (large grids), with named highlight layers drawn over
either. It never changes its own values: an edit is validated here and announced
(``cell_edited``, ``block_pasted``), and the window's undo stack answers with ``set_values``.
Refused text is announced too (``edit_refused``), naming the text and the value the cell keeps.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QEvent, QRect, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QVBoxLayout, QWidget

from convstudio.ui.grids.cell_view import CellView
from convstudio.ui.grids.highlights import HighlightLayer, make_layer
from convstudio.ui.grids.model import GridModel, normalise_padding
from convstudio.ui.grids.numbers import (
    NumberError,
    format_block,
    format_exact,
    parse_block,
    parse_number,
)
from convstudio.ui.grids.numbers_view import NumbersView
from convstudio.ui.grids.refusal_tip import RefusalTip

MODES = ("auto", "numbers", "colours")
#: "auto" shows numbers while the padded grid is at most this many cells along each side.
AUTO_NUMBERS_MAX = 40


def own_limit(array: np.ndarray) -> float:
    """A grid's own colour range: its largest finite magnitude (1 when there is none).

    Reductions over the finite cells, not a copy of them: a million-cell grid took 40 ms.
    """
    if not array.size:
        return 1.0
    finite = np.isfinite(array)
    peak = max(
        float(np.max(array, where=finite, initial=0.0)),
        -float(np.min(array, where=finite, initial=0.0)),
    )
    return peak if peak > 0 else 1.0


class GridView(QWidget):
    """An editable grid of numbers with padding cells, highlight layers and two display modes."""

    cell_edited = Signal(int, int, float)  # real-cell row, col, the new finite value
    block_pasted = Signal(int, int, object)  # real-cell top-left row, col, 2D float64 array
    edit_refused = Signal(str)  # why an edit or paste was refused, and what was kept
    cell_clicked = Signal(int, int)  # padded row, col of a left click
    cell_hovered = Signal(int, int)  # padded row, col under the pointer; (-1, -1) on leaving

    def __init__(self, parent: QWidget | None = None, *, editable: bool = True, name: str = ""):
        super().__init__(parent)
        self._name = name
        self._model = GridModel(self)
        self._model.editable = editable
        self._layers: dict[str, HighlightLayer] = {}
        self._limit: float | None = None
        self._auto_limit: float | None = 1.0
        self._applied_limit = math.nan
        self._mode_setting = "auto"
        self._mode = "numbers"
        self._colours = None  # the colour-map view, built the first time it is needed
        self._colours_stale = True
        self._refusal: RefusalTip | None = None  # a refused entry's reason, made when needed
        if name:
            self.setAccessibleName(name)
            self.setObjectName(name)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._numbers = NumbersView(self._model, self._layers, self)
        self._connect(self._numbers)
        self._layout.addWidget(self._numbers)
        self.setFocusProxy(self._numbers)
        self.set_editable(editable)

    def _connect(self, view: CellView) -> None:
        view.commit_requested.connect(self._commit_text)
        view.key_action.connect(self._key_action)
        view.cell_clicked.connect(self.cell_clicked)
        view.cell_hovered.connect(self.cell_hovered)

    # -- values --------------------------------------------------------------------------------

    def set_values(
        self,
        values: np.ndarray,
        padding: object = ((0, 0), (0, 0)),
        ghost: np.ndarray | None = None,
    ) -> None:
        """Show ``values`` (2D real cells; 1D is one row) inside ``padding`` ghost cells.

        ``ghost`` has the padded shape; its border holds what the padding gives each ghost cell
        (its inside is ignored); None means zeros. The layout changes only with the padded shape.
        """
        array = np.asarray(values, dtype=np.float64)
        if array.ndim == 1:
            array = array.reshape(1, -1)
        if array.ndim != 2:
            raise ValueError(f"a grid shows 1D or 2D values, got shape {array.shape}")
        pads = normalise_padding(padding)
        shape = (array.shape[0] + sum(pads[0]), array.shape[1] + sum(pads[1]))
        if self._wanted_mode(shape) == "colours" and self._numbers.model() is not None:
            # The table is not shown for a colour map: detached, a million-cell model reset
            # costs it nothing (it laid out a thousand header sections on the GUI thread).
            self._numbers.setModel(None)
        reshaped = self._model.set_arrays(array, pads, ghost)
        self._auto_limit = None  # worked out when first needed: the stage sets its own range
        if reshaped:
            shape = self._model.padded.shape
            for name, layer in list(self._layers.items()):
                self._layers[name] = make_layer(layer.style, (layer.rows, layer.cols), shape)
            self._numbers.relayout()
        self._apply_limit()
        self._colours_stale = True
        if reshaped:
            self._update_mode()
        if self._mode == "colours":
            self._refresh_colours(reshaped)
        self.updateGeometry()

    def set_pending(self, pending: bool) -> None:
        """The values shown are a placeholder (an output the engine has not computed yet): the
        cells stay blank rather than marked as NaN, which means an overflow."""
        if pending == self._model.pending:
            return
        self._model.pending = pending
        self._numbers.viewport().update()
        if self._colours is not None:
            self._colours.text_item.update()

    def values(self) -> np.ndarray:
        """A copy of the real cells as shown now."""
        return self._model.real_values().copy()

    def padded_values(self) -> np.ndarray:
        """A copy of the whole padded grid as shown now (ghost cells included)."""
        return self._model.padded.copy()

    def real_rect(self) -> tuple[int, int, int, int]:
        """(top, left, rows, cols) of the real cells inside the padded grid."""
        return self._model.real_rect

    def is_editing(self) -> bool:
        """True while a cell editor is open (a click then belongs to the edit)."""
        if self._mode == "colours" and self._colours is not None:
            return self._colours.editor() is not None
        return self._numbers.state() == NumbersView.State.EditingState

    def hover_modifiers(self) -> Qt.KeyboardModifier:
        """The keys held while the pointer last moved over the cells (Shift+hover)."""
        return self.active_view().hover_modifiers

    def set_ghost_tips(self, tip: Callable[[int, int], str] | None) -> None:
        """Name where each padding cell's value came from in its tooltip: ``tip(row, col)``
        (padded coordinates) returns e.g. "reflect of in 0 [0, 2]" or "zero padding"."""
        self._model.ghost_tip = tip

    def ghost_tip(self, row: int, col: int) -> str:
        """The tooltip padded cell (row, col) shows (what the pointer over it reads)."""
        return str(self._model.data(self._model.index(row, col), Qt.ItemDataRole.ToolTipRole))

    def is_ghost(self, row: int, col: int) -> bool:
        """True when padded cell (row, col) is a padding cell."""
        return not self._model.is_real(row, col)

    def set_editable(self, editable: bool) -> None:
        """Allow or forbid editing (output grids are computed, never typed into)."""
        self._model.set_editable(editable)
        triggers = NumbersView.EditTrigger.NoEditTriggers
        if editable:
            triggers = (
                NumbersView.EditTrigger.DoubleClicked
                | NumbersView.EditTrigger.EditKeyPressed
                | NumbersView.EditTrigger.AnyKeyPressed
            )
        self._numbers.setEditTriggers(triggers)
        if self._colours is not None:
            self._colours.set_editable(editable)

    def is_editable(self) -> bool:
        return self._model.editable

    # -- colours -------------------------------------------------------------------------------

    def set_colour_range(self, limit: float) -> None:
        """Share a symmetric range [-limit, limit] for the tints and colour map.

        Until it is called, the grid uses its own largest absolute value. A limit that is zero,
        negative or not finite falls back to 1 (an all-zero grid has no range of its own).
        """
        limit = float(limit)
        self._limit = limit if math.isfinite(limit) and limit > 0 else 1.0
        self._apply_limit()

    def colour_range(self) -> float:
        """The limit in effect now."""
        if self._limit is not None:
            return self._limit
        if self._auto_limit is None:
            self._auto_limit = own_limit(self._model.real_values())
        return self._auto_limit

    def _apply_limit(self) -> None:
        """Use the current limit; every tint changes with it, so a new limit repaints all."""
        limit = self.colour_range()
        if limit != self._applied_limit:
            self._applied_limit = limit
            self._numbers.delegate.set_limit(limit)
            self._numbers.viewport().update()
        if self._colours is not None:
            self._colours.set_limit(limit)

    # -- display mode --------------------------------------------------------------------------

    def set_display_mode(self, mode: str) -> None:
        """ "auto" (numbers up to 40x40 padded cells, else colours), "numbers" or "colours"."""
        if mode not in MODES:
            raise ValueError(f"unknown display mode {mode!r}: expected one of {', '.join(MODES)}")
        self._mode_setting = mode
        self._update_mode()

    def display_mode(self) -> str:
        """The mode in effect now: "numbers" or "colours"."""
        return self._mode

    def _wanted_mode(self, shape: tuple[int, int] | None = None) -> str:
        if self._mode_setting != "auto":
            return self._mode_setting
        rows, cols = self._model.padded.shape if shape is None else shape
        return "numbers" if rows <= AUTO_NUMBERS_MAX and cols <= AUTO_NUMBERS_MAX else "colours"

    def _update_mode(self) -> None:
        wanted = self._wanted_mode()
        if wanted == self._mode:
            return
        had_focus = self.focusWidget() is not None and self.isAncestorOf(self.focusWidget())
        self._mode = wanted
        if wanted == "colours":
            colours = self._ensure_colours()
            self._refresh_colours(True)
            self._numbers.hide()
            colours.show()
            self.setFocusProxy(colours)
        else:
            if self._colours is not None:
                self._colours.close_editor(commit=False)
                self._colours.hide()
            if self._numbers.model() is None:
                self._numbers.setModel(self._model)
            self._numbers.show()
            self._numbers.viewport().update()
            self.setFocusProxy(self._numbers)
        if had_focus:
            self.setFocus()
        self.updateGeometry()

    def _ensure_colours(self):
        if self._colours is None:
            from convstudio.ui.grids.colours_view import ColoursView  # pyqtgraph only when needed

            self._colours = ColoursView(self._model, self._layers, self)
            self._colours.set_editable(self._model.editable)
            self._connect(self._colours)
            self._layout.addWidget(self._colours)
            self._colours_stale = True
        return self._colours

    def _refresh_colours(self, reshaped: bool) -> None:
        colours = self._ensure_colours()
        if self._colours_stale or reshaped:
            colours.set_limit(self.colour_range())
            colours.refresh_values(reshaped or colours.image.image is None)
            colours.sync_layers()
            self._colours_stale = False

    def reset_zoom(self) -> None:
        """Colours mode: show the whole grid again."""
        if self._colours is not None:
            self._colours.reset_zoom()

    def set_font_scale(self, scale: float) -> None:
        """Draw the numbers ``scale`` times their usual size (the stage's compact grids)."""
        self._numbers.set_font_scale(scale)
        self.updateGeometry()

    def set_index_headers(self, visible: bool) -> None:
        """Numbers mode: show or hide the small 0-based row and column indices (shown at first)."""
        self._numbers.set_index_headers(visible)
        self.updateGeometry()

    # -- highlights ----------------------------------------------------------------------------

    def set_highlight(self, layer: str, cells: object, style: str) -> None:
        """Light ``cells`` (padded coordinates) as layer ``layer`` in ``style``; replaces the layer.

        ``cells`` is ``(rows_array, cols_array)`` (numpy arrays) or an iterable of (row, col);
        empty clears the layer. Cells outside the grid are dropped. Only the old and new extents
        of the layer are repainted.
        """
        new = make_layer(style, cells, self._model.padded.shape)
        old = self._layers.get(layer)
        if new.extent is None:
            self._layers.pop(layer, None)
        else:
            self._layers[layer] = new
        if self._mode == "numbers":
            self._numbers.repaint_layer_change(old, new)
        if self._colours is not None:
            self._colours.set_layer(layer, self._layers.get(layer))

    def clear_highlight(self, layer: str) -> None:
        """Remove a highlight layer (nothing happens if it is not there)."""
        old = self._layers.pop(layer, None)
        if old is None:
            return
        if self._mode == "numbers":
            self._numbers.repaint_layer_change(old, None)
        if self._colours is not None:
            self._colours.set_layer(layer, None)

    def highlight(self, layer: str) -> HighlightLayer | None:
        """The cells and style of a layer (None when it is empty)."""
        return self._layers.get(layer)

    # -- geometry ------------------------------------------------------------------------------

    def cell_rect(self, row: int, col: int) -> QRect:
        """The rect of padded cell (row, col) in this widget's coordinates, in the current mode."""
        view = self._numbers if self._mode == "numbers" else self._ensure_colours()
        rect = view.cell_viewport_rect(row, col)
        top_left = view.viewport().mapTo(self, rect.topLeft())
        return QRect(top_left, rect.size())

    def active_view(self) -> CellView:
        """The widget showing the grid now (the table, or the colour map)."""
        return self._numbers if self._mode == "numbers" else self._ensure_colours()

    def sizeHint(self):
        return self.active_view().sizeHint()

    def minimumSizeHint(self):
        return self.active_view().minimumSizeHint()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._numbers.refresh_look()
            self._numbers.relayout()
            if self._colours is not None:
                self._colours.refresh_look()
        super().changeEvent(event)

    # -- editing -------------------------------------------------------------------------------

    def _label(self) -> str:
        return self._name or "This grid"

    def _commit_text(self, row: int, col: int, text: str) -> None:
        """Validate what the user typed into padded cell (row, col) and announce the result."""
        model = self._model
        if not model.editable or not model.is_real(row, col):
            return
        kept = float(model.padded[row, col])
        if self._refusal is not None:
            self._refusal.hide()
        try:
            value = parse_number(text)
        except NumberError as error:
            message = f"{error}: the cell keeps {format_exact(kept)}"
            self._show_refusal(row, col, message)
            self.edit_refused.emit(message)
            return
        if value == kept:
            return  # nothing changed: no edit, nothing to undo
        top, left, _, _ = model.real_rect
        self.cell_edited.emit(row - top, col - left, value)

    def _show_refusal(self, row: int, col: int, message: str) -> None:
        """Keep the cursor on the refused cell and say why beside it."""
        if self._mode == "numbers":
            self._numbers.hold_cursor()
        if self._refusal is None:
            self._refusal = RefusalTip(self)
        cell = self.cell_rect(row, col)
        self._refusal.show_beside(QRect(self.mapToGlobal(cell.topLeft()), cell.size()), message)

    def hideEvent(self, event) -> None:
        if self._refusal is not None:
            self._refusal.hide()
        super().hideEvent(event)

    def _key_action(self, action: str) -> None:
        if action == "copy":
            self.copy_selection()
        elif action == "paste":
            self.paste_from_clipboard()
        elif action == "delete":
            self.delete_selection()

    def copy_selection(self) -> str:
        """Copy the selected cells as tab-separated rows (exact values); returns the text."""
        rects = self.active_view().selected_rects()
        if not rects:
            return ""
        top = min(r[0] for r in rects)
        left = min(r[1] for r in rects)
        bottom = max(r[2] for r in rects)
        right = max(r[3] for r in rects)
        present = np.zeros((bottom - top + 1, right - left + 1), dtype=bool)
        for r0, c0, r1, c1 in rects:
            present[r0 - top : r1 - top + 1, c0 - left : c1 - left + 1] = True
        text = format_block(self._model.padded[top : bottom + 1, left : right + 1], present)
        QGuiApplication.clipboard().setText(text)
        return text

    def paste_from_clipboard(self) -> None:
        """Paste the clipboard's block of numbers at the current cell (see :meth:`paste_text`)."""
        self.paste_text(QGuiApplication.clipboard().text())

    def paste_text(self, text: str) -> None:
        """Announce ``text`` as a block pasted at the current cell, clipped to the real cells.

        A bad entry refuses the whole paste (``edit_refused`` names it and where it is); a paste
        on a padding cell or a read-only grid is refused too. Nothing changes here: the window
        applies ``block_pasted``.
        """
        model = self._model
        if not model.editable:
            self.edit_refused.emit(f"{self._label()} cannot be edited: nothing was pasted")
            return
        anchor = self.active_view().anchor()
        if anchor is None:
            self.edit_refused.emit("Nothing was pasted: choose the cell to paste into first")
            return
        if not model.is_real(*anchor):
            self.edit_refused.emit(
                "Nothing was pasted: the chosen cell is padding; choose an input cell"
            )
            return
        try:
            block = parse_block(text)
        except NumberError as error:
            self.edit_refused.emit(f"Nothing was pasted: {error}")
            return
        top, left, rows, cols = model.real_rect
        row, col = anchor[0] - top, anchor[1] - left
        block = np.ascontiguousarray(block[: rows - row, : cols - col], dtype=np.float64)
        self.block_pasted.emit(row, col, block)

    def delete_selection(self) -> None:
        """Announce zeros for the selected real cells (one ``block_pasted`` per selected range)."""
        model = self._model
        if not model.editable:
            self.edit_refused.emit(f"{self._label()} cannot be edited: nothing was cleared")
            return
        top, left, rows, cols = model.real_rect
        for r0, c0, r1, c1 in self.active_view().selected_rects():
            a, b = max(r0, top), min(r1, top + rows - 1)
            c, d = max(c0, left), min(c1, left + cols - 1)
            if a <= b and c <= d:
                self.block_pasted.emit(
                    a - top, c - left, np.zeros((b - a + 1, d - c + 1), dtype=np.float64)
                )

    def current_cell(self) -> tuple[int, int] | None:
        """The padded cell a paste would land on (the keyboard's current cell), if any."""
        return self.active_view().anchor()

    def set_current_cell(self, row: int, col: int) -> None:
        """Move the keyboard's current cell (padded coordinates), e.g. to start typing there."""
        if self._mode == "numbers":
            self._numbers.setCurrentIndex(self._model.index(row, col))
        else:
            self._ensure_colours().set_current(row, col)
