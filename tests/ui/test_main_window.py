"""The main window driven as a user drives it: typing into cells, scrubbing, changing the layer.

Every test asserts on what the window shows (grid values, highlights, captions, the scrub label,
the arithmetic text, the status bar) and checks it against the engine's own ``convolve`` of the
session, never against numbers written into the test.
"""

from __future__ import annotations

import dataclasses
import threading
from functools import partial

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLineEdit

from convstudio.engine import ConvError, ConvParams
from convstudio.session.examples import load_example
from convstudio.session.model import Session
from convstudio.ui.grids.numbers import format_exact
from convstudio.ui.panels.arithmetic_panel import number, operand
from convstudio.ui.shell import main_window as main_window_module
from convstudio.ui.shell.main_window import MainWindow
from convstudio.ui.state.worker import ConvolutionRunner, engine_compute
from tests.ui.test_worker import GatedCompute
from tests.ui.window_driver import (
    as_grid_cell,
    click_cell,
    close_window,
    enter_value,
    lit,
    session_output,
    shortcut,
    show_window,
    tap_cells,
    type_into_cell,
    type_into_spin,
)

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def window(qtbot):
    """The window on its built-in example: 2D, 2 -> 3 features, 5x5 input, 3x3 kernels, pad 1."""
    win = show_window(qtbot)
    yield win
    if win.isVisible():
        close_window(qtbot, win)


def wait_arithmetic(qtbot, window: MainWindow) -> None:
    """The arithmetic follows the cursor once it rests: settle it (as a rest would) and check it
    shows the cursor's cell. The rest timer itself is test_settle's."""
    cursor = window.document.session.cursor
    window.settle()
    e = window.arithmetic.explanation
    assert e is not None and (e.out_feature, e.position) == (
        cursor.out_feature,
        tuple(cursor.position),
    )


def shown_output(window: MainWindow) -> np.ndarray:
    """Every output grid's values, stacked as (out_features, *spatial)."""
    session = window.document.session
    grids = [window.stage.output_card(o).grid for o in range(session.params.out_features)]
    values = np.stack([g.values() for g in grids])
    return values[:, 0, :] if session.params.ndim == 1 else values


def line_of(text: str, in_feature: int) -> str:
    """The arithmetic line of one input feature ("in 1:  ... = 4")."""
    lines = [line for line in text.splitlines() if line.startswith(f"in {in_feature}:")]
    assert len(lines) == 1, text
    return lines[0]


def assert_cursor_shown(window: MainWindow, out_feature: int, position: tuple[int, ...]) -> None:
    """Highlights, captions, frames and the scrub bar all show output cell (o, position)."""
    session = window.document.session
    params = session.params
    stage = window.stage
    assert session.cursor.out_feature == out_feature
    assert tuple(session.cursor.position) == position
    taps = tap_cells(params, position)
    for i in range(params.in_features):
        assert lit(stage.input_card(i).grid, "receptive") == taps, f"input {i}"
    for o in range(params.out_features):
        expected = {as_grid_cell(position)} if o == out_feature else set()
        assert lit(stage.output_card(o).grid, "output") == expected, f"output {o}"
        assert stage.output_card(o).is_current() == (o == out_feature)
    for i in range(params.in_features):
        card = stage.kernel_card(i)
        assert card.caption.text() == f"w[{out_feature}, {i}]"
        np.testing.assert_array_equal(
            card.grid.values(), session.weight[out_feature, i].reshape(card.grid.values().shape)
        )
    if params.bias:
        assert stage.bias_card().caption.text() == f"b[{out_feature}]"
        assert stage.bias_card().grid.values()[0, 0] == session.bias[out_feature]
    assert window.kernel_bank.card(out_feature, 0).is_current()
    others = [o for o in range(params.out_features) if o != out_feature]
    assert not any(window.kernel_bank.card(o, 0).is_current() for o in others)
    dims = "×".join(str(n) for n in session.output_shape[1:])
    where = ", ".join(str(p) for p in position)
    shown = where if len(position) == 1 else f"({where})"  # a 1D position is one number
    assert window.scrub.position_label.text() == f"{shown} of {dims}"
    assert window.scrub.feature_box.value() == out_feature


# -- editing cells -----------------------------------------------------------------------------


