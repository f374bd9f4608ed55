"""Receptive and projective fields: inverse to each other, and the cells explain reads."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from convstudio.engine import ConvError, ConvParams, projective_field, receptive_field
from convstudio.engine.explain import explain_checked
from convstudio.engine.geometry import padded_taps
from tests.engine.random_layers import Layer, layers, output_cells


def receptive(layer: Layer, out_feature: int, position: tuple[int, ...]) -> dict:
    return receptive_field(
        layer.x.shape,
        layer.weight.shape,
        out_feature=out_feature,
        position=position,
        **layer.settings,
    )


@settings(max_examples=80, deadline=None)
@given(layers())
def test_receptive_field_is_the_cells_explain_reads(layer: Layer) -> None:
    for out_feature, position in output_cells(layer):
        field = receptive(layer, out_feature, position)
        e = explain_checked(layer.x, layer.weight, layer.bias, layer.params, out_feature, position)
        assert list(field) == list(e.in_features)
        for f, cells in field.items():
            sources = {t.source_index for t in e.terms if t.in_feature == f} - {None}
            assert cells == sorted(sources)  # reading order, each cell once
            assert all(isinstance(c, tuple) and len(c) == layer.params.ndim for c in cells)


@settings(max_examples=60, deadline=None)
@given(layers())
def test_projective_field_is_the_inverse_of_the_receptive_field(layer: Layer) -> None:
    readers: dict[tuple[int, tuple[int, ...]], list] = {}
    for out_feature, position in output_cells(layer):
        for f, cells in receptive(layer, out_feature, position).items():
            for cell in cells:
                readers.setdefault((f, cell), []).append((out_feature, position))
    for f in range(layer.x.shape[0]):
        for cell in np.ndindex(*layer.x.shape[1:]):
            field = projective_field(
                layer.x.shape, layer.weight.shape, in_feature=f, position=cell, **layer.settings
            )
            # output_cells runs by feature then reading order, so the lists compare in order
            assert field == readers.get((f, cell), [])


def test_circular_padding_feeds_the_far_edge() -> None:
    # input of length 4, kernel 3, circular padding 1: output 0 reads input 3 through the wrap
    shape, w, circular = (1, 4), (2, 1, 3), {"padding": 1, "padding_mode": "circular"}
    assert receptive_field(shape, w, out_feature=1, position=0, **circular) == {
        0: [(0,), (1,), (3,)]
    }
    assert projective_field(shape, w, in_feature=0, position=3, **circular) == [
        (0, (0,)), (0, (2,)), (0, (3,)), (1, (0,)), (1, (2,)), (1, (3,))
    ]  # fmt: skip
    # with zeros the wrap is gone
    assert projective_field(shape, w, in_feature=0, position=3, padding=1) == [
        (0, (2,)), (0, (3,)), (1, (2,)), (1, (3,))
    ]  # fmt: skip


def test_reflect_counts_a_copied_cell_once() -> None:
    # length 3, kernel 3, reflect padding 1: output 0 reads [x1, x0, x1]; x1 is listed once
    assert receptive_field((1, 3), (1, 1, 3), out_feature=0, position=(0,), padding=1,
                           padding_mode="reflect") == {0: [(0,), (1,)]}  # fmt: skip


def test_dilation_gaps_are_not_read_and_groups_pick_features() -> None:
    field = receptive_field(
        (4, 6, 6), (2, 2, 2, 2), out_feature=1, position=(1, 0), dilation=(2, 3), groups=2
    )
    assert list(field) == [2, 3]
    assert field[2] == [(1, 0), (1, 3), (3, 0), (3, 3)]
    assert projective_field((4, 6, 6), (2, 2, 2, 2), in_feature=0, position=(0, 0), groups=2) == [
        (0, (0, 0))
    ]


def test_a_cell_that_reads_only_padding_has_an_empty_field() -> None:
    settings = {"padding": ((3, 3),), "dilation": 5}
    assert receptive_field((2, 1), (1, 2, 2), out_feature=0, position=0, **settings) == {
        0: [],
        1: [],
    }


def test_padded_taps() -> None:
    params = ConvParams(ndim=2, in_features=1, out_features=1, kernel_size=(2, 3),
                        stride=(2, 1), dilation=(3, 2))  # fmt: skip
    rows, cols = padded_taps(params, (1, 4))
    assert rows.tolist() == [2, 5]
    assert cols.tolist() == [4, 6, 8]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: receptive_field((1, 5, 5), (2, 1, 3, 3), out_feature=2, position=(0, 0)),
            r"out_feature=2 is out of range: there are 2 output features, numbered 0 to 1",
        ),
        (
            lambda: receptive_field((1, 5, 5), (2, 1, 3, 3), out_feature=0, position=(0, 3)),
            r"position=\(0, 3\) is out of range: the output is 3x3",
        ),
        (
            lambda: projective_field((2, 5, 5), (2, 2, 3, 3), in_feature=2, position=(0, 0)),
            r"in_feature=2 is out of range: there are 2 input features, numbered 0 to 1",
        ),
        (
            lambda: projective_field((2, 5, 5), (2, 2, 3, 3), in_feature=0, position=(5, 0)),
            r"position=\(5, 0\) is out of range: the input is 5x5",
        ),
        (
            lambda: projective_field((2, 7), (2, 2, 3), in_feature=0, position=7),
            r"position=7 is out of range: the input has length 7 \(valid: 0 to 6\)",
        ),
        (
            lambda: projective_field((2, 7), (2, 2, 3), in_feature="0", position=1),
            r"in_feature='0' must be a whole number",
        ),
        (
            lambda: receptive_field((2, 7), (2, 2, 9), out_feature=0, position=0),
            r"kernel_size=9 with dilation=1 spans 9 cells, larger than the padded input",
        ),
    ],
)
def test_bad_cells_and_settings_are_refused(call, message: str) -> None:
    with pytest.raises(ConvError, match=message):
        call()
