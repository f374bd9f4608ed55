"""explain_transpose and the transposed fields: the terms the plain-loop reference adds, a total
equal to conv_transpose's cell, and fields that are each other's inverse."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from convstudio.engine import (
    ConvError,
    TransposeTerm,
    conv_transpose,
    explain_transpose,
    projective_field,
    receptive_field,
)
from convstudio.engine.explain_transpose import explain_transpose_checked
from tests.engine.random_layers import Layer, output_cells
from tests.engine.random_transposed import transposed_layers
from tests.engine.reference_transpose import reference_conv_transpose


def reference_terms(layer: Layer) -> dict[tuple[int, ...], list[tuple]]:
    terms: dict[tuple[int, ...], list[tuple]] = {}
    p = layer.params
    reference_conv_transpose(
        layer.x,
        layer.weight,
        layer.bias,
        stride=p.stride,
        padding=p.padding,
        output_padding=p.output_padding,
        dilation=p.dilation,
        groups=p.groups,
        terms=terms,
    )
    return terms


def explained(layer: Layer, out_feature: int, position: tuple[int, ...]):
    return explain_transpose_checked(
        layer.x,
        layer.weight,
        layer.bias,
        layer.params,
        out_feature,
        position,
    )


@settings(max_examples=80, deadline=None)
@given(transposed_layers())
def test_the_terms_are_the_reference_terms_and_the_total_the_output(layer: Layer) -> None:
    out = conv_transpose(layer.x, layer.weight, layer.bias, **layer.settings).astype(np.float64)
    expected_terms = reference_terms(layer)
    for out_feature, position in output_cells(layer):
        e = explained(layer, out_feature, position)
        got = sorted((t.in_feature, t.input_index, t.kernel_index, t.product) for t in e.terms)
        want = sorted(expected_terms.get((out_feature, *position), []))
        assert [g[:3] for g in got] == [w[:3] for w in want]
        np.testing.assert_allclose([g[3] for g in got], [w[3] for w in want], rtol=1e-12)
        assert e.in_features == tuple(layer.params.in_features_of(out_feature))
        assert sum(e.partial_sums) + e.bias == pytest.approx(e.total, rel=1e-12, abs=1e-12)
        scale = sum(abs(w[3]) for w in want) + abs(e.bias)
        tol = (1e-9 if layer.x.dtype == np.float64 else 2e-5) * scale + 1e-300
        assert abs(e.total - out[(out_feature, *position)]) <= tol


@settings(max_examples=60, deadline=None)
@given(transposed_layers())
def test_each_term_names_its_cells(layer: Layer) -> None:
    p = layer.params
    out_feature, position = output_cells(layer)[-1]
    e = explained(layer, out_feature, position)
    first_out = p.group_of(out_feature) * p.out_per_group
    for t in e.terms:
        assert t.input_value == float(layer.x[(t.in_feature, *t.input_index)])
        assert t.weight_value == float(
            layer.weight[(t.in_feature, out_feature - first_out, *t.kernel_index)]
        )
        for i, k, o, s, d, (before, _) in zip(
            t.input_index, t.kernel_index, position, p.stride, p.dilation, p.padding
        ):
            assert i * s + k * d - before == o


@settings(max_examples=60, deadline=None)
@given(transposed_layers())
def test_fields_are_the_cells_explain_reads_and_each_others_inverse(layer: Layer) -> None:
    shapes = (layer.x.shape, layer.weight.shape)
    readers: dict[tuple[int, tuple[int, ...]], list] = {}
    for out_feature, position in output_cells(layer):
        field = receptive_field(
            *shapes, out_feature=out_feature, position=position, transposed=True, **layer.settings
        )
        e = explained(layer, out_feature, position)
        assert list(field) == list(e.in_features)
        for f, cells in field.items():
            assert cells == sorted({t.input_index for t in e.terms if t.in_feature == f})
            for cell in cells:
                readers.setdefault((f, cell), []).append((out_feature, position))
    for f in range(layer.x.shape[0]):
        for cell in np.ndindex(*layer.x.shape[1:]):
            spread = projective_field(
                *shapes, in_feature=f, position=cell, transposed=True, **layer.settings
            )
            assert spread == readers.get((f, cell), [])


def test_a_cell_only_output_padding_made_holds_the_bias_alone() -> None:
    e = explain_transpose(
        np.ones((1, 2)),
        np.ones((1, 1, 1)),
        np.array([0.5]),
        out_feature=0,
        position=3,
        stride=2,
        output_padding=1,
    )
    assert (len(e.terms), e.partial_sums, e.total) == (0, (0.0,), 0.5)
    assert receptive_field(
        (1, 2), (1, 1, 1), out_feature=0, position=3, stride=2, output_padding=1, transposed=True
    ) == {0: []}


def test_terms_are_built_on_demand_and_index_like_a_sequence() -> None:
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(4, 3, 3)), rng.normal(size=(4, 2, 3, 3))
    e = explain_transpose(x, w, out_feature=1, position=(2, 2), stride=1, groups=2)
    terms = e.terms
    assert len(terms) == 2 * 9 == 2 * terms.per_feature
    assert terms.products.shape == (2, 3, 3) and not terms.products.flags.writeable
    every = list(terms)
    assert terms[0] == every[0] and terms[-1] == every[-1]
    assert terms[3:7] == tuple(every[3:7]) and terms[::-5] == tuple(every[::-5])
    assert terms.of_feature(1, limit=2) == tuple(every[9:11])
    assert all(isinstance(t, TransposeTerm) for t in every)
    assert {t.in_feature for t in every} == {0, 1}
    with pytest.raises(IndexError, match="term index 18 out of range for 18 terms"):
        terms[18]


@pytest.mark.parametrize(
    ("out_feature", "position", "message"),
    [
        (3, (0, 0), r"^out_feature=3 is out of range: there are 3 output features"),
        (0, (7, 0), r"^position=\(7, 0\) is out of range: the output is 7x7"),
        (0, 1, r"^position=1 must be a tuple of 2 whole numbers$"),
    ],
)
def test_a_cell_outside_the_output_is_refused(out_feature, position, message) -> None:
    with pytest.raises(ConvError, match=message):
        explain_transpose(
            np.ones((2, 5, 5)), np.ones((2, 3, 3, 3)), out_feature=out_feature, position=position
        )


def test_the_forward_explanation_refuses_a_transposed_layer() -> None:
    from convstudio.engine import ConvParams
    from convstudio.engine.explain import explain_checked

    params = ConvParams(ndim=1, in_features=1, out_features=1, kernel_size=2, transposed=True)
    with pytest.raises(ConvError, match="is explained by explain_transpose, not explain"):
        explain_checked(np.ones((1, 3)), np.ones((1, 1, 2)), None, params, 0, 0)
