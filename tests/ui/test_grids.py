"""The grid widget, driven as a user drives it: typing, pasting, clicking, and what it shows."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QEvent, QPoint, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit

from convstudio.ui.grids import GridView
from convstudio.ui.grids.highlights import cells_to_arrays, make_layer, row_runs
from convstudio.ui.grids.model import GHOST_ROLE
from convstudio.ui.grids.numbers import (
    MINUS,
    NumberError,
    format_block,
    format_compact,
    format_exact,
    parse_block,
    parse_number,
)
from convstudio.ui.style.palette import DASHED_ROLES, ROLES, diverging_lut, role_color, theme_of

VALUES = np.array([[1.5, -2.0, 0.25], [3.0, 4.0, 5.0]])
PADDING = ((1, 1), (1, 1))


# -- helpers -----------------------------------------------------------------------------------


def show(qtbot, grid: GridView, size=None) -> GridView:
    qtbot.addWidget(grid)
    grid.resize(QSize(*size) if size is not None else grid.sizeHint())
    grid.show()
    qtbot.waitExposed(grid)
    grid.activateWindow()
    return grid


@pytest.fixture
def grid(qtbot) -> GridView:
    g = GridView(name="input 1")
    g.set_values(VALUES, PADDING)
    return show(qtbot, g)


def focus_cell(qtbot, grid: GridView, row: int, col: int):
    view = grid.active_view()
    view.setFocus()
    grid.set_current_cell(row, col)
    qtbot.waitUntil(view.hasFocus)
    return view


def type_key(qtbot, widget, char: str) -> None:
    """One key press as a keyboard sends it; QTest only knows ASCII, so others go as raw events."""
    if char.isascii():
        qtbot.keyClick(widget, char)
        return
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        event = QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char)
        QApplication.sendEvent(widget, event)


def start_typing(qtbot, grid: GridView, row: int, col: int, text: str) -> QLineEdit:
    """Select padded cell (row, col) and type ``text`` (the first key opens the editor)."""
    view = focus_cell(qtbot, grid, row, col)
    type_key(qtbot, view, text[0])
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit), "typing on a cell opens an editor"
    for char in text[1:]:
        type_key(qtbot, editor, char)
    return editor


def center_point(grid: GridView, row: int, col: int):
    """(widget under the cell centre, the point in that widget's coordinates)."""
    center = grid.cell_rect(row, col).center()
    target = grid.childAt(center)
    assert target is not None
    return target, target.mapFrom(grid, center)


def pixel(image: QImage, x: int, y: int) -> QColor:
    return image.pixelColor(x, y)


def close(a: QColor, b: QColor, tolerance: int = 24) -> bool:
    return all(abs(p - q) <= tolerance for p, q in zip(a.getRgb()[:3], b.getRgb()[:3]))


def border_point(grid: GridView, row: int, col: int) -> QPoint:
    """A point on the highlight border of a cell: just inside its left edge, mid-height."""
    rect = grid.cell_rect(row, col)
    return QPoint(rect.left() + 1, rect.center().y())


# -- what the cells show -----------------------------------------------------------------------


def test_set_values_shows_numbers_and_padding(grid: GridView):
    model = grid.active_view().model()
    assert model.rowCount() == 4 and model.columnCount() == 5
    assert model.index(1, 1).data() == "1.5"
    assert model.index(1, 2).data() == f"{MINUS}2"
    assert model.index(2, 3).data() == "5"
    assert model.index(0, 0).data() == "0"
    assert model.index(0, 0).data(GHOST_ROLE) is True
    assert model.index(1, 1).data(GHOST_ROLE) is False
    np.testing.assert_array_equal(grid.values(), VALUES)
    assert grid.display_mode() == "numbers"
    # The whole grid fits its size hint: every cell is inside the widget, none cut off.
    corner = grid.cell_rect(3, 4)
    assert grid.rect().contains(corner)


def test_ghost_cells_show_the_padding_values(qtbot):
    g = GridView()
    values = np.array([[1.0, 2.0, 3.0]])
    ghost = np.pad(values, ((0, 0), (2, 2)), mode="reflect")
    g.set_values(values, ((0, 0), (2, 2)), ghost)
    show(qtbot, g)
    model = g.active_view().model()
    assert [model.index(0, c).data() for c in range(7)] == ["3", "2", "1", "2", "3", "2", "1"]
    assert [model.index(0, c).data(GHOST_ROLE) for c in range(7)] == [True] * 2 + [False] * 3 + [
        True
    ] * 2
    np.testing.assert_array_equal(g.padded_values(), ghost)


def test_set_values_rejects_a_ghost_of_the_wrong_shape(qtbot):
    g = GridView()
    qtbot.addWidget(g)
    with pytest.raises(ValueError, match="ghost has shape"):
        g.set_values(np.ones((2, 2)), ((1, 1), (1, 1)), np.zeros((3, 3)))


def test_same_shape_keeps_the_layout(grid: GridView):
    before = grid.cell_rect(2, 3)
    grid.set_values(VALUES * 1000.5, PADDING)
    assert grid.cell_rect(2, 3) == before
    assert grid.active_view().model().index(1, 1).data() == format_compact(1.5 * 1000.5)


def test_new_padding_with_the_same_padded_shape_moves_the_real_cells(grid: GridView):
    model = grid.active_view().model()
    assert model.index(3, 0).data(GHOST_ROLE) is True
    grid.set_values(VALUES, ((2, 0), (0, 2)))
    assert model.index(3, 0).data(GHOST_ROLE) is False
    assert model.index(3, 0).data() == "3"
    assert model.headerData(0, Qt.Orientation.Vertical) == ""
    assert model.headerData(2, Qt.Orientation.Vertical) == "0"
    assert grid.real_rect() == (2, 0, 2, 3)


def test_padded_cells_are_rendered_differently_from_real_cells(grid: GridView):
    """A zero ghost cell and a zero-tinted real cell must not look the same."""
    grid.set_values(np.zeros((2, 3)), PADDING)
    image = grid.grab().toImage()
    ghost, real = grid.cell_rect(0, 0), grid.cell_rect(1, 1)
    ghost_pixels = {pixel(image, ghost.left() + i, ghost.top() + 4).rgb() for i in range(2, 14)}
    real_pixels = {pixel(image, real.left() + i, real.top() + 4).rgb() for i in range(2, 14)}
    assert len(ghost_pixels) > 1, "padding is hatched"
    assert len(real_pixels) == 1, "a real cell has a plain tint"
    assert ghost_pixels != real_pixels


# -- editing -----------------------------------------------------------------------------------


def test_typing_a_number_and_enter_emits_cell_edited_and_moves_down(qtbot, grid: GridView):
    editor = start_typing(qtbot, grid, 1, 1, "2.5")
    with qtbot.waitSignal(grid.cell_edited) as edited:
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert edited.args == [0, 0, 2.5]
    # The grid does not change itself: the window's undo stack answers with set_values.
    assert grid.values()[0, 0] == 1.5
    qtbot.waitUntil(lambda: grid.current_cell() == (2, 1))


def test_a_controller_answering_with_set_values_shows_the_new_value(qtbot, grid: GridView):
    """The real flow: the undo stack applies an edit and calls set_values while Enter is handled."""
    values = VALUES.copy()

    def apply(row: int, col: int, value: float) -> None:
        values[row, col] = value
        grid.set_values(values, PADDING)

    grid.cell_edited.connect(apply)
    editor = start_typing(qtbot, grid, 1, 3, "8.25")
    with qtbot.waitSignal(grid.cell_edited):
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert grid.active_view().model().index(1, 3).data() == "8.25"
    qtbot.waitUntil(lambda: grid.current_cell() == (2, 3))
    editor = start_typing(qtbot, grid, 2, 3, "-1")
    with qtbot.waitSignal(grid.cell_edited):
        qtbot.keyClick(editor, Qt.Key.Key_Tab)
    np.testing.assert_array_equal(grid.values(), [[1.5, -2.0, 8.25], [3.0, 4.0, -1.0]])


def test_tab_commits_and_moves_right(qtbot, grid: GridView):
    editor = start_typing(qtbot, grid, 1, 2, "-7")
    with qtbot.waitSignal(grid.cell_edited) as edited:
        qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert edited.args == [0, 1, -7.0]
    qtbot.waitUntil(lambda: grid.current_cell() == (1, 3))


def test_text_that_is_not_a_number_is_refused_and_the_cell_keeps_its_value(qtbot, grid):
    edits = []
    grid.cell_edited.connect(lambda *a: edits.append(a))
    editor = start_typing(qtbot, grid, 1, 1, "abc")
    with qtbot.waitSignal(grid.edit_refused) as refused:
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert refused.args == ["“abc” is not a number: the cell keeps 1.5"]
    assert edits == []
    assert grid.active_view().model().index(1, 1).data() == "1.5"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("nan", "“nan” is not a finite number"),
        ("inf", "“inf” is not a finite number"),
        ("1e999", "“1e999” is too large to be a finite number"),
        ("1,5", "“1,5” is not a number (decimals take a point: 1.5)"),
        ("1_0", "“1_0” is not a number"),
    ],
)
def test_non_finite_and_ambiguous_text_is_refused(qtbot, grid, typed, reason):
    editor = start_typing(qtbot, grid, 2, 3, typed)
    with qtbot.waitSignal(grid.edit_refused) as refused:
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert refused.args == [f"{reason}: the cell keeps 5"]


