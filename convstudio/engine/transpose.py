"""Transposed convolution: PyTorch's conv_transpose1d/conv_transpose2d.

A transposed layer runs a convolution backwards: every input cell spreads its value, times the
kernel, onto the output, input cell ``i`` times kernel cell ``k`` landing on output cell
``i*stride + k*dilation - padding_before``. It is the gradient of ``convolve`` with respect to its
input, which is why its weight has PyTorch's layout ``(in_features, out_features // groups,
*kernel)``: the same array as the forward layer it transposes.

How it is computed: one matrix product per batch of kernel taps gives every input cell's
contribution through those taps, ``(out_per_group x in_per_group) @ (in_per_group x cells)`` per
group, and each tap's contribution is added into a strided slice of the output (the slice starts
at ``k*dilation`` and steps by ``stride``). The taps of a batch are bounded to ``TAP_BATCH_BYTES``
of products, so memory stays the output plus that buffer, whatever the kernel. No zero-stuffed
input is built, so a stride of ``s`` costs no ``s**ndim`` extra multiplications.

NaN and infinity compute as in PyTorch (they propagate); an overflowing product gives infinity
silently, as in PyTorch.
"""

# No ``from __future__ import annotations``: help() shows the signature's types evaluated.
from collections.abc import Sequence
from math import prod

import numpy as np

from convstudio.engine.convolve import as_float_arrays, real_arrays
from convstudio.engine.errors import ConvError
from convstudio.engine.geometry import params_for
from convstudio.engine.params import ConvParams, PaddingSpec, PerDim, documents_settings

#: Bytes of tap products held at once (a batch of kernel taps' contributions).
TAP_BATCH_BYTES = 32 << 20


def prepare_transpose_operands(
    x: object,
    weight: object,
    bias: object,
    settings: dict[str, object],
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, ConvParams]:
    """Check shapes and settings, then convert the operands to one float dtype.

    Returns the float operands and the validated transposed ``ConvParams``; refuses invalid
    operands with ``ConvError`` before copying anything.
    """
    x_, w_, b_ = real_arrays(x, weight, bias)
    params = params_for(
        x_.shape, w_.shape, {**settings, "transposed": True, "bias": b_ is not None}
    )
    if b_ is not None and b_.shape != (params.out_features,):
        raise ConvError(
            f"bias of shape {b_.shape} must have one value per output feature: "
            f"({params.out_features},)"
        )
    return (*as_float_arrays(x_, w_, b_), params)


@documents_settings
def conv_transpose(
    x: np.ndarray | Sequence[object],
    weight: np.ndarray | Sequence[object],
    bias: np.ndarray | Sequence[float] | None = None,
    *,
    stride: PerDim = 1,
    padding: PaddingSpec = 0,
    output_padding: PerDim = 0,
    groups: int = 1,
    dilation: PerDim = 1,
) -> np.ndarray:
    """The transposed convolution of ``x`` with ``weight``, plus ``bias``, as PyTorch computes it.

    Follows ``torch.nn.functional.conv_transpose1d/2d`` (``nn.ConvTranspose1d/2d``) for one
    sample: ``x`` is ``(in_features, L)`` or ``(in_features, H, W)``; ``weight`` is
    ``(in_features, out_features // groups, *kernel)``; ``bias`` is ``(out_features,)`` or None.
    Returns ``(out_features, *out_spatial)`` with each size ``(n - 1)*stride - before - after +
    dilation*(k - 1) + output_padding + 1``: ``padding`` crops that many cells from the start
    (and end) of the full result, ``output_padding`` adds cells at the end (which only the
    spread of the last input cells, or only the bias, reaches). ``output_shape(...,
    transposed=True)`` gives the shape without computing, ``explain_transpose`` one cell's sum.

    Float32 operands give a float32 result; every other real dtype (bool, ints, float16,
    float64, mixtures) is computed in float64. NaN and infinity propagate as in PyTorch.

    Raises ``ConvError`` for what PyTorch refuses: output_padding not smaller than the stride or
    the dilation, negative padding, a padding that crops the whole output, a weight whose first
    axis is not the input's features, groups that do not divide them, floats for whole numbers,
    a padding mode other than zeros (there is none to choose here) and non-real dtypes.

    {settings}

    >>> import numpy as np
    >>> conv_transpose(np.array([[1.0, 2.0]]), np.array([[[1.0, 10.0, 100.0]]]), stride=2).tolist()
    [[1.0, 10.0, 102.0, 20.0, 200.0]]
    >>> x = np.ones((2, 3, 3), dtype=np.float32)
    >>> y = conv_transpose(x, np.ones((2, 4, 3, 3), np.float32), stride=2, padding=1,
    ...                    output_padding=1)
    >>> y.shape, y.dtype
    ((4, 6, 6), dtype('float32'))
    """
    settings = transpose_settings(stride, padding, output_padding, groups, dilation)
    x_, w_, b_, params = prepare_transpose_operands(x, weight, bias, settings)
    return conv_transpose_checked(x_, w_, b_, params)


