"""The playback order and the playback view state, without Qt: which cell comes next, which cells
are revealed, and speed, loop, order and reveal saved with the session."""

from __future__ import annotations

from itertools import product

import numpy as np
import pytest

from convstudio.engine import ConvError, ConvParams
from convstudio.session import Session, ViewState, dumps, loads
from convstudio.session.playback import (
    BASE_INTERVAL_MS,
    cell_at,
    interval_ms,
    last_cell,
    playback_order,
    revealed,
    step_index,
    stepped,
)

#: The lecture's 2 -> 3 layer: 3x3 kernels with padding 1 keep the 5x5 input's size.
TWO_TO_THREE = ConvParams(ndim=2, in_features=2, out_features=3, kernel_size=3, padding=1)
INPUT = (2, 5, 5)
OUT = (3, 5, 5)
READING = list(product(range(5), range(5)))


def test_feature_major_is_every_position_of_a_feature_before_the_next():
    steps = list(playback_order(TWO_TO_THREE, INPUT))
    assert len(steps) == 75
    assert steps == [(f, p) for f in range(3) for p in READING]
    assert steps[:2] == [(0, (0, 0)), (0, (0, 1))] and steps[25] == (1, (0, 0))


def test_position_major_is_every_feature_at_a_position_before_the_next():
    steps = list(playback_order(TWO_TO_THREE, INPUT, order="position-major"))
    assert len(steps) == 75
    assert steps == [(f, p) for p in READING for f in range(3)]
    assert steps[:4] == [(0, (0, 0)), (1, (0, 0)), (2, (0, 0)), (0, (0, 1))]


def test_a_1d_layer_plays_its_positions_as_one_number_tuples():
    params = ConvParams(ndim=1, in_features=1, out_features=2, kernel_size=3, stride=2)
    assert list(playback_order(params, (1, 7))) == [
        (0, (0,)), (0, (1,)), (0, (2,)), (1, (0,)), (1, (1,)), (1, (2,))
    ]  # fmt: skip


def test_a_bad_order_or_layer_is_refused_by_name():
    with pytest.raises(ValueError, match="'random' is not one of feature-major, position-major"):
        list(playback_order(TWO_TO_THREE, INPUT, order="random"))
    with pytest.raises(ConvError):
        list(playback_order(TWO_TO_THREE, (3, 5, 5)))  # three input features for a 2-feature layer


@pytest.mark.parametrize("order", ["feature-major", "position-major"])
def test_step_index_and_cell_at_follow_the_order(order):
    steps = list(playback_order(TWO_TO_THREE, INPUT, order=order))
    for index, cell in enumerate(steps):
        assert step_index(OUT, cell, order) == index
        assert cell_at(OUT, index, order) == cell
    assert last_cell(OUT, order) == steps[-1]


def test_stepping_clamps_at_the_ends_or_wraps_when_looping():
    assert stepped(OUT, (0, (4, 4)), 1, "feature-major", loop=False) == (1, (0, 0))
    assert stepped(OUT, (2, (4, 4)), 1, "feature-major", loop=False) == (2, (4, 4))
    assert stepped(OUT, (2, (4, 4)), 1, "feature-major", loop=True) == (0, (0, 0))
    assert stepped(OUT, (0, (0, 0)), -1, "feature-major", loop=True) == (2, (4, 4))
    assert stepped(OUT, (0, (0, 0)), -1, "position-major", loop=False) == (0, (0, 0))
    assert stepped(OUT, (0, (0, 0)), 1, "position-major", loop=False) == (1, (0, 0))


@pytest.mark.parametrize("order", ["feature-major", "position-major"])
def test_revealed_holds_exactly_the_cells_played_so_far(order):
    steps = list(playback_order(TWO_TO_THREE, INPUT, order=order))
    for index in (0, 31, 74):
        mask = revealed(OUT, steps[index], order)
        assert mask.shape == OUT and mask.sum() == index + 1
        expected = np.zeros(OUT, dtype=bool)
        for f, (r, c) in steps[: index + 1]:
            expected[f, r, c] = True
        np.testing.assert_array_equal(mask, expected)


def test_the_interval_shrinks_with_the_speed_and_a_speed_out_of_range_is_refused():
    assert interval_ms(1.0) == BASE_INTERVAL_MS
    assert interval_ms(4.0) == round(BASE_INTERVAL_MS / 4)
    assert interval_ms(0.25) == BASE_INTERVAL_MS * 4
    for bad in (0.1, 8, 0):
        with pytest.raises(ValueError, match=r"between 0\.25x and 4\.0x"):
            interval_ms(bad)


def test_each_playback_field_announces_its_own_change():
    view = ViewState()
    seen: list[tuple[str, object]] = []

    def recorder(name: str):  # psygnal also offers the old value: no default argument here
        return lambda new: seen.append((name, new))

    for name in ("speed", "loop", "order", "reveal", "display_mode"):
        getattr(view.events, name).connect(recorder(name))
    view.set_speed(2.0)
    view.set_speed(2.0)  # the same value again: nothing to announce
    view.loop = True
    view.set_order("position-major")
    view.reveal = True
    assert seen == [("speed", 2.0), ("loop", True), ("order", "position-major"), ("reveal", True)]


def test_a_bad_speed_or_order_is_refused_and_changes_nothing():
    view = ViewState()
    with pytest.raises(ValueError, match="speed=5 is not between"):
        view.set_speed(5)
    with pytest.raises(ValueError, match="'diagonal' is not one of"):
        view.set_order("diagonal")
    assert (view.speed, view.order) == (1.0, "feature-major")
    with pytest.raises(ValueError):
        ViewState(speed=0.1)


def test_the_playback_settings_are_saved_with_the_session_and_restored():
    view = ViewState()
    view.set_speed(0.5)
    view.loop, view.reveal = True, True
    view.set_order("position-major")
    session = Session.default()
    saved = loads(dumps(session.with_view(view.saved(session.view))))
    restored = ViewState()
    restored.restore(saved.view)
    assert (restored.speed, restored.loop, restored.order, restored.reveal) == (
        0.5,
        True,
        "position-major",
        True,
    )


def test_restoring_ignores_bad_playback_values():
    view = ViewState()
    view.restore({"playback_speed": 9, "playback_loop": "yes", "playback_order": 3, "reveal": 1})
    assert (view.speed, view.loop, view.order, view.reveal) == (1.0, False, "feature-major", False)
    view.restore({"playback_speed": True})  # a bool is not a speed
    assert view.speed == 1.0