@pytest.mark.parametrize(
    ("typed", "value"), [("\u22123", -3.0), (" +4 ", 4.0), ("1e-3", 0.001), (".5", 0.5)]
)
def test_unicode_minus_plus_sign_spaces_and_exponents_are_accepted(qtbot, grid, typed, value):
    editor = start_typing(qtbot, grid, 2, 3, typed)
    with qtbot.waitSignal(grid.cell_edited) as edited:
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert edited.args == [1, 2, value]


def test_escape_cancels_the_edit(qtbot, grid: GridView):
    seen = []
    grid.cell_edited.connect(lambda *a: seen.append(a))
    grid.edit_refused.connect(lambda *a: seen.append(a))
    editor = start_typing(qtbot, grid, 1, 1, "99")
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not isinstance(QApplication.focusWidget(), QLineEdit))
    qtbot.wait(20)
    assert seen == []
    assert grid.active_view().model().index(1, 1).data() == "1.5"


def test_committing_the_same_value_emits_nothing(qtbot, grid: GridView):
    seen = []
    grid.cell_edited.connect(lambda *a: seen.append(a))
    editor = start_typing(qtbot, grid, 1, 1, "1.50")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: grid.current_cell() == (2, 1))
    assert seen == []


def test_ghost_cells_are_not_editable(qtbot, grid: GridView):
    model = grid.active_view().model()
    assert not model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable
    assert model.flags(model.index(1, 1)) & Qt.ItemFlag.ItemIsEditable
    seen = []
    grid.cell_edited.connect(lambda *a: seen.append(a))
    view = focus_cell(qtbot, grid, 0, 2)
    qtbot.keyClick(view, "5")  # a padding cell holds 0: typing neither edits nor jumps to a "5"
    assert grid.current_cell() == (0, 2)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    target, point = center_point(grid, 3, 2)
    qtbot.mouseDClick(target, Qt.MouseButton.LeftButton, pos=point)
    assert not isinstance(QApplication.focusWidget(), QLineEdit)
    assert seen == []


