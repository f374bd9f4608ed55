"""The arithmetic panel, driven as a user would: read it, hover its terms, watch it clear."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from convstudio.engine import ConvParams
from convstudio.engine.explain import explain_checked
from convstudio.ui.panels.arithmetic_panel import (
    ELIDED_LEAD,
    FEATURE_LINES,
    MAX_ALL_TERMS,
    ArithmeticPanel,
    number,
    operand,
)
from convstudio.ui.style.palette import role_color, theme_of

M = "\u2212"  # the minus sign the panel writes


def explained(x, w, b, out_feature, position, **settings):
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    b = None if b is None else np.asarray(b, dtype=np.float64)
    params = ConvParams.from_shapes(x.shape, w.shape, bias=b is not None, **settings)
    return explain_checked(x, w, b, params, out_feature, position), params


@pytest.fixture
def panel(qtbot):
    widget = ArithmeticPanel()
    qtbot.addWidget(widget)
    widget.resize(760, 320)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


# The lecture's "multiple features to one feature": two input rows, one kernel slice each.
LECTURE = (
    [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
    [[[1.0, 2.0], [-1.0, 0.5]]],
    [0.25],
)


def test_small_layer_written_out(panel: ArithmeticPanel) -> None:
    e, params = explained(*LECTURE, 0, (1,))
    panel.show_explanation(e, params)
    lines = panel.text().splitlines()
    assert lines[0] == "out feature 0, position 1"
    assert "in 0:  2·1 + 3·2 = 8" in lines
    assert f"in 1:  5·({M}1) + 6·0.5 = {M}2" in lines
    assert f"partial sums 8 + ({M}2) = 6" in lines
    assert "+ bias 0.25" in lines
    assert "= total 6.25" in lines
    assert panel.explanation is e


def test_the_total_is_bold_and_the_header_says_indices_count_from_zero(panel) -> None:
    e, params = explained(*LECTURE, 0, (0,))
    panel.show_explanation(e, params)
    assert "from 0" in panel.header.toolTip() and "PyTorch" in panel.header.toolTip()
    doc = panel.browser.document()
    block = doc.findBlock(doc.find("= total").position())
    assert block.text() == f"= total {number(e.total)}"
    assert all(f.charFormat().fontWeight() >= 700 for f in _fragments(block))


def test_2d_padding_zeros_are_dimmed_and_copies_named(panel: ArithmeticPanel) -> None:
    x = np.arange(9.0).reshape(1, 3, 3)
    w = np.array([[[[1.0, -2.0, 0.5], [0.0, 1.0, 0.0], [1.5, 0.0, -1.0]]]])
    e, params = explained(x, w, [1.0], 0, (0, 0), padding=1)
    panel.show_explanation(e, params)
    text = panel.text()
    assert text.splitlines()[0] == "out feature 0, position (0, 0)"
    # row 0 and column 0 of the kernel sit on padding zeros
    assert (
        f"in 0:  0·1 + 0·({M}2) + 0·0.5 + 0·0 + 0·1 + 1·0 + 0·1.5 + 3·0 + 4·({M}1) = {M}4" in text
    )
    assert "dimmed: a zero from padding" in text
    dim = role_color("padding", theme_of(panel)).name()
    colours = {i: _term_colour(panel, i) for i in range(9)}
    assert [i for i, c in colours.items() if c == dim] == [0, 1, 2, 3, 6]
    # reflect: the same corner reads copies, named in italic and in the tooltip
    e, params = explained(x, w, [1.0], 0, (0, 0), padding=1, padding_mode="reflect")
    panel.show_explanation(e, params)
    assert "italic: a value copied by reflect padding" in panel.text()
    tip = panel.tooltip_at(panel.term_rect(0).center())
    assert "padding cell (0, 0) copies input cell (1, 1) (reflect padding): 4" in tip
    assert "weight[0, 0] at (0, 0): 1" in tip


def test_hovering_a_term_emits_it_and_leaving_emits_none(panel, qtbot) -> None:
    e, params = explained(*LECTURE, 0, (1,))
    panel.show_explanation(e, params)
    viewport = panel.browser.viewport()
    for index in (3, 0):
        rect = panel.term_rect(index)
        with qtbot.waitSignal(
            panel.term_hovered, check_params_cb=lambda t, i=index: t == e.terms[i]
        ) as blocker:
            qtbot.mouseMove(viewport, rect.center())
        assert blocker.args[0].in_feature == e.terms[index].in_feature
        assert panel.hovered_term == e.terms[index]
    blank = QPoint(viewport.width() - 5, viewport.height() - 5)
    with qtbot.waitSignal(panel.term_hovered, check_params_cb=lambda t: t is None):
        qtbot.mouseMove(viewport, blank)
    assert panel.hovered_term is None


def test_a_new_explanation_drops_the_hovered_term(panel, qtbot) -> None:
    e, params = explained(*LECTURE, 0, (1,))
    panel.show_explanation(e, params)
    with qtbot.waitSignal(panel.term_hovered):
        qtbot.mouseMove(panel.browser.viewport(), panel.term_rect(1).center())
    e2, _ = explained(*LECTURE, 0, (0,))
    with qtbot.waitSignal(panel.term_hovered, check_params_cb=lambda t: t is None):
        panel.show_explanation(e2, params)


def test_clear_shows_the_message(panel, qtbot) -> None:
    e, params = explained(*LECTURE, 0, (1,))
    panel.show_explanation(e, params)
    with qtbot.waitSignal(panel.term_hovered):
        qtbot.mouseMove(panel.browser.viewport(), panel.term_rect(0).center())
    with qtbot.waitSignal(panel.term_hovered, check_params_cb=lambda t: t is None):
        panel.clear("groups=4 does not divide in_features=2")
    assert panel.text() == "groups=4 does not divide in_features=2"
    assert panel.explanation is None and panel.shown_terms() == {}
    assert panel.term_rect(0) is None


def test_groups_name_the_input_features_and_the_kernel_slice(panel) -> None:
    x = np.arange(20.0).reshape(4, 5)
    w = np.ones((6, 2, 2))
    e, params = explained(x, w, None, 5, 1, groups=2)
    panel.show_explanation(e, params)
    lines = panel.text().splitlines()
    assert "in 2:  11·1 + 12·1 = 23" in lines
    assert "in 3:  16·1 + 17·1 = 33" in lines
    assert "no bias" in lines and "= total 56" in lines
    tip = panel.tooltip_at(panel.term_rect(3).center())
    assert tip.startswith("input feature 3, input cell 2: 17")
    assert "weight[5, 1] at 1: 1" in tip


def test_big_layers_are_elided_with_counts_and_every_partial_sum_kept(panel, qtbot) -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(-3, 4, size=(64, 9, 9))
    w = rng.integers(-3, 4, size=(2, 64, 5, 5))
    e, params = explained(x, w, [0.5, -1.0], 1, (4, 4), padding=2)
    panel.show_explanation(e, params)
    text = panel.text()
    lines = text.splitlines()
    feature_lines = [ln for ln in lines if ln.startswith("in ")]
    assert len(feature_lines) == FEATURE_LINES
    assert all(f"… {25 - ELIDED_LEAD} more" in ln for ln in feature_lines)
    assert all(ln.endswith(f"= {number(s)}") for ln, s in zip(feature_lines, e.partial_sums))
    rest = sum(e.partial_sums[FEATURE_LINES:])
    assert (
        f"… 48 more input features (in 16 to in 63), their partial sums add to = {number(rest)}"
        in lines
    )
    assert f"(64 in all) + {operand(e.partial_sums[-1])} = {number(sum(e.partial_sums))}" in text
    assert f"= total {number(e.total)}" in lines
    assert len(panel.shown_terms()) == FEATURE_LINES * ELIDED_LEAD
    # "Every term" writes out every product, up to its cap
    qtbot.mouseClick(panel.every_term, _left())
    assert panel.every_term.isChecked()
    shown = panel.shown_terms()
    assert len(shown) == min(len(e.terms), MAX_ALL_TERMS)
    assert all(e.terms[i] == t for i, t in list(shown.items())[:: len(shown) // 50])
    first = panel.text().splitlines()[1]
    products = " + ".join(
        f"{operand(t.input_value)}·{operand(t.weight_value)}" for t in e.terms.of_feature(0)
    )
    assert first == f"in 0:  {products} = {number(e.partial_sums[0])}"


def test_numbers_are_compact() -> None:
    assert number(3.0) == "3"
    assert number(-2.0) == f"{M}2"
    assert number(0.123456) == "0.1235"
    assert number(-0.0) == "0"
    assert number(1234.5678) == "1235"
    assert operand(-0.5) == f"({M}0.5)"
    assert operand(0.5) == "0.5"


# -- helpers ------------------------------------------------------------------------------------
def _fragments(block):
    it = block.begin()
    while not it.atEnd():
        yield it.fragment()
        it += 1


def _term_colour(panel: ArithmeticPanel, index: int) -> str:
    """The text colour of a term as drawn (the first character after its anchor starts)."""
    doc = panel.browser.document()
    block = doc.begin()
    while block.isValid():
        for fragment in _fragments(block):
            if fragment.charFormat().anchorHref() == f"t:{index}":
                return fragment.charFormat().foreground().color().name()
        block = block.next()
    raise AssertionError(f"term {index} is not shown")


def _left() -> Qt.MouseButton:
    return Qt.MouseButton.LeftButton


def test_the_pointer_leaving_the_panel_emits_none(panel, qtbot) -> None:
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    e, params = explained(*LECTURE, 0, (1,))
    panel.show_explanation(e, params)
    with qtbot.waitSignal(panel.term_hovered, check_params_cb=lambda t: t is not None):
        qtbot.mouseMove(panel.browser.viewport(), panel.term_rect(2).center())
    with qtbot.waitSignal(panel.term_hovered, check_params_cb=lambda t: t is None):
        QApplication.sendEvent(panel.browser.viewport(), QEvent(QEvent.Type.Leave))
    assert panel.hovered_term is None
