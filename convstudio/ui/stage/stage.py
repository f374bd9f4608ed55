"""The stage: input features, the current kernel, the bias and the output features side by side.

It reads the lecture's picture literally: each input feature sits beside the kernel slice that
multiplies it, the bias and the output features follow, and the cursor lights up the receptive
field, the kernel in use and the output cell. It only shows and forwards; the document decides.

Only what is on view is built: each feature's place is a light ``CardSlot`` and its card (a grid
widget) is made when the slot meets the viewport (``on_view``), so a 64->64 layer costs the few
cards a screen shows, not dozens. Values, highlights and frames go to the built cards only; a card
built later is filled as it is made.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from convstudio.engine import Term, pad_input, padded_taps
from convstudio.session import (
    Feeds,
    Session,
    ViewState,
    feeds,
    ghost_text,
    previous_position,
    revealed,
    selection_fits,
)
from convstudio.ui.grids import preload_colours_view
from convstudio.ui.stage.feature_card import FeatureCard
from convstudio.ui.stage.on_view import CardSlot, OnViewBuilder, SlotColumn, show_display_mode
from convstudio.ui.state.binding import follow
from convstudio.ui.state.document import SessionDocument
from convstudio.ui.state.worker import ConvolutionRunner

#: Every part of a session, for a refresh of the whole stage.
ALL_PARTS = frozenset({"params", "input", "weight", "bias"})

#: At most this many grids per column: beyond it the column shows a window around the cursor,
#: because hundreds of live grids would make every change slow and the page unreadable.
MAX_SHOWN = 12


def as_rows(array: np.ndarray) -> np.ndarray:
    """A 1D feature (L,) shown as one row (1, L); a 2D feature stays as it is."""
    return array[None, :] if array.ndim == 1 else array


def grid_padding(pairs: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], tuple[int, int]]:
    """The engine's per-dimension padding as the grid's ((top, bottom), (left, right))."""
    return ((0, 0), pairs[0]) if len(pairs) == 1 else (pairs[0], pairs[1])


def window(
    count: int,
    focus: int,
    size: int = MAX_SHOWN,
    current: range | None = None,
    span: int = 1,
) -> range:
    """Up to ``size`` consecutive indices out of ``count`` that include ``focus``.

    ``current`` is the window shown now: it is kept while it still holds ``focus`` and the
    ``span - 1`` indices after it (as many as fit), because a new window means laying out every
    grid again (about a second for a column of twelve), so stepping through the features inside
    the window must not move it. A new window is centred on ``focus``.
    """
    if count <= size:
        return range(count)
    last = min(focus + max(span, 1), count, focus + size) - 1
    if (
        current is not None
        and len(current) == size
        and current.stop <= count
        and current.start <= focus
        and last < current.stop
    ):
        return current
    start = min(max(focus - size // 2, 0), count - size)
    return range(start, start + size)


def symmetric_limit(*arrays: np.ndarray | None) -> float:
    """The colour range shared by a column of grids: the largest finite magnitude, never zero.

    The largest and the smallest value rather than ``abs(a).max()``: no copy of the array, which
    for a 32-feature 1024x1024 output was a quarter of a gigabyte made on the GUI thread.
    Infinity and NaN (an overflowed output) are left out: they are marked in the grid instead,
    and would otherwise wash every other value out of the scale."""
    peak = 0.0
    for a in arrays:
        if a is None or not a.size:
            continue
        top = max(float(a.max()), -float(a.min()))  # NaN or infinity only when the array has one
        if not np.isfinite(top):
            finite = a[np.isfinite(a)]
            top = float(np.abs(finite).max()) if finite.size else 0.0
        peak = max(peak, top)
    return peak if peak > 0 else 1.0


def taps_cells(taps: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Row and column arrays of every cell a kernel covers, as the grids index them."""
    if len(taps) == 1:
        return np.zeros_like(taps[0]), taps[0]
    rows, cols = np.meshgrid(taps[0], taps[1], indexing="ij")
    return rows.ravel(), cols.ravel()


