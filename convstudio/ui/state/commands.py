"""Undo commands: each edit of the session is one QUndoCommand that knows how to go both ways.

Why diffs: a 3-feature 1024x1024 input is 24 MB, so a command for a typed cell or a pasted block
keeps only the touched block's old and new values, and re-applies them to the session it finds (the
stack is linear, so that session is the one the edit was made on). A layer change keeps the old
settings and arrays (resizing loses the values that no longer fit) and redoes by resizing again.
Text and indices are 0-based, as in PyTorch and in the grids' captions ("kernel 2.1" is output
feature 2, input feature 1).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

import numpy as np
from PySide6.QtGui import QUndoCommand

from convstudio.engine import ConvParams
from convstudio.session import Session, notes_layer, set_notes_layer


class Editable(Protocol):
    """What a command edits: the document's current session, and the one way to install a new
    one and announce the parts it changed. A protocol, so that this module does not import the
    document that pushes its commands (no import circle)."""

    @property
    def session(self) -> Session: ...

    def _apply(self, session: Session, parts: Iterable[str]) -> None: ...


#: ``QUndoCommand.id`` values: commands with the same id may merge.
CELL_EDIT_ID = 1
META_EDIT_ID = 2


def _cells(index: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(i) for i in index) + ")"


def _dims(shape: tuple[int, ...]) -> str:
    return "x".join(str(n) for n in shape)


def region_name(target: str, index: tuple[int, ...]) -> str:
    """Which part of a target a leading index names: "input feature 0", "kernel 2.1", "bias"."""
    if target == "input":
        return f"input feature {index[0]}" if index else "input"
    if target == "weight":
        if len(index) >= 2:
            return f"kernel {index[0]}.{index[1]}"
        return f"kernel {index[0]}" if index else "all kernels"
    return f"bias {index[0]}" if index else "bias"


def edit_text(target: str, start: tuple[int, ...], shape: tuple[int, ...]) -> str:
    """Undo text for writing a block of ``shape`` at ``start`` (both full-length)."""
    if all(n == 1 for n in shape):
        if target == "input":
            return f"Edit input cell {_cells(start)}"
        if target == "weight":
            return f"Edit kernel {start[0]}.{start[1]} cell {_cells(start[2:])}"
        return f"Edit bias {start[0]}"
    if target == "bias":
        return f"Paste {shape[0]} values into bias"
    # The leading axes the block does not span (size 1) name the region; the rest is its shape.
    lead = 1 if target == "input" else 2
    fixed = 0
    while fixed < lead and shape[fixed] == 1:
        fixed += 1
    spans = shape[fixed:]
    return f"Paste {_dims(spans)} block into {region_name(target, start[:fixed])}"


def fill_text(target: str, index: tuple[int, ...], label: str) -> str:
    """Undo text for a fill: "Fill kernel 1.0 with Sobel x", "Fill the input with random"."""
    if not index:
        what = {"input": "the input", "weight": "all kernels", "bias": "the bias"}[target]
    else:
        what = region_name(target, index)
    plain = label in ("Zeros", "Ones", "Random", "Identity")
    return f"Fill {what} with {label.lower() if plain else label}"


class EditCellsCommand(QUndoCommand):
    """Write a block of values into one array (a typed cell, a paste, a fill).

    Keeps ``index`` (a tuple of ints and slices), the block's old and new values, and the session
    the first ``redo`` (the push) installs. Consecutive edits of the same single cell merge into one
    step; if they end where they started, the step disappears.
    """

    def __init__(
        self,
        document: Editable,
        target: str,
        index: tuple[int | slice, ...],
        old: np.ndarray,
        new: np.ndarray,
        text: str,
        *,
        single_cell: bool,
        result: Session,
    ) -> None:
        super().__init__(text)
        self._document = document
        self.target = target
        self.index = index
        self.old = old
        self.new = new
        self.single_cell = single_cell
        self._result: Session | None = result

    def id(self) -> int:
        return CELL_EDIT_ID if self.single_cell else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not (
            isinstance(other, EditCellsCommand)
            and other.single_cell
            and other.target == self.target
            and other.index == self.index
        ):
            return False
        self.new = other.new
        self.setObsolete(bool(np.array_equal(self.old, self.new)))
        return True

    def redo(self) -> None:
        session, self._result = self._result, None
        if session is None:
            session = self._document.session.with_cells(self.target, self.index, self.new)
        self._document._apply(session, {self.target})

    def undo(self) -> None:
        session = self._document.session.with_cells(self.target, self.index, self.old)
        self._document._apply(session, {self.target})


class LayerCommand(QUndoCommand):
    """New layer settings and input size, keeping the values that fit (``Session.resized``)."""

    def __init__(self, document: Editable, before: Session, after: Session) -> None:
        super().__init__("Change layer settings")
        self._document = document
        self._old = (before.params, before.input, before.weight, before.bias)
        self._params: ConvParams = after.params
        self._spatial = after.spatial
        self._parts = {"params"} | {
            name
            for name in ("input", "weight", "bias")
            if getattr(after, name) is not getattr(before, name)
        }
        self._result: Session | None = after
        # Which layer the notes were recorded as describing, before and after (notes_layer).
        self._layers = (notes_layer(before), notes_layer(after))

    def redo(self) -> None:
        session, self._result = self._result, None
        if session is None:
            session = self._document.session.resized(self._params, self._spatial)
            session = set_notes_layer(session, self._layers[1])
        self._document._apply(session, self._parts)

    def undo(self) -> None:
        params, input_, weight, bias = self._old
        current = self._document.session
        session = current.replace(params=params, input=input_, weight=weight, bias=bias)
        session = set_notes_layer(session, self._layers[0])
        self._document._apply(session.clamp_cursor(), self._parts)


class MetaCommand(QUndoCommand):
    """A new title and/or notes. Consecutive edits of the same fields merge (typing in notes)."""

    def __init__(
        self,
        document: Editable,
        old: tuple[str, str],
        new: tuple[str, str],
        layers: tuple[dict[str, Any] | None, dict[str, Any] | None] = (None, None),
    ) -> None:
        """``layers``: the layer the notes were recorded as describing before and after."""
        fields = [name for name, a, b in zip(("title", "notes"), old, new) if a != b]
        super().__init__("Edit " + " and ".join(fields))
        self._document = document
        self._fields = tuple(fields)
        self.old = old
        self.new = new
        self._layers = layers

    def id(self) -> int:
        return META_EDIT_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, MetaCommand) or other._fields != self._fields:
            return False
        self.new = other.new
        self._layers = (self._layers[0], other._layers[1])
        self.setObsolete(self.old == self.new)
        return True

    def _set(self, title_notes: tuple[str, str], layer: dict[str, Any] | None) -> None:
        title, notes = title_notes
        session = self._document.session.with_text(title=title, notes=notes)
        self._document._apply(set_notes_layer(session, layer), {"meta"})

    def redo(self) -> None:
        self._set(self.new, self._layers[1])

    def undo(self) -> None:
        self._set(self.old, self._layers[0])
