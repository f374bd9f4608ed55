"""Every invalid setting or operand gets a ConvError naming the setting, the value and the rule,
and the oversized ones are refused before the engine allocates anything."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable

import numpy as np
import pytest

from convstudio.engine import ConvError, ConvParams, convolve, explain

X1, W1 = np.ones((2, 6)), np.ones((3, 2, 3))
X2, W2 = np.ones((2, 6, 6)), np.ones((3, 2, 3, 3))


def params(**changes: object) -> ConvParams:
    settings = {"ndim": 2, "in_features": 2, "out_features": 4, "kernel_size": 3, **changes}
    return ConvParams(**settings)  # type: ignore[arg-type]


class conv:
    """``convolve(*args, **kwargs)`` as data, so that the same case also runs through explain."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self.args, self.kwargs = args, kwargs

    def __call__(self) -> object:
        return convolve(*self.args, **self.kwargs)

    def explain(self) -> object:
        ndim = max(np.ndim(self.args[0]) - 1, 1)
        return explain(*self.args, out_feature=0, position=(0,) * ndim, **self.kwargs)


CASES: list[tuple[str, Callable[[], object], str]] = [
    # groups
    (
        "groups not dividing in",
        lambda: params(groups=4),
        r"^groups=4 does not divide in_features=2$",
    ),
    (
        "groups not dividing out",
        lambda: params(in_features=4, out_features=3, groups=2),
        r"^groups=2 does not divide out_features=3$",
    ),
    (
        "groups vs weight",
        conv(np.ones((4, 5, 5)), np.ones((3, 2, 3, 3)), groups=2),
        r"^groups=2 does not divide out_features=3$",
    ),
    ("groups zero", conv(X2, W2, groups=0), r"^groups=0 must be at least 1$"),
    ("groups float", lambda: params(groups=1.5), r"^groups=1.5 must be a whole number$"),
    # stride, dilation, kernel
    ("stride zero", conv(X2, W2, stride=0), r"^stride=0 must be positive$"),
    ("stride negative", conv(X2, W2, stride=(1, -1)), r"^stride=\(1, -1\) must be "),
    ("stride float", conv(X2, W2, stride=1.5), r"^stride=1.5 must be a whole number "),
    ("stride bool", conv(X2, W2, stride=True), r"^stride=True must be a whole number"),
    (
        "stride length",
        conv(X2, W2, stride=(1, 1, 1)),
        r"^stride=\(1, 1, 1\) has 3 entries; a 2D layer needs 2, one for the height and one for "
        r"the width$",
    ),
    ("dilation zero", conv(X1, W1, dilation=0), r"^dilation=0 must be positive$"),
    ("dilation negative", lambda: params(dilation=-2), r"^dilation=-2 must be positive$"),
    ("kernel zero", lambda: params(kernel_size=0), r"^kernel_size=0 must be positive$"),
    (
        "kernel zero in weight",
        conv(X2, np.ones((3, 2, 0, 3))),
        r"^kernel_size=\(0, 3\) must be positive: the entry for the height \(dimension 0\) is 0$",
    ),
    # padding
    ("padding negative", conv(X2, W2, padding=-1), r"^padding=-1 must not be negative"),
    (
        "padding pair negative",
        conv(X2, W2, padding=((1, -1), (0, 0))),
        r"^padding=\(\(1, -1\), \(0, 0\)\) must not be negative$",
    ),
    (
        "padding name",
        conv(X2, W2, padding="half"),
        r"^padding='half' is not one of 'valid', 'same', 'full'",
    ),
    (
        "padding length",
        conv(X2, W2, padding=(1, 1, 1)),
        r"^padding=\(1, 1, 1\) has 3 entries; a 2D layer needs 2, one for the height and one "
        r"for the width$",
    ),
    (
        "padding amounts flat in 1D",
        conv(X1, W1, padding=(0, 2)),
        r"^padding=\(0, 2\) has 2 entries; a 1D layer needs 1 \(the length\) \(for amounts before "
        r"and after, "
        r"write padding=\(\(0, 2\),\)\)$",
    ),
    (
        "padding amounts flat in 2D",
        conv(X2, W2, padding=(0, 1, 2, 0)),
        r"write padding=\(\(0, 1\), \(2, 0\)\)\)$",
    ),
    (
        "padding pair length",
        conv(X2, W2, padding=((1, 1, 1), (0, 0))),
        r"^padding=\(\(1, 1, 1\), \(0, 0\)\): the entry for the height \(dimension 0\) must be a "
        r"whole number or a \(before, after\) pair of whole numbers, got \(1, 1, 1\)$",
    ),
    (
        "padding float",
        conv(X1, W1, padding=1.0),
        r"^padding=1.0 is a float; padding takes whole numbers as ints, as in PyTorch: write "
        r"padding=1$",
    ),
    (
        "padding mode",
        conv(X2, W2, padding=1, padding_mode="mirror"),
        r"^padding_mode='mirror' is not one of zeros, reflect, replicate, circular$",
    ),
    (
        "same with stride",
        conv(X2, W2, padding="same", stride=2),
        r"^padding='same' needs stride=1, got stride=\(2, 2\)",
    ),
    # the kernel against the padded input
    (
        "kernel larger than padded input",
        conv(np.ones((2, 2, 6)), W2, padding=(0, 1)),
        r"^kernel_size=3 with dilation=1 spans 3 cells along the height \(dimension 0\), "
        r"larger than the padded "
        r"input \(2 \+ padding 0\+0 = 2\)$",
    ),
    (
        "dilated kernel larger than padded input",
        conv(X1, W1, dilation=3),
        r"^kernel_size=3 with dilation=3 spans 7 cells, larger than the padded input "
        r"\(6 \+ padding 0\+0 = 6\)$",
    ),
    (
        "reflect padding not smaller than input",
        conv(np.ones((2, 3, 6)), W2, padding=3, padding_mode="reflect"),
        r"^padding_mode='reflect' needs padding smaller than the input: padding \(3, 3\) along "
        r"the height \(dimension 0\) is not smaller than the input size 3$",
    ),
    (
        "reflect 1D",
        conv(np.ones((2, 2)), W1, padding=((0, 2),), padding_mode="reflect"),
        r"^padding_mode='reflect' needs padding smaller than the input: padding \(0, 2\) is not",
    ),
    (
        "circular wrapping more than once",
        conv(np.ones((2, 6, 3)), W2, padding=4, padding_mode="circular"),
        r"^padding_mode='circular' cannot wrap more than once: padding \(4, 4\) along the "
        r"width \(dimension 1\) "
        r"is larger than the input size 3$",
    ),
    # shapes
    (
        "3 spatial dimensions",
        conv(np.ones((2, 4, 4, 4)), np.ones((3, 2, 3, 3, 3))),
        r"^input of shape \(2, 4, 4, 4\) must be \(in_features, L\) for 1D or \(in_features, H, W\)"
        r" for 2D; batches and 3D inputs are not supported$",
    ),
    ("no spatial dimension", conv(np.ones(4), W1), r"^input of shape \(4,\) must be"),
    ("ndim 3", lambda: params(ndim=3), r"^ndim=3: ConvStudio computes 1D and 2D convolutions only"),
    (
        "weight dimensions",
        conv(X2, W1),
        r"^weight of shape \(3, 2, 3\) must be \(out_features, in_features/groups, kH, kW\)",
    ),
    (
        "mismatched features",
        conv(np.ones((3, 6, 6)), W2),
        r"^weight of shape \(3, 2, 3, 3\) with groups=1 expects 2 input features, but the input "
        r"has 3$",
    ),
    ("empty input", conv(np.ones((2, 0, 5)), W2), r"^input of shape \(2, 0, 5\) is empty"),
    (
        "bias length",
        conv(X2, W2, np.ones(2)),
        r"^bias of shape \(2,\) must have one value per output feature: \(3,\)$",
    ),
    ("bias 2D", conv(X2, W2, np.ones((3, 1))), r"^bias of shape \(3, 1\) must have"),
    ("bias flag", lambda: params(bias=1), r"^bias=1 must be True or False$"),
    # values and dtypes
    (
        "complex input",
        conv(X2.astype(complex), W2),
        r"^input of dtype complex128 must hold real numbers$",
    ),
    (
        "complex bias",
        conv(X2, W2, np.ones(3, dtype=np.complex64)),
        r"^bias of dtype complex64 must hold real numbers$",
    ),
    ("text input", conv([["a", "b"]], W1), r"^input of dtype <U1 must hold real"),
]