def test_typing_into_an_input_cell_recomputes_the_output_and_the_arithmetic(qtbot, window):
    before = window.document.session
    old_output = shown_output(window)
    np.testing.assert_allclose(old_output, session_output(before), rtol=1e-12, atol=1e-12)
    # Look at output (1, (2, 2)) first: the arithmetic must follow an edit without a cursor move.
    click_cell(qtbot, window.stage.output_card(1).grid, 2, 2)
    wait_arithmetic(qtbot, window)
    assert "9.5" not in window.arithmetic.text()

    grid = window.stage.input_card(1).grid
    enter_value(qtbot, window, grid, 3, 3, "9.5")  # padded (3, 3) is input cell (2, 2)
    qtbot.waitUntil(window.output_is_current)

    session = window.document.session
    assert session.input[1, 2, 2] == 9.5
    assert grid.values()[2, 2] == 9.5
    expected = session_output(session)
    np.testing.assert_allclose(shown_output(window), expected, rtol=1e-12, atol=1e-12)
    assert not np.allclose(expected, old_output), "the edit changes what the output shows"

    weight = session.weight[1, 1, 1, 1]  # the kernel's centre sits on input (2, 2)
    assert f"{operand(9.5)}·{operand(weight)}" in line_of(window.arithmetic.text(), 1)
    total = window.stage.output_card(1).grid.values()[2, 2]
    assert window.arithmetic.explanation.total == pytest.approx(total, rel=1e-12, abs=1e-12)
    assert f"= total {number(total)}" in window.arithmetic.text()
    # One undo step; undoing brings the old value and output back.
    shortcut(qtbot, window, Qt.Key.Key_Z, CTRL)
    qtbot.waitUntil(window.output_is_current)
    assert grid.values()[2, 2] == before.input[1, 2, 2]
    np.testing.assert_allclose(shown_output(window), old_output, rtol=1e-12, atol=1e-12)


def test_typing_into_a_kernel_cell_and_the_bias(qtbot, window):
    click_cell(qtbot, window.stage.output_card(2).grid, 0, 0)  # kernel 2 is on the stage
    kernel = window.stage.kernel_card(0).grid
    enter_value(qtbot, window, kernel, 0, 2, "-4.25")
    bias = window.stage.bias_card().grid
    enter_value(qtbot, window, bias, 0, 0, "0.125")
    qtbot.waitUntil(window.output_is_current)

    session = window.document.session
    assert session.weight[2, 0, 0, 2] == -4.25
    assert session.bias[2] == 0.125
    assert kernel.values()[0, 2] == -4.25
    assert bias.values()[0, 0] == 0.125
    # The kernel bank shows the same kernel.
    assert window.kernel_bank.card(2, 0).grid.values()[0, 2] == -4.25
    assert window.kernel_bank.bias_card(2).grid.values()[0, 0] == 0.125
    np.testing.assert_allclose(
        shown_output(window), session_output(session), rtol=1e-12, atol=1e-12
    )
    wait_arithmetic(qtbot, window)
    assert "+ bias 0.125" in window.arithmetic.text()


def test_pasting_a_spreadsheet_block_into_the_input_is_one_undo_step(qtbot, window):
    before = window.document.session
    grid = window.stage.input_card(1).grid
    click_cell(qtbot, grid, 2, 3)  # input cell (1, 2)
    QGuiApplication.clipboard().setText("1.5\t-2\n3\t4e1\n")
    with qtbot.waitSignal(window.document.changed):
        qtbot.keyClick(grid.active_view(), Qt.Key.Key_V, CTRL)
    qtbot.waitUntil(window.output_is_current)
    session = window.document.session
    np.testing.assert_array_equal(session.input[1, 1:3, 2:4], [[1.5, -2], [3, 40]])
    np.testing.assert_array_equal(grid.values(), session.input[1])
    np.testing.assert_allclose(
        shown_output(window), session_output(session), rtol=1e-12, atol=1e-12
    )
    shortcut(qtbot, window, Qt.Key.Key_Z, CTRL)
    qtbot.waitUntil(window.output_is_current)
    np.testing.assert_array_equal(grid.values(), before.input[1])


def test_delete_and_paste_on_a_bias_cell(qtbot, window):
    click_cell(qtbot, window.stage.output_card(2).grid, 0, 0)  # bias 2 is on the stage
    assert window.document.session.bias[2] != 0
    grid = window.stage.bias_card().grid
    click_cell(qtbot, grid, 0, 0)
    with qtbot.waitSignal(window.document.changed, timeout=2_000):
        qtbot.keyClick(grid.active_view(), Qt.Key.Key_Delete)
    assert window.document.session.bias[2] == 0
    assert grid.values()[0, 0] == 0
    QGuiApplication.clipboard().setText("2.5\t9")  # clipped to the one bias cell
    with qtbot.waitSignal(window.document.changed, timeout=2_000):
        qtbot.keyClick(grid.active_view(), Qt.Key.Key_V, CTRL)
    np.testing.assert_array_equal(window.document.session.bias, [1.0, 0.0, 2.5])
    assert grid.values()[0, 0] == 2.5
    # The same in the kernel bank.
    window.docks["kernels"].raise_()
    bank = window.kernel_bank.bias_card(0).grid
    qtbot.waitUntil(bank.isVisible)
    click_cell(qtbot, bank, 0, 0)
    with qtbot.waitSignal(window.document.changed, timeout=2_000):
        qtbot.keyClick(bank.active_view(), Qt.Key.Key_Delete)
    np.testing.assert_array_equal(window.document.session.bias, [0.0, 0.0, 2.5])
    qtbot.waitUntil(window.output_is_current)
    np.testing.assert_allclose(
        shown_output(window), session_output(window.document.session), rtol=1e-12, atol=1e-12
    )


