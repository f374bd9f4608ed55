"""A plain-loop convolution to test the engine against: slow, small, obviously right.

Pure Python loops over every output cell, input feature and kernel cell, in float64. It shares no
code with the engine: padding is resolved cell by cell with each mode's rule written out here
(the engine gathers through ``geometry.source_map``). Settings come normalised, as
``ConvParams.settings()`` gives them: tuples per dimension, padding as ``(before, after)`` pairs.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np


def source_index(j: int, n: int, mode: str) -> int | None:
    """The input index that padded coordinate ``j`` reads (``j`` < 0 or >= n lie in the padding).

    None for a zero. Reflect and circular need the padding no larger than the input (reflect:
    smaller), which the engine's validation guarantees, so one bounce or one wrap is enough.
    """
    if 0 <= j < n:
        return j
    if mode == "zeros":
        return None
    if mode == "replicate":
        return 0 if j < 0 else n - 1
    if mode == "circular":
        return j + n if j < 0 else j - n
    if mode == "reflect":
        return -j if j < 0 else 2 * (n - 1) - j
    raise ValueError(f"unknown padding mode {mode!r}")


def reference_convolve(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    *,
    stride: Sequence[int],
    padding: Sequence[tuple[int, int]],
    dilation: Sequence[int],
    groups: int,
    padding_mode: str,
) -> np.ndarray:
    """``torch.nn.functional.conv1d/conv2d`` (after ``F.pad`` for the non-zero modes), by hand."""
    x = np.asarray(x, dtype=np.float64)
    weight = np.asarray(weight, dtype=np.float64)
    spatial = x.shape[1:]
    kernel = weight.shape[2:]
    c_out, c_per_group = weight.shape[0], weight.shape[1]
    out_per_group = c_out // groups
    out_spatial = [
        (n + before + after - d * (k - 1) - 1) // s + 1
        for n, (before, after), k, d, s in zip(spatial, padding, kernel, dilation, stride)
    ]
    out = np.zeros((c_out, *out_spatial))
    for o in range(c_out):
        first_in = (o // out_per_group) * c_per_group
        for pos in itertools.product(*(range(m) for m in out_spatial)):
            total = 0.0 if bias is None else float(bias[o])
            for ci in range(c_per_group):
                for kidx in itertools.product(*(range(k) for k in kernel)):
                    src = []
                    for p, s, k, d, (before, _), n in zip(
                        pos, stride, kidx, dilation, padding, spatial
                    ):
                        src.append(source_index(p * s + k * d - before, n, padding_mode))
                    if None in src:
                        continue
                    total += float(x[(first_in + ci, *src)]) * float(weight[(o, ci, *kidx)])
            out[(o, *pos)] = total
    return out
