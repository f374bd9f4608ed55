"""CellView: what a GridView asks of the widget that shows its cells.

A grid is shown either as a table of numbers (``NumbersView``) or as a zoomable colour map
(``ColoursView``); ``GridView`` switches between them and talks to whichever is on view only
through this interface, so the two stay interchangeable and a type checker says when one of them
misses a part.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QSize, Qt, SignalInstance


class CellView(Protocol):
    """The part of ``NumbersView`` and ``ColoursView`` that ``GridView`` relies on."""

    #: Text typed into padded cell (row, col), to be checked and committed by the grid.
    commit_requested: SignalInstance
    #: "copy", "paste" or "delete" from the keyboard.
    key_action: SignalInstance
    #: A click on, or the pointer over, padded cell (row, col).
    cell_clicked: SignalInstance
    cell_hovered: SignalInstance
    #: The keyboard modifiers held during the last pointer move over the cells.
    hover_modifiers: Qt.KeyboardModifier

    def selected_rects(self) -> list[tuple[int, int, int, int]]:
        """The selected ranges as (top, left, bottom, right) padded cells, inclusive."""
        ...

    def anchor(self) -> tuple[int, int] | None:
        """The padded cell a paste lands on (the keyboard's current cell), if any."""
        ...

    def sizeHint(self) -> QSize: ...


__all__ = ["CellView"]
