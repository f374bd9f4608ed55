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
state (presentation mode, playback speed) are new fields here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from psygnal import evented

from convstudio.engine import Term

if TYPE_CHECKING:
    from psygnal import SignalGroup

#: The display modes of the grids: numbers for small grids and a colour map for large ones
#: ("auto"), always numbers, or always a colour map.
DISPLAY_MODES = ("auto", "numbers", "colours")
#: The keys of the session's ``view`` object this model reads and writes.
DISPLAY_MODE_KEY = "display_mode"
SAVED = (DISPLAY_MODE_KEY,)


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

    def set_display_mode(self, mode: str) -> None:
        """Show grids as ``mode`` (one of ``DISPLAY_MODES``; anything else raises ValueError)."""
        if mode not in DISPLAY_MODES:
            raise ValueError(f"display mode {mode!r} is not one of {', '.join(DISPLAY_MODES)}")
        self.display_mode = mode

    def restore(self, view: Mapping[str, Any]) -> None:
        """Take the saved fields from a session's ``view`` object; unknown or bad entries (a file
        written by another version) leave the field as it is."""
        mode = view.get(DISPLAY_MODE_KEY)
        if isinstance(mode, str) and mode in DISPLAY_MODES:
            self.display_mode = mode

    def saved(self, view: Mapping[str, Any]) -> dict[str, Any]:
        """``view`` (a session's free-form view object) with this model's saved fields written
        in; entries other versions wrote are kept."""
        state = dict(view)
        state[DISPLAY_MODE_KEY] = self.display_mode
        return state


__all__ = ["DISPLAY_MODES", "SAVED", "ViewState"]
