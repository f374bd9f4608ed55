"""The lecture, step by step, in the window (SCENARIOS.md): open each bundled example from the
File > Examples menu and scrub through every output cell of every output feature with the scrub
bar. At every step the window must light exactly the kernel's taps on every input feature the
output feature reads (and nothing on the others), frame the right kernel, bias and output cell,
and write out arithmetic whose partial sums and total are the numbers the output grid shows.

Expected values come from the definitions (taps at ``position*stride + k*dilation``, NumPy's own
``np.pad`` for the padding cells) and from the engine's ``receptive_field`` and ``convolve``.
"""

from __future__ import annotations

import numpy as np
import pytest

from convstudio.engine import receptive_field
from convstudio.session.examples import ExampleInfo, list_examples
from convstudio.session.fileformat import load
from convstudio.session.model import Session
from convstudio.ui.panels.arithmetic_panel import number
from convstudio.ui.shell.main_window import MainWindow
from tests.ui.window_driver import (
    as_grid_cell,
    close_window,
    grid_padding,
    lit,
    output_positions,
    real_cells,
    session_output,
    show_window,
    tap_cells,
)

EXAMPLES = list_examples()
#: The lecture's seven steps are the first seven examples (SCENARIOS.md); the rest are extras
#: (stride, dilation, reflect padding, depthwise, an edge detector), small enough to scrub too.
LECTURE_STEPS = 7
#: How ``np.pad`` names each padding mode.
NP_PAD_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def test_the_examples_are_the_lecture_in_order():
    assert len(EXAMPLES) >= LECTURE_STEPS
    names = [e.name for e in EXAMPLES[:LECTURE_STEPS]]
    assert names == sorted(names) and all(e.error is None for e in EXAMPLES)
    dims = [load(e.path).params.ndim for e in EXAMPLES[:LECTURE_STEPS]]
    assert dims == [1, 1, 1, 2, 2, 2, 2]


def open_example(qtbot, window: MainWindow, example: ExampleInfo) -> Session:
    """Choose the example in File > Examples, as the user does; returns the session it shows."""
    actions = [a for a in window.files.examples_menu.actions() if a.text() == example.title]
    assert len(actions) == 1, f"File > Examples lists {example.title!r} once"
    with qtbot.waitSignal(window.document.changed):
        actions[0].trigger()
    qtbot.waitUntil(window.output_is_current)
    session = window.document.session
    bundled = load(example.path)
    assert session.params == bundled.params
    for name in ("input", "weight", "bias"):
        np.testing.assert_array_equal(getattr(session, name), getattr(bundled, name))
    return session


def padded_input(session: Session) -> np.ndarray:
    """The input with its padding cells, as NumPy pads it (one row per feature in 1D)."""
    params = session.params
    x = session.input if params.ndim == 2 else session.input[:, None, :]
    pads = [(0, 0), *(((0, 0),) if params.ndim == 1 else ()), *params.padding]
    return np.pad(x, pads, mode=NP_PAD_MODES[params.padding_mode])


def check_shapes(window: MainWindow, session: Session) -> None:
    """One grid per input and output feature; padding drawn as ghost cells holding its values."""
    params = session.params
    stage = window.stage
    padded = padded_input(session)
    top, left = grid_padding(params)
    for i in range(params.in_features):
        grid = stage.input_card(i).grid
        assert grid.display_mode() == "numbers"
        np.testing.assert_array_equal(grid.padded_values(), padded[i])
        rows, cols = padded[i].shape
        height, width = (1, session.spatial[0]) if params.ndim == 1 else session.spatial
        for r in range(rows):
            for c in range(cols):
                real = top <= r < top + height and left <= c < left + width
                assert grid.is_ghost(r, c) == (not real), f"input {i} cell {(r, c)}"
    assert stage.input_card(params.in_features) is None
    for o in range(params.out_features):
        assert stage.output_card(o) is not None
    assert stage.output_card(params.out_features) is None
    output = session_output(session)
    for o in range(params.out_features):
        shown = stage.output_card(o).grid.values()
        np.testing.assert_allclose(shown.reshape(output[o].shape), output[o], rtol=1e-12)


def wait_arithmetic(qtbot, window: MainWindow, out_feature: int, position: tuple) -> None:
    """The arithmetic of the cell, as it reads once the cursor rests (settle: without waiting
    for the rest timer, which test_settle checks by itself)."""
    window.settle()
    e = window.arithmetic.explanation
    assert e is not None and (e.out_feature, tuple(e.position)) == (out_feature, position)