class LayerStage(QWidget):
    """Input, kernel, bias and output grids for the current output feature.

    Edits are forwarded as ``(index, block)`` in the target array's own dimensions, so the
    document can apply them with one ``set_cells`` call whatever the layer's dimensionality.
    """

    input_edited = Signal(tuple, object)
    weight_edited = Signal(tuple, object)
    bias_edited = Signal(tuple, object)
    output_clicked = Signal(int, tuple)
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session: Session | None = None
        self._output: np.ndarray | None = None
        self._cursor: tuple[int, tuple[int, ...]] = (0, (0,))
        self._hover: Term | None = None
        self._mode = "auto"
        self._reveal: str | None = None  # the playback order while revealing, else None
        self._in_slots: dict[int, CardSlot] = {}
        self._kernel_slots: dict[int, CardSlot] = {}
        self._out_slots: dict[int, CardSlot] = {}
        self._bias_slot: CardSlot | None = None
        self._columns: list[SlotColumn] = []
        self._layout_key: tuple | None = None
        self._document: SessionDocument | None = None
        self._shown_features: tuple[range, range] | None = None
        self._limits = {"input": 1.0, "weight": 1.0, "bias": 1.0, "output": 1.0}
        self._receptive: tuple[np.ndarray, np.ndarray] | None = None
        self._view: ViewState | None = None
        #: The reverse view: the selected input cell and what it feeds (None: nothing selected).
        self._selected: tuple[int, tuple[int, ...]] | None = None
        self._feeds: Feeds | None = None
        self._show_previous = False

        preload_colours_view()  # the first big layer must not wait for pyqtgraph's import
        self._body = QWidget()
        self._grid = QGridLayout(self._body)
        self._grid.setHorizontalSpacing(10)
        self._grid.setVerticalSpacing(6)
        self._grid.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidget(self._body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll_area = scroll
        self.setFocusProxy(scroll)  # the keyboard "on the stage": arrows scroll, nothing changes
        self.on_view = OnViewBuilder(scroll, self)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    # -- subscribing ------------------------------------------------------------------------------
    def bind(self, document: SessionDocument, view: ViewState, runner: ConvolutionRunner) -> None:
        """Show the document, the runner's outputs and the view state from now on; edits and
        output clicks go to the document (a refused edit is announced through its ``refused``)."""
        self._document = document
        document.changed.connect(self._document_changed)
        document.cursor_changed.connect(self._document_cursor_changed)
        runner.result_ready.connect(self._result_ready)
        follow(view.events.display_mode, self, self.set_display_mode)
        follow(view.events.hover, self, self.set_hover)
        for field in (view.events.reveal, view.events.order):
            follow(field, self, lambda *_: self.set_reveal(view.order if view.reveal else None))
        self._reveal = view.order if view.reveal else None
        self._view = view
        follow(view.events.selected_input, self, self.set_selected_input)
        follow(view.events.show_previous, self, self.set_show_previous)
        self._show_previous = view.show_previous
        self.input_edited.connect(self._input_edited)
        self.weight_edited.connect(self._weight_edited)
        self.bias_edited.connect(self._bias_edited)
        self.output_clicked.connect(self._output_cell_clicked)
        self.message.connect(document.refuse)
        self.set_display_mode(view.display_mode)
        self.set_session(document.session)
        self.set_selected_input(view.selected_input)

    def _document_changed(self, parts: frozenset[str]) -> None:
        if self._document is not None and parts & ALL_PARTS:
            self.set_session(self._document.session, frozenset(parts))
        if {"params", "meta"} <= parts:  # a session replaced the last one (open, new, example)
            self.show_start()

    def _document_cursor_changed(self) -> None:
        if self._document is not None:
            cursor = self._document.session.cursor
            self.set_cursor(cursor.out_feature, cursor.position)

    def _result_ready(self, _generation: int, output: np.ndarray) -> None:
        self.set_output(output)

    def _input_edited(self, index: tuple[int, ...], block: np.ndarray) -> None:
        if self._document is not None:
            self._document.attempt(self._document.set_cells, "input", index, block)

    def _weight_edited(self, index: tuple[int, ...], block: np.ndarray) -> None:
        if self._document is not None:
            self._document.attempt(self._document.set_cells, "weight", index, block)

    def _bias_edited(self, index: tuple[int, ...], block: np.ndarray) -> None:
        if self._document is not None:
            self._document.attempt(self._document.set_cells, "bias", index, block)

    def _output_cell_clicked(self, out_feature: int, position: tuple[int, ...]) -> None:
        if self._document is not None:
            self._document.set_cursor(out_feature, position)

    # -- what the window tells the stage ---------------------------------------------------------
    def set_session(self, session: Session, parts: frozenset[str] = ALL_PARTS) -> None:
        """Show a changed session; only the ``parts`` that changed are refilled.

        ``parts`` holds the document's change names ("params", "input", "weight", "bias"); new
        features on view lay the slots out again and refill everything built.
        """
        self._session = session
        self._cursor = (session.cursor.out_feature, tuple(session.cursor.position))
        if self._rebuild_if_needed():
            parts = ALL_PARTS
        if "params" in parts:
            self._receptive = None
            self._feeds = None
            self._drop_unfit_selection()
        if parts & {"params", "input"}:
            self._fill_inputs()
        if parts & {"params", "weight", "bias"}:
            self._fill_kernels()
        if "params" in parts:
            self._fill_outputs()
        self._mark_inputs()
        self._frame_outputs()
        self._update_highlights()
        self._update_reverse()
        for column in self._columns:
            column.relearn()
        self.on_view.schedule()

    def set_output(self, output: np.ndarray | None) -> None:
        """Show the worker's output (None: not computed yet for this layout)."""
        self._output = output
        self._fill_outputs()

    def set_cursor(self, out_feature: int, position: tuple[int, ...]) -> None:
        """Move the highlights; a new output feature also brings its kernel and frames."""
        moved_feature = out_feature != self._cursor[0]
        self._cursor = (out_feature, tuple(position))
        self._receptive = None
        if moved_feature and self._session is not None:
            if self._rebuild_if_needed():
                self._fill_inputs()
                self._fill_outputs()
            self._fill_kernels()
            self._mark_inputs()
            self._frame_outputs()
            self._update_reverse()  # the kernel cards now show another kernel
        if self._reveal is not None:
            self._fill_outputs()
        self._update_highlights()

    def set_reveal(self, order: str | None) -> None:
        """Blank the output cells playback in ``order`` has not reached yet (None: show all)."""
        self._reveal = order
        self._fill_outputs()

    def show_start(self) -> None:
        """Scroll to the top left and take the keyboard: where a file just opened starts."""
        self.scroll_area.horizontalScrollBar().setValue(0)
        self.scroll_area.verticalScrollBar().setValue(0)
        self.setFocus()

    def set_hover(self, term: Term | None) -> None:
        """Light the input cell and kernel cell of the term under the pointer in the arithmetic."""
        self._hover = term
        self._update_hover()

    def set_display_mode(self, mode: str) -> None:
        self._mode = mode
        show_display_mode(mode, self.cards(), self._columns, self.on_view)

    def cards(self) -> list[FeatureCard]:
        """The cards built so far (the ones on view, and any asked for by name)."""
        slots = [*self._in_slots.values(), *self._kernel_slots.values(), *self._out_slots.values()]
        slots += [self._bias_slot] if self._bias_slot is not None else []
        return [slot.card for slot in slots if slot.card is not None]

    def slots(self) -> list[CardSlot]:
        """Every place on the stage, built or not (what the builder watches)."""
        slots = [*self._in_slots.values(), *self._kernel_slots.values(), *self._out_slots.values()]
        return slots + ([self._bias_slot] if self._bias_slot is not None else [])

    def input_card(self, feature: int) -> FeatureCard | None:
        """The card of input feature ``feature`` if it is on the stage (built when asked for)."""
        return self._card(self._in_slots.get(feature))

    def kernel_card(self, in_feature: int) -> FeatureCard | None:
        """The card of the current kernel's slice that multiplies input feature ``in_feature``."""
        return self._card(self._kernel_slots.get(in_feature))

    def output_card(self, feature: int) -> FeatureCard | None:
        return self._card(self._out_slots.get(feature))

    def bias_card(self) -> FeatureCard | None:
        return self._card(self._bias_slot)

    @staticmethod
    def _card(slot: CardSlot | None) -> FeatureCard | None:
        return slot.materialize() if slot is not None else None

    def build_on_view(self) -> None:
        """Build every card on view now rather than over the next turns (screenshots)."""
        self.on_view.build_now()

    def build_all(self) -> None:
        """Build every card the stage holds, on view or not: an export draws the whole stage."""
        for slot in self.slots():
            slot.materialize()

    # -- building ------------------------------------------------------------------------------
    def _shown(self) -> tuple[range, range]:
        session = self._session
        assert session is not None
        params = session.params
        o = self._cursor[0]
        reads = params.in_features_of(o)
        shown_in, shown_out = self._shown_features or (None, None)
        return (
            window(params.in_features, reads.start, current=shown_in, span=len(reads)),
            window(params.out_features, o, current=shown_out),
        )

    def _rebuild_if_needed(self) -> bool:
        """Lay the slots out again when the features in view changed; True if so.

        A settings change that keeps the features on view keeps the cards (they are refilled):
        laying out again is what made every settings change of a big layer take seconds.
        """
        session = self._session
        assert session is not None
        params = session.params
        shown_in, shown_out = self._shown()
        key = (shown_in, shown_out, params.bias, params.in_features, params.out_features)
        if key == self._layout_key:
            return False
        self._layout_key = key
        self._shown_features = (shown_in, shown_out)
        self._clear()
        inputs, kernels, outputs, biases = (SlotColumn() for _ in range(4))
        self._columns = [inputs, kernels, outputs, biases]
        bold = "font-weight: bold; color: palette(mid);"
        headers = ("Input features", "", "Kernel", "", "Bias", "", "Output features")
        for col, text in enumerate(headers):
            if text:
                label = QLabel(text)
                label.setStyleSheet(bold)
                self._grid.addWidget(label, 0, col)
        for row, i in enumerate(shown_in, start=1):
            slot = CardSlot(lambda parent, i=i: self._make_input_card(i, parent), inputs)
            self._in_slots[i] = slot
            self._grid.addWidget(slot, row, 0, Qt.AlignmentFlag.AlignTop)
            times = QLabel("⊛")
            times.setToolTip("cross-correlation: the kernel slice slides over this input feature")
            times.setStyleSheet("font-size: 18px;")
            self._grid.addWidget(times, row, 1, Qt.AlignmentFlag.AlignCenter)
            kslot = CardSlot(lambda parent, i=i: self._make_kernel_card(i, parent), kernels)
            self._kernel_slots[i] = kslot
            self._grid.addWidget(kslot, row, 2, Qt.AlignmentFlag.AlignTop)
        rows = max(len(shown_in), 1)
        plus = QLabel("+")
        plus.setStyleSheet("font-size: 18px;")
        self._grid.addWidget(plus, 1, 3, rows, 1, Qt.AlignmentFlag.AlignCenter)
        if params.bias:
            self._bias_slot = CardSlot(self._make_bias_card, biases)
            self._grid.addWidget(self._bias_slot, 1, 4, rows, 1, Qt.AlignmentFlag.AlignVCenter)
        else:
            none = QLabel("no bias")
            none.setEnabled(False)
            self._grid.addWidget(none, 1, 4, rows, 1, Qt.AlignmentFlag.AlignCenter)
        arrow = QLabel("→")
        arrow.setStyleSheet("font-size: 18px;")
        self._grid.addWidget(arrow, 1, 5, rows, 1, Qt.AlignmentFlag.AlignCenter)
        out_box = QWidget()
        out_layout = QVBoxLayout(out_box)
        out_layout.setContentsMargins(0, 0, 0, 0)
        for o in shown_out:
            slot = CardSlot(lambda parent, o=o: self._make_output_card(o, parent), outputs)
            self._out_slots[o] = slot
            out_layout.addWidget(slot)
        out_layout.addStretch(1)
        self._grid.addWidget(out_box, 1, 6, max(rows, 1), 1, Qt.AlignmentFlag.AlignTop)
        hidden_in = params.in_features - len(shown_in)
        hidden_out = params.out_features - len(shown_out)
        if hidden_in or hidden_out:
            note = QLabel(
                f"Showing input features {shown_in.start}–{shown_in.stop - 1} of "
                f"{params.in_features} and output features {shown_out.start}–"
                f"{shown_out.stop - 1} of {params.out_features}: the window follows the cursor."
            )
            note.setEnabled(False)
            self._grid.addWidget(note, rows + 1, 0, 1, 7)
        self.on_view.track(self.slots())
        return True

    def _new_card(
        self, caption: str, parent: QWidget, *, editable: bool, role: str = "output"
    ) -> FeatureCard:
        card = FeatureCard(caption, editable=editable, role=role, parent=parent)
        card.grid.edit_refused.connect(self.message)
        card.grid.set_display_mode(self._mode)
        return card

    def _make_input_card(self, i: int, parent: QWidget) -> FeatureCard:
        card = self._new_card(f"in {i}", parent, editable=True)
        card.grid.cell_edited.connect(lambda r, c, v, i=i: self._edit_input(i, r, c, [[v]]))
        card.grid.block_pasted.connect(lambda r, c, b, i=i: self._edit_input(i, r, c, b))
        card.grid.cell_clicked.connect(lambda r, c, i=i: self._input_clicked(i, r, c))
        card.grid.cell_hovered.connect(lambda r, c, i=i: self._input_hovered(i, r, c))
        card.grid.set_ghost_tips(lambda r, c, i=i: self._ghost_tip(i, r, c))
        self._fill_input_card(i, card)
        self._mark_input_card(i, card)
        self._highlight_input_card(i, card)
        self._hover_card(card, i, kernel=False)
        self._reverse_input_card(i, card)
        return card

    def _make_kernel_card(self, i: int, parent: QWidget) -> FeatureCard:
        card = self._new_card("", parent, editable=True, role="kernel")
        card.grid.cell_edited.connect(lambda r, c, v, i=i: self._edit_weight(i, r, c, [[v]]))
        card.grid.block_pasted.connect(lambda r, c, b, i=i: self._edit_weight(i, r, c, b))
        self._fill_kernel_card(i, card)
        self._hover_card(card, i, kernel=True)
        self._reverse_kernel_card(i, card)
        return card

    def _make_bias_card(self, parent: QWidget) -> FeatureCard:
        card = self._new_card("b", parent, editable=True, role="kernel")
        card.grid.cell_edited.connect(self._edit_bias)
        # Delete and paste arrive as blocks (the grid clips them to the one bias cell).
        card.grid.block_pasted.connect(
            lambda r, c, b: self._edit_bias(r, c, float(np.asarray(b).flat[0]))
        )
        self._fill_bias_card(card)
        return card

    def _make_output_card(self, o: int, parent: QWidget) -> FeatureCard:
        card = self._new_card(f"out {o}", parent, editable=False)
        card.grid.cell_clicked.connect(lambda r, c, o=o: self._output_clicked(o, r, c))
        card.setToolTip("Click a cell to move the cursor there")
        self._fill_output_card(o, card)
        card.set_current(o == self._cursor[0])
        self._highlight_output_card(o, card)
        self._reverse_output_card(o, card)
        return card

    def _clear(self) -> None:
        while self._grid.count():
            item = self._grid.takeAt(0)
            widget = item.widget()
            if widget is not None:
                widget.deleteLater()
        self._in_slots.clear()
        self._kernel_slots.clear()
        self._out_slots.clear()
        self._bias_slot = None
        self._columns = []

    @staticmethod
    def _built(slots: dict[int, CardSlot]) -> list[tuple[int, FeatureCard]]:
        return [(key, slot.card) for key, slot in slots.items() if slot.card is not None]

    # -- filling values ------------------------------------------------------------------------
    def _fill_inputs(self) -> None:
        session = self._session
        assert session is not None
        # Padding repeats input values or adds zeros, so the padded grids share the input's range.
        self._limits["input"] = symmetric_limit(session.input)
        for i, card in self._built(self._in_slots):
            self._fill_input_card(i, card)
        self._mark_inputs()

    def _fill_input_card(self, i: int, card: FeatureCard) -> None:
        session = self._session
        assert session is not None
        params = session.params
        feature = session.input[i : i + 1]
        padded = pad_input(feature, params)  # one feature: the padded copy stays small
        card.grid.set_colour_range(self._limits["input"])
        card.grid.set_values(as_rows(feature[0]), grid_padding(params.padding), as_rows(padded[0]))

    def _mark_inputs(self) -> None:
        """Dim the input features the current output feature does not read (groups > 1)."""
        for i, card in self._built(self._in_slots):
            self._mark_input_card(i, card)

    def _mark_input_card(self, i: int, card: FeatureCard) -> None:
        session = self._session
        assert session is not None
        params = session.params
        reads = params.in_features_of(self._cursor[0])
        card.set_dimmed(i not in reads)
        card.set_caption(
            f"in {i}",
            ""
            if i in reads
            else f"Output feature {self._cursor[0]} does not read this "
            f"input feature: groups={params.groups} splits the features into groups",
        )

    def _fill_kernels(self) -> None:
        session = self._session
        assert session is not None
        o = self._cursor[0]
        reads = session.params.in_features_of(o)
        self._limits["weight"] = symmetric_limit(session.weight)
        self._limits["bias"] = symmetric_limit(session.bias)
        for i, slot in self._kernel_slots.items():
            slot.setVisible(i in reads)
            if slot.card is not None:
                self._fill_kernel_card(i, slot.card)
        if self._bias_slot is not None and self._bias_slot.card is not None:
            self._fill_bias_card(self._bias_slot.card)

    def _fill_kernel_card(self, i: int, card: FeatureCard) -> None:
        session = self._session
        assert session is not None
        o = self._cursor[0]
        reads = session.params.in_features_of(o)
        if i in reads:
            card.setVisible(True)
            card.grid.set_colour_range(self._limits["weight"])
            card.grid.set_values(as_rows(session.weight[o, i - reads.start]))
            card.set_caption(
                f"w[{o}, {i - reads.start}]",
                f"Kernel {o}, the slice that multiplies input feature {i}",
            )
            card.set_current(True)
        else:
            card.setVisible(False)

    def _fill_bias_card(self, card: FeatureCard) -> None:
        session = self._session
        assert session is not None
        o = self._cursor[0]
        card.grid.set_colour_range(self._limits["bias"])
        card.grid.set_values(session.bias[o : o + 1][None, :])
        card.set_caption(f"b[{o}]", f"The bias of output feature {o}")
        card.set_current(True)

    def _shown_output(self) -> np.ndarray | None:
        """The output if it belongs to the session's layout (None: not computed yet)."""
        session = self._session
        out = self._output
        if session is None or out is None:
            return None
        expected = session.params.output_shape_unchecked(session.input.shape)
        return out if out.shape == expected else None

    def _fill_outputs(self) -> None:
        if self._session is None:
            return
        out = self._shown_output()
        self._limits["output"] = symmetric_limit(out)
        for o, card in self._built(self._out_slots):
            self._fill_output_card(o, card)
        self._frame_outputs()

    def _fill_output_card(self, o: int, card: FeatureCard) -> None:
        session = self._session
        assert session is not None
        out = self._shown_output()
        expected = session.params.output_shape_unchecked(session.input.shape)
        # NaN placeholders until the worker's output arrives
        values = out[o] if out is not None else np.full(expected[1:], np.nan)
        revealing = self._reveal is not None
        if revealing:  # cells the playback has not reached yet: NaN, drawn blank while pending
            assert self._reveal is not None
            hidden = ~revealed(expected, self._cursor, self._reveal)[o]
            values = np.where(hidden, np.nan, values)
        # blank, not NaN, while the output is computed (or not yet revealed)
        card.grid.set_pending(out is None or revealing)
        card.grid.set_colour_range(self._limits["output"])
        card.grid.set_values(as_rows(values))

    def _frame_outputs(self) -> None:
        for o, card in self._built(self._out_slots):
            card.set_current(o == self._cursor[0])

    # -- highlights ----------------------------------------------------------------------------
    def _receptive_cells(self) -> tuple[np.ndarray, np.ndarray]:
        if self._receptive is None:
            assert self._session is not None
            self._receptive = taps_cells(padded_taps(self._session.params, self._cursor[1]))
        return self._receptive

    def _highlight_input_card(self, i: int, card: FeatureCard) -> None:
        assert self._session is not None
        if i in self._session.params.in_features_of(self._cursor[0]):
            card.grid.set_highlight("receptive", self._receptive_cells(), "receptive")
        else:
            card.grid.clear_highlight("receptive")
        self._previous_input_card(i, card)

    def _highlight_output_card(self, o: int, card: FeatureCard) -> None:
        if o == self._cursor[0]:
            position = self._cursor[1]
            row, col = (0, position[0]) if len(position) == 1 else position
            card.grid.set_highlight("output", [(row, col)], "output")
        else:
            card.grid.clear_highlight("output")

    def _update_highlights(self) -> None:
        if self._session is None:
            return
        for i, card in self._built(self._in_slots):
            self._highlight_input_card(i, card)
        for o, card in self._built(self._out_slots):
            self._highlight_output_card(o, card)
        self._update_hover()

    def _update_hover(self) -> None:
        for i, card in self._built(self._in_slots):
            self._hover_card(card, i, kernel=False)
        for i, card in self._built(self._kernel_slots):
            self._hover_card(card, i, kernel=True)

    def _hover_card(self, card: FeatureCard, in_feature: int, *, kernel: bool) -> None:
        """Light the hovered term's cell in this input card or kernel card (or clear it)."""
        term = self._hover
        if term is None or term.in_feature != in_feature:
            card.grid.clear_highlight("hover")
            return
        if len(term.padded_index) == 1:
            padded = (0, term.padded_index[0])
            kernel_cell = (0, term.kernel_index[0])
        else:
            padded, kernel_cell = term.padded_index, term.kernel_index
        if kernel:
            card.grid.set_highlight("hover", [kernel_cell], "hover")
            return
        cells = [padded]
        if term.source_index is not None and self._session is not None:
            source = term.source_index
            pad = grid_padding(self._session.params.padding)
            src = (
                (0, source[0] + pad[1][0])
                if len(source) == 1
                else (source[0] + pad[0][0], source[1] + pad[1][0])
            )
            if src != padded:
                cells.append(src)
        card.grid.set_highlight("hover", cells, "hover")

    # -- the previous position's field ---------------------------------------------------------
    def set_show_previous(self, show: bool) -> None:
        """Show the previous position's receptive field faintly (the stride is the step)."""
        self._show_previous = show
        for i, card in self._built(self._in_slots):
            self._previous_input_card(i, card)

    def _previous_input_card(self, i: int, card: FeatureCard) -> None:
        session = self._session
        previous = previous_position(self._cursor[1]) if self._show_previous else None
        if (
            session is None
            or previous is None
            or i not in session.params.in_features_of(self._cursor[0])
        ):
            card.grid.clear_highlight("previous")
            return
        card.grid.set_highlight(
            "previous", taps_cells(padded_taps(session.params, previous)), "previous"
        )

    # -- the reverse view ----------------------------------------------------------------------
    def set_selected_input(self, selection: tuple[int, tuple[int, ...]] | None) -> None:
        """Light the output cells (and kernel cells) that read input cell ``selection``
        (``(in_feature, position)``; None clears)."""
        self._selected = selection
        self._feeds = None
        self._update_reverse()

    def selected_feeds(self) -> Feeds | None:
        """What the selected input cell feeds, from the engine (None: nothing selected)."""
        session = self._session
        if self._feeds is None and session is not None:
            selection = self._selected
            if selection is not None and selection_fits(
                session.params, session.input.shape, selection
            ):
                self._feeds = feeds(session.params, session.input.shape, *selection)
        return self._feeds

    def _drop_unfit_selection(self) -> None:
        """A new layer the selected cell is not part of (a smaller input): nothing selected."""
        session = self._session
        if (
            self._view is not None
            and session is not None
            and self._selected is not None
            and not selection_fits(session.params, session.input.shape, self._selected)
        ):
            self._view.selected_input = None

    def _select_input(self, selection: tuple[int, tuple[int, ...]] | None) -> None:
        if self._view is not None:
            self._view.selected_input = selection
        else:
            self.set_selected_input(selection)

    def _input_position(self, row: int, col: int) -> tuple[int, ...] | None:
        """Padded grid cell (row, col) as an input position; None for a padding cell."""
        session = self._session
        if session is None:
            return None
        (top, _), (left, _) = grid_padding(session.params.padding)
        r, c = row - top, col - left
        if session.params.ndim == 1:
            return (c,) if r == 0 and 0 <= c < session.spatial[0] else None
        rows, cols = session.spatial
        return (r, c) if 0 <= r < rows and 0 <= c < cols else None

    def _input_clicked(self, feature: int, row: int, col: int) -> None:
        """A click selects the input cell for the reverse view (and, as ever, for typing);
        clicking the selected cell again clears the selection."""
        position = self._input_position(row, col)
        if position is None:
            return
        card = self._in_slots[feature].card if feature in self._in_slots else None
        editing = card is not None and card.grid.is_editing()
        if (feature, position) == self._selected and not editing:
            self._select_input(None)
        elif not editing:
            self._select_input((feature, position))

    def _input_hovered(self, feature: int, row: int, col: int) -> None:
        """Shift+hover selects the cell under the pointer, as a click does."""
        card = self._in_slots[feature].card if feature in self._in_slots else None
        if card is None or not card.grid.hover_modifiers() & Qt.KeyboardModifier.ShiftModifier:
            return
        position = self._input_position(row, col)
        if position is not None:
            self._select_input((feature, position))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Esc clears the reverse view's selection (a grid passes on the keys it does not use)."""
        if event.key() == Qt.Key.Key_Escape and self._selected is not None:
            self._select_input(None)
            event.accept()
            return
        super().keyPressEvent(event)

    def _ghost_tip(self, feature: int, row: int, col: int) -> str:
        session = self._session
        if session is None:
            return ""
        padded = (col,) if session.params.ndim == 1 else (row, col)
        return ghost_text(session.params, session.spatial, feature, padded)

    def _update_reverse(self) -> None:
        for i, card in self._built(self._in_slots):
            self._reverse_input_card(i, card)
        for i, card in self._built(self._kernel_slots):
            self._reverse_kernel_card(i, card)
        for o, card in self._built(self._out_slots):
            self._reverse_output_card(o, card)

    def _grid_cells(self, positions: tuple[tuple[int, ...], ...], pad: bool) -> list:
        """Positions (input: in padded grid coordinates when ``pad``) as grid (row, col)."""
        session = self._session
        assert session is not None
        (top, _), (left, _) = grid_padding(session.params.padding) if pad else ((0, 0), (0, 0))
        if session.params.ndim == 1:
            return [(top, p[0] + left) for p in positions]
        return [(p[0] + top, p[1] + left) for p in positions]

    @staticmethod
    def _show_reverse(card: FeatureCard, cells: list, copied: list) -> None:
        for layer, style, lit in (
            ("reverse", "selected", cells),
            ("reverse_copy", "selected_copy", copied),
        ):
            if lit:
                card.grid.set_highlight(layer, lit, style)
            else:
                card.grid.clear_highlight(layer)

    def _reverse_input_card(self, i: int, card: FeatureCard) -> None:
        found = self.selected_feeds()
        if found is None or found.in_feature != i:
            self._show_reverse(card, [], [])
            return
        # The cell, and dashed the padding cells that copy it (already in padded coordinates).
        self._show_reverse(
            card,
            self._grid_cells((found.position,), pad=True),
            self._grid_cells(found.copies, pad=False),
        )

    def _reverse_kernel_card(self, i: int, card: FeatureCard) -> None:
        found = self.selected_feeds()
        if found is None or found.in_feature != i or self._cursor[0] not in found.out_features:
            self._show_reverse(card, [], [])
            return
        self._show_reverse(
            card,
            self._grid_cells(found.kernel_direct, pad=False),
            self._grid_cells(found.kernel_copied, pad=False),
        )

    def _reverse_output_card(self, o: int, card: FeatureCard) -> None:
        found = self.selected_feeds()
        if found is None or o not in found.out_features:
            self._show_reverse(card, [], [])
            return
        self._show_reverse(
            card,
            self._grid_cells(found.direct, pad=False),
            self._grid_cells(found.copied, pad=False),
        )

    # -- edits ---------------------------------------------------------------------------------
    def _block(self, block: object) -> np.ndarray:
        return np.asarray(block, dtype=np.float64)

    def _edit_input(self, feature: int, row: int, col: int, block: object) -> None:
        values = self._block(block)
        if self._session is not None and self._session.params.ndim == 1:
            self.input_edited.emit((feature, col), values[:1])
        else:
            self.input_edited.emit((feature, row, col), values[None, :, :])

    def _edit_weight(self, in_feature: int, row: int, col: int, block: object) -> None:
        session = self._session
        if session is None:
            return
        o = self._cursor[0]
        slot = in_feature - session.params.in_features_of(o).start
        values = self._block(block)
        if session.params.ndim == 1:
            self.weight_edited.emit((o, slot, col), values[:1].reshape(1, 1, -1))
        else:
            self.weight_edited.emit((o, slot, row, col), values[None, None, :, :])

    def _edit_bias(self, row: int, col: int, value: float) -> None:
        self.bias_edited.emit((self._cursor[0],), np.array([value]))

    def _output_clicked(self, feature: int, row: int, col: int) -> None:
        session = self._session
        if session is None:
            return
        self.output_clicked.emit(feature, (col,) if session.params.ndim == 1 else (row, col))
