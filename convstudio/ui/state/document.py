"""SessionDocument: the one place the window's state lives, changed only through undoable commands.

Why a document object: every view (grids, kernels, output, arithmetic, settings) observes one
``Session`` and asks this object to change it. Each edit becomes one command on the undo stack and
emits ``changed`` once with the parts it touched, so a view redraws only what it shows; the cursor
(which output cell is looked at) is not part of the undo history and has its own signal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QUndoStack

from convstudio.engine import ConvParams, is_whole_number
from convstudio.session import (
    FILL_LABELS,
    TARGETS,
    Session,
    SessionError,
    fill_values,
    layer_record,
    notes_layer,
    with_notes_layer,
)
from convstudio.ui.state.commands import (
    EditCellsCommand,
    LayerCommand,
    MetaCommand,
    edit_text,
    fill_text,
)

#: Every part ``changed`` can name.
PARTS = frozenset({"params", "input", "weight", "bias", "meta"})
#: Undo steps kept: enough for a lecture, bounded so that layer changes of large inputs (which
#: keep the old arrays) cannot grow memory without end.
UNDO_LIMIT = 500


def _int_index(target: str, index: Any, length: int, *, exact: bool) -> tuple[int, ...]:
    """``index`` as a tuple of ints: exactly ``length`` of them, or at most that many."""
    if not isinstance(index, Sequence) or isinstance(index, str):
        raise SessionError(f"{target}: index {index!r} must be a tuple of whole numbers")
    if not all(is_whole_number(i) for i in index):
        raise SessionError(f"{target}: index {tuple(index)!r} must hold whole numbers")
    out = tuple(int(i) for i in index)
    if exact and len(out) != length:
        raise SessionError(f"{target}: index {out} needs {length} entries, one per axis")
    if len(out) > length:
        raise SessionError(f"{target}: index {out} has more than {length} entries")
    return out


class SessionDocument(QObject):
    """Holds the current ``Session`` and the undo stack; every change goes through here.

    Signals: ``changed(frozenset)`` once per edit, undo or redo, naming the parts that changed
    ("params", "input", "weight", "bias", "meta"); ``cursor_changed()`` when the cursor moved
    (also when a layer change or undo clamps it); ``modified_changed(bool)`` when the document
    becomes modified or saved; ``refused(str)`` when an edit asked for through ``attempt`` was
    refused.
    """

    changed = Signal(object)
    cursor_changed = Signal()
    modified_changed = Signal(bool)
    #: An edit asked for through ``attempt`` was refused: the message names the problem.
    refused = Signal(str)

    def __init__(self, session: Session | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = (session or Session.default()).clamp_cursor()
        self._undo_stack = QUndoStack(self)
        self._undo_stack.setUndoLimit(UNDO_LIMIT)
        self._undo_stack.cleanChanged.connect(self._clean_changed)

    # -- state -----------------------------------------------------------------------------------
    @property
    def session(self) -> Session:
        """The current session (immutable: hand it to any thread)."""
        return self._session

    @property
    def undo_stack(self) -> QUndoStack:
        return self._undo_stack

    def is_modified(self) -> bool:
        """True when the session differs from the last save or open (undo stack not clean)."""
        return not self._undo_stack.isClean()

    def mark_saved(self) -> None:
        """The current session was written to disk: it is the new unmodified state."""
        self._undo_stack.setClean()

    @Slot(bool)
    def _clean_changed(self, clean: bool) -> None:
        self.modified_changed.emit(not clean)

    def _apply(self, session: Session, parts: Iterable[str]) -> None:
        """Install ``session`` and announce it; only commands and ``replace_session`` call this."""
        moved = session.cursor != self._session.cursor
        self._session = session
        self.changed.emit(frozenset(parts))
        if moved:
            self.cursor_changed.emit()

    # -- edits (each one undo step) ----------------------------------------------------------------
    def set_cells(self, target: str, index: Sequence[int], values: Any) -> bool:
        """Write a block of values with its first cell at ``index`` (one entry per array axis).

        ``values`` is a number or an array of up to as many axes as the target (missing leading
        axes count as 1, so a 3x3 paste into the input at ``(c, r, col)`` works); the part that
        falls outside the array is clipped. Returns False, and adds no undo step, when nothing
        would change. Raises ``SessionError`` for a bad target, index or a value that is not a
        finite number; nothing changes then.
        """
        array = self._session.array(target)
        start = _int_index(target, index, array.ndim, exact=True)
        try:
            block = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError, OverflowError) as error:
            raise SessionError(f"{target}: {values!r} is not a number: {error}") from None
        if block.ndim > array.ndim:
            raise SessionError(
                f"{target}: a block of shape {block.shape} has more axes than the array "
                f"of shape {array.shape}"
            )
        block = block.reshape((1,) * (array.ndim - block.ndim) + block.shape)
        if any(s < 0 for s in start):
            raise SessionError(f"{target}: index {start} must not be negative")
        stops = tuple(min(s + n, size) for s, n, size in zip(start, block.shape, array.shape))
        if any(stop <= s for s, stop in zip(start, stops)):
            return False
        block = block[tuple(slice(0, stop - s) for s, stop in zip(start, stops))]
        where = tuple(slice(s, stop) for s, stop in zip(start, stops))
        old = array[where]
        if np.array_equal(old, block):
            return False
        result = self._session.with_cells(target, where, block)  # refuses NaN / infinity
        text = edit_text(target, start, block.shape)
        self._undo_stack.push(
            EditCellsCommand(
                self,
                target,
                where,
                old.copy(),
                np.array(block, copy=True),
                text,
                single_cell=block.size == 1,
                result=result,
            )
        )
        return True

    def fill(self, target: str, index: Sequence[int] | None, kind: str, **options: Any) -> bool:
        """Fill the whole ``target`` (``index`` None) or the region a leading index names (``(o,
        i)``: one kernel slice; ``(o,)``: kernel o; ``(c,)``: input feature c) with ``kind``.

        Kinds (see ``convstudio.session.fills``): zeros, ones, random (``seed=``, ``low=``,
        ``high=``;
        uniform, rounded to 1 decimal), identity (kernels: for each slice ``(o, i)``, 1 at the
        centre when ``i == o % in_per_group``, else 0), box_blur, sharpen, sobel_x, sobel_y,
        laplacian, edge (3x3 kernels of a 2D layer), difference, average (width-3 kernels of a 1D
        layer). Returns False when nothing changes; raises ``SessionError`` for a fill that does
        not apply (named kernels of the wrong size, identity on the input).
        """
        array = self._session.array(target)
        lead = 1 if target != "weight" else 2
        prefix = _int_index(target, () if index is None else index, lead, exact=False)
        for i, size in zip(prefix, array.shape):
            if not 0 <= i < size:
                raise SessionError(f"{target}: index {prefix} is outside the shape {array.shape}")
        region = array[prefix]
        values = fill_values(kind, target, prefix, region.shape, self._session.params, **options)
        if np.array_equal(region, values):
            return False
        result = self._session.with_cells(target, prefix, values)
        text = fill_text(target, prefix, FILL_LABELS[kind])
        self._undo_stack.push(
            EditCellsCommand(
                self,
                target,
                prefix,
                np.array(region, copy=True),
                values,
                text,
                single_cell=False,
                result=result,
            )
        )
        return True

    def set_layer(self, params: ConvParams, spatial: Sequence[int]) -> bool:
        """New layer settings and input size in one undo step, keeping every value that fits.

        Validated first: the engine's ``ConvError`` (e.g. groups that do not divide the features,
        a kernel larger than the padded input) is raised unchanged and nothing changes. Returns
        False when the layer is the current one.
        """
        before = self._session
        if params == before.params and tuple(spatial) == before.spatial:
            return False
        noted = before
        if before.notes and notes_layer(before) is None:
            noted = with_notes_layer(before)  # the notes describe the layer as it was
        after = noted.resized(params, spatial)
        self._undo_stack.push(LayerCommand(self, before, after))
        return True

    def set_meta(self, *, title: str | None = None, notes: str | None = None) -> bool:
        """New title and/or notes (undoable; consecutive edits of the same field merge)."""
        current = self._session
        new = current.with_text(title=title, notes=notes)  # checks the text
        if (new.title, new.notes) == (current.title, current.notes):
            return False
        # Notes written now describe the layer as it is now (see notes_layer).
        old_layer = notes_layer(current)
        new_layer = layer_record(current.params) if new.notes != current.notes else old_layer
        self._undo_stack.push(
            MetaCommand(
                self,
                (current.title, current.notes),
                (new.title, new.notes),
                (old_layer, new_layer),
            )
        )
        return True

    # -- not undoable --------------------------------------------------------------------------
    def replace_session(self, session: Session, clean: bool = True) -> None:
        """Start over on ``session`` (File > Open / New / an example): the undo history is cleared.

        ``clean=False`` marks the result as modified (e.g. a recovered session not yet saved).
        The session is validated first (``SessionError``); the cursor is clamped into the output.
        """
        session = session.validate().clamp_cursor()
        self._undo_stack.clear()
        if clean:
            self._undo_stack.setClean()
        else:
            self._undo_stack.resetClean()
        self._session = session
        self.changed.emit(PARTS)
        # A new session is a new output: views re-read the cursor even if it names the same cell.
        self.cursor_changed.emit()

    def set_cursor(self, out_feature: int, position: Sequence[int]) -> bool:
        """Look at another output cell (clamped into the output). Emits ``cursor_changed`` and
        returns True only if the cursor moved; never an undo step."""
        session = self._session.with_cursor(out_feature, tuple(position))
        if session.cursor == self._session.cursor:
            return False
        self._session = session
        self.cursor_changed.emit()
        return True

    # -- edits that may be refused -------------------------------------------------------------
    def attempt(self, edit: Callable[..., object], *args: Any, **kwargs: Any) -> bool:
        """Run one of the edits above for a view; a refused edit is announced, not raised.

        A view that asks for an edit (a typed cell, new settings) cannot do anything useful with
        the ``ValueError`` (``ConvError`` and ``SessionError`` are ValueErrors) but show it: so it
        calls ``attempt`` and the message goes out once through ``refused``, which the window's
        status bar shows. Returns what the edit returned, or False when it was refused.
        """
        try:
            return bool(edit(*args, **kwargs))
        except ValueError as error:
            self.refuse(str(error))
            return False

    def refuse(self, message: str) -> None:
        """Announce that something a view asked for was refused (``message`` says why)."""
        self.refused.emit(message)


__all__ = ["PARTS", "TARGETS", "SessionDocument"]
