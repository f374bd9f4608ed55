"""What the window and the file loader accept: one place that both check against.

The limits exist so that a typo (a 40000x40000 input, 5000 features) gets a clear message before
anything is allocated, instead of an out-of-memory crash or a window that hangs. They are the
window's and the loader's, not the engine's: a script may convolve any layer the engine accepts
(it is bounded by memory alone), so ``ConvParams`` does not check these; ``check_layer`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import prod

from convstudio.engine.errors import ConvError
from convstudio.engine.params import ConvParams

MAX_FEATURES = 512
MAX_SIZE_2D = 4096
MAX_SIZE_1D = 1_000_000
MAX_KERNEL = 64
MAX_PADDING = 4096
MAX_DILATION = 4096
MAX_STRIDE = 4096
#: Upper bound on the number of values in any one array: the input, the padded input, the weight
#: or the output. 64 million float64 values are 512 MB.
MAX_VALUES = 64_000_000


def max_size(ndim: int) -> int:
    """The largest spatial size allowed along one dimension of an ``ndim``-D input."""
    return MAX_SIZE_1D if ndim == 1 else MAX_SIZE_2D


def check_count(name: str, value: int, limit: int) -> None:
    """Refuse a count (features, kernel side, ...) above its limit."""
    if value > limit:
        raise ConvError(f"{name}={value} is over the limit of {limit:,}")


def check_values(name: str, shape: Sequence[int]) -> None:
    """Refuse an array whose number of values is over ``MAX_VALUES``, before it is allocated."""
    count = prod(int(s) for s in shape)
    if count > MAX_VALUES:
        dims = "x".join(str(int(s)) for s in shape)
        raise ConvError(
            f"{name} of shape {dims} has {count:,} values, over the limit of {MAX_VALUES:,}"
        )


def check_spatial(name: str, spatial: Sequence[int]) -> None:
    """Refuse a spatial size over the per-dimension limit for its number of dimensions."""
    limit = max_size(len(spatial))
    for size in spatial:
        if size > limit:
            dims = "x".join(str(int(s)) for s in spatial)
            raise ConvError(f"{name} size {dims} is over the limit of {limit:,} per side")


def check_params(params: ConvParams) -> None:
    """Refuse settings over the window's limits (features, kernel, stride, dilation, padding)."""
    check_count("in_features", params.in_features, MAX_FEATURES)
    check_count("out_features", params.out_features, MAX_FEATURES)
    check_count("kernel_size", max(params.kernel_size), MAX_KERNEL)
    check_count("stride", max(params.stride), MAX_STRIDE)
    check_count("dilation", max(params.dilation), MAX_DILATION)
    check_count("padding", max(max(pair) for pair in params.padding), MAX_PADDING)
    check_values("weight", params.weight_shape)


def check_layer(params: ConvParams, input_shape: Sequence[int]) -> None:
    """Refuse a layer on an input of this shape that is over any of the window's limits.

    Checks the settings, then the input, the padded input and the output (when the settings
    give one: the engine's own check names what is wrong with a layer that has none).
    """
    check_params(params)
    shape = tuple(int(s) for s in input_shape)
    check_spatial("input", shape[1:])
    check_values("input", shape)
    if not params.transposed:  # a transposed layer pads nothing of its input
        check_values("padded input", (shape[0], *params.padded_spatial(shape[1:])))
    out = params.output_shape_unchecked(shape)
    if all(n > 0 for n in out):
        check_values("output", out)
