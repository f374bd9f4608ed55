"""A hypothesis strategy for small, valid transposed layers in every form the engine accepts.

1D and 2D, stride, dilation, groups, padding as an int, one per dimension, (before, after)
pairs (an extension of PyTorch's symmetric padding) or 'valid', output_padding below the stride
or the dilation, with or without bias, float64 or float32, integer-valued or random values.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from convstudio.engine import ConvParams
from tests.engine.random_layers import Layer


@st.composite
def transposed_layers(
    draw: st.DrawFn,
    ndim: int | None = None,
    max_size: int = 4,
    max_per_group: int = 2,
    symmetric: bool = False,
    dtypes: tuple[type, ...] = (np.float64, np.float32),
) -> Layer:
    """A small transposed layer with operands; ``symmetric`` keeps to what PyTorch takes."""
    ndim = draw(st.sampled_from((1, 2))) if ndim is None else ndim
    groups = draw(st.integers(1, 3))
    cin = groups * draw(st.integers(1, max_per_group))
    cout = groups * draw(st.integers(1, max_per_group))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(ndim))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    forms = ("int", "per_dim") if symmetric else ("int", "per_dim", "pairs", "valid")
    form = draw(st.sampled_from(forms))
    small = st.integers(0, 2)
    padding: Any = {
        "int": lambda: draw(small),
        "per_dim": lambda: tuple(draw(small) for _ in range(ndim)),
        "pairs": lambda: tuple((draw(small), draw(small)) for _ in range(ndim)),
        "valid": lambda: "valid",
    }[form]()
    spatial = tuple(draw(st.integers(1, max_size)) for _ in range(ndim))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    integers = draw(st.booleans())
    dtype = draw(st.sampled_from(dtypes))

    def values(shape: tuple[int, ...]) -> np.ndarray:
        a = rng.integers(-3, 4, size=shape) if integers else rng.normal(size=shape)
        return a.astype(dtype)

    x = values((cin, *spatial))
    weight = values((cin, cout // groups, *kernel))
    bias = values((cout,)) if draw(st.booleans()) else None
    settings = {
        "stride": stride,
        "padding": padding,
        "output_padding": output_padding,
        "dilation": dilation,
        "groups": groups,
    }
    params = ConvParams(
        ndim=ndim,
        in_features=cin,
        out_features=cout,
        kernel_size=kernel,
        bias=bias is not None,
        transposed=True,
        **settings,
    )
    out = params.output_shape_unchecked(x.shape)
    assume(all(m >= 1 for m in out[1:]))  # padding may crop the whole output: refused elsewhere
    return Layer(x, weight, bias, settings, params)