def check_step(qtbot, window: MainWindow, session: Session, o: int, position: tuple) -> None:
    """Everything the window shows for output cell (o, position)."""
    params = session.params
    stage = window.stage
    assert window.document.session.cursor.out_feature == o
    assert tuple(window.document.session.cursor.position) == position
    reads = list(params.in_features_of(o))
    taps = tap_cells(params, position)
    engine_field = receptive_field(
        session.input.shape,
        session.weight.shape,
        out_feature=o,
        position=position,
        **params.settings(),
    )
    assert sorted(engine_field) == reads
    padded = padded_input(session)
    ghosts_lit = set()
    for i in range(params.in_features):
        grid = stage.input_card(i).grid
        if i not in reads:
            assert lit(grid, "receptive") == set(), f"input {i} is not read by output {o}"
            continue
        assert lit(grid, "receptive") == taps, f"input {i}, output ({o}, {position})"
        real = real_cells(params, session.spatial, taps)
        if params.padding_mode == "zeros":
            assert real == set(engine_field[i])
        else:  # other modes also read the cells the padding copied
            assert real <= set(engine_field[i])
        ghosts_lit |= {cell for cell in taps if grid.is_ghost(*cell)}
    # The output cell, on the output feature's grid only.
    for q in range(params.out_features):
        card = stage.output_card(q)
        expected = {as_grid_cell(position)} if q == o else set()
        assert lit(card.grid, "output") == expected
        assert card.is_current() == (q == o)
    # The kernel in use: one slice beside each input feature the output reads.
    for i in range(params.in_features):
        card = stage.kernel_card(i)
        assert card.isHidden() == (i not in reads)
        if i in reads:
            slot = i - reads[0]
            assert card.caption.text() == f"w[{o}, {slot}]"
            kernel = card.grid.values()
            np.testing.assert_array_equal(kernel, session.weight[o, slot].reshape(kernel.shape))
    if params.bias:
        assert stage.bias_card().caption.text() == f"b[{o}]"
    assert window.kernel_bank.card(o, 0).is_current()
    # The arithmetic: partial sums worked out from the padded input, the total the grid shows.
    wait_arithmetic(qtbot, window, o, position)
    text = window.arithmetic.text()
    lines = text.splitlines()
    where = str(position[0]) if len(position) == 1 else f"({position[0]}, {position[1]})"
    assert lines[0] == f"out feature {o}, position {where}"
    rows = sorted({r for r, _ in taps})
    cols = sorted({c for _, c in taps})
    partials = []
    for slot, i in enumerate(reads):
        patch = padded[i][np.ix_(rows, cols)]
        kernel = session.weight[o, slot].reshape(patch.shape)
        partials.append(float((patch * kernel).sum()))
        line = [t for t in lines if t.startswith(f"in {i}:")]
        assert len(line) == 1 and line[0].endswith(f"= {number(partials[-1])}"), text
    bias = float(session.bias[o]) if params.bias else 0.0
    shown = stage.output_card(o).grid.values()[as_grid_cell(position)]
    assert sum(partials) + bias == pytest.approx(shown, rel=1e-9, abs=1e-9)
    assert window.arithmetic.explanation.total == pytest.approx(shown, rel=1e-12, abs=1e-12)
    assert f"= total {number(shown)}" in text
    if len(reads) > 1:
        assert "partial sums " in text
    notes = {
        "zeros": "dimmed: a zero from padding",
        "other": f"italic: a value copied by {params.padding_mode} padding",
    }
    note = notes["zeros" if params.padding_mode == "zeros" else "other"]
    assert (note in text) == bool(ghosts_lit), "the arithmetic marks the terms padding gives"


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_scrubbing_every_output_cell_of_the_example(qtbot, example: ExampleInfo):
    window = show_window(qtbot)
    session = open_example(qtbot, window, example)
    params = session.params
    check_shapes(window, session)
    out_shape = session.output_shape[1:]
    positions = output_positions(out_shape)
    scrub = window.scrub
    assert scrub.feature_box.maximum() == params.out_features - 1
    assert scrub.slider.maximum() == len(positions) - 1
    border_ghosts = 0
    for o in range(params.out_features):
        scrub.feature_box.setValue(o)  # the output feature selector
        for index, position in enumerate(positions):
            scrub.slider.setValue(index)  # a drag of the position slider
            check_step(qtbot, window, session, o, position)
            reads = params.in_features_of(o)
            grid = window.stage.input_card(reads.start).grid
            border_ghosts += any(grid.is_ghost(*c) for c in tap_cells(params, position))
    has_padding = any(b or a for b, a in params.padding)
    # With padding, the kernel at the border covers padding cells, and they are lit.
    assert (border_ghosts > 0) == has_padding
    close_window(qtbot, window)


@pytest.mark.parametrize("step", [4, 5, 6], ids=["step4", "step5", "step6"])
def test_padding_steps_light_ghost_cells_at_the_corner(qtbot, step: int):
    """Steps 4-6: at the top-left output cell the kernel covers the padding border."""
    window = show_window(qtbot)
    session = open_example(qtbot, window, EXAMPLES[step - 1])
    params = session.params
    assert params.padding == ((1, 1), (1, 1)) and params.kernel_size == (3, 3)
    window.scrub.slider.setValue(0)
    window.document.set_cursor(0, (0, 0))
    corner_ghosts = {(0, 0), (0, 1), (0, 2), (1, 0), (2, 0)}
    for i in range(params.in_features):
        grid = window.stage.input_card(i).grid
        lit_cells = lit(grid, "receptive")
        assert corner_ghosts <= lit_cells
        assert {c for c in lit_cells if grid.is_ghost(*c)} == corner_ghosts
        assert all(grid.padded_values()[c] == 0 for c in corner_ghosts)
    # The last cell: the padding on the bottom and right.
    last = session.output_shape[1:]
    window.document.set_cursor(0, (last[0] - 1, last[1] - 1))
    rows, cols = window.stage.input_card(0).grid.padded_values().shape
    grid = window.stage.input_card(0).grid
    ghosts = {c for c in lit(grid, "receptive") if grid.is_ghost(*c)}
    assert ghosts == {(rows - 1, cols - 3), (rows - 1, cols - 2), (rows - 1, cols - 1)} | {
        (rows - 3, cols - 1),
        (rows - 2, cols - 1),
    }
    close_window(qtbot, window)
