"""The reverse view's Qt-free part: which outputs an input cell feeds, how, and the words."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from convstudio.engine import ConvParams, explain, projective_field
from convstudio.session import (
    ViewState,
    describe_feeds,
    feeds,
    ghost_text,
    previous_position,
    selection_fits,
)

LAYERS = [
    dict(ndim=2, in_features=2, out_features=3, kernel_size=(3, 3), padding=1),
    dict(ndim=2, in_features=1, out_features=1, kernel_size=(3, 3), padding=1,
         padding_mode="reflect"),
    dict(ndim=2, in_features=1, out_features=2, kernel_size=(3, 2), padding=(2, 1),
         padding_mode="circular", stride=(2, 1)),
    dict(ndim=2, in_features=1, out_features=1, kernel_size=(2, 3), padding=1,
         padding_mode="replicate", dilation=(1, 2)),
    dict(ndim=1, in_features=4, out_features=2, kernel_size=(3,), stride=2, groups=2,
         padding=1, padding_mode="reflect"),
]  # fmt: skip


def _how_read(params: ConvParams, x: np.ndarray, w: np.ndarray, f: int, pos: tuple[int, ...]):
    """From the explanations of every output cell: {out position: True if some term reads the
    input cell through a padding copy} for output feature ``f`` (the oracle)."""
    out_shape = params.output_shape(x.shape)
    found = {}
    for out in itertools.product(*(range(n) for n in out_shape[1:])):
        e = explain(x, w, out_feature=f, position=out, **params.settings())
        reading = [t for t in e.terms if t.source_index == pos and t.in_feature == 0]
        if reading:
            own = tuple(p + b for p, (b, _) in zip(pos, params.padding))
            found[out] = any(tuple(t.padded_index) != own for t in reading)
    return found


@pytest.mark.parametrize("layer", LAYERS)
def test_feeds_is_the_projective_field_split_by_copies(layer: dict) -> None:
    params = ConvParams(**layer)
    spatial = (5, 6) if params.ndim == 2 else (7,)
    shape = (params.in_features, *spatial)
    x = np.zeros(shape)
    w = np.ones(params.weight_shape)
    for pos in itertools.product(*(range(n) for n in spatial)):
        got = feeds(params, shape, 0, pos)
        field = projective_field(
            shape, params.weight_shape, in_feature=0, position=pos, **params.geometry_settings()
        )
        expected = {p for o, p in field if o == got.out_features.start}
        assert set(got.direct) | set(got.copied) == expected
        assert not set(got.direct) & set(got.copied)
        assert {o for o, _ in field} == set(got.out_features)
        how = _how_read(params, x, w, got.out_features.start, pos)
        assert {p for p, copy in how.items() if copy} == set(got.copied)
        if params.padding_mode == "zeros":
            assert not got.copied


def test_reflect_corner_reads_the_cell_through_copies() -> None:
    params = ConvParams(**LAYERS[1])
    got = feeds(params, (1, 5, 5), 0, (1, 1))
    assert (0, 0) in got.copied and (2, 2) in got.direct
    assert got.per_feature == 9


def test_kernel_cells_under_stride() -> None:
    params = ConvParams(ndim=2, in_features=1, out_features=1, kernel_size=(3, 3), stride=2)
    got = feeds(params, (1, 7, 7), 0, (3, 2))
    # Row 3 is tapped by kernel row 1 of window row 1 only; column 2 by kernel columns 2 and 0.
    assert got.kernel_direct == ((1, 0), (1, 2))
    assert got.direct == ((1, 0), (1, 1))


def test_words_give_the_count_and_the_reasons() -> None:
    params = ConvParams(**LAYERS[0])
    text = describe_feeds(params, (2, 5, 5), feeds(params, (2, 5, 5), 0, (2, 3)))
    assert text.startswith("in 0 [2, 3] feeds 9 cells of each of the 3 output features: ")
    assert "3×3 kernel at stride 1" in text
    edge = describe_feeds(params, (2, 5, 5), feeds(params, (2, 5, 5), 1, (0, 0)))
    assert edge.startswith("in 1 [0, 0] feeds 4 cells")
    assert "edge leaves room for 2 (padding 1 before)" in edge
    skipped = ConvParams(ndim=1, in_features=1, out_features=1, kernel_size=(2,), stride=3)
    text = describe_feeds(skipped, (1, 9), feeds(skipped, (1, 9), 0, (2,)))
    assert text.startswith("in 0 [2] feeds no output cell")
    assert "stride 3 starts a window on only 0 of those 2 places" in text
    reflect = ConvParams(**LAYERS[1])
    text = describe_feeds(reflect, (1, 5, 5), feeds(reflect, (1, 5, 5), 0, (1, 1)))
    assert "Reflect padding copies it" in text and "5 of these cells" in text


def test_groups_are_named() -> None:
    params = ConvParams(**LAYERS[4])
    text = describe_feeds(params, (4, 7), feeds(params, (4, 7), 3, (3,)))
    assert text.startswith("in 3 [3] feeds 2 cells of output feature 1, the only one of its group")


def test_ghost_text_names_the_source() -> None:
    params = ConvParams(**LAYERS[1])
    assert ghost_text(params, (5, 5), 0, (0, 3)) == "reflect of in 0 [1, 2]"
    assert ghost_text(params, (5, 5), 0, (3, 0)) == "reflect of in 0 [2, 1]"
    assert ghost_text(params, (5, 5), 0, (2, 2)) == ""
    zeros = ConvParams(**LAYERS[0])
    assert ghost_text(zeros, (5, 5), 1, (0, 0)) == "zero padding"
    circular = ConvParams(**LAYERS[2])
    assert ghost_text(circular, (5, 6), 0, (0, 1)) == "circular of in 0 [3, 0]"


def test_selection_and_previous_position() -> None:
    params = ConvParams(**LAYERS[0])
    assert selection_fits(params, (2, 5, 5), (1, (4, 4)))
    assert not selection_fits(params, (2, 5, 5), (2, (0, 0)))
    assert not selection_fits(params, (2, 5, 5), (0, (5, 0)))
    assert not selection_fits(params, (2, 5, 5), None)
    assert previous_position((2, 3)) == (2, 2)
    assert previous_position((2, 0)) == (1, 0)
    assert previous_position((0, 0)) is None
    assert previous_position((4,)) == (3,)


def test_view_state_announces_the_selection() -> None:
    view = ViewState()
    seen = []
    view.events.selected_input.connect(seen.append)
    view.selected_input = (0, (1, 2))
    view.selected_input = (0, (1, 2))
    view.selected_input = None
    assert seen == [(0, (1, 2)), None]