def test_read_only_grid_opens_no_editor_and_refuses_a_paste(qtbot, grid: GridView):
    grid.set_editable(False)
    view = focus_cell(qtbot, grid, 1, 1)
    qtbot.keyClick(view, "5")
    assert not isinstance(QApplication.focusWidget(), QLineEdit)
    QGuiApplication.clipboard().setText("1")
    with qtbot.waitSignal(grid.edit_refused) as refused:
        qtbot.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert refused.args == ["input 1 cannot be edited: nothing was pasted"]


# -- clipboard ---------------------------------------------------------------------------------


def test_paste_emits_the_block_at_the_current_cell(qtbot, grid: GridView):
    view = focus_cell(qtbot, grid, 1, 2)
    QGuiApplication.clipboard().setText("1\t2\n3\t4\n")
    with qtbot.waitSignal(grid.block_pasted) as pasted:
        qtbot.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    row, col, block = pasted.args
    assert (row, col) == (0, 1)
    assert block.dtype == np.float64
    np.testing.assert_array_equal(block, [[1.0, 2.0], [3.0, 4.0]])


def test_paste_is_clipped_to_the_real_cells(qtbot, grid: GridView):
    view = focus_cell(qtbot, grid, 2, 3)
    QGuiApplication.clipboard().setText("1,2,3\n4,5,6\n7,8,9")
    with qtbot.waitSignal(grid.block_pasted) as pasted:
        qtbot.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    row, col, block = pasted.args
    assert (row, col) == (1, 2)
    np.testing.assert_array_equal(block, [[1.0]])


