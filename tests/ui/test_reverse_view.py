"""The reverse view (issue 10): click an input cell, see every output cell that reads it.

Driven as a user does (clicks on the grids, Esc, the pointer over a padding cell); what is lit is
compared with the engine's ``projective_field`` and, for padding copies, with the terms of the
engine's ``explain``, never with the window's own helpers.
"""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QHelpEvent, QMouseEvent
from PySide6.QtWidgets import QApplication, QToolTip

from convstudio.engine import explain, projective_field
from convstudio.session import Session, list_examples, load_example
from convstudio.ui.grids import GridView
from convstudio.ui.shell.main_window import MainWindow
from convstudio.ui.style.palette import role_pen_style
from tests.ui.window_driver import as_grid_cell, click_cell, enter_value, grid_padding, lit

SHIFT = Qt.KeyboardModifier.ShiftModifier


def _example(step: str) -> Session:
    """The bundled example of lecture step ``step`` ("07")."""
    return load_example(next(i.name for i in list_examples() if i.name.startswith(step)))


def _open(make_window, name: str, qtbot) -> MainWindow:
    window = make_window(_example(name))
    qtbot.waitExposed(window)
    qtbot.waitUntil(window.output_is_current, timeout=20_000)
    window.stage.build_on_view()
    return window


def _click_input(qtbot, window: MainWindow, feature: int, position: tuple[int, ...]) -> GridView:
    """Click input cell ``position`` of ``feature`` (input coordinates) on its grid."""
    params = window.document.session.params
    top, left = grid_padding(params)
    row, col = as_grid_cell(position)
    grid = window.stage.input_card(feature).grid
    click_cell(qtbot, grid, row + top, col + left)
    return grid


def _field(window: MainWindow, feature: int, position: tuple[int, ...]) -> dict[int, set]:
    """The engine's projective field, as grid cells per output feature."""
    session = window.document.session
    cells: dict[int, set] = {o: set() for o in range(session.params.out_features)}
    for o, p in projective_field(
        session.input.shape,
        session.weight.shape,
        in_feature=feature,
        position=position,
        **session.params.geometry_settings(),
    ):
        cells[o].add(as_grid_cell(p))
    return cells


def _lit_outputs(window: MainWindow, o: int) -> set:
    grid = window.stage.output_card(o).grid
    return lit(grid, "reverse") | lit(grid, "reverse_copy")


def test_clicking_an_input_cell_lights_its_projective_field_in_every_output(make_window, qtbot):
    window = _open(make_window, "07", qtbot)
    session = window.document.session
    for feature, position in ((0, (2, 3)), (1, (0, 4)), (0, (4, 0))):
        _click_input(qtbot, window, feature, position)
        assert window.view.selected_input == (feature, position)
        field = _field(window, feature, position)
        for o in range(session.params.out_features):
            assert _lit_outputs(window, o) == field[o], f"out {o}"
            assert not lit(window.stage.output_card(o).grid, "reverse_copy"), "zeros: no copies"
        top, left = grid_padding(session.params)
        assert lit(window.stage.input_card(feature).grid, "reverse") == {
            (position[0] + top, position[1] + left)
        }
        assert not lit(window.stage.input_card(1 - feature).grid, "reverse")
    # Every kernel cell multiplies an inner cell at some output position (stride 1); the kernel
    # slice of the other input feature shows nothing.
    _click_input(qtbot, window, 1, (2, 2))
    kernel = session.params.kernel_size
    assert lit(window.stage.kernel_card(1).grid, "reverse") == set(
        itertools.product(range(kernel[0]), range(kernel[1]))
    )
    assert not lit(window.stage.kernel_card(0).grid, "reverse")


def _read_through_copy(window: MainWindow, position: tuple[int, ...]) -> set:
    """Output cells with a term that reads input 0 ``position`` from a padding cell (explain)."""
    session = window.document.session
    params = session.params
    own = tuple(p + b for p, (b, _) in zip(position, params.padding))
    found = set()
    for out in itertools.product(*(range(n) for n in session.output_shape[1:])):
        e = explain(session.input, session.weight, out_feature=0, position=out, **params.settings())
        if any(t.source_index == position and tuple(t.padded_index) != own for t in e.terms):
            found.add(as_grid_cell(out))
    return found