def transpose_settings(
    stride: PerDim, padding: PaddingSpec, output_padding: PerDim, groups: int, dilation: PerDim
) -> dict[str, object]:
    """The keyword settings of ``conv_transpose`` and ``explain_transpose`` as a dict."""
    return {
        "stride": stride,
        "padding": padding,
        "output_padding": output_padding,
        "groups": groups,
        "dilation": dilation,
    }


def conv_transpose_checked(
    x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, params: ConvParams
) -> np.ndarray:
    """``conv_transpose`` for operands already converted and validated against ``params``."""
    groups, cin, cout = params.groups, params.in_per_group, params.out_per_group
    spatial = x.shape[1:]
    out_spatial = params.output_shape_unchecked(x.shape)[1:]
    befores = [b for b, _ in params.padding]
    # The full spread (no cropping), extended to the end of the output window if output_padding
    # reaches past it; the output is the window ``before : before + out`` of this buffer.
    full = [
        max((n - 1) * s + d * (k - 1) + 1, b + m)
        for n, s, k, d, b, m in zip(
            spatial, params.stride, params.kernel_size, params.dilation, befores, out_spatial
        )
    ]
    dtype = x.dtype
    buffer = np.zeros((groups, cout, *full), dtype=dtype)
    cells = prod(spatial)
    taps = prod(params.kernel_size)
    xs = x.reshape(groups, cin, cells)
    # (groups, taps, cout, cin): one (cout x cin) matrix per group and kernel tap.
    ws = np.ascontiguousarray(
        weight.reshape(groups, cin, cout, taps).transpose(0, 3, 2, 1), dtype=dtype
    )
    per_tap = groups * cout * cells * dtype.itemsize
    batch = max(1, min(taps, TAP_BATCH_BYTES // max(per_tap, 1)))
    kernel_cells = list(np.ndindex(*params.kernel_size))
    with np.errstate(over="ignore", invalid="ignore"):
        for first in range(0, taps, batch):
            last = min(first + batch, taps)
            products = np.matmul(ws[:, first:last].reshape(groups, -1, cin), xs)
            products = products.reshape(groups, last - first, cout, *spatial)
            for j, kernel_index in enumerate(kernel_cells[first:last]):
                where = tuple(
                    slice(k * d, k * d + (n - 1) * s + 1, s)
                    for k, d, s, n in zip(kernel_index, params.dilation, params.stride, spatial)
                )
                buffer[(slice(None), slice(None), *where)] += products[:, j]
    window = tuple(slice(b, b + m) for b, m in zip(befores, out_spatial))
    out = buffer.reshape(params.out_features, *full)[(slice(None), *window)]
    out = np.ascontiguousarray(out)
    if bias is not None:
        out += bias.reshape(-1, *(1,) * params.ndim)
    return out