def test_a_bad_token_refuses_the_whole_paste(qtbot, grid: GridView):
    pasted = []
    grid.block_pasted.connect(lambda *a: pasted.append(a))
    view = focus_cell(qtbot, grid, 1, 1)
    QGuiApplication.clipboard().setText("1\t2\n3\tx")
    with qtbot.waitSignal(grid.edit_refused) as refused:
        qtbot.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert refused.args == [
        "Nothing was pasted: “x” is not a number (row 2, column 2 of the pasted block)"
    ]
    assert pasted == []


def test_paste_on_a_padding_cell_is_refused(qtbot, grid: GridView):
    view = focus_cell(qtbot, grid, 0, 0)
    QGuiApplication.clipboard().setText("1")
    with qtbot.waitSignal(grid.edit_refused) as refused:
        qtbot.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert "padding" in refused.args[0]


def test_copy_puts_the_selection_on_the_clipboard_as_tab_separated_rows(qtbot, grid: GridView):
    view = focus_cell(qtbot, grid, 1, 1)
    model = view.model()
    view.selectionModel().select(
        view.selectionModel().selection().__class__(model.index(1, 1), model.index(2, 2)),
        view.selectionModel().SelectionFlag.ClearAndSelect,
    )
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "1.5\t-2\n3\t4"


def test_delete_emits_zeros_for_the_selected_real_cells(qtbot, grid: GridView):
    view = focus_cell(qtbot, grid, 0, 0)
    model = view.model()
    view.selectionModel().select(
        view.selectionModel().selection().__class__(model.index(0, 0), model.index(1, 2)),
        view.selectionModel().SelectionFlag.ClearAndSelect,
    )
    with qtbot.waitSignal(grid.block_pasted) as pasted:
        qtbot.keyClick(view, Qt.Key.Key_Delete)
    row, col, block = pasted.args
    assert (row, col) == (0, 0)
    np.testing.assert_array_equal(block, np.zeros((1, 2)))


# -- highlights --------------------------------------------------------------------------------


def test_highlight_lights_exactly_the_listed_cells(qtbot, grid: GridView):
    orange = role_color("receptive", theme_of(grid))
    grid.set_highlight("rf", [(1, 1), (1, 3)], "receptive")  # a dilation gap at (1, 2)
    qtbot.wait(10)
    image = grid.grab().toImage()
    for cell in [(1, 1), (1, 3)]:
        p = border_point(grid, *cell)
        assert close(pixel(image, p.x(), p.y()), orange), cell
    gap = border_point(grid, 1, 2)
    assert not close(pixel(image, gap.x(), gap.y()), orange)
    # The fill is translucent: the lit cell is tinted towards the role colour.
    inside = grid.cell_rect(1, 3).topLeft() + QPoint(5, 5)
    grid.clear_highlight("rf")
    plain = grid.grab().toImage().pixelColor(inside)
    lit = image.pixelColor(inside)
    assert lit != plain
    distance = sum(abs(a - b) for a, b in zip(lit.getRgb()[:3], orange.getRgb()[:3]))
    assert distance < sum(abs(a - b) for a, b in zip(plain.getRgb()[:3], orange.getRgb()[:3]))


