"""The kernel bank: every kernel, one row per output feature, one slice per input feature it reads.

This is the lecture's "kernel 1, kernel 2, ..." view: a row is one kernel (all its slices and its
bias read as one unit); the row of the current output feature is framed, and clicking a row makes
its output feature current.

Each slice's place is a ``CardSlot``; its card is built only once it comes into view (the bank is
often behind its tab, where nothing is built at all), so a 64->64 layer does not make 144 grids.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from convstudio.session import Session, ViewState
from convstudio.ui.stage.feature_card import FeatureCard
from convstudio.ui.stage.on_view import CardSlot, OnViewBuilder, SlotColumn, show_display_mode
from convstudio.ui.stage.stage import MAX_SHOWN, as_rows, symmetric_limit, window
from convstudio.ui.state.binding import follow
from convstudio.ui.state.document import SessionDocument


class KernelBank(QWidget):
    """All kernels and biases, editable; the current kernel framed."""

    weight_edited = Signal(tuple, object)
    bias_edited = Signal(tuple, object)
    feature_selected = Signal(int)
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session: Session | None = None
        self._current = 0
        self._slots: dict[tuple[int, int], CardSlot] = {}
        self._bias_slots: dict[int, CardSlot] = {}
        self._columns: list[SlotColumn] = []
        self._key: tuple | None = None
        self._limits = (1.0, 1.0)
        self._labels: dict[int, QLabel] = {}
        self._stale = False
        self._mode = "auto"
        self._document: SessionDocument | None = None
        self._body = QWidget()
        self._grid = QGridLayout(self._body)
        self._grid.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self._grid.setSpacing(4)
        scroll = QScrollArea()
        scroll.setWidget(self._body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.on_view = OnViewBuilder(scroll, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

    def bind(self, document: SessionDocument, view: ViewState) -> None:
        """Show the document's kernels and biases and frame its cursor's kernel from now on;
        edits and row clicks go to the document, the display mode comes from ``view``."""
        self._document = document
        document.changed.connect(self._document_changed)
        document.cursor_changed.connect(self._cursor_changed)
        self.weight_edited.connect(self._weight_edited)
        self.bias_edited.connect(self._bias_edited)
        self.feature_selected.connect(self._feature_selected)
        self.message.connect(document.refuse)
        follow(view.events.display_mode, self, self.set_display_mode)
        self.set_display_mode(view.display_mode)
        self.set_session(document.session)

    def _document_changed(self, parts: frozenset[str]) -> None:
        if self._document is not None and parts & {"params", "weight", "bias"}:
            self.set_session(self._document.session)

    def _cursor_changed(self) -> None:
        if self._document is not None:
            self.set_current(self._document.session.cursor.out_feature)

    def _weight_edited(self, index: tuple[int, ...], block: np.ndarray) -> None:
        if self._document is not None:
            self._document.attempt(self._document.set_cells, "weight", index, block)

    def _bias_edited(self, index: tuple[int, ...], block: np.ndarray) -> None:
        if self._document is not None:
            self._document.attempt(self._document.set_cells, "bias", index, block)

    def _feature_selected(self, out_feature: int) -> None:
        if self._document is not None:
            self._document.set_cursor(out_feature, self._document.session.cursor.position)

    def set_session(self, session: Session) -> None:
        """Show changed kernels or biases; the current kernel is the session's cursor feature."""
        self._session = session
        self._current = session.cursor.out_feature
        self._stale = True
        if self.isVisible():
            self._sync()

    def _sync(self) -> None:
        """Bring the places and cards up to date with the session (deferred while hidden: the
        bank is often behind its tab, and a big layer's new session laid out 150 places)."""
        if not self._stale or self._session is None:
            return
        self._stale = False
        self._rebuild_if_needed()
        self._fill()
        for column in self._columns:
            column.relearn()
        self.on_view.schedule()

    def showEvent(self, event: QShowEvent) -> None:
        self._sync()
        super().showEvent(event)

    def set_current(self, out_feature: int) -> None:
        """Frame kernel ``out_feature``; values are only refilled when other rows come into view."""
        if out_feature == self._current and self._key is not None:
            return
        self._current = out_feature
        if self._session is None:
            return
        if self._stale or not self.isVisible():
            self._stale = True
            if self.isVisible():
                self._sync()
            return
        if self._rebuild_if_needed():
            self._fill()
        else:
            self._frame_current()

    def set_display_mode(self, mode: str) -> None:
        self._mode = mode
        show_display_mode(mode, self.cards(), self._columns, self.on_view)

    def cards(self) -> list[FeatureCard]:
        """The cards built so far: the ones that have been on view, or asked for by name."""
        self._sync()
        slots = [*self._slots.values(), *self._bias_slots.values()]
        return [slot.card for slot in slots if slot.card is not None]

    def card(self, out_feature: int, slot: int) -> FeatureCard | None:
        """The card of kernel ``out_feature``'s slice ``slot`` (index into weight's axis 1);
        built when asked for, if the kernel is in the bank's window."""
        self._sync()
        place = self._slots.get((out_feature, slot))
        return place.materialize() if place is not None else None

    def bias_card(self, out_feature: int) -> FeatureCard | None:
        self._sync()
        place = self._bias_slots.get(out_feature)
        return place.materialize() if place is not None else None

    def _rebuild_if_needed(self) -> bool:
        """Lay out the rows and slices in view again if they changed; True when it did."""
        session = self._session
        assert session is not None
        params = session.params
        shown = self._key[0] if self._key is not None else None
        rows = window(params.out_features, self._current, current=shown)
        slots = range(min(params.in_per_group, MAX_SHOWN))
        # Not the settings themselves: a settings change that keeps these kernels in the window
        # keeps their places and cards (laying out 150 places took a tenth of a second).
        key = (rows, slots, params.bias, params.in_features, params.out_features)
        if key == self._key:
            return False
        self._key = key
        while self._grid.count():
            item = self._grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self._slots.clear()
        self._bias_slots.clear()
        slices, biases = SlotColumn(), SlotColumn()
        self._columns = [slices, biases]
        self._labels = {}
        for r, o in enumerate(rows):
            label = self._labels[o] = QLabel(f"kernel {o}")
            self._grid.addWidget(label, r, 0)
            for slot in slots:
                place = CardSlot(lambda parent, o=o, s=slot: self._make_card(o, s, parent), slices)
                self._slots[(o, slot)] = place
                self._grid.addWidget(place, r, 1 + slot)
            if params.bias:
                place = CardSlot(lambda parent, o=o: self._make_bias_card(o, parent), biases)
                self._bias_slots[o] = place
                self._grid.addWidget(place, r, 1 + len(slots))
        if params.in_per_group > len(slots) or params.out_features > len(rows):
            note = QLabel(
                f"Showing kernels {rows.start}–{rows.stop - 1} of {params.out_features}"
                f" and slices 0–{len(slots) - 1} of {params.in_per_group}."
            )
            note.setEnabled(False)
            self._grid.addWidget(note, len(rows), 0, 1, len(slots) + 2)
        # Spare height goes below the kernels, not into their rows.
        for row in range(self._grid.rowCount()):
            self._grid.setRowStretch(row, 0)
        self._grid.setRowStretch(len(rows) + 1, 1)
        self.on_view.track([*self._slots.values(), *self._bias_slots.values()])
        return True

    def _make_card(self, o: int, slot: int, parent: QWidget) -> FeatureCard:
        card = FeatureCard(f"w[{o}, {slot}]", editable=True, role="kernel", parent=parent)
        card.grid.cell_edited.connect(
            lambda rr, c, v, o=o, s=slot: self._edit(o, s, rr, c, np.array([[v]]))
        )
        card.grid.block_pasted.connect(
            lambda rr, c, b, o=o, s=slot: self._edit(o, s, rr, c, np.asarray(b, float))
        )
        card.grid.cell_clicked.connect(lambda *_a, o=o: self.feature_selected.emit(o))
        card.grid.edit_refused.connect(self.message)
        card.grid.set_display_mode(self._mode)
        self._fill_card(o, slot, card)
        return card

    def _make_bias_card(self, o: int, parent: QWidget) -> FeatureCard:
        bias = FeatureCard(f"b[{o}]", editable=True, role="kernel", parent=parent)
        bias.grid.cell_edited.connect(
            lambda _r, _c, v, o=o: self.bias_edited.emit((o,), np.array([v]))
        )
        # Delete and paste arrive as blocks, clipped to the one bias cell.
        bias.grid.block_pasted.connect(
            lambda _r, _c, b, o=o: self.bias_edited.emit((o,), np.asarray(b).ravel()[:1])
        )
        bias.grid.cell_clicked.connect(lambda *_a, o=o: self.feature_selected.emit(o))
        bias.grid.edit_refused.connect(self.message)
        bias.grid.set_display_mode(self._mode)
        self._fill_bias_card(o, bias)
        return bias

    def _fill(self) -> None:
        session = self._session
        assert session is not None
        self._limits = (symmetric_limit(session.weight), symmetric_limit(session.bias))
        for o, label in self._labels.items():
            reads = session.params.in_features_of(o)
            label.setToolTip(
                f"Kernel {o} makes output feature {o}; it reads input features "
                f"{reads.start}–{reads.stop - 1}. Click any of its cells to make it current."
            )
        for (o, slot), place in self._slots.items():
            if place.card is not None:
                self._fill_card(o, slot, place.card)
        for o, place in self._bias_slots.items():
            if place.card is not None:
                self._fill_bias_card(o, place.card)

    def _fill_card(self, o: int, slot: int, card: FeatureCard) -> None:
        session = self._session
        assert session is not None
        reads = session.params.in_features_of(o)
        card.setToolTip(f"Kernel {o}, slice for input feature {reads.start + slot}")
        card.grid.set_colour_range(self._limits[0])
        card.grid.set_values(as_rows(session.weight[o, slot]))
        card.set_current(o == self._current)

    def _fill_bias_card(self, o: int, card: FeatureCard) -> None:
        session = self._session
        assert session is not None
        card.grid.set_colour_range(self._limits[1])
        card.grid.set_values(session.bias[o : o + 1][None, :])
        card.set_current(o == self._current)

    def _frame_current(self) -> None:
        for (o, _slot), card in self._built(self._slots):
            card.set_current(o == self._current)
        for o, card in self._built(self._bias_slots):
            card.set_current(o == self._current)

    @staticmethod
    def _built(slots: dict) -> list[tuple[object, FeatureCard]]:
        return [(key, place.card) for key, place in slots.items() if place.card is not None]

    def _edit(self, o: int, slot: int, row: int, col: int, block: np.ndarray) -> None:
        session = self._session
        if session is None:
            return
        if session.params.ndim == 1:
            self.weight_edited.emit((o, slot, col), block[:1].reshape(1, 1, -1))
        else:
            self.weight_edited.emit((o, slot, row, col), block[None, None, :, :])