def test_text_that_is_not_a_number_is_refused_with_a_message(qtbot, window):
    before = window.document.session
    steps = window.document.undo_stack.count()
    grid = window.stage.input_card(0).grid
    editor = type_into_cell(qtbot, grid, 2, 3, "abc")
    with qtbot.assertNotEmitted(window.document.changed):
        qtbot.keyClick(editor, Qt.Key.Key_Return)
        qtbot.wait(50)
    kept = before.input[0, 1, 2]
    assert window.statusBar().currentMessage() == (
        f"“abc” is not a number: the cell keeps {format_exact(kept)}"
    )
    assert grid.values()[1, 2] == kept
    assert window.document.session is before
    assert window.document.undo_stack.count() == steps
    assert not window.isWindowModified()


def test_escape_cancels_a_cell_edit(qtbot, window):
    before = window.document.session
    grid = window.stage.input_card(0).grid
    editor = type_into_cell(qtbot, grid, 1, 1, "42")
    with qtbot.assertNotEmitted(window.document.changed):
        qtbot.keyClick(editor, Qt.Key.Key_Escape)
        qtbot.wait(50)
    assert window.document.session is before
    assert grid.values()[0, 0] == before.input[0, 0, 0]


# -- scrubbing ---------------------------------------------------------------------------------


def test_the_slider_moves_the_receptive_field_and_the_output_cell(qtbot, window):
    assert_cursor_shown(window, 0, (0, 0))
    # The corner reads padding: the highlight covers the ghost cells too.
    assert all(window.stage.input_card(0).grid.is_ghost(r, c) for r, c in [(0, 0), (0, 1), (1, 0)])
    slider = window.scrub.slider
    slider.setValue(7)  # a drag to the 8th position in reading order: (1, 2)
    assert_cursor_shown(window, 0, (1, 2))
    slider.setFocus()
    qtbot.waitUntil(slider.hasFocus)
    qtbot.keyClick(slider, Qt.Key.Key_End)
    assert_cursor_shown(window, 0, (4, 4))
    qtbot.keyClick(slider, Qt.Key.Key_Left)
    assert_cursor_shown(window, 0, (4, 3))
    wait_arithmetic(qtbot, window)
    assert window.arithmetic.text().startswith("out feature 0, position (4, 3)")


def test_alt_arrows_step_in_reading_order_and_by_rows(qtbot, window):
    shortcut(qtbot, window, Qt.Key.Key_Right, ALT)
    assert_cursor_shown(window, 0, (0, 1))
    for _ in range(3):
        shortcut(qtbot, window, Qt.Key.Key_Right, ALT)
    assert_cursor_shown(window, 0, (0, 4))
    shortcut(qtbot, window, Qt.Key.Key_Right, ALT)  # the end of a row goes on to the next row
    assert_cursor_shown(window, 0, (1, 0))
    shortcut(qtbot, window, Qt.Key.Key_Down, ALT)
    assert_cursor_shown(window, 0, (2, 0))
    shortcut(qtbot, window, Qt.Key.Key_Left, ALT)
    assert_cursor_shown(window, 0, (1, 4))
    shortcut(qtbot, window, Qt.Key.Key_PageDown, ALT)  # the next output feature, same position
    assert_cursor_shown(window, 1, (1, 4))
    shortcut(qtbot, window, Qt.Key.Key_PageUp, ALT)
    assert_cursor_shown(window, 0, (1, 4))


def test_clicking_an_output_cell_moves_the_cursor_and_brings_its_kernel(qtbot, window):
    session = window.document.session
    click_cell(qtbot, window.stage.output_card(2).grid, 3, 1)
    assert_cursor_shown(window, 2, (3, 1))
    wait_arithmetic(qtbot, window)
    total = window.stage.output_card(2).grid.values()[3, 1]
    assert total == pytest.approx(session_output(session)[2, 3, 1], rel=1e-12, abs=1e-12)
    assert window.arithmetic.text().splitlines()[0] == "out feature 2, position (3, 1)"
    assert f"= total {number(total)}" in window.arithmetic.text()
    assert f"+ bias {operand(session.bias[2])}" in window.arithmetic.text()
    click_cell(qtbot, window.stage.output_card(0).grid, 0, 4)
    assert_cursor_shown(window, 0, (0, 4))


def test_the_feature_box_chooses_the_output_feature(qtbot, window):
    type_into_spin(qtbot, window.scrub.feature_box, "1")
    assert_cursor_shown(window, 1, (0, 0))


