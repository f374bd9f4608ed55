"""The forward convolution: cross-correlation with PyTorch's conv1d/conv2d semantics."""

from __future__ import annotations

from typing import Any

import numpy as np

from convstudio.engine.errors import ConvError
from convstudio.engine.geometry import ZERO, params_for, source_maps
from convstudio.engine.params import ConvParams


def real_arrays(x: Any, weight: Any, bias: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The operands as arrays (views where possible, nothing copied), refusing non-real dtypes.

    Shapes are checked against the settings before ``as_float_arrays`` copies anything, so an
    oversized operand (a broadcast view, an int array) is refused before memory is allocated.
    """
    arrays = [np.asarray(a) for a in (x, weight) + ((bias,) if bias is not None else ())]
    for name, a in zip(("input", "weight", "bias"), arrays):
        if a.dtype.kind not in "biuf":
            raise ConvError(f"{name} of dtype {a.dtype} must hold real numbers")
    return arrays[0], arrays[1], arrays[2] if bias is not None else None


def as_float_arrays(
    x: Any, weight: Any, bias: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Convert the operands to one float dtype: float32 only when every operand is float32."""
    x, weight, bias = real_arrays(x, weight, bias)
    arrays = [a for a in (x, weight, bias) if a is not None]
    dtype = np.float32 if all(a.dtype == np.float32 for a in arrays) else np.float64
    x_, w_ = (np.ascontiguousarray(a, dtype=dtype) for a in (x, weight))
    b_ = np.ascontiguousarray(bias, dtype=dtype) if bias is not None else None
    return x_, w_, b_


def pad_input(x: np.ndarray, params: ConvParams) -> np.ndarray:
    """The input with its padding applied, as ``nn.Conv1d/2d`` pad it for each padding mode."""
    if all(b == 0 and a == 0 for b, a in params.padding):
        return x
    maps = source_maps(params, x.shape[1:])
    if params.padding_mode == "zeros":
        padded = np.zeros((x.shape[0], *params.padded_spatial(x.shape[1:])), dtype=x.dtype)
        inner = tuple(slice(b, b + n) for (b, _), n in zip(params.padding, x.shape[1:]))
        padded[(slice(None), *inner)] = x
        return padded
    out = x
    for axis, m in enumerate(maps, start=1):
        assert not (m == ZERO).any()
        out = np.take(out, m, axis=axis)
    return out


def check_operands(
    x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, settings: dict[str, Any]
) -> ConvParams:
    """Validate shapes and settings together; returns the normalised settings."""
    params = params_for(x.shape, weight.shape, {**settings, "bias": bias is not None})
    if bias is not None and bias.shape != (params.out_features,):
        raise ConvError(
            f"bias of shape {bias.shape} must have one value per output feature: "
            f"({params.out_features},)"
        )
    for name, a in (("input", x), ("weight", weight), ("bias", bias)):
        if a is None:
            continue
        finite = np.isfinite(a)
        if not finite.all():
            where = tuple(int(i) for i in np.argwhere(~finite)[0])
            value = a[where]
            raise ConvError(
                f"{name} holds {value} at index {where[0] if len(where) == 1 else where}: "
                "every value must be a finite number"
            )
    return params


def convolve(
    x: Any,
    weight: Any,
    bias: Any = None,
    *,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> np.ndarray:
    """Cross-correlate ``x`` with ``weight`` and add ``bias``, exactly as ``torch.nn.functional``.

    ``x`` is ``(C_in, L)`` or ``(C_in, H, W)``; ``weight`` is ``(C_out, C_in // groups, *kernel)``.
    Returns ``(C_out, *out_spatial)`` in float32 when every operand is float32, else float64.
    """
    x, weight, bias = real_arrays(x, weight, bias)
    params = check_operands(
        x,
        weight,
        bias,
        {
            "stride": stride,
            "padding": padding,
            "dilation": dilation,
            "groups": groups,
            "padding_mode": padding_mode,
        },
    )
    x, weight, bias = as_float_arrays(x, weight, bias)
    return convolve_checked(x, weight, bias, params)


def convolve_checked(
    x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, params: ConvParams
) -> np.ndarray:
    """``convolve`` for operands already converted and validated against ``params``."""
    padded = pad_input(x, params)
    out_shape = params.output_shape_unchecked(x.shape)
    out = np.empty(out_shape, dtype=x.dtype)
    ndim = params.ndim
    window = tuple(params.kernel_extent)
    patches = np.lib.stride_tricks.sliding_window_view(
        padded, window, axis=tuple(range(1, ndim + 1))
    )
    # patches: (C_in, *window_positions, *window); pick strides and dilation by slicing.
    pos = tuple(slice(None, None, s) for s in params.stride)
    dil = tuple(slice(None, None, d) for d in params.dilation)
    patches = patches[(slice(None), *pos, *dil)]
    patches = patches[(slice(None), *(slice(0, n) for n in out_shape[1:]))]
    cin_g, cout_g = params.in_per_group, params.out_per_group
    k_axes = tuple(range(ndim + 1, 2 * ndim + 1))
    for g in range(params.groups):
        xs = patches[g * cin_g : (g + 1) * cin_g]
        ws = weight[g * cout_g : (g + 1) * cout_g]
        # contract over (in feature, kernel axes)
        res = np.tensordot(ws, xs, axes=((1, *range(2, ndim + 2)), (0, *k_axes)))
        out[g * cout_g : (g + 1) * cout_g] = res
    if bias is not None:
        out += bias.reshape((-1,) + (1,) * ndim)
    return out