def test_reflect_padding_marks_outputs_that_read_a_copy_with_another_line(make_window, qtbot):
    window = _open(make_window, "10", qtbot)
    assert window.document.session.params.padding_mode == "reflect"
    _click_input(qtbot, window, 0, (1, 1))
    grid = window.stage.output_card(0).grid
    copied = lit(grid, "reverse_copy")
    assert copied == _read_through_copy(window, (1, 1))
    assert copied, "the corner outputs read in 0 [1, 1] through the reflected border"
    assert lit(grid, "reverse") | copied == _field(window, 0, (1, 1))[0]
    assert grid.highlight("reverse_copy").style == "selected_copy"
    assert role_pen_style("selected_copy") != role_pen_style(grid.highlight("reverse").style)
    # The padding cells holding the copies are marked on the input too.
    assert lit(window.stage.input_card(0).grid, "reverse_copy") == {(0, 0), (0, 2), (2, 0)}


def test_the_arithmetic_panel_says_how_many_outputs_the_cell_feeds(make_window, qtbot):
    window = _open(make_window, "07", qtbot)
    panel = window.arithmetic
    assert not panel.feeds_line.isVisible()
    _click_input(qtbot, window, 0, (2, 3))
    count = len(_field(window, 0, (2, 3))[0])
    assert panel.feeds_line.isVisible()
    text = panel.feeds_line.text()
    assert text.startswith(f"in 0 [2, 3] feeds {count} cells of each of the 3 output features:")
    assert "3×3 kernel at stride 1" in text
    assert text in panel.text()
    _click_input(qtbot, window, 1, (0, 0))
    corner = len(_field(window, 1, (0, 0))[0])
    assert panel.feeds_line.text().startswith(f"in 1 [0, 0] feeds {corner} cells")
    assert "padding 1 before" in panel.feeds_line.text()


def _tooltip_over(qtbot, grid: GridView, row: int, col: int) -> str:
    """What the tooltip over padded cell (row, col) reads (a tooltip event, as Qt sends one)."""
    view = grid.active_view()
    target = view.viewport()
    point = target.mapFrom(grid, grid.cell_rect(row, col).center())
    event = QHelpEvent(QEvent.Type.ToolTip, point, target.mapToGlobal(point))
    QApplication.sendEvent(target, event)
    qtbot.waitUntil(QToolTip.isVisible)
    text = QToolTip.text()
    QToolTip.hideText()
    return text


def test_a_padding_cell_says_where_its_value_came_from(make_window, qtbot):
    window = _open(make_window, "10", qtbot)
    grid = window.stage.input_card(0).grid
    # Padded (0, 3) sits above input [0, 2]; reflect mirrors row 1 into it.
    assert _tooltip_over(qtbot, grid, 0, 3).startswith("reflect of in 0 [1, 2] = ")
    assert _tooltip_over(qtbot, grid, 3, 6).startswith("reflect of in 0 [2, 3] = ")
    assert _tooltip_over(qtbot, grid, 2, 2).startswith("[1, 1] = ")
    zeros = _open(make_window, "07", qtbot)
    assert _tooltip_over(qtbot, zeros.stage.input_card(1).grid, 0, 0) == "zero padding = 0"


def test_with_groups_an_input_cell_feeds_only_its_group_and_unread_inputs_are_dimmed(
    make_window, qtbot
):
    window = _open(make_window, "11", qtbot)
    params = window.document.session.params
    assert params.groups == 3
    window.document.set_cursor(1, (0, 0))
    stage = window.stage
    # Output feature 1 reads only input feature 1: the others are dimmed (and not editable).
    assert [stage.input_card(i).grid.isEnabled() for i in range(3)] == [False, True, False]
    _click_input(qtbot, window, 1, (2, 2))
    field = _field(window, 1, (2, 2))
    assert field[1] and not field[0] and not field[2]
    for o in range(3):
        assert _lit_outputs(window, o) == field[o]
    assert "output feature 1, the only one of its group" in window.arithmetic.feeds_line.text()
    window.document.set_cursor(2, (0, 0))
    assert [stage.input_card(i).grid.isEnabled() for i in range(3)] == [False, False, True]


def test_esc_or_a_second_click_clears_the_selection(make_window, qtbot):
    window = _open(make_window, "07", qtbot)
    grid = _click_input(qtbot, window, 0, (1, 1))
    assert window.view.selected_input == (0, (1, 1))
    qtbot.keyClick(grid.active_view(), Qt.Key.Key_Escape)
    assert window.view.selected_input is None
    assert not _lit_outputs(window, 0)
    assert not window.arithmetic.feeds_line.isVisible()
    _click_input(qtbot, window, 0, (1, 1))
    assert _lit_outputs(window, 0)
    _click_input(qtbot, window, 0, (1, 1))
    assert window.view.selected_input is None
    assert not _lit_outputs(window, 0)


