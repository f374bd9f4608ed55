"""conv_transpose equals the plain-loop reference and PyTorch, and refuses what PyTorch refuses."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings

from convstudio.engine import ConvError, ConvParams, conv_transpose, output_shape
from tests.engine.random_layers import Layer
from tests.engine.random_transposed import transposed_layers
from tests.engine.reference_transpose import reference_conv_transpose
from tests.torch_oracle import require_torch

# the module, not the function of the same name that the package re-exports
transpose_mod = importlib.import_module("convstudio.engine.transpose")


def reference(layer: Layer, absolute: bool = False) -> np.ndarray:
    """The reference result; with ``absolute``, per cell the sum of |terms| (rounding's scale)."""
    f = np.abs if absolute else np.asarray
    bias = None if layer.bias is None else f(layer.bias)
    p = layer.params
    return reference_conv_transpose(
        f(layer.x),
        f(layer.weight),
        bias,
        stride=p.stride,
        padding=p.padding,
        output_padding=p.output_padding,
        dilation=p.dilation,
        groups=p.groups,
    )


def assert_close(got: np.ndarray, expected: np.ndarray, magnitude: np.ndarray, dtype) -> None:
    rel = 1e-9 if np.dtype(dtype) == np.float64 else 2e-5
    assert got.shape == expected.shape
    err = np.abs(got.astype(np.float64) - expected)
    assert (err <= rel * magnitude + 1e-300).all(), f"max error {err.max()}"


def torch_conv_transpose(layer: Layer) -> np.ndarray:
    """``F.conv_transpose1d/2d`` on one sample, in float64."""
    torch = require_torch()
    import torch.nn.functional as F

    p = layer.params
    f = F.conv_transpose1d if p.ndim == 1 else F.conv_transpose2d
    b = None if layer.bias is None else torch.from_numpy(layer.bias.astype(np.float64))
    out = f(
        torch.from_numpy(layer.x.astype(np.float64))[None],
        torch.from_numpy(layer.weight.astype(np.float64)),
        b,
        stride=p.stride,
        padding=tuple(before for before, _ in p.padding),
        output_padding=p.output_padding,
        groups=p.groups,
        dilation=p.dilation,
    )
    return out[0].numpy()


# -- against the plain-loop reference and torch ------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(transposed_layers())
def test_matches_the_reference(layer: Layer) -> None:
    out = conv_transpose(layer.x, layer.weight, layer.bias, **layer.settings)
    assert out.dtype == layer.x.dtype
    assert_close(out, reference(layer), reference(layer, absolute=True), layer.x.dtype)
    assert out.shape == output_shape(
        layer.x.shape, layer.weight.shape, transposed=True, **layer.settings
    )


@settings(max_examples=150, deadline=None)
@given(transposed_layers(max_size=6, max_per_group=3, symmetric=True, dtypes=(np.float64,)))
def test_matches_torch(layer: Layer) -> None:
    expected = torch_conv_transpose(layer)
    out = conv_transpose(layer.x, layer.weight, layer.bias, **layer.settings)
    assert_close(out, expected, reference(layer, absolute=True), np.float64)


@pytest.mark.parametrize(
    ("ndim", "cin", "cout", "groups", "size", "k", "stride", "padding", "out_pad", "dilation"),
    [
        (2, 16, 8, 1, 24, 4, 2, 1, 0, 1),  # the usual 2x upsampling
        (2, 6, 9, 3, 17, 5, 3, 2, 2, 2),
        (1, 8, 4, 2, 300, 9, 4, 3, 1, 3),
        (2, 3, 5, 1, 9, 7, 1, 6, 0, 1),  # padding crops almost everything a k7 spreads
    ],
)
def test_larger_layers_match_torch(
    ndim, cin, cout, groups, size, k, stride, padding, out_pad, dilation
) -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(cin, *(size,) * ndim))
    w = rng.normal(size=(cin, cout // groups, *(k,) * ndim))
    b = rng.normal(size=cout)
    s = {
        "stride": stride,
        "padding": padding,
        "output_padding": out_pad,
        "groups": groups,
        "dilation": dilation,
    }
    params = ConvParams.from_shapes(x.shape, w.shape, bias=True, transposed=True, **s)
    layer = Layer(x, w, b, s, params)
    expected = torch_conv_transpose(layer)
    out = conv_transpose(x, w, b, **s)
    scale = np.abs(expected).max()
    assert np.abs(out - expected).max() <= 1e-12 * scale


def test_tap_batches_give_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=(4, 7, 6)), rng.normal(size=(4, 3, 3, 2))
    whole = conv_transpose(x, w, stride=(2, 1), padding=1, output_padding=(1, 0))
    monkeypatch.setattr(transpose_mod, "TAP_BATCH_BYTES", 1)  # one tap per batch
    assert np.array_equal(
        conv_transpose(x, w, stride=(2, 1), padding=1, output_padding=(1, 0)), whole
    )


# -- dtypes and values --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dtypes", "expected"),
    [
        ((np.float32, np.float32, np.float32), np.float32),
        ((np.float32, np.float32, None), np.float32),
        ((np.float32, np.float64, None), np.float64),
        ((np.int64, np.int64, np.int32), np.float64),
        ((np.bool_, np.float32, None), np.float64),
        ((np.float16, np.float16, None), np.float64),
        ((np.float64, np.float64, np.float32), np.float64),
    ],
)
def test_float32_in_float32_out_else_float64(dtypes: tuple, expected: type) -> None:
    x = np.ones((2, 3, 3), dtype=dtypes[0])
    w = np.ones((2, 1, 2, 2), dtype=dtypes[1])
    b = None if dtypes[2] is None else np.ones(2, dtype=dtypes[2])
    out = conv_transpose(x, w, b, groups=2)
    assert out.dtype == expected
    assert out[0, 1, 1] == 4.0 + (b is not None)


