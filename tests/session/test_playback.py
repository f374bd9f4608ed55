"""The playback order: every position of output feature 0, then feature 1, ...; position-major
as the option; one step per output cell."""

from __future__ import annotations

import pytest

from convstudio.engine import ConvError, ConvParams
from convstudio.session import Session
from convstudio.session.playback import playback_order


def test_the_lecture_layer_plays_feature_by_feature() -> None:
    session = Session.default()
    steps = list(playback_order(session.params, session.input.shape))
    assert len(steps) == 75
    assert steps[:3] == [(0, (0, 0)), (0, (0, 1)), (0, (0, 2))]
    assert steps[4:6] == [(0, (0, 4)), (0, (1, 0))]
    assert steps[24:26] == [(0, (4, 4)), (1, (0, 0))]
    assert steps[-1] == (2, (4, 4))
    assert len(set(steps)) == 75


def test_position_major_visits_every_feature_at_each_position() -> None:
    params = ConvParams(ndim=1, in_features=1, out_features=2, kernel_size=2, stride=2)
    steps = list(playback_order(params, (1, 6), "position-major"))
    assert steps == [(0, (0,)), (1, (0,)), (0, (1,)), (1, (1,)), (0, (2,)), (1, (2,))]


def test_bad_orders_and_layers() -> None:
    params = ConvParams(ndim=1, in_features=1, out_features=1, kernel_size=5)
    with pytest.raises(ValueError, match="'random'"):
        list(playback_order(params, (1, 9), "random"))
    with pytest.raises(ConvError):
        list(playback_order(params, (1, 3)))
