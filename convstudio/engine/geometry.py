"""Where cells come from and go to: output shapes and the padded-to-input coordinate maps.

The same maps drive the convolution (which gathers the padded input through them), the explanation
(which reports the source cell of each term) and the window (which draws ghost cells with the value
padding gives them), so all three agree on what a padding cell holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from convstudio.engine.params import ConvParams

#: Marks a padded cell that holds a zero rather than a copy of an input cell.
ZERO = -1


def source_map(size: int, before: int, after: int, mode: str) -> np.ndarray:
    """For each cell of one padded dimension, the input index it copies, or ``ZERO``.

    ``size`` is the input length, the result has ``before + size + after`` entries. Modes follow
    ``torch.nn.functional.pad``: reflect mirrors without repeating the edge, replicate repeats the
    edge, circular wraps around.
    """
    j = np.arange(-before, size + after, dtype=np.intp)
    if mode == "zeros":
        return np.where((j >= 0) & (j < size), j, ZERO)
    if mode == "replicate":
        return np.clip(j, 0, size - 1)
    if mode == "circular":
        return np.mod(j, size)
    if mode == "reflect":
        if size == 1:
            return np.zeros_like(j)
        period = 2 * (size - 1)
        j = np.mod(np.abs(j), period)
        return np.where(j >= size, period - j, j)
    raise ValueError(f"unknown padding mode {mode!r}")


def source_maps(params: ConvParams, spatial: Sequence[int]) -> tuple[np.ndarray, ...]:
    """One ``source_map`` per spatial dimension of an input with these settings."""
    return tuple(
        source_map(int(n), b, a, params.padding_mode) for n, (b, a) in zip(spatial, params.padding)
    )


def params_for(input_shape: Sequence[int], weight_shape: Sequence[int], settings: dict[str, Any]):
    """Validated ``ConvParams`` for arrays of these shapes and keyword settings.

    ``bias`` may be given as a flag; it only matters for what the caller does with the result.
    """
    settings = dict(settings)
    bias = bool(settings.pop("bias", True))
    return ConvParams.from_shapes(input_shape, weight_shape, bias=bias, **settings)


def output_shape(
    input_shape: Sequence[int], weight_shape: Sequence[int], **settings: Any
) -> tuple[int, ...]:
    """``(out_features, *out_spatial)`` of ``convolve`` for arrays of these shapes."""
    params = params_for(input_shape, weight_shape, settings)
    return params.output_shape(input_shape)