def test_nested_lists_are_accepted() -> None:
    assert conv_transpose([[1, 2]], [[[1, 1]]]).tolist() == [[1.0, 3.0, 2.0]]


def test_nan_and_infinity_propagate_as_in_torch() -> None:
    torch = require_torch()
    import torch.nn.functional as F

    x = np.array([[1.0, np.nan, 2.0, np.inf, 0.0]])
    w = np.array([[[1.0, -1.0]]])
    expected = F.conv_transpose1d(torch.from_numpy(x)[None], torch.from_numpy(w), stride=2)[0]
    out = conv_transpose(x, w, stride=2)
    np.testing.assert_array_equal(out, expected.numpy())


def test_overflow_gives_infinity_without_a_warning() -> None:
    out = conv_transpose(np.array([[1e300]]), np.array([[[1e300]]]))
    assert out.tolist() == [[np.inf]]


# -- what torch refuses --------------------------------------------------------------------------

X2, W2 = np.ones((2, 5, 5)), np.ones((2, 3, 3, 3))
X1, W1 = np.ones((2, 5)), np.ones((2, 3, 3))

REFUSED: list[tuple[str, dict, str]] = [
    (
        "output_padding not below stride or dilation",
        {"stride": 2, "output_padding": 2},
        r"^output_padding=2 must be smaller than the stride or the dilation for the height "
        r"\(dimension 0\): it is 2, the stride 2 and the dilation 1$",
    ),
    (
        "output_padding in one dimension",
        {"stride": (2, 1), "dilation": 1, "output_padding": (1, 1)},
        r"^output_padding=\(1, 1\) must be smaller than the stride or the dilation for the width "
        r"\(dimension 1\): it is 1, the stride 1 and the dilation 1$",
    ),
    (
        "negative output_padding",
        {"stride": 2, "output_padding": -1},
        r"^output_padding=-1 must be at least 0$",
    ),
    ("negative padding", {"padding": -1}, r"^padding=-1 must not be negative$"),
    (
        "padding cropping everything",
        {"padding": 4},
        r"^padding 4\+4 along the height \(dimension 0\) crops more than the transposed layer "
        r"makes: \(input 5 - 1\)\*stride 1 - padding 8 \+ dilation 1\*\(kernel 3 - 1\) \+ "
        r"output_padding 0 \+ 1 = -1 cells; the output needs at least 1$",
    ),
    ("stride zero", {"stride": 0}, r"^stride=0 must be positive$"),
    ("dilation zero", {"dilation": (1, 0)}, r"^dilation=\(1, 0\) must be positive"),
    ("groups not dividing", {"groups": 4}, r"^groups=4 does not divide in_features=2$"),
    ("groups zero", {"groups": 0}, r"^groups=0 must be at least 1$"),
    (
        "float stride",
        {"stride": 2.0},
        r"^stride=2.0 is a float; stride takes whole numbers as ints, as in PyTorch: write "
        r"stride=2$",
    ),
    (
        "padding 'same'",
        {"padding": "same"},
        r"^padding='same' is for forward layers: a transposed layer's padding is the cells it "
        r"crops from its output",
    ),
]


