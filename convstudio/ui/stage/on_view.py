"""Cards built only when they come into view: a slot holds a card's place, its card comes later.

A big layer puts dozens of grids on the stage and hundreds of kernel slices in the kernel bank;
building them all took seconds on the GUI thread (a colour-map grid costs tens of milliseconds to
make and fill). So the stage and the bank lay out light ``CardSlot`` placeholders of the right size
and an ``OnViewBuilder`` builds the card of each slot that meets its scroll area's viewport, a few
per turn of the event loop (so the window keeps answering while they appear), and none while the
scroll area is not shown (the kernel bank behind its tab).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt, QTimer
from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget

from convstudio.ui.stage.feature_card import FeatureCard

#: At most this much of one event-loop turn goes to building cards (the rest waits a turn).
BUILD_BUDGET_S = 0.02
#: The size a slot takes before any card of its column has been built.
FIRST_GUESS = QSize(180, 180)
_ANY_SIZE = 16_777_215  # QWIDGETSIZE_MAX


def _hidden_on_purpose(widget: QWidget) -> bool:
    """Hidden by a call (a kernel slice the current output does not read), not merely not shown
    yet (a widget just added to a layout)."""
    explicit = widget.testAttribute(Qt.WidgetAttribute.WA_WState_ExplicitShowHide)
    return explicit and widget.isHidden()


class SlotColumn:
    """The slots of one column share a size: their cards show grids of the same shape."""

    def __init__(self) -> None:
        self.size = QSize(FIRST_GUESS)
        self.slots: list[CardSlot] = []

    def learn(self, card: FeatureCard) -> None:
        """Size the empty slots like ``card`` (built, so its size is known)."""
        hint = card.sizeHint()
        if hint.isValid() and hint != self.size:
            self.size = hint
            for slot in self.slots:
                if slot.card is None:
                    slot.setFixedSize(hint)

    def relearn(self) -> None:
        """After a refill that may have changed the grids' shape: learn from a built card."""
        for slot in self.slots:
            if slot.card is not None:
                self.learn(slot.card)
                return


class CardSlot(QWidget):
    """The place of one card in a layout; ``materialize`` builds the card there."""

    def __init__(self, build: Callable[[QWidget], FeatureCard], column: SlotColumn) -> None:
        """``build(parent)`` makes the card, filled, as a child of ``parent`` (never a window)."""
        super().__init__()
        self._build = build
        self._column = column
        self.card: FeatureCard | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        column.slots.append(self)
        self.setFixedSize(column.size)

    def materialize(self) -> FeatureCard:
        """The card, built (and filled by the builder) the first time it is asked for."""
        if self.card is None:
            card = self._build(self)
            self.setMinimumSize(0, 0)
            self.setMaximumSize(_ANY_SIZE, _ANY_SIZE)
            self._layout.addWidget(card)
            if not _hidden_on_purpose(card):
                card.show()  # at once, not at the next turn (it may be clicked right away)
            self.card = card
            self._column.learn(card)
        return self.card


class OnViewBuilder(QObject):
    """Builds the cards of the slots that meet a scroll area's viewport, a little at a time."""

    def __init__(self, scroll: QScrollArea, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._scroll = scroll
        self._slots: list[CardSlot] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._build_some)
        scroll.verticalScrollBar().valueChanged.connect(self.schedule)
        scroll.horizontalScrollBar().valueChanged.connect(self.schedule)
        scroll.viewport().installEventFilter(self)
        if scroll.widget() is not None:  # the body: its layout settles after slots are added
            scroll.widget().installEventFilter(self)

    def track(self, slots: list[CardSlot]) -> None:
        """The slots to watch from now on (the old ones are being thrown away).

        A widget added to a shown layout is shown at a later turn; the slots (and the boxes
        holding them) are shown now, so that what is on view can be built at once.
        """
        self._slots = list(slots)
        viewport = self._scroll.viewport()
        for slot in self._slots:
            widget = slot
            while widget is not None and widget is not viewport:
                if widget.isHidden() and not _hidden_on_purpose(widget):
                    widget.show()
                widget = widget.parentWidget()
        self.schedule()

    def schedule(self) -> None:
        """Look again at the next turn of the event loop (layout has settled by then)."""
        self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.LayoutRequest):
            self.schedule()
        return False

    def on_view(self, slot: CardSlot) -> bool:
        """True when ``slot`` is shown and meets the viewport."""
        viewport = self._scroll.viewport()
        if not slot.isVisibleTo(viewport) or not viewport.isVisible():
            return False
        corner = slot.mapTo(viewport, QPoint(0, 0))
        return QRect(corner, slot.size()).intersects(viewport.rect())

    def pending(self) -> list[CardSlot]:
        """The slots on view whose card is not built yet."""
        return [slot for slot in self._slots if slot.card is None and self.on_view(slot)]

    def _build_some(self) -> None:
        body = self._scroll.widget()
        if body is not None and body.layout() is not None:
            body.layout().activate()  # slot positions as they will be painted
        deadline = time.perf_counter() + BUILD_BUDGET_S
        for slot in self.pending():
            slot.materialize()
            if time.perf_counter() > deadline:
                self.schedule()  # the rest at the next turn: the window answers in between
                return

    def build_now(self) -> None:
        """Build every card on view at once (a screenshot, a test looking at the window)."""
        self._timer.stop()
        body = self._scroll.widget()
        for _ in range(20):  # a built card can resize its row and bring the next one into view
            if body is not None and body.layout() is not None:
                body.layout().activate()
            pending = self.pending()
            if not pending:
                return
            for slot in pending:
                slot.materialize()


def show_display_mode(
    mode: str, cards: list[FeatureCard], columns: list[SlotColumn], builder: OnViewBuilder
) -> None:
    """Show every built card's grid in ``mode``; the empty slots take the new card size.

    The stage and the kernel bank hold their cards the same way, so they switch the same way:
    the built cards change mode, each column relearns its size from them, and the builder looks
    again at what is now on view (a card shown as a colour map is smaller than as numbers).
    """
    for card in cards:
        card.grid.set_display_mode(mode)
    for column in columns:
        column.relearn()
    builder.schedule()
