"""The playback order: which output cell comes after which when the layer is played or exported.

Feature-major (the lecture's order, and the default): every position of output feature 0 in
reading order (row by row), then every position of feature 1, and so on, so the audience watches
one kernel sweep its whole output before the next kernel starts. Position-major is the option:
every output feature at the first position, then every feature at the next. The window's Play
button, the exported GIF and its frames all take their order from here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import product

from convstudio.engine.params import ConvParams

ORDERS = ("feature-major", "position-major")


def _check_order(order: str) -> None:
    if order not in ORDERS:
        raise ValueError(f"order={order!r} is not one of {', '.join(ORDERS)}")


def playback_order(
    params: ConvParams, input_shape: Sequence[int], order: str = "feature-major"
) -> Iterator[tuple[int, tuple[int, ...]]]:
    """Yield ``(out_feature, position)`` for every output cell of the layer, in playback order.

    ``input_shape`` is ``(in_features, *spatial)``; ``position`` has one index per spatial
    dimension. Raises the engine's ``ConvError`` if the layer cannot convolve such an input, and
    ``ValueError`` for an unknown ``order``.
    """
    _check_order(order)
    out_shape = params.output_shape(input_shape)
    features = range(out_shape[0])
    positions = list(product(*(range(n) for n in out_shape[1:])))
    if order == "feature-major":
        for feature in features:
            for position in positions:
                yield feature, position
    else:
        for position in positions:
            for feature in features:
                yield feature, position
