"""The playback order: which output cell is computed after which when the layer is played.

The lecture's order (the default, "feature-major") is every position of output feature 0 in
reading order, then every position of feature 1, and so on: one kernel sweeps its whole output
before the next kernel starts. "position-major" visits every output feature at one position before
moving on. The window's Play and step buttons, its reveal mode and an exported animation all take
their order from here, so they agree on what "the next cell" and "already computed" mean.

Qt-free: the helpers work on the output's shape ``(out_features, *spatial)``, which the window
already holds, and ``playback_order`` on the layer itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from math import prod

import numpy as np

from convstudio.engine import ConvParams

#: The orders a layer can be played in; the first is the default.
ORDERS = ("feature-major", "position-major")
#: Milliseconds between two steps at 1x: slow enough to read the arithmetic.
BASE_INTERVAL_MS = 450
#: The slowest and fastest playback speeds, as multiples of the 1x pace.
MIN_SPEED, MAX_SPEED = 0.25, 4.0
#: The speeds the controls offer, slowest first.
SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)

Cell = tuple[int, tuple[int, ...]]


def check_order(order: str) -> None:
    """Refuse an order that is not one of ``ORDERS`` (ValueError naming the choices)."""
    if order not in ORDERS:
        raise ValueError(f"order={order!r} is not one of {', '.join(ORDERS)}")


def check_speed(speed: float) -> None:
    """Refuse a speed outside ``MIN_SPEED``..``MAX_SPEED`` (ValueError naming the range)."""
    if not isinstance(speed, int | float) or not MIN_SPEED <= speed <= MAX_SPEED:
        raise ValueError(f"speed={speed!r} is not between {MIN_SPEED}x and {MAX_SPEED}x")


def interval_ms(speed: float) -> int:
    """The time between two playback steps at ``speed`` (4x: a quarter of the 1x interval)."""
    check_speed(speed)
    return round(BASE_INTERVAL_MS / speed)


def playback_order(
    params: ConvParams, input_shape: Sequence[int], order: str = "feature-major"
) -> Iterator[Cell]:
    """Yield ``(out_feature, position)`` for every output cell of the layer, in playback order.

    ``input_shape`` is ``(in_features, *spatial)``; ``position`` has one index per spatial axis.
    Raises the engine's ``ConvError`` when the layer cannot convolve such an input and
    ``ValueError`` for an unknown ``order``.
    """
    check_order(order)
    out_shape = params.output_shape(tuple(input_shape))
    for index in range(prod(out_shape)):
        yield cell_at(out_shape, index, order)


def step_index(out_shape: Sequence[int], cell: Cell, order: str) -> int:
    """How many cells come before ``cell`` in the playback order of an output of ``out_shape``."""
    check_order(order)
    features, spatial = out_shape[0], tuple(out_shape[1:])
    feature, position = cell
    flat = int(np.ravel_multi_index(tuple(position), spatial)) if spatial else 0
    if order == "feature-major":
        return feature * prod(spatial) + flat
    return flat * features + feature


def cell_at(out_shape: Sequence[int], index: int, order: str) -> Cell:
    """The cell at step ``index`` of the playback order (the inverse of ``step_index``)."""
    check_order(order)
    features, spatial = out_shape[0], tuple(out_shape[1:])
    if order == "feature-major":
        feature, flat = divmod(index, prod(spatial))
    else:
        flat, feature = divmod(index, features)
    position = tuple(int(i) for i in np.unravel_index(flat, spatial))
    return feature, position


def stepped(out_shape: Sequence[int], cell: Cell, delta: int, order: str, *, loop: bool) -> Cell:
    """The cell ``delta`` steps from ``cell`` in the playback order: clamped to the first and
    last cell, or wrapped around them when ``loop``."""
    count = prod(out_shape)
    index = step_index(out_shape, cell, order) + delta
    index = index % count if loop else min(max(index, 0), count - 1)
    return cell_at(out_shape, index, order)


def last_cell(out_shape: Sequence[int], order: str) -> Cell:
    """The cell playback ends on."""
    return cell_at(out_shape, prod(out_shape) - 1, order)


def revealed(out_shape: Sequence[int], cell: Cell, order: str) -> np.ndarray:
    """A boolean array of ``out_shape``: True for every output cell computed by the time playback
    reaches ``cell`` (the cell itself included), False for those still to come.

    Built from one boolean row of positions, never an array of step numbers, so a large output
    costs one byte per cell."""
    check_order(order)
    features, spatial = out_shape[0], tuple(out_shape[1:])
    feature, position = cell
    flat = int(np.ravel_multi_index(tuple(position), spatial)) if spatial else 0
    positions = np.arange(prod(spatial))
    mask = np.empty((features, prod(spatial)), dtype=bool)
    if order == "feature-major":
        mask[:feature] = True
        mask[feature] = positions <= flat
        mask[feature + 1 :] = False
    else:
        mask[:] = positions < flat
        mask[: feature + 1, flat] = True
    return mask.reshape(tuple(out_shape))


__all__ = [
    "BASE_INTERVAL_MS",
    "MAX_SPEED",
    "MIN_SPEED",
    "ORDERS",
    "SPEEDS",
    "cell_at",
    "check_order",
    "check_speed",
    "interval_ms",
    "last_cell",
    "playback_order",
    "revealed",
    "step_index",
    "stepped",
]