@pytest.mark.parametrize(("name", "call", "message"), CASES, ids=[c[0] for c in CASES])
def test_conv_error_names_the_setting_and_the_rule(name: str, call, message: str) -> None:
    with pytest.raises(ConvError, match=message):
        call()


def test_conv_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        convolve(X2, W2, stride=0)


EXPLAIN_CASES = [c for c in CASES if isinstance(c[1], conv)]


@pytest.mark.parametrize(
    ("name", "call", "message"), EXPLAIN_CASES, ids=[c[0] for c in EXPLAIN_CASES]
)
def test_explain_refuses_what_convolve_refuses(name: str, call: conv, message: str) -> None:
    with pytest.raises(ConvError, match=message):
        call.explain()


# -- refused before allocation ------------------------------------------------------------------
def huge(shape: tuple[int, ...], dtype: type = np.int64) -> np.ndarray:
    """An array of this shape that takes no memory (every cell is the same value)."""
    return np.broadcast_to(np.ones((), dtype=dtype), shape)


HUGE_CASES = [
    (
        "kernel larger",
        lambda: (huge((512, 2, 4096)), huge((1, 512, 3, 3))),
        {},
        "larger than the padded",
    ),
    (
        "reflect",
        lambda: (huge((64, 2, 4096)), huge((1, 64, 1, 1))),
        {"padding": 2, "padding_mode": "reflect"},
        "reflect",
    ),
    (
        "same stride",
        lambda: (huge((64, 512, 512)), huge((1, 64, 3, 3))),
        {"padding": "same", "stride": 2},
        "same",
    ),
    ("features mismatch", lambda: (huge((64, 512, 512)), huge((1, 63, 3, 3))), {}, "expects 63"),
    ("groups", lambda: (huge((64, 512, 512)), huge((3, 16, 3, 3))), {"groups": 4}, "groups=4"),
    (
        "complex",
        lambda: (huge((64, 512, 512), np.complex128), huge((1, 64, 3, 3))),
        {},
        "real numbers",
    ),
]


@pytest.mark.parametrize(
    ("name", "operands", "settings", "message"), HUGE_CASES, ids=[c[0] for c in HUGE_CASES]
)
@pytest.mark.parametrize("entry", ["convolve", "explain"])
def test_refused_before_allocating(name, operands, settings, message, entry) -> None:
    x, w = operands()  # views: nothing allocated yet; converting them would take 16 MB or more
    call = {
        "convolve": lambda: convolve(x, w, **settings),
        "explain": lambda: explain(x, w, out_feature=0, position=(0, 0), **settings),
    }[entry]
    tracemalloc.start()
    try:
        with pytest.raises(ConvError, match=message):
            call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000, f"{name}: {peak:,} bytes allocated before the error"


def test_tracemalloc_sees_numpy_allocations() -> None:
    # the test above means something only if numpy's buffers are traced
    tracemalloc.start()
    try:
        np.ascontiguousarray(huge((1, 1000, 1000)), dtype=np.float64)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak >= 8_000_000
