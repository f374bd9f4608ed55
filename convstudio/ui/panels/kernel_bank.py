"""The kernel bank: every kernel, one row per output feature, one slice per input feature it reads.

This is the lecture's "kernel 1, kernel 2, ..." view: a row is one kernel (all its slices and its
bias read as one unit); the row of the current output feature is framed, and clicking a row makes
its output feature current.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from convstudio.engine import ConvParams
from convstudio.session import Session, ViewState
from convstudio.ui.stage.feature_card import FeatureCard
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
        self._cards: dict[tuple[int, int], FeatureCard] = {}
        self._bias_cards: dict[int, FeatureCard] = {}
        self._key: tuple[ConvParams, range, range] | None = None
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
        self._rebuild_if_needed()
        self._fill()

    def set_current(self, out_feature: int) -> None:
        """Frame kernel ``out_feature``; values are only refilled when other rows come into view."""
        if out_feature == self._current and self._key is not None:
            return
        self._current = out_feature
        if self._session is None:
            return
        if self._rebuild_if_needed():
            self._fill()
        else:
            self._frame_current()

    def set_display_mode(self, mode: str) -> None:
        self._mode = mode
        for card in [*self._cards.values(), *self._bias_cards.values()]:
            card.grid.set_display_mode(mode)

    def card(self, out_feature: int, slot: int) -> FeatureCard | None:
        """The card of kernel ``out_feature``'s slice ``slot`` (index into weight's axis 1)."""
        return self._cards.get((out_feature, slot))

    def bias_card(self, out_feature: int) -> FeatureCard | None:
        return self._bias_cards.get(out_feature)

    def _rebuild_if_needed(self) -> bool:
        """Lay out the rows and slices in view again if they changed; True when it did."""
        session = self._session
        assert session is not None
        params = session.params
        shown = self._key[1] if self._key is not None and self._key[0] == params else None
        rows = window(params.out_features, self._current, current=shown)
        slots = range(min(params.in_per_group, MAX_SHOWN))
        key = (params, rows, slots)
        if key == self._key:
            return False
        self._key = key
        while self._grid.count():
            item = self._grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self._cards.clear()
        self._bias_cards.clear()
        for r, o in enumerate(rows):
            reads = params.in_features_of(o)
            label = QLabel(f"kernel {o}")
            label.setToolTip(
                f"Kernel {o} makes output feature {o}; it reads input features "
                f"{reads.start}–{reads.stop - 1}. Click any of its cells to make it current."
            )
            self._grid.addWidget(label, r, 0)
            for slot in slots:
                card = FeatureCard(f"w[{o}, {slot}]", editable=True, role="kernel")
                card.setToolTip(f"Kernel {o}, slice for input feature {reads.start + slot}")
                card.grid.cell_edited.connect(
                    lambda rr, c, v, o=o, s=slot: self._edit(o, s, rr, c, np.array([[v]]))
                )
                card.grid.block_pasted.connect(
                    lambda rr, c, b, o=o, s=slot: self._edit(o, s, rr, c, np.asarray(b, float))
                )
                card.grid.cell_clicked.connect(lambda *_a, o=o: self.feature_selected.emit(o))
                card.grid.edit_refused.connect(self.message)
                card.grid.set_display_mode(self._mode)
                self._cards[(o, slot)] = card
                self._grid.addWidget(card, r, 1 + slot)
            if params.bias:
                bias = FeatureCard(f"b[{o}]", editable=True, role="kernel")
                bias.grid.cell_edited.connect(
                    lambda _r, _c, v, o=o: self.bias_edited.emit((o,), np.array([v]))
                )
                # Delete and paste arrive as blocks, clipped to the one bias cell.
                bias.grid.block_pasted.connect(
                    lambda _r, _c, b, o=o: self.bias_edited.emit((o,), np.asarray(b).ravel()[:1])
                )
                bias.grid.cell_clicked.connect(lambda *_a, o=o: self.feature_selected.emit(o))
                bias.grid.edit_refused.connect(self.message)
                self._bias_cards[o] = bias
                self._grid.addWidget(bias, r, 1 + len(slots))
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
        return True

    def _fill(self) -> None:
        session = self._session
        assert session is not None
        limit = symmetric_limit(session.weight)
        bias_limit = symmetric_limit(session.bias)
        for (o, slot), card in self._cards.items():
            card.grid.set_colour_range(limit)
            card.grid.set_values(as_rows(session.weight[o, slot]))
        for o, card in self._bias_cards.items():
            card.grid.set_colour_range(bias_limit)
            card.grid.set_values(session.bias[o : o + 1][None, :])
        self._frame_current()

    def _frame_current(self) -> None:
        for (o, _slot), card in self._cards.items():
            card.set_current(o == self._current)
        for o, card in self._bias_cards.items():
            card.set_current(o == self._current)

    def _edit(self, o: int, slot: int, row: int, col: int, block: np.ndarray) -> None:
        session = self._session
        if session is None:
            return
        if session.params.ndim == 1:
            self.weight_edited.emit((o, slot, col), block[:1].reshape(1, 1, -1))
        else:
            self.weight_edited.emit((o, slot, row, col), block[None, None, :, :])
