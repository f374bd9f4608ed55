"""A hypothesis strategy for small, valid convolution layers in every form the engine accepts.

Shared by the explanation and field tests: 1D and 2D, every padding form and mode, stride,
dilation, groups, with or without bias, float64 or float32, integer-valued or random values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

from convstudio.engine import PADDING_MODES, ConvParams

PADDING_FORMS = ("int", "per_dim", "pairs", "valid", "same", "full")


@dataclass
class Layer:
    x: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None
    settings: dict[str, Any]
    params: ConvParams

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        return (
            f"Layer(x.shape={self.x.shape}, weight.shape={self.weight.shape}, "
            f"bias={self.bias is not None}, dtype={self.x.dtype}, settings={self.settings})"
        )


def _padding(draw: st.DrawFn, form: str, ndim: int) -> Any:
    small = st.integers(0, 2)
    if form == "int":
        return draw(small)
    if form == "per_dim":
        return tuple(draw(small) for _ in range(ndim))
    if form == "pairs":
        return tuple((draw(small), draw(small)) for _ in range(ndim))
    return form


@st.composite
def layers(
    draw: st.DrawFn,
    ndim: int | None = None,
    max_size: int = 5,
    max_per_group: int = 2,
    modes: tuple[str, ...] = PADDING_MODES,
) -> Layer:
    """A small layer with operands; every output cell is cheap to explain one by one."""
    ndim = draw(st.sampled_from((1, 2))) if ndim is None else ndim
    groups = draw(st.integers(1, 3))
    cin = groups * draw(st.integers(1, max_per_group))
    cout = groups * draw(st.integers(1, max_per_group))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(ndim))
    form = draw(st.sampled_from(PADDING_FORMS))
    stride = (1,) * ndim if form == "same" else tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    mode = draw(st.sampled_from(modes))
    padding = _padding(draw, form, ndim)
    pairs = ConvParams(
        ndim=ndim,
        in_features=cin,
        out_features=cout,
        kernel_size=kernel,
        stride=stride,
        padding=padding,
        dilation=dilation,
        groups=groups,
    ).padding
    spatial = []
    for (before, after), k, d in zip(pairs, kernel, dilation):
        low = max(1, d * (k - 1) + 1 - before - after)
        if mode == "reflect":
            low = max(low, before + 1, after + 1)
        elif mode == "circular":
            low = max(low, before, after)
        spatial.append(draw(st.integers(low, max(low, max_size) + 1)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    integers = draw(st.booleans())
    dtype = draw(st.sampled_from((np.float64, np.float32)))

    def values(shape: tuple[int, ...]) -> np.ndarray:
        a = rng.integers(-3, 4, size=shape) if integers else rng.normal(size=shape)
        return a.astype(dtype)

    x = values((cin, *spatial))
    weight = values((cout, cin // groups, *kernel))
    bias = values((cout,)) if draw(st.booleans()) else None
    settings = {
        "stride": stride if draw(st.booleans()) else stride[0] if len(set(stride)) == 1 else stride,
        "padding": padding,
        "dilation": dilation,
        "groups": groups,
        "padding_mode": mode,
    }
    params = ConvParams.from_shapes(x.shape, weight.shape, bias=bias is not None, **settings)
    return Layer(x, weight, bias, settings, params)


def output_cells(layer: Layer) -> list[tuple[int, tuple[int, ...]]]:
    """Every ``(out_feature, position)`` of the layer's output, in order."""
    shape = layer.params.output_shape(layer.x.shape)
    return [(o, pos) for o in range(shape[0]) for pos in np.ndindex(*shape[1:])]


def independent_source(j: int, size: int, mode: str) -> int | None:
    """The input index a padded coordinate copies, from the padding modes' definitions.

    ``j`` counts from the first input cell (negative in the leading padding). Written out
    step by step, independently of ``geometry.source_map``.
    """
    if 0 <= j < size:
        return j
    if mode == "zeros":
        return None
    if mode == "replicate":
        return 0 if j < 0 else size - 1
    if mode == "circular":
        return j % size
    # reflect: mirror at the edge cells without repeating them, as often as needed
    while not 0 <= j < size:
        j = -j if j < 0 else 2 * (size - 1) - j
    return j


NUMPY_PAD_MODES = {
    "zeros": "constant",
    "reflect": "reflect",
    "replicate": "edge",
    "circular": "wrap",
}


def numpy_padded(x: np.ndarray, params: ConvParams) -> np.ndarray:
    """The padded input by ``np.pad`` (independent of the engine's padding)."""
    return np.pad(x, ((0, 0), *params.padding), mode=NUMPY_PAD_MODES[params.padding_mode])
