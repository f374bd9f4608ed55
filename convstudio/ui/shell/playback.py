"""The playback controls: speed, loop, order and reveal, in the scrub bar and the Navigate menu.

Why a module of its own: these controls show and set four fields of the view state and nothing
else, so they need neither the document nor another panel. The step and jump commands belong to
the scrub bar (it knows the output's shape and asks the document to move the cursor); the menu
entries here only trigger them. ``install_playback`` is the one call the main window makes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QMainWindow,
    QMenu,
    QToolBar,
    QToolButton,
    QWidget,
)
from superqt.utils import signals_blocked

from convstudio.session import PLAYBACK_ORDERS, PLAYBACK_SPEEDS, ViewState
from convstudio.ui.panels.scrub_bar import ScrubBar
from convstudio.ui.state.binding import follow

#: What the order choices read as, in the order of ``PLAYBACK_ORDERS``.
ORDER_LABELS = {
    "feature-major": "Feature by feature",
    "position-major": "Position by position",
}
#: The keys of the playback commands (also named in the controls' tooltips).
KEYS: dict[str, str] = {
    "play": "Space, F5",
    "step_forward": "Ctrl+Right",
    "step_back": "Ctrl+Left",
    "first": "Alt+Home",
    "last": "Alt+End",
    "faster": "]",
    "slower": "[",
    "loop": "Alt+L",
    "reveal": "Alt+R",
}


def speed_text(speed: float) -> str:
    """A speed as the control shows it: "0.25×", "1×", "4×"."""
    return f"{speed:g}×"


def _faster(view: ViewState, steps: int) -> None:
    """The next offered speed up (``steps`` 1) or down (-1); stays at the ends."""
    below = [s for s in PLAYBACK_SPEEDS if s < view.speed]
    above = [s for s in PLAYBACK_SPEEDS if s > view.speed]
    if steps > 0 and above:
        view.set_speed(above[0])
    elif steps < 0 and below:
        view.set_speed(below[-1])


def _checker(action: QAction) -> Callable[[bool], None]:
    """A slot that checks ``action`` (psygnal also offers the old value: a default argument
    would take it)."""
    return lambda on: action.setChecked(on)


class PlaybackOptions(QWidget):
    """Speed, loop, order and reveal controls that show and set the view state's fields."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.speed_box = QComboBox()
        for speed in PLAYBACK_SPEEDS:
            self.speed_box.addItem(speed_text(speed), speed)
        self.speed_box.setAccessibleName("Playback speed")
        self.speed_box.setToolTip(
            f"Playback speed, 0.25× to 4× ({KEYS['slower']} slower, {KEYS['faster']} faster)"
        )
        self.loop_button = QToolButton()
        self.loop_button.setText("Loop")
        self.loop_button.setCheckable(True)
        self.loop_button.setToolTip(
            f"Loop: start over after the last cell instead of stopping ({KEYS['loop']})"
        )
        self.order_box = QComboBox()
        for order in PLAYBACK_ORDERS:
            self.order_box.addItem(ORDER_LABELS[order], order)
        self.order_box.setAccessibleName("Playback order")
        self.order_box.setToolTip(
            "Playback order: every position of output feature 0, then feature 1, ... "
            "(feature by feature), or every feature at one position before the next"
        )
        self.reveal_button = QToolButton()
        self.reveal_button.setText("Reveal")
        self.reveal_button.setCheckable(True)
        self.reveal_button.setToolTip(
            "Reveal: output cells playback has not reached yet stay blank and fill in as the "
            f"kernel slides ({KEYS['reveal']})"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        for widget in (self.speed_box, self.loop_button, self.order_box, self.reveal_button):
            layout.addWidget(widget)
        self._view: ViewState | None = None

    def bind(self, view: ViewState) -> None:
        """Show the view state's speed, loop, order and reveal, and set them when changed here."""
        self._view = view
        follow(view.events.speed, self, self._show_speed)
        follow(view.events.loop, self, lambda on: self.loop_button.setChecked(on))
        follow(view.events.order, self, self._show_order)
        follow(view.events.reveal, self, lambda on: self.reveal_button.setChecked(on))
        self._show_speed(view.speed)
        self._show_order(view.order)
        self.loop_button.setChecked(view.loop)
        self.reveal_button.setChecked(view.reveal)
        self.speed_box.currentIndexChanged.connect(
            lambda i: view.set_speed(float(self.speed_box.itemData(i)))
        )
        self.order_box.currentIndexChanged.connect(
            lambda i: view.set_order(str(self.order_box.itemData(i)))
        )
        self.loop_button.toggled.connect(lambda on: setattr(view, "loop", on))
        self.reveal_button.toggled.connect(lambda on: setattr(view, "reveal", on))

    def _show_speed(self, speed: float) -> None:
        index = self.speed_box.findData(speed)
        if index < 0:  # a saved speed between the offered ones: offer it too
            self.speed_box.addItem(speed_text(speed), speed)
            index = self.speed_box.count() - 1
        with signals_blocked(self.speed_box):
            self.speed_box.setCurrentIndex(index)

    def _show_order(self, order: str) -> None:
        with signals_blocked(self.order_box):
            self.order_box.setCurrentIndex(self.order_box.findData(order))


class PlaybackMenu:
    """The Navigate menu's playback entries; checked entries follow the view state."""

    def __init__(
        self, window: QWidget, menu: QMenu, view: ViewState, scrub: ScrubBar, play: QAction
    ) -> None:
        # Space plays and pauses too; a text field or cell editor keeps it (they claim printable
        # keys before window shortcuts), so typing a space never starts playback.
        play.setShortcuts([QKeySequence(k) for k in KEYS["play"].split(", ")])
        self.actions: dict[str, QAction] = {}
        for key, text, slot in (
            ("step_forward", "Step &forward", lambda: scrub.step_played(1)),
            ("step_back", "Step &back", lambda: scrub.step_played(-1)),
            ("first", "F&irst cell", scrub.go_first),
            ("last", "&Last cell", scrub.go_last),
            ("faster", "Fas&ter", lambda: _faster(view, 1)),
            ("slower", "Slo&wer", lambda: _faster(view, -1)),
        ):
            action = QAction(text, window)
            action.setShortcut(QKeySequence(KEYS[key]))
            action.triggered.connect(slot)
            menu.addAction(action)
            self.actions[key] = action
        menu.addSeparator()
        for key, text in (("loop", "L&oop"), ("reveal", "&Reveal")):
            action = QAction(text, window, checkable=True)
            action.setShortcut(QKeySequence(KEYS[key]))
            action.setChecked(bool(getattr(view, key)))
            action.toggled.connect(lambda on, k=key: setattr(view, k, on))
            follow(getattr(view.events, key), window, _checker(action))
            menu.addAction(action)
            self.actions[key] = action
        order_menu = menu.addMenu("Playback &order")
        group = QActionGroup(window)
        self.order_actions: dict[str, QAction] = {}
        for order in PLAYBACK_ORDERS:
            action = QAction(ORDER_LABELS[order], window, checkable=True)
            action.triggered.connect(lambda _c=False, o=order: view.set_order(o))
            group.addAction(action)
            order_menu.addAction(action)
            self.order_actions[order] = action
        self.order_actions[view.order].setChecked(True)
        follow(view.events.order, window, lambda o: self.order_actions[o].setChecked(True))


@dataclass(frozen=True)
class Playback:
    """What ``install_playback`` built: the options in the scrub tool bar and the menu entries."""

    options: PlaybackOptions
    menu: PlaybackMenu


def install_playback(
    window: QMainWindow, menu: QMenu, view: ViewState, scrub: ScrubBar, play: QAction
) -> Playback:
    """Add the playback options to the window's scrub tool bar and the playback commands to
    ``menu`` (the Navigate menu): they show and set ``view``, step through ``scrub``, and give
    ``play`` (the Play action) the Space key besides F5."""
    options = PlaybackOptions()
    options.bind(view)
    toolbar = window.findChild(QToolBar, "ScrubToolBar")
    if toolbar is None:
        raise LookupError("the window has no ScrubToolBar for the playback options")
    toolbar.addWidget(options)
    return Playback(options, PlaybackMenu(window, menu, view, scrub, play))


__all__ = ["KEYS", "ORDER_LABELS", "Playback", "PlaybackOptions", "install_playback"]
