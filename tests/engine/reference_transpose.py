"""A plain-loop transposed convolution to test the engine against: slow, small, obviously right.

Written from the definition of ``torch.nn.functional.conv_transpose1d/2d``: every input cell,
times every kernel cell, is added onto output cell ``i*stride + k*dilation - padding_before``
when that cell lies inside the output. Shares no code with the engine.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np


def transposed_out_size(
    n: int, stride: int, pad: tuple[int, int], k: int, dilation: int, output_padding: int
) -> int:
    return (n - 1) * stride - pad[0] - pad[1] + dilation * (k - 1) + output_padding + 1


def reference_conv_transpose(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    *,
    stride: Sequence[int],
    padding: Sequence[tuple[int, int]],
    output_padding: Sequence[int],
    dilation: Sequence[int],
    groups: int,
    terms: dict[tuple[int, ...], list[tuple]] | None = None,
) -> np.ndarray:
    """The transposed convolution by hand, in float64.

    ``terms``, when given, collects per output cell ``(out_feature, *position)`` every
    ``(in_feature, input_index, kernel_index, product)`` that adds into it, in loop order.
    """
    x = np.asarray(x, dtype=np.float64)
    weight = np.asarray(weight, dtype=np.float64)
    c_in, spatial = x.shape[0], x.shape[1:]
    kernel = weight.shape[2:]
    out_per_group = weight.shape[1]
    in_per_group = c_in // groups
    c_out = out_per_group * groups
    out_spatial = [
        transposed_out_size(n, s, p, k, d, op)
        for n, s, p, k, d, op in zip(spatial, stride, padding, kernel, dilation, output_padding)
    ]
    out = np.zeros((c_out, *out_spatial))
    for ci in range(c_in):
        group = ci // in_per_group
        for i in itertools.product(*(range(n) for n in spatial)):
            for kidx in itertools.product(*(range(k) for k in kernel)):
                o = tuple(
                    p * s + k * d - before
                    for p, s, k, d, (before, _) in zip(i, stride, kidx, dilation, padding)
                )
                if not all(0 <= c < m for c, m in zip(o, out_spatial)):
                    continue
                for j in range(out_per_group):
                    co = group * out_per_group + j
                    product = float(x[(ci, *i)]) * float(weight[(ci, j, *kidx)])
                    out[(co, *o)] += product
                    if terms is not None:
                        terms.setdefault((co, *o), []).append((ci, i, kidx, product))
    if bias is not None:
        out += np.asarray(bias, dtype=np.float64).reshape(-1, *(1,) * len(spatial))
    return out