@pytest.mark.parametrize(("name", "settings_", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_with_a_message_naming_the_setting(
    name: str, settings_: dict, message: str
) -> None:
    with pytest.raises(ConvError, match=message):
        conv_transpose(X2, W2, **settings_)


@pytest.mark.parametrize(("name", "settings_", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_torch_refuses_it_too(name: str, settings_: dict, message: str) -> None:
    torch = require_torch()
    import torch.nn.functional as F

    with pytest.raises((RuntimeError, TypeError, ValueError)):
        F.conv_transpose2d(torch.from_numpy(X2)[None], torch.from_numpy(W2), **settings_)


SHAPES: list[tuple[str, Callable[[], object], str]] = [
    (
        "weight features",
        lambda: conv_transpose(X2, np.ones((3, 3, 3, 3))),
        r"^weight of shape \(3, 3, 3, 3\) \(in_features, out_features/groups, \.\.\.\) expects 3 "
        r"input features, but the input has 2$",
    ),
    (
        "weight dimensions",
        lambda: conv_transpose(X2, W1),
        r"^weight of shape \(2, 3, 3\) must be \(in_features, out_features/groups, kH, kW\) for a "
        r"2D input",
    ),
    (
        "bias length",
        lambda: conv_transpose(X1, W1, np.ones(2)),
        r"^bias of shape \(2,\) must have one value per output feature: \(3,\)$",
    ),
    (
        "3D input",
        lambda: conv_transpose(np.ones((2, 3, 3, 3)), np.ones((2, 1, 1, 1, 1))),
        r"^input of shape \(2, 3, 3, 3\) must be \(in_features, L\) for 1D",
    ),
    (
        "empty kernel",
        lambda: conv_transpose(X1, np.ones((2, 3, 0))),
        r"^kernel_size=\(0,\) must be positive: the entry for the length \(dimension 0\) is 0$",
    ),
    (
        "complex input",
        lambda: conv_transpose(X1.astype(complex), W1),
        r"^input of dtype complex128 must hold real numbers$",
    ),
]


@pytest.mark.parametrize(("name", "call", "message"), SHAPES, ids=[s[0] for s in SHAPES])
def test_shapes_that_disagree_are_refused(
    name: str, call: Callable[[], object], message: str
) -> None:
    with pytest.raises(ConvError, match=message):
        call()


def test_transposed_params_refuse_other_padding_modes() -> None:
    with pytest.raises(ConvError, match=r"^padding_mode='reflect': a transposed layer pads"):
        ConvParams(
            ndim=1,
            in_features=1,
            out_features=1,
            kernel_size=3,
            padding_mode="reflect",
            transposed=True,
        )


# -- one settings object for either kind -----------------------------------------------------


def test_one_params_object_describes_a_transposed_layer() -> None:
    p = ConvParams(
        ndim=2,
        in_features=4,
        out_features=6,
        kernel_size=(3, 2),
        stride=2,
        padding=(1, 0),
        output_padding=(1, 0),
        groups=2,
        transposed=True,
    )
    assert p.weight_shape == (4, 3, 3, 2)
    assert p.output_shape((4, 5, 5)) == (6, 10, 10)
    assert p.in_features_of(4) == range(2, 4)
    rng = np.random.default_rng(1)
    x, w = rng.normal(size=(4, 5, 5)), rng.normal(size=p.weight_shape)
    out = conv_transpose(x, w, **p.settings())
    assert out.shape == output_shape(x.shape, w.shape, **p.geometry_settings())
    assert ConvParams.from_shapes(x.shape, w.shape, bias=True, **p.geometry_settings()) == p


def test_forward_params_are_unchanged_by_the_new_fields() -> None:
    p = ConvParams(ndim=2, in_features=2, out_features=3, kernel_size=3, padding=1)
    assert (p.transposed, p.output_padding) == (False, (0, 0))
    assert p.settings() == p.geometry_settings()
    assert "transposed" not in p.settings()
    assert p.replace(transposed=True).weight_shape == (2, 3, 3, 3)