def _move(grid: GridView, row: int, col: int, modifiers: Qt.KeyboardModifier) -> None:
    """The pointer moves onto padded cell (row, col) with ``modifiers`` held (QTest's moves
    carry no keys, so the move event is sent as the window system would deliver it)."""
    view = grid.active_view().viewport()
    point = QPointF(view.mapFrom(grid, grid.cell_rect(row, col).center()))
    event = QMouseEvent(
        QEvent.Type.MouseMove,
        point,
        QPointF(view.mapToGlobal(point)),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        modifiers,
    )
    QApplication.sendEvent(view, event)


def test_shift_hover_selects_the_cell_under_the_pointer(make_window, qtbot):
    window = _open(make_window, "07", qtbot)
    top, left = grid_padding(window.document.session.params)
    grid = window.stage.input_card(0).grid
    _move(grid, 3 + top, 1 + left, Qt.KeyboardModifier.NoModifier)
    assert window.view.selected_input is None, "hovering without Shift selects nothing"
    _move(grid, 3 + top, 2 + left, SHIFT)
    assert window.view.selected_input == (0, (3, 2))
    assert _lit_outputs(window, 0) == _field(window, 0, (3, 2))[0]
    _move(grid, 4 + top, 2 + left, SHIFT)
    assert window.view.selected_input == (0, (4, 2))


def test_a_selected_cell_can_still_be_typed_into(make_window, qtbot):
    window = _open(make_window, "07", qtbot)
    params = window.document.session.params
    top, left = grid_padding(params)
    grid = window.stage.input_card(0).grid
    enter_value(qtbot, window, grid, 2 + top, 2 + left, "7")
    assert window.document.session.input[0, 2, 2] == 7
    assert window.view.selected_input == (0, (2, 2)), "the click selected it as well"
    assert _lit_outputs(window, 0) == _field(window, 0, (2, 2))[0]


@pytest.mark.parametrize("name", ["07", "10"])
def test_a_smaller_input_drops_a_selection_outside_it(make_window, qtbot, name):
    window = _open(make_window, name, qtbot)
    _click_input(qtbot, window, 0, (4, 4))
    session = window.document.session
    window.document.set_layer(session.params, (4, 4))
    assert window.view.selected_input is None
    assert not window.arithmetic.feeds_line.isVisible()


def test_dilation_lights_only_the_tapped_cells_and_leaves_the_gaps_untouched(make_window, qtbot):
    window = _open(make_window, "09", qtbot)
    params = window.document.session.params
    assert max(params.dilation) > 1
    window.document.set_cursor(0, (1, 1))
    grid = window.stage.input_card(0).grid
    taps = [
        [p * s + k * d for k in range(n)]
        for p, n, s, d in zip((1, 1), params.kernel_size, params.stride, params.dilation)
    ]
    tapped = set(itertools.product(*taps))
    assert lit(grid, "receptive") == tapped
    top, left = min(taps[0]), min(taps[1])
    bottom, right = max(taps[0]), max(taps[1])
    gaps = set(itertools.product(range(top, bottom + 1), range(left, right + 1))) - tapped
    assert gaps
    qtbot.waitUntil(lambda: grid.rect().contains(grid.cell_rect(bottom, right)))
    shown = grid.grab().toImage()
    grid.clear_highlight("receptive")
    plain = grid.grab().toImage()
    for row, col in sorted(gaps | tapped):
        rect = grid.cell_rect(row, col)
        same = all(
            shown.pixel(x, y) == plain.pixel(x, y)
            for x in range(rect.left(), rect.right() + 1)
            for y in range(rect.top(), rect.bottom() + 1)
        )
        if (row, col) in gaps:
            assert same, f"gap cell {(row, col)} is drawn as if it were read (fill or frame)"
        else:
            assert not same, f"tapped cell {(row, col)} is not lit"


def test_the_previous_positions_field_shows_the_stride(make_window, qtbot):
    window = _open(make_window, "08", qtbot)
    params = window.document.session.params
    stride = params.stride
    assert max(stride) > 1
    grid = window.stage.input_card(0).grid
    window.document.set_cursor(0, (1, 2))
    assert not lit(grid, "previous"), "off until asked for"
    action = window.previous_field_action
    assert action in window.menuBar().actions()[2].menu().actions(), "in the View menu"
    action.trigger()
    assert window.view.show_previous
    current, previous = lit(grid, "receptive"), lit(grid, "previous")
    shift = {(r, c + stride[1]) for r, c in previous}
    assert previous and shift == current, "one stride to the left of the current field"
    assert grid.highlight("previous").style == "previous"
    window.document.set_cursor(0, (1, 0))  # the start of a row: the field one row up
    assert {(r + stride[0], c) for r, c in lit(grid, "previous")} == lit(grid, "receptive")
    window.document.set_cursor(0, (0, 0))
    assert not lit(grid, "previous"), "nothing before the first position"
    window.view.show_previous = False
    assert not action.isChecked()