def test_strided_dilated_asymmetric_padding_lights_the_padded_taps(qtbot):
    params = ConvParams(
        ndim=2,
        in_features=2,
        out_features=2,
        kernel_size=(2, 3),
        stride=(2, 1),
        dilation=(1, 2),
        padding=((1, 0), (2, 1)),
    )
    rng = np.random.default_rng(4)
    session = Session(
        params=params,
        input=rng.integers(-3, 4, (2, 6, 7)).astype(float),
        weight=rng.integers(-2, 3, params.weight_shape).astype(float),
        bias=np.array([0.5, -1.0]),
    )
    window = show_window(qtbot, session)
    np.testing.assert_allclose(
        shown_output(window), session_output(session), rtol=1e-12, atol=1e-12
    )
    out_shape = session.output_shape[1:]
    for index in (0, 1, window.scrub.slider.maximum()):
        window.scrub.slider.setValue(index)
        position = (index // out_shape[1], index % out_shape[1])
        assert_cursor_shown(window, 0, position)
    close_window(qtbot, window)


def test_a_1d_layer_lights_one_row(qtbot):
    params = ConvParams(
        ndim=1, in_features=1, out_features=2, kernel_size=3, dilation=2, padding=((2, 1),)
    )
    session = Session(
        params=params,
        input=np.arange(9.0)[None],
        weight=np.arange(6.0).reshape(params.weight_shape) - 2,
        bias=np.array([1.0, -1.0]),
    )
    window = show_window(qtbot, session)
    np.testing.assert_allclose(
        shown_output(window), session_output(session), rtol=1e-12, atol=1e-12
    )
    grid = window.stage.input_card(0).grid
    assert grid.padded_values().shape == (1, 12)
    assert [grid.is_ghost(0, c) for c in range(12)] == [True] * 2 + [False] * 9 + [True]
    for _ in range(4):
        shortcut(qtbot, window, Qt.Key.Key_Right, ALT)
    assert_cursor_shown(window, 0, (4,))
    assert lit(grid, "receptive") == {(0, 4), (0, 6), (0, 8)}  # dilation gaps stay dark
    click_cell(qtbot, window.stage.output_card(1).grid, 0, 6)
    assert_cursor_shown(window, 1, (6,))
    close_window(qtbot, window)


# -- the layer settings ------------------------------------------------------------------------


def test_feature_counts_and_input_size_keep_typed_values_and_undo_redo(qtbot, window):
    panel = window.settings_panel
    enter_value(qtbot, window, window.stage.input_card(1).grid, 5, 5, "8")  # input (1, 4, 4)
    enter_value(qtbot, window, window.stage.kernel_card(1).grid, 0, 0, "3")  # w[0, 1, 0, 0]
    typed = window.document.session
    assert typed.input[1, 4, 4] == 8 and typed.weight[0, 1, 0, 0] == 3

    with qtbot.waitSignal(window.document.changed):
        type_into_spin(qtbot, panel.in_spin, "3")
    qtbot.waitUntil(window.output_is_current)
    session = window.document.session
    assert session.input.shape == (3, 5, 5)
    for i in (0, 1):
        np.testing.assert_array_equal(window.stage.input_card(i).grid.values(), typed.input[i])
    np.testing.assert_array_equal(window.stage.input_card(2).grid.values(), np.zeros((5, 5)))
    assert window.stage.kernel_card(1).grid.values()[0, 0] == 3
    np.testing.assert_array_equal(window.stage.kernel_card(2).grid.values(), np.zeros((3, 3)))
    assert window.stage.kernel_card(2).caption.text() == "w[0, 2]"
    assert lit(window.stage.input_card(2).grid, "receptive") == tap_cells(session.params, (0, 0))
    np.testing.assert_allclose(
        shown_output(window), session_output(session), rtol=1e-12, atol=1e-12
    )

    with qtbot.waitSignal(window.document.changed):
        type_into_spin(qtbot, panel.out_spin, "4")
    qtbot.waitUntil(window.output_is_current)
    assert window.stage.output_card(3) is not None
    assert window.scrub.feature_box.maximum() == 3
    type_into_spin(qtbot, window.scrub.feature_box, "3")
    assert_cursor_shown(window, 3, (0, 0))
    for i in range(3):
        np.testing.assert_array_equal(window.stage.kernel_card(i).grid.values(), np.zeros((3, 3)))
    assert window.stage.bias_card().grid.values()[0, 0] == 0

    with qtbot.waitSignal(window.document.changed):
        type_into_spin(qtbot, panel.size_spins[0], "4")  # input height 5 -> 4: row 4 goes
    qtbot.waitUntil(window.output_is_current)
    session = window.document.session
    assert session.input.shape == (3, 4, 5)
    np.testing.assert_array_equal(window.stage.input_card(1).grid.values(), typed.input[1, :4])
    assert window.stage.input_card(1).grid.padded_values().shape == (6, 7)
    np.testing.assert_allclose(
        shown_output(window), session_output(session), rtol=1e-12, atol=1e-12
    )
    assert window.scrub.position_label.text().endswith("of 4×5")

    # Undo the size: the typed 8 in the last row comes back.
    shortcut(qtbot, window, Qt.Key.Key_Z, CTRL)
    qtbot.waitUntil(window.output_is_current)
    assert window.stage.input_card(1).grid.values()[4, 4] == 8
    assert panel.size_spins[0].value() == 5
    # Undo the output features and the input features: the old layout and values.
    shortcut(qtbot, window, Qt.Key.Key_Z, CTRL)
    shortcut(qtbot, window, Qt.Key.Key_Z, CTRL)
    qtbot.waitUntil(window.output_is_current)
    undone = window.document.session
    assert undone.params == typed.params
    for name in ("input", "weight", "bias"):
        np.testing.assert_array_equal(getattr(undone, name), getattr(typed, name))
    assert undone.cursor.out_feature == 2  # the cursor was on feature 3: clamped, not undone
    assert_cursor_shown(window, 2, (0, 0))
    assert window.stage.input_card(2) is None and window.stage.output_card(3) is None
    assert (panel.in_spin.value(), panel.out_spin.value()) == (2, 3)
    assert window.scrub.feature_box.maximum() == 2
    for i in (0, 1):
        np.testing.assert_array_equal(window.stage.input_card(i).grid.values(), typed.input[i])
    np.testing.assert_allclose(shown_output(window), session_output(typed), rtol=1e-12, atol=1e-12)
    # Redo brings the third input feature back.
    shortcut(qtbot, window, Qt.Key.Key_Z, CTRL_SHIFT)
    qtbot.waitUntil(window.output_is_current)
    assert window.stage.input_card(2) is not None
    assert panel.in_spin.value() == 3
    assert window.document.session.input.shape == (3, 5, 5)
    assert window.stage.input_card(1).grid.values()[4, 4] == 8


@pytest.mark.parametrize(
    ("spin_name", "text", "change"),
    [
        ("groups_spin", "2", {"groups": 2}),  # 2 groups do not divide 3 output features
        # 'same' needs stride 1 (the layer is square: the H = W lock sets both strides)
        ("stride_spins", "2", {"stride": (2, 2), "padding": "same"}),
    ],
)
def test_settings_the_engine_refuses_are_refused_in_place(qtbot, window, spin_name, text, change):
    before = window.document.session
    panel = window.settings_panel
    assert panel.padding_choice == "same"  # padding 1 around a 3x3 kernel
    cards = [window.stage.input_card(i) for i in range(2)]
    with pytest.raises(ConvError) as refused:
        ConvParams(**{**dataclasses.asdict(before.params), **change})
    spin = getattr(panel, spin_name)
    spin = spin[0] if isinstance(spin, list) else spin
    with qtbot.assertNotEmitted(window.document.changed):
        type_into_spin(qtbot, spin, text)
        qtbot.wait(50)
    assert panel.error == str(refused.value)
    assert panel.message_label.isVisible()
    assert panel.message_label.text() == str(refused.value)
    assert window.document.session is before
    assert window.document.undo_stack.count() == 0
    assert [window.stage.input_card(i) for i in range(2)] == cards  # the grids stay
    assert window.stage.input_card(0).grid.padded_values().shape == (7, 7)
    np.testing.assert_allclose(shown_output(window), session_output(before), rtol=1e-12, atol=1e-12)
    # Escape brings the last valid settings back.
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: panel.error == "")
    assert spin.value() == 1
    assert panel.params == before.params