def test_moving_a_layer_clears_its_old_cells(qtbot, grid: GridView):
    purple = role_color("output", theme_of(grid))
    grid.set_highlight("out", [(1, 1)], "output")
    image = grid.grab().toImage()
    p = border_point(grid, 1, 1)
    assert close(pixel(image, p.x(), p.y()), purple)
    grid.set_highlight("out", (np.array([2]), np.array([3])), "output")
    image = grid.grab().toImage()
    assert not close(pixel(image, p.x(), p.y()), purple)
    q = border_point(grid, 2, 3)
    assert close(pixel(image, q.x(), q.y()), purple)
    assert grid.highlight("out").extent == (2, 3, 2, 3)


def test_layers_stack_and_clear_independently(qtbot, grid: GridView):
    theme = theme_of(grid)
    grid.set_highlight("rf", [(1, 1), (1, 2)], "receptive")
    grid.set_highlight("out", [(1, 2)], "output")
    image = grid.grab().toImage()
    p, q = border_point(grid, 1, 1), border_point(grid, 1, 2)
    assert close(pixel(image, p.x(), p.y()), role_color("receptive", theme))
    assert close(pixel(image, q.x(), q.y()), role_color("output", theme))
    grid.set_highlight("out", [], "output")
    image = grid.grab().toImage()
    assert close(pixel(image, q.x(), q.y()), role_color("receptive", theme))
    assert grid.highlight("out") is None


def test_highlight_outside_the_grid_is_dropped_and_unknown_style_refused(qtbot, grid):
    grid.set_highlight("rf", [(-1, 0), (1, 1), (9, 9)], "receptive")
    layer = grid.highlight("rf")
    assert layer.rows.tolist() == [1] and layer.cols.tolist() == [1]
    with pytest.raises(ValueError, match="unknown highlight style"):
        grid.set_highlight("rf", [(1, 1)], "sparkly")


def test_highlight_layers_survive_new_values(qtbot, grid: GridView):
    grid.set_highlight("out", [(2, 2)], "output")
    grid.set_values(VALUES + 1, PADDING)
    image = grid.grab().toImage()
    p = border_point(grid, 2, 2)
    assert close(pixel(image, p.x(), p.y()), role_color("output", theme_of(grid)))


def test_cells_forms_and_row_runs():
    rows, cols = cells_to_arrays((np.array([0, 0, 2]), np.array([1, 2, 2])))
    assert rows.tolist() == [0, 0, 2] and cols.tolist() == [1, 2, 2]
    rows, cols = cells_to_arrays(((0, 1), (2, 3)))  # tuples are pairs, not arrays
    assert rows.tolist() == [0, 2] and cols.tolist() == [1, 3]
    layer = make_layer("kernel", [(0, 0), (0, 1), (0, 3), (1, 1), (0, 1)], (4, 4))
    assert row_runs(layer) == [(0, 0, 1), (0, 3, 3), (1, 1, 1)]
    assert layer.extent == (0, 0, 1, 3)


# -- mouse -------------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", [(1, 1), (2, 3), (0, 0), (3, 4)])
def test_clicking_a_cell_emits_its_padded_coordinates(qtbot, grid: GridView, cell):
    target, point = center_point(grid, *cell)
    with qtbot.waitSignal(grid.cell_clicked) as clicked:
        qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=point)
    assert tuple(clicked.args) == cell


