"""ViewState: how the window shows the session, as a small evented model with no Qt in it.

Why a model of its own: the display mode used to live in the View menu's checked action and was
copied into the session when a file was saved (and by the autosave timer, which made saving a
side effect of a timer). Now the model is the truth: the menu's actions, the stage and the kernel
bank follow it, and saving serialises it (``ViewState.saved``) into the file's free-form ``view``
object without touching the document.

Why psygnal's ``@evented`` dataclass (what napari's models use) and not Qt signals: this module sits
in ``convstudio.session``, which never imports Qt, so it can be built, saved and tested without a
``QApplication``. Every field gets its own change signal (``view.events.display_mode``, emitted
with the new and the old value, only when the value really changes), so a view subscribes to the
one field it shows. The document (session + ``QUndoStack``) keeps Qt signals: its undo stack is
Qt's, and its signals already carry exactly which parts changed.

Fields that are saved with the session are listed in ``SAVED``; the others (what the pointer
hovers in the arithmetic, whether playback runs) last as long as the window. New kinds of view
state are new fields here; the playback settings (speed, loop, order, reveal) are saved, so a
lecture's file opens played the way it was prepared.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from psygnal import evented

from convstudio.engine import Term
from convstudio.session.playback import ORDERS, check_order, check_speed

if TYPE_CHECKING:
    from psygnal import SignalGroup

#: The display modes of the grids: numbers for small grids and a colour map for large ones
#: ("auto"), always numbers, or always a colour map.
DISPLAY_MODES = ("auto", "numbers", "colours")
#: The keys of the session's ``view`` object this model reads and writes.
DISPLAY_MODE_KEY = "display_mode"
#: The playback settings saved with the session (under these keys of its ``view`` object).
SPEED_KEY, LOOP_KEY, ORDER_KEY, REVEAL_KEY = (
    "playback_speed",
    "playback_loop",
    "playback_order",
    "reveal",
)
SAVED = (DISPLAY_MODE_KEY, SPEED_KEY, LOOP_KEY, ORDER_KEY, REVEAL_KEY)


@evented
@dataclass
class ViewState:
    """What the window shows and how; each field announces its changes through ``events``."""

    #: One of ``DISPLAY_MODES``; saved with the session.
    display_mode: str = "auto"
    #: The arithmetic term under the pointer: its input and kernel cells are lit on the stage.
    hover: Term | None = None
    #: True while playback steps the cursor through every position.
    playing: bool = False
    #: Playback speed as a multiple of the 1x pace, ``MIN_SPEED``..``MAX_SPEED``; saved.
    speed: float = 1.0
    #: True: playback starts over after the last cell instead of stopping; saved.
    loop: bool = False
    #: One of ``ORDERS`` (which cell comes next); saved.
    order: str = "feature-major"
    #: True: output cells playback has not reached yet are blank; saved.
    reveal: bool = False
    #: The reverse view's input cell, ``(in_feature, position)``: the output cells it feeds are
    #: lit. None: no cell selected. Not saved (a selection belongs to the moment).
    selected_input: tuple[int, tuple[int, ...]] | None = None
    #: Show the previous position's receptive field faintly beside the current one (the step
    #: between them is the stride). Not saved.
    show_previous: bool = False

    if TYPE_CHECKING:  # the signal group @evented adds, one signal per field
        events: ClassVar[SignalGroup]

    def __post_init__(self) -> None:
        if self.display_mode not in DISPLAY_MODES:
            raise ValueError(
                f"display_mode={self.display_mode!r} is not one of {', '.join(DISPLAY_MODES)}"
            )
        check_speed(self.speed)
        check_order(self.order)

    def set_display_mode(self, mode: str) -> None:
        """Show grids as ``mode`` (one of ``DISPLAY_MODES``; anything else raises ValueError)."""
        if mode not in DISPLAY_MODES:
            raise ValueError(f"display mode {mode!r} is not one of {', '.join(DISPLAY_MODES)}")
        self.display_mode = mode

    def set_speed(self, speed: float) -> None:
        """Play at ``speed`` times the 1x pace (outside 0.25..4 raises ValueError)."""
        check_speed(speed)
        self.speed = float(speed)

    def set_order(self, order: str) -> None:
        """Play in ``order`` (one of ``ORDERS``; anything else raises ValueError)."""
        check_order(order)
        self.order = order

    def restore(self, view: Mapping[str, Any]) -> None:
        """Take the saved fields from a session's ``view`` object; unknown or bad entries (a file
        written by another version) leave the field as it is."""
        mode = view.get(DISPLAY_MODE_KEY)
        if isinstance(mode, str) and mode in DISPLAY_MODES:
            self.display_mode = mode
        speed = view.get(SPEED_KEY)
        if isinstance(speed, int | float) and not isinstance(speed, bool):
            with suppress(ValueError):  # out of range: keep the current speed
                self.set_speed(speed)
        order = view.get(ORDER_KEY)
        if isinstance(order, str) and order in ORDERS:
            self.order = order
        for key, field in ((LOOP_KEY, "loop"), (REVEAL_KEY, "reveal")):
            value = view.get(key)
            if isinstance(value, bool):
                setattr(self, field, value)

    def saved(self, view: Mapping[str, Any]) -> dict[str, Any]:
        """``view`` (a session's free-form view object) with this model's saved fields written
        in; entries other versions wrote are kept."""
        state = dict(view)
        state[DISPLAY_MODE_KEY] = self.display_mode
        state[SPEED_KEY] = self.speed
        state[LOOP_KEY] = self.loop
        state[ORDER_KEY] = self.order
        state[REVEAL_KEY] = self.reveal
        return state


__all__ = ["DISPLAY_MODES", "SAVED", "ViewState"]