# -- the engine thread -------------------------------------------------------------------------


class HeldCompute:
    """The real tiled convolution, except that a job started while ``hold`` is set waits for
    ``release`` and then runs to its end even if a newer job is waiting (a slow, stale job)."""

    def __init__(self) -> None:
        self.hold = threading.Event()
        self.held = threading.Event()
        self.release = threading.Event()
        self.finished: list[tuple[np.ndarray, np.ndarray]] = []  # (input, output) per job

    def __call__(self, x, weight, bias, params, cancelled):
        if self.hold.is_set():
            self.hold.clear()
            self.held.set()
            self.release.wait(30)
        out = engine_compute(x, weight, bias, params, lambda: False)
        self.finished.append((x, out))
        return out


def test_a_slow_job_superseded_by_a_newer_edit_shows_only_the_newer_result(qtbot, monkeypatch):
    compute = HeldCompute()
    monkeypatch.setattr(
        main_window_module, "ConvolutionRunner", partial(ConvolutionRunner, compute=compute)
    )
    window = show_window(qtbot)
    shown: list[np.ndarray] = []
    set_output = window.stage.set_output

    def spy(output):
        shown.append(np.array(output, copy=True))
        set_output(output)

    monkeypatch.setattr(window.stage, "set_output", spy)
    grid = window.stage.input_card(0).grid

    compute.hold.set()
    enter_value(qtbot, window, grid, 3, 3, "20")
    qtbot.waitUntil(compute.held.is_set)
    stale = window.document.session
    assert window.status.busy.isVisible(), "the busy indicator shows while the job runs"
    enter_value(qtbot, window, grid, 2, 2, "-30")
    assert not window.output_is_current()
    compute.release.set()
    qtbot.waitUntil(window.output_is_current)
    qtbot.waitUntil(lambda: len(compute.finished) >= 3)  # first output, stale job, newest job

    stale_output = session_output(stale)
    final_output = session_output(window.document.session)
    assert not np.allclose(stale_output, final_output)
    ran_stale = [out for x, out in compute.finished if np.array_equal(x, stale.input)]
    assert len(ran_stale) == 1, "the stale job ran to its end"
    np.testing.assert_allclose(ran_stale[0], stale_output, rtol=1e-12, atol=1e-12)
    assert len(shown) == 1, "only the newest result reaches the grids"
    np.testing.assert_allclose(shown[0], final_output, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(shown_output(window), final_output, rtol=1e-12, atol=1e-12)
    qtbot.waitUntil(lambda: not window.status.busy.isVisible())
    close_window(qtbot, window)


class BigJobsAtAGate:
    """The real tiled convolution for the example's small layer; a bigger job is held at a gate
    (``GatedCompute``: it gives up when the runner cancels it), so it is still running when the
    window closes, however fast the machine."""

    def __init__(self) -> None:
        self.gated = GatedCompute(cooperative=True)

    def __call__(self, x, weight, bias, params, cancelled):
        if x.size <= 1_000:
            return engine_compute(x, weight, bias, params, cancelled)
        return self.gated(x, weight, bias, params, cancelled)


def test_closing_while_a_big_job_runs_stops_the_thread(qtbot, monkeypatch):
    compute = BigJobsAtAGate()
    monkeypatch.setattr(
        main_window_module, "ConvolutionRunner", partial(ConvolutionRunner, compute=compute)
    )
    window = show_window(qtbot)
    old_output = window.output
    params = window.document.session.params.replace(in_features=3, out_features=4)
    window.document.set_layer(params, (20, 20))  # held at the gate: as long as the test needs
    try:
        qtbot.waitUntil(compute.gated.started.is_set)
        assert window.runner.busy
        close_window(qtbot, window)
    finally:
        compute.gated.gate.set()  # never leave the worker waiting, even when the test fails
    assert window.runner.worker_thread.isFinished()
    assert compute.gated.gave_up == 1, "the running job was not abandoned when the window closed"
    assert window.output is old_output  # nothing arrived after the close
    assert not window.runner.busy


# -- more of the window ------------------------------------------------------------------------


def test_many_grouped_features_show_a_window_that_follows_the_cursor(qtbot, window):
    params = ConvParams(ndim=2, in_features=16, out_features=20, kernel_size=3, padding=1, groups=4)
    with qtbot.waitSignal(window.document.changed):
        window.document.set_layer(params, (5, 5))
    qtbot.waitUntil(window.output_is_current)
    # Output feature 15 is in group 3 (outputs 15-19), which reads input features 12-15.
    for _ in range(15):
        shortcut(qtbot, window, Qt.Key.Key_PageDown, ALT)
    session = window.document.session
    assert session.cursor.out_feature == 15
    stage = window.stage
    shown_in = [i for i in range(16) if stage.input_card(i) is not None]
    shown_out = [o for o in range(20) if stage.output_card(o) is not None]
    assert 12 in shown_in and 15 in shown_in and len(shown_in) <= 12
    assert 15 in shown_out and len(shown_out) <= 12
    taps = tap_cells(params, (0, 0))
    for i in shown_in:
        expected = taps if 12 <= i <= 15 else set()
        assert lit(stage.input_card(i).grid, "receptive") == expected, f"input {i}"
        assert stage.kernel_card(i).isHidden() == (not 12 <= i <= 15)
    for slot, i in enumerate(range(12, 16)):
        assert stage.kernel_card(i).caption.text() == f"w[15, {slot}]"
    assert lit(stage.output_card(15).grid, "output") == {(0, 0)}
    assert stage.output_card(15).is_current()
    output = session_output(session)
    for o in shown_out:
        np.testing.assert_allclose(stage.output_card(o).grid.values(), output[o], rtol=1e-12)
    assert window.kernel_bank.card(15, 0).is_current()
    # Stepping inside the features on view keeps the grids (no new layout, which takes about a
    # second for a dozen grids) and moves the frame and the highlights.
    cards = (stage.output_card(15), stage.input_card(12), window.kernel_bank.card(13, 0))
    shortcut(qtbot, window, Qt.Key.Key_PageUp, ALT)
    shortcut(qtbot, window, Qt.Key.Key_PageUp, ALT)
    assert window.document.session.cursor.out_feature == 13  # group 2: reads inputs 8-11
    assert (stage.output_card(15), stage.input_card(12), window.kernel_bank.card(13, 0)) == cards
    assert stage.output_card(13).is_current() and not stage.output_card(15).is_current()
    assert lit(stage.output_card(13).grid, "output") == {(0, 0)}
    assert lit(stage.output_card(15).grid, "output") == set()
    for i in range(8, 16):
        expected = taps if i < 12 else set()
        assert lit(stage.input_card(i).grid, "receptive") == expected, f"input {i}"
        assert stage.kernel_card(i).isHidden() == (i >= 12)
    assert stage.kernel_card(8).caption.text() == "w[13, 0]"
    assert window.kernel_bank.card(13, 0).is_current()


def test_hovering_a_term_lights_its_input_cell_and_kernel_cell(qtbot):
    params = ConvParams(
        ndim=2, in_features=1, out_features=1, kernel_size=3, padding=1, padding_mode="reflect"
    )
    session = Session(
        params=params,
        input=np.arange(20.0).reshape(1, 4, 5),
        weight=np.arange(9.0).reshape(params.weight_shape) - 4,
        bias=np.zeros(1),
    )
    window = show_window(qtbot, session)
    wait_arithmetic(qtbot, window)  # the cursor is on output (0, (0, 0)): the corner
    panel = window.arithmetic
    viewport = panel.browser.viewport()
    grid = window.stage.input_card(0).grid
    kernel = window.stage.kernel_card(0).grid
    # Which input cell every padded cell copies, by NumPy's reflect padding of the indices.
    source = np.pad(np.arange(20).reshape(4, 5), 1, mode="reflect")
    for index in (0, 4, 8):
        rect = panel.term_rect(index)
        assert rect is not None and viewport.rect().contains(rect.center())
        with qtbot.waitSignal(panel.term_hovered):
            qtbot.mouseMove(viewport, rect.center())
        k = (index // 3, index % 3)  # the kernel cell, in reading order
        padded = k  # output (0, 0) with stride 1: tap k sits on padded cell k
        flat = int(source[padded])
        copied = (flat // 5 + 1, flat % 5 + 1)  # the input cell, in padded coordinates
        assert lit(grid, "hover") == {padded, copied}
        assert lit(kernel, "hover") == {k}
    with qtbot.waitSignal(panel.term_hovered, check_params_cb=lambda t: t is None):
        qtbot.mouseMove(window.stage, window.stage.rect().center())
    assert lit(grid, "hover") == set() and lit(kernel, "hover") == set()
    close_window(qtbot, window)


def test_play_steps_through_the_positions_and_stops_at_the_end(qtbot):
    params = ConvParams(ndim=1, in_features=1, out_features=1, kernel_size=3, bias=False)
    session = Session(
        params=params, input=np.arange(5.0)[None], weight=np.ones((1, 1, 3)), bias=np.zeros(1)
    )
    window = show_window(qtbot, session)
    seen: list[tuple[int, set]] = []
    grid = window.stage.input_card(0).grid

    def record() -> None:
        seen.append((window.document.session.cursor.position[0], lit(grid, "receptive")))

    window.document.cursor_changed.connect(record)
    qtbot.mouseClick(window.scrub.play_button, Qt.MouseButton.LeftButton)
    assert window.play_action.isChecked()
    qtbot.waitUntil(lambda: not window.scrub.play_button.isChecked(), timeout=5_000)
    # Each step lights the taps of its position (no padding: padded = input coordinates).
    assert seen == [(1, {(0, 1), (0, 2), (0, 3)}), (2, {(0, 2), (0, 3), (0, 4)})]
    assert lit(grid, "receptive") == {(0, 2), (0, 3), (0, 4)}
    assert not window.play_action.isChecked()
    close_window(qtbot, window)


def test_large_grids_are_colour_maps_that_scrub_and_edit_the_same_way(qtbot):
    params = ConvParams(ndim=2, in_features=1, out_features=2, kernel_size=3, padding=1)
    rng = np.random.default_rng(0)
    session = Session(
        params=params,
        input=rng.integers(-3, 4, (1, 48, 48)).astype(float),
        weight=rng.integers(-2, 3, params.weight_shape).astype(float),
        bias=np.zeros(2),
    )
    window = show_window(qtbot, session)
    grid = window.stage.input_card(0).grid
    out = window.stage.output_card(1).grid
    assert grid.display_mode() == "colours" and out.display_mode() == "colours"
    click_cell(qtbot, out, 20, 30)
    assert_cursor_shown(window, 1, (20, 30))
    # Double-click a cell of the colour map to type into it.
    viewport = grid.active_view().viewport()
    point = viewport.mapFrom(grid, grid.cell_rect(21, 31).center())
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=point)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, "100")
    with qtbot.waitSignal(window.document.changed):
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(window.output_is_current)
    session = window.document.session
    assert session.input[0, 20, 30] == 100
    assert grid.values()[20, 30] == 100
    np.testing.assert_allclose(
        shown_output(window), session_output(session), rtol=1e-12, atol=1e-12
    )
    # View > Numbers brings the numbers back, with the same highlights.
    window.mode_actions["numbers"].trigger()
    assert grid.display_mode() == "numbers" and out.display_mode() == "numbers"
    assert lit(out, "output") == {(20, 30)}
    assert lit(grid, "receptive") == tap_cells(params, (20, 30))
    close_window(qtbot, window)


def test_clicking_a_kernel_in_the_kernel_bank_makes_its_feature_current(qtbot, window):
    window.docks["kernels"].raise_()
    card = window.kernel_bank.card(2, 1)
    qtbot.waitUntil(card.grid.isVisible)
    window.document.set_cursor(0, (3, 3))
    click_cell(qtbot, card.grid, 1, 1)
    assert_cursor_shown(window, 2, (3, 3))


@pytest.mark.parametrize(
    ("mode", "np_mode"), [("replicate", "edge"), ("circular", "wrap"), ("reflect", "reflect")]
)
def test_a_padding_mode_fills_the_ghost_cells_with_copies(qtbot, window, mode, np_mode):
    box = window.settings_panel.padding_mode_box
    with qtbot.waitSignal(window.document.changed):
        box.setCurrentIndex(box.findText(mode))  # a pick from the list
    qtbot.waitUntil(window.output_is_current)
    session = window.document.session
    assert session.params.padding_mode == mode
    for i in range(2):
        grid = window.stage.input_card(i).grid
        expected = np.pad(session.input[i], 1, mode=np_mode)
        np.testing.assert_array_equal(grid.padded_values(), expected)
        assert grid.is_ghost(0, 0) and not grid.is_ghost(1, 1)
    np.testing.assert_allclose(
        shown_output(window), session_output(session), rtol=1e-12, atol=1e-12
    )
    assert_cursor_shown(window, 0, (0, 0))
    wait_arithmetic(qtbot, window)
    assert f"italic: a value copied by {mode} padding" in window.arithmetic.text()


def test_switching_to_1d_keeps_the_top_row_and_undo_brings_the_grids_back(qtbot, window):
    before = window.document.session
    box = window.settings_panel.ndim_box
    with qtbot.waitSignal(window.document.changed):
        box.setCurrentIndex(box.findData(1))
    qtbot.waitUntil(window.output_is_current)
    session = window.document.session
    assert session.params.ndim == 1 and session.input.shape == (2, 5)
    for i in range(2):
        grid = window.stage.input_card(i).grid
        np.testing.assert_array_equal(grid.values(), before.input[i, :1])
        assert grid.padded_values().shape == (1, 7)
    np.testing.assert_allclose(
        shown_output(window), session_output(session), rtol=1e-12, atol=1e-12
    )
    shortcut(qtbot, window, Qt.Key.Key_Right, ALT)
    assert_cursor_shown(window, 0, (1,))
    assert window.scrub.position_label.text() == "1 of 5"
    shortcut(qtbot, window, Qt.Key.Key_Z, CTRL)
    qtbot.waitUntil(window.output_is_current)
    assert window.document.session.params == before.params
    assert box.currentData() == 2
    np.testing.assert_array_equal(window.stage.input_card(0).grid.values(), before.input[0])


def test_depthwise_edits_reach_the_right_kernel_slice_and_output(qtbot):
    window = show_window(qtbot, load_example("11-conv2d-depthwise"))
    before = window.document.session
    assert before.params.groups == 3
    click_cell(qtbot, window.stage.output_card(2).grid, 2, 2)
    assert window.stage.kernel_card(0).isHidden() and window.stage.kernel_card(1).isHidden()
    kernel = window.stage.kernel_card(2)
    assert kernel.caption.text() == "w[2, 0]"  # the one slice of kernel 2 reads input 2
    enter_value(qtbot, window, kernel.grid, 1, 1, "7")
    enter_value(qtbot, window, window.stage.input_card(2).grid, 3, 3, "-5")
    qtbot.waitUntil(window.output_is_current)
    session = window.document.session
    assert session.weight[2, 0, 1, 1] == 7 and session.input[2, 2, 2] == -5
    changed = np.argwhere(session.weight != before.weight)
    assert changed.tolist() == [[2, 0, 1, 1]]
    output = session_output(session)
    np.testing.assert_allclose(shown_output(window), output, rtol=1e-12, atol=1e-12)
    old = session_output(before)
    # Input 2 and kernel 2 feed output 2 only.
    np.testing.assert_array_equal(output[:2], old[:2])
    assert not np.allclose(output[2], old[2])
    close_window(qtbot, window)


def test_pasting_into_a_1d_input_row(qtbot):
    params = ConvParams(ndim=1, in_features=2, out_features=1, kernel_size=3, padding=1)
    session = Session(
        params=params,
        input=np.zeros((2, 8)),
        weight=np.ones(params.weight_shape),
        bias=np.zeros(1),
    )
    window = show_window(qtbot, session)
    grid = window.stage.input_card(1).grid
    click_cell(qtbot, grid, 0, 7)  # input cell 6 (padding 1 before)
    QGuiApplication.clipboard().setText("1\t2\t3\n4\t5\t6")  # clipped: one row, two cells
    with qtbot.waitSignal(window.document.changed):
        qtbot.keyClick(grid.active_view(), Qt.Key.Key_V, CTRL)
    qtbot.waitUntil(window.output_is_current)
    np.testing.assert_array_equal(window.document.session.input[1], [0, 0, 0, 0, 0, 0, 1, 2])
    np.testing.assert_array_equal(grid.values(), [[0, 0, 0, 0, 0, 0, 1, 2]])
    np.testing.assert_array_equal(window.document.session.input[0], np.zeros(8))
    np.testing.assert_allclose(
        shown_output(window), session_output(window.document.session), rtol=1e-12
    )
    close_window(qtbot, window)