def test_hover_reports_the_cell_under_the_pointer(qtbot, grid: GridView):
    target, point = center_point(grid, 2, 1)
    with qtbot.waitSignal(grid.cell_hovered) as hovered:
        qtbot.mouseMove(target, point)
    assert hovered.args == [2, 1]


# -- display modes -----------------------------------------------------------------------------


def test_auto_mode_switches_to_colours_for_a_large_grid(qtbot):
    g = GridView()
    g.set_values(np.zeros((38, 38)), ((1, 1), (1, 1)))
    show(qtbot, g, (400, 400))
    assert g.display_mode() == "numbers"
    g.set_values(np.random.default_rng(1).normal(size=(256, 256)))
    assert g.display_mode() == "colours"
    g.set_display_mode("numbers")
    assert g.display_mode() == "numbers"
    g.set_display_mode("colours")
    g.set_values(np.ones((3, 3)))
    assert g.display_mode() == "colours"
    g.set_display_mode("auto")
    assert g.display_mode() == "numbers"
    with pytest.raises(ValueError, match="unknown display mode"):
        g.set_display_mode("pictures")


@pytest.fixture
def colours(qtbot) -> GridView:
    g = GridView(name="big input")
    values = np.arange(60 * 60, dtype=np.float64).reshape(60, 60) / 100.0 - 18.0
    g.set_values(values, ((2, 2), (2, 2)))
    return show(qtbot, g, (420, 360))


def test_colours_mode_click_and_hover_map_to_padded_cells(qtbot, colours: GridView):
    assert colours.display_mode() == "colours"
    for cell in [(0, 0), (10, 20), (63, 63)]:
        target, point = center_point(colours, *cell)
        with qtbot.waitSignal(colours.cell_clicked) as clicked:
            qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=point)
        assert tuple(clicked.args) == cell
    target, point = center_point(colours, 30, 31)
    with qtbot.waitSignal(colours.cell_hovered) as hovered:
        qtbot.mouseMove(target, point)
    assert hovered.args == [30, 31]


def test_colours_mode_highlight_moves(qtbot, colours: GridView):
    colours.active_view().vb.setRange(xRange=(0, 12), yRange=(0, 12), padding=0)
    qtbot.wait(10)
    green = role_color("kernel", theme_of(colours))
    colours.set_highlight("k", [(3, 3), (3, 5)], "kernel")
    image = colours.grab().toImage()
    p = border_point(colours, 3, 3)
    assert close(pixel(image, p.x(), p.y()), green)
    gap = border_point(colours, 3, 4)
    assert not close(pixel(image, gap.x(), gap.y()), green)
    colours.set_highlight("k", [(6, 6)], "kernel")
    image = colours.grab().toImage()
    assert not close(pixel(image, p.x(), p.y()), green)
    q = border_point(colours, 6, 6)
    assert close(pixel(image, q.x(), q.y()), green)


def test_colours_mode_double_click_edits_with_the_same_validation(qtbot, colours: GridView):
    colours.active_view().vb.setRange(xRange=(0, 10), yRange=(0, 10), padding=0)
    target, point = center_point(colours, 3, 4)
    qtbot.mouseDClick(target, Qt.MouseButton.LeftButton, pos=point)
    editor = colours.active_view().editor()
    assert isinstance(editor, QLineEdit)
    assert editor.text() == format_exact(colours.values()[1, 2])
    qtbot.keyClicks(editor, "abc")
    with qtbot.waitSignal(colours.edit_refused) as refused:
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert refused.args == ["“abc” is not a number: the cell keeps -17.38"]
    qtbot.mouseDClick(target, Qt.MouseButton.LeftButton, pos=point)
    editor = colours.active_view().editor()
    qtbot.keyClicks(editor, "2.5")
    with qtbot.waitSignal(colours.cell_edited) as edited:
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert edited.args == [1, 2, 2.5]
    # Padding cells open no editor.
    target, point = center_point(colours, 0, 0)
    qtbot.mouseDClick(target, Qt.MouseButton.LeftButton, pos=point)
    assert colours.active_view().editor() is None


