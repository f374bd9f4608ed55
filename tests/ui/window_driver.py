"""Driving the main window as a user does, and reading back what the user sees.

Shared by the window tests and the lecture-scenario tests. Expected values are worked out here
from the definitions (a kernel tap of output position ``p`` sits on padded cell
``p*stride + k*dilation``), never read from the window's own helpers.
"""

from __future__ import annotations

import itertools

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QLineEdit

from convstudio.engine import convolve
from convstudio.engine.params import ConvParams
from convstudio.session.model import Session
from convstudio.ui.grids import GridView
from convstudio.ui.shell.main_window import MainWindow

Cell = tuple[int, int]


def show_window(qtbot, session: Session | None = None) -> MainWindow:
    """A shown, active main window whose first output has arrived."""
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.output_is_current, timeout=20_000)
    return window


def close_window(qtbot, window: MainWindow) -> None:
    """Close as the user does; the engine thread must be finished afterwards."""
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible())
    assert window.runner.worker_thread.isFinished(), "closing the window stops the engine thread"


def session_output(session: Session) -> np.ndarray:
    """What the output must be: the engine's convolve of the session's arrays."""
    bias = session.bias if session.params.bias else None
    return convolve(session.input, session.weight, bias, **session.params.settings())


def as_grid_cell(position: tuple[int, ...]) -> Cell:
    """An output position as the (row, col) of its grid (a 1D layer is one row)."""
    return (0, position[0]) if len(position) == 1 else (position[0], position[1])


# -- mouse and keyboard ------------------------------------------------------------------------


def click_cell(qtbot, grid: GridView, row: int, col: int) -> None:
    """A left click on the centre of padded cell (row, col), on whatever view shows the grid.

    Waits until the cell is on the laid-out grid first: a grid just shown (a new kernel) gets
    its size when the event loop runs, as it has long before anyone can click it.
    """
    qtbot.waitUntil(lambda: grid.rect().contains(grid.cell_rect(row, col).center()))
    view = grid.active_view()
    target = view.viewport() if hasattr(view, "viewport") else view
    point = target.mapFrom(grid, grid.cell_rect(row, col).center())
    qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=point)


def type_into_cell(qtbot, grid: GridView, row: int, col: int, text: str) -> QLineEdit:
    """Click padded cell (row, col), type ``text`` (the first key opens the editor).

    Returns the editor; the caller presses Enter (or Escape) on it.
    """
    click_cell(qtbot, grid, row, col)
    view = grid.active_view()
    qtbot.waitUntil(view.hasFocus)
    assert grid.current_cell() == (row, col), "the click makes the cell current"
    qtbot.keyClicks(view, text[0])
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit), "typing on a cell opens an editor"
    qtbot.keyClicks(editor, text[1:])
    assert editor.text() == text
    return editor


def enter_value(qtbot, window: MainWindow, grid: GridView, row: int, col: int, text: str) -> None:
    """Type ``text`` into a cell, press Enter and wait for the document to take the edit."""
    editor = type_into_cell(qtbot, grid, row, col, text)
    with qtbot.waitSignal(window.document.changed, timeout=5_000):
        qtbot.keyClick(editor, Qt.Key.Key_Return)


def type_into_spin(qtbot, spin: QAbstractSpinBox, text: str) -> None:
    """Select what a spin box shows, type ``text`` and press Enter, as in the settings panel."""
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    qtbot.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key.Key_Return)


def shortcut(qtbot, window: MainWindow, key: Qt.Key, modifiers: Qt.KeyboardModifier) -> None:
    """Press a window shortcut with the keyboard focus on the stage (not in a text field)."""
    grid = window.stage.output_card(window.document.session.cursor.out_feature).grid
    grid.active_view().setFocus()
    qtbot.waitUntil(grid.active_view().hasFocus)
    qtbot.keyClick(grid.active_view(), key, modifiers)


# -- what the grids show -----------------------------------------------------------------------


def lit(grid: GridView, layer: str) -> set[Cell]:
    """The cells a highlight layer lights (empty when the layer is off)."""
    found = grid.highlight(layer)
    if found is None:
        return set()
    return set(zip(found.rows.tolist(), found.cols.tolist()))


def tap_cells(params: ConvParams, position: tuple[int, ...]) -> set[Cell]:
    """Padded (row, col) of every kernel tap of output ``position``: position*stride + k*dilation.

    A 1D layer's grid is a single row, so its taps sit on row 0.
    """
    axes = [
        [p * s + k * d for k in range(n)]
        for p, n, s, d in zip(position, params.kernel_size, params.stride, params.dilation)
    ]
    if params.ndim == 1:
        return {(0, c) for c in axes[0]}
    return set(itertools.product(axes[0], axes[1]))


def grid_padding(params: ConvParams) -> tuple[int, int]:
    """(top, left) padding of an input grid: the offset from input to padded coordinates."""
    if params.ndim == 1:
        return 0, params.padding[0][0]
    return params.padding[0][0], params.padding[1][0]


def real_cells(params: ConvParams, spatial: tuple[int, ...], cells: set[Cell]) -> set[tuple]:
    """The cells of ``cells`` that are input cells, as input positions (padding dropped)."""
    top, left = grid_padding(params)
    out = set()
    for row, col in cells:
        if params.ndim == 1:
            if 0 <= col - left < spatial[0]:
                out.add((col - left,))
        elif 0 <= row - top < spatial[0] and 0 <= col - left < spatial[1]:
            out.add((row - top, col - left))
    return out


def output_positions(shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Every output position in reading order (as the slider counts them)."""
    return list(itertools.product(*(range(n) for n in shape)))
