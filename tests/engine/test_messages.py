"""How setting errors read (issue 12 part 2): whole floats get the int to write, arrays are shown
as written, and a dimension is named the way the settings count it."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pytest

from convstudio.engine import ConvError, ConvParams, convolve

X1, W1 = np.ones((2, 6)), np.ones((3, 2, 3))
X2, W2 = np.ones((2, 6, 6)), np.ones((3, 2, 3, 3))


def params(ndim: int = 2, **changes: object) -> Callable[[], object]:
    settings = {"ndim": ndim, "in_features": 2, "out_features": 4, "kernel_size": 3, **changes}
    return lambda: ConvParams(**settings)  # type: ignore[arg-type]


MESSAGES: list[tuple[str, Callable[[], object], str]] = [
    (
        "whole float stride",
        lambda: convolve(X2, W2, stride=2.0),
        "stride=2.0 is a float; stride takes whole numbers as ints, as in PyTorch: write stride=2",
    ),
    (
        "whole float groups",
        lambda: convolve(X2, W2, groups=1.0),
        "groups=1.0 is a float; groups takes whole numbers as ints, as in PyTorch: write groups=1",
    ),
    (
        "whole float features",
        params(in_features=2.0),
        "in_features=2.0 is a float; in_features takes whole numbers as ints, as in PyTorch: "
        "write in_features=2",
    ),
    (
        "whole float ndim",
        params(ndim=2.0),  # type: ignore[arg-type]
        "ndim=2.0 is a float; ndim takes whole numbers as ints, as in PyTorch: write ndim=2",
    ),
    ("fractional groups", params(groups=1.5), "groups=1.5 must be a whole number"),
    (
        "fractional stride in 1D",
        lambda: convolve(X1, W1, stride=1.5),
        "stride=1.5 must be a whole number",
    ),
    (
        "fractional stride in 2D",
        lambda: convolve(X2, W2, stride=1.5),
        "stride=1.5 must be a whole number or one per dimension (H, W)",
    ),
    (
        "text stride in 1D",
        lambda: convolve(X1, W1, stride="2"),
        "stride='2' must be a whole number",
    ),
    (
        "bool stride",
        lambda: convolve(X2, W2, stride=True),
        "stride=True must be a whole number or one per dimension (H, W)",
    ),
    (
        "a float entry",
        lambda: convolve(X2, W2, stride=(1, 2.0)),
        "stride=(1, 2.0): the entry for the width (dimension 1) is 2.0, a float; "
        "write stride=(1, 2)",
    ),
    (
        "a fractional entry",
        lambda: convolve(X2, W2, dilation=[1.5, 1]),
        "dilation=[1.5, 1]: the entry for the height (dimension 0) is 1.5, not a whole number",
    ),
    (
        "a zero entry",
        lambda: convolve(X2, W2, stride=(1, 0)),
        "stride=(1, 0) must be positive: the entry for the width (dimension 1) is 0",
    ),
    (
        "an array shown as written",
        lambda: convolve(X2, W2, stride=np.array([1])),
        "stride=np.array([1]) has 1 entries; a 2D layer needs 2, one for the height and one for "
        "the width",
    ),
    (
        "a float array",
        lambda: convolve(X2, W2, stride=np.array([1.0, 2.0])),
        "stride=np.array([1., 2.]): the entry for the height (dimension 0) is 1.0, a float; "
        "write stride=[1, 2]",
    ),
    (
        "a 1D layer needs one",
        lambda: convolve(X1, W1, dilation=(1, 1)),
        "dilation=(1, 1) has 2 entries; a 1D layer needs 1 (the length)",
    ),
    (
        "a float padding pair",
        lambda: convolve(X2, W2, padding=((1, 1), (0, 1.0))),
        "padding=((1, 1), (0, 1.0)): the entry for the width (dimension 1) must be a whole number "
        "or a (before, after) pair of whole numbers, got (0, 1.0); write padding=((1, 1), (0, 1))",
    ),
    (
        "a float padding in 1D",
        lambda: convolve(X1, W1, padding=[2.0]),
        "padding=[2.0]: the entry must be a whole number or a (before, after) pair of whole "
        "numbers, got 2.0; write padding=[2]",
    ),
    (
        "output padding on a forward layer",
        params(output_padding=1),
        "output_padding=1 is for transposed layers only (transposed=True)",
    ),
    ("transposed flag", params(transposed=1), "transposed=1 must be True or False"),
]


@pytest.mark.parametrize(("name", "call", "message"), MESSAGES, ids=[m[0] for m in MESSAGES])
def test_the_message_reads_right(name: str, call: Callable[[], object], message: str) -> None:
    with pytest.raises(ConvError, match=f"^{re.escape(message)}$"):
        call()


def test_integer_arrays_count_as_one_entry_per_dimension() -> None:
    out = convolve(X2, W2, stride=np.array([1, 2]), padding=np.array([1, 0]))
    assert np.array_equal(out, convolve(X2, W2, stride=(1, 2), padding=(1, 0)))
    assert ConvParams(ndim=1, in_features=1, out_features=1, kernel_size=np.array([3])) == (
        ConvParams(ndim=1, in_features=1, out_features=1, kernel_size=3)
    )


def test_numpy_ints_are_whole_numbers() -> None:
    p = ConvParams(
        ndim=2, in_features=np.int64(2), out_features=2, kernel_size=3, groups=np.int32(2)
    )
    assert p.groups == 2 and type(p.groups) is int