def test_colours_mode_paste_at_the_clicked_cell(qtbot, colours: GridView):
    target, point = center_point(colours, 61, 60)
    qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=point)
    QGuiApplication.clipboard().setText("1 2 3\n4 5 6")
    with qtbot.waitSignal(colours.block_pasted) as pasted:
        qtbot.keyClick(target, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    row, col, block = pasted.args
    assert (row, col) == (59, 58)
    np.testing.assert_array_equal(block, [[1.0, 2.0]])


def test_colours_mode_shows_numbers_only_when_zoomed_in(qtbot, colours: GridView):
    view = colours.active_view()

    def spread_in_cell(row: int, col: int) -> int:
        """Text draws dark strokes across a light cell; a flat colour has no spread."""
        image = colours.grab().toImage()
        rect = colours.cell_rect(row, col)
        shades = [
            image.pixelColor(x, rect.center().y()).lightness()
            for x in range(rect.left() + 3, rect.right() - 2)
        ]
        return max(shades) - min(shades)

    view.vb.setRange(xRange=(2, 18), yRange=(2, 18), padding=0)
    qtbot.wait(10)
    assert 8 <= colours.cell_rect(5, 5).width() < 30
    assert spread_in_cell(5, 5) < 20
    view.vb.setRange(xRange=(2, 6), yRange=(2, 6), padding=0)
    qtbot.wait(10)
    assert colours.cell_rect(3, 3).width() >= 30
    assert spread_in_cell(3, 3) > 60


# -- numbers and palette -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3.0, "3"),
        (-2.0, f"{MINUS}2"),
        (0.1234567, "0.1235"),
        (-0.0, "0"),
        (123456.0, "123456"),
        (1.5e7, "1.5e7"),
        (2.5e-8, f"2.5e{MINUS}8"),
    ],
)
def test_format_compact(value, text):
    assert format_compact(value) == text


def test_parse_block_separators_and_errors():
    np.testing.assert_array_equal(parse_block("1;2\n3;4"), [[1, 2], [3, 4]])
    np.testing.assert_array_equal(parse_block(" 1  2 \r\n 3 4\n\n"), [[1, 2], [3, 4]])
    np.testing.assert_array_equal(parse_block("1,\u22122,\n"), [[1, -2]])
    with pytest.raises(NumberError, match="row 2 of the pasted block has 1 numbers, row 1 has 2"):
        parse_block("1\t2\n3")
    with pytest.raises(NumberError, match="empty"):
        parse_block("1\t\t2")
    with pytest.raises(NumberError, match="no numbers"):
        parse_block("\n \n")


def test_format_block_leaves_unselected_cells_empty():
    values = np.array([[1.0, 2.5], [3.0, 4.0]])
    present = np.array([[True, False], [True, True]])
    assert format_block(values, present) == "1\t\n3\t4"


@settings(max_examples=150, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_exact_text_round_trips(value):
    assert parse_number(format_exact(value)) == value
    assert 1 <= len(format_compact(value)) <= 11  # short enough for a cell


def test_palette_roles_are_distinct_in_both_themes():
    for theme in ("light", "dark"):
        # A dashed role shares the hue of the role it varies ("selected_copy": "selected").
        solid = [role for role in ROLES if role not in DASHED_ROLES]
        colours = {role_color(role, theme).name() for role in solid}
        assert len(colours) == len(solid)
        for role in DASHED_ROLES:
            assert role_color(role, theme) == role_color(role.removesuffix("_copy"), theme)
        lut = diverging_lut(theme)
        assert lut.shape == (256, 4)
        assert tuple(lut[0, :3]) == role_color("negative", theme).getRgb()[:3]
        assert tuple(lut[-1, :3]) == role_color("positive", theme).getRgb()[:3]
    with pytest.raises(ValueError, match="unknown colour role"):
        role_color("glitter")
