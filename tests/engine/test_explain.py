"""explain: the terms of every output cell add up to convolve's value, and each term is right."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings

from convstudio.engine import ConvError, Explanation, Term, convolve, explain
from convstudio.engine.explain import explain_checked
from tests.engine.random_layers import (
    Layer,
    independent_source,
    layers,
    numpy_padded,
    output_cells,
)

try:  # the plain-loop reference, written separately; convolve is compared with it elsewhere
    from tests.engine.reference import reference_convolve
except ImportError:  # pragma: no cover - depends on the other file being there
    reference_convolve = None


def expected_output(layer: Layer) -> np.ndarray:
    if reference_convolve is not None:
        return np.asarray(
            reference_convolve(layer.x, layer.weight, layer.bias, **layer.params.settings())
        )
    return convolve(layer.x, layer.weight, layer.bias, **layer.settings)


def tolerance(e: Explanation, dtype: np.dtype) -> float:
    """Rounding allowed between two summation orders: relative to the sum of magnitudes."""
    scale = sum(abs(t.product) for t in e.terms) + abs(e.bias)
    return (1e-12 if dtype == np.float64 else 1e-5) * scale + 1e-300


def check_terms(layer: Layer, e: Explanation) -> None:
    """Every field of every term, checked against the operands from first principles."""
    params, x, w = layer.params, layer.x, layer.weight
    padded = numpy_padded(x.astype(np.float64), params)
    group_start = params.in_features_of(e.out_feature).start
    kernel_cells = list(np.ndindex(*params.kernel_size))
    assert e.in_features == tuple(params.in_features_of(e.out_feature))
    assert len(e.terms) == len(e.in_features) * len(kernel_cells)
    terms = list(e.terms)
    for n, t in enumerate(terms):
        assert isinstance(t, Term)
        assert t.in_feature == e.in_features[n // len(kernel_cells)]
        assert t.kernel_index == kernel_cells[n % len(kernel_cells)]  # reading order
        assert t.padded_index == tuple(
            p * s + k * d
            for p, s, k, d in zip(e.position, params.stride, t.kernel_index, params.dilation)
        )
        assert t.weight_value == w[e.out_feature, t.in_feature - group_start][t.kernel_index]
        assert t.input_value == padded[(t.in_feature, *t.padded_index)]
        assert t.product == t.input_value * t.weight_value
        expected_source = tuple(
            independent_source(q - before, n_in, params.padding_mode)
            for q, (before, _), n_in in zip(t.padded_index, params.padding, x.shape[1:])
        )
        if None in expected_source:
            assert t.source_index is None
            assert t.input_value == 0.0
        else:
            assert t.source_index == expected_source
            assert t.input_value == x[(t.in_feature, *t.source_index)]
    for i, partial in enumerate(e.partial_sums):
        products = [t.product for t in terms if t.in_feature == e.in_features[i]]
        assert math.isclose(partial, math.fsum(products), rel_tol=1e-12, abs_tol=1e-300)
    assert e.bias == (0.0 if layer.bias is None else float(layer.bias[e.out_feature]))
    assert e.total == pytest.approx(sum(e.partial_sums) + e.bias, rel=1e-12, abs=1e-300)


@settings(max_examples=150, deadline=None)
@given(layers())
def test_total_equals_convolve_for_every_output_cell(layer: Layer) -> None:
    out = expected_output(layer)
    for out_feature, position in output_cells(layer):
        e = explain(
            layer.x,
            layer.weight,
            layer.bias,
            out_feature=out_feature,
            position=position,
            **layer.settings,
        )
        assert (e.out_feature, e.position) == (out_feature, position)
        assert abs(e.total - float(out[(out_feature, *position)])) <= tolerance(e, layer.x.dtype)


@settings(max_examples=80, deadline=None)
@given(layers())
def test_every_term_is_the_right_product_of_the_right_cells(layer: Layer) -> None:
    for out_feature, position in output_cells(layer)[:: max(1, len(output_cells(layer)) // 12)]:
        e = explain_checked(layer.x, layer.weight, layer.bias, layer.params, out_feature, position)
        check_terms(layer, e)


@settings(max_examples=20, deadline=None)
@given(layers())
def test_explain_checked_gives_what_explain_gives(layer: Layer) -> None:
    out_feature, position = output_cells(layer)[-1]
    loose = explain(
        layer.x, layer.weight, layer.bias, out_feature=out_feature, position=position,
        **layer.settings,
    )  # fmt: skip
    x, w = layer.x.astype(np.float64), layer.weight.astype(np.float64)
    b = None if layer.bias is None else layer.bias.astype(np.float64)
    checked = explain_checked(x, w, b, layer.params, out_feature, position)
    assert loose == checked


# -- source_index for each padding mode, written out by hand -------------------------------------
# Input [10, 20, 30, 40] with padding 3 and a 1-wide kernel: output cell i reads padded cell i.
SOURCES_1D = {
    "zeros": [None, None, None, 0, 1, 2, 3, None, None, None],
    "reflect": [3, 2, 1, 0, 1, 2, 3, 2, 1, 0],
    "replicate": [0, 0, 0, 0, 1, 2, 3, 3, 3, 3],
    "circular": [1, 2, 3, 0, 1, 2, 3, 0, 1, 2],
}


@pytest.mark.parametrize("mode", sorted(SOURCES_1D))
def test_source_index_1d_for_each_mode(mode: str) -> None:
    x = np.array([[10.0, 20.0, 30.0, 40.0]])
    w = np.array([[[2.0]]])
    for i, source in enumerate(SOURCES_1D[mode]):
        e = explain(x, w, out_feature=0, position=i, padding=3, padding_mode=mode)
        (term,) = e.terms
        assert term.padded_index == (i,)
        assert term.source_index == (None if source is None else (source,))
        value = 0.0 if source is None else x[0, source]
        assert (term.input_value, term.weight_value, term.product) == (value, 2.0, 2 * value)
        assert e.total == 2 * value


def test_source_index_2d_corner_reflect_and_circular() -> None:
    # 3x3 input, padding 1, kernel 3x3 at output (0, 0): the kernel's top-left tap sits on the
    # padded corner, which reflect fills from input (1, 1) and circular from input (2, 2).
    x = np.arange(9.0).reshape(1, 3, 3)
    w = np.zeros((1, 1, 3, 3))
    corner = {"reflect": (1, 1), "circular": (2, 2), "replicate": (0, 0), "zeros": None}
    for mode, source in corner.items():
        e = explain(x, w, out_feature=0, position=(0, 0), padding=1, padding_mode=mode)
        first = e.terms[0]
        assert first.kernel_index == (0, 0) and first.padded_index == (0, 0)
        assert first.source_index == source
        # the top edge in the middle: reflect copies row 1, circular row 2, replicate row 0
        top = e.terms[1]
        assert top.source_index == {
            "reflect": (1, 0), "circular": (2, 0), "replicate": (0, 0), "zeros": None
        }[mode]  # fmt: skip


def test_groups_report_the_index_into_the_input_and_bias_none_is_zero() -> None:
    x = np.arange(4 * 5, dtype=np.float64).reshape(4, 5)
    w = np.ones((6, 2, 2))
    e = explain(x, w, out_feature=5, position=1, groups=2)
    assert e.in_features == (2, 3)
    assert [t.in_feature for t in e.terms] == [2, 2, 3, 3]
    assert e.partial_sums == (x[2, 1] + x[2, 2], x[3, 1] + x[3, 2])
    assert e.bias == 0.0
    assert e.total == sum(e.partial_sums)


def test_lecture_example_written_out() -> None:
    # Two input features to one output, kernel slices [1, 2] and [-1, 0.5], bias 0.25.
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    w = np.array([[[1.0, 2.0], [-1.0, 0.5]]])
    e = explain(x, w, np.array([0.25]), out_feature=0, position=(1,))
    assert [t.product for t in e.terms] == [2.0, 6.0, -5.0, 3.0]
    assert e.partial_sums == (8.0, -2.0)
    assert (e.bias, e.total) == (0.25, 6.25)
    assert e.total == convolve(x, w, np.array([0.25]))[0, 1]


def test_float32_operands() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 7, 6)).astype(np.float32)
    w = rng.normal(size=(2, 3, 3, 3)).astype(np.float32)
    b = rng.normal(size=2).astype(np.float32)
    out = convolve(x, w, b, padding=1, padding_mode="reflect")
    e = explain(x, w, b, out_feature=1, position=(6, 0), padding=1, padding_mode="reflect")
    assert isinstance(e.total, float)
    assert abs(e.total - float(out[1, 6, 0])) <= tolerance(e, np.dtype(np.float32))


def test_many_features_and_a_big_kernel() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(64, 9, 9))
    w = rng.normal(size=(4, 64, 7, 7))
    e = explain(x, w, out_feature=3, position=(2, 2), padding=2)
    assert len(e.terms) == 64 * 49
    assert len(e.partial_sums) == 64
    assert e.terms.per_feature == 49
    assert e.total == pytest.approx(convolve(x, w, padding=2)[3, 2, 2], rel=1e-12)
    seven = e.terms.of_feature(10, limit=7)
    assert [t.kernel_index for t in seven] == [(0, j) for j in range(7)]
    assert {t.in_feature for t in seven} == {10}
    assert e.terms.of_feature(63) == tuple(e.terms)[-49:]


# -- the lazy term sequence ---------------------------------------------------------------------
def test_terms_behave_like_a_tuple() -> None:
    x = np.arange(10.0).reshape(2, 5)
    w = np.arange(6.0).reshape(1, 2, 3)
    e = explain(x, w, out_feature=0, position=2, padding=1)
    as_tuple = tuple(e.terms)
    assert len(as_tuple) == len(e.terms) == 6
    assert e.terms[-1] == as_tuple[-1] == e.terms[5]
    assert e.terms[1:5:2] == as_tuple[1:5:2]
    assert e.terms[::-1] == as_tuple[::-1]
    assert e.terms == as_tuple and e.terms == list(as_tuple)
    assert e.terms != as_tuple[:-1]
    assert hash(e.terms) == hash(as_tuple)
    assert as_tuple[0] in e.terms
    assert "6 terms" in repr(e.terms)
    with pytest.raises(IndexError, match="term index 6 out of range for 6 terms"):
        e.terms[6]
    with pytest.raises(IndexError):
        e.terms[-7]
    with pytest.raises(ValueError):  # the arrays behind the terms cannot be changed
        e.terms.products[0, 0] = 1.0
    assert e.terms.products.shape == (2, 3)
    assert np.array_equal(e.terms.products, e.terms.input_values * e.terms.weight_values)


def test_no_negative_zero_products() -> None:
    e = explain(np.zeros((1, 3)), -np.ones((1, 1, 3)), out_feature=0, position=0, padding=1)
    assert all(math.copysign(1.0, t.product) == 1.0 for t in e.terms)


# -- the output cell must exist ------------------------------------------------------------------
X2, W2 = np.ones((2, 5, 4)), np.ones((3, 2, 3, 3))


@pytest.mark.parametrize(
    ("out_feature", "position", "message"),
    [
        (3, (0, 0), r"out_feature=3 is out of range: there are 3 output features, numbered 0 to 2"),
        (-1, (0, 0), r"out_feature=-1 is out of range: there are 3 output features"),
        (
            0,
            (3, 0),
            r"position=\(3, 0\) is out of range: the output is 3x2 \(valid: 0 to 2, 0 to 1 ",
        ),
        (0, (0, -1), r"position=\(0, -1\) is out of range"),
        (0, (0,), r"position=\(0,\) must be a tuple of 2 whole numbers"),
        (0, 1, r"position=1 must be a tuple of 2 whole numbers"),
        (0, (0.0, 1), r"position=\(0.0, 1\) must be a tuple of 2 whole numbers"),
        (0, "00", r"position='00' must be"),
        (1.0, (0, 0), r"out_feature=1.0 must be a whole number"),
        (True, (0, 0), r"out_feature=True must be a whole number"),
    ],
)
def test_bad_output_cells_are_refused_with_the_valid_range(
    out_feature: object, position: object, message: str
) -> None:
    with pytest.raises(ConvError, match=message):
        explain(X2, W2, out_feature=out_feature, position=position)


def test_1d_positions() -> None:
    x, w = np.arange(5.0)[None], np.ones((1, 1, 3))
    assert explain(x, w, out_feature=0, position=np.int64(2)).position == (2,)
    assert explain(x, w, out_feature=0, position=[1]).position == (1,)
    with pytest.raises(ConvError, match=r"position=3 is out of range: the output has length 3 "):
        explain(x, w, out_feature=0, position=3)
    with pytest.raises(ConvError, match=r"position=\(0, 0\) must be a whole number or a 1-tuple"):
        explain(x, w, out_feature=0, position=(0, 0))
    with pytest.raises(ConvError, match="must be a whole number"):
        explain(x, w, out_feature=0, position=False)


def test_checked_variant_still_checks_the_cell() -> None:
    # the window's cursor can be stale for a moment after a settings change
    from convstudio.engine import ConvParams

    params = ConvParams.from_shapes(X2.shape, W2.shape, bias=False, padding=1)
    explain_checked(X2, W2, None, params, 2, (4, 3))
    with pytest.raises(ConvError, match=r"position=\(5, 0\) is out of range: the output is 5x4"):
        explain_checked(X2, W2, None, params, 0, (5, 0))


def test_invalid_settings_and_operands_raise_conv_error() -> None:
    with pytest.raises(ConvError, match="groups=2 does not divide out_features=3"):
        explain(np.ones((4, 5)), np.ones((3, 2, 3)), out_feature=0, position=0, groups=2)
    with pytest.raises(ConvError, match="bias of shape"):
        explain(X2, W2, np.ones(2), out_feature=0, position=(0, 0))
