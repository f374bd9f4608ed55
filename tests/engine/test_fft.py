"""The FFT path against PyTorch and the direct path; its blocks, chunks, memory and cancelling;
what ``method="auto"`` picks."""

from __future__ import annotations

import tracemalloc
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from convstudio.engine import PADDING_MODES, Cancelled, ConvError, ConvParams, convolve
from convstudio.engine import fft as fft_mod
from convstudio.engine.convolve import as_float_arrays, check_operands, pad_input
from convstudio.engine.fft import choose_method, correlate_fft, fast_length, fft_plan
from tests.engine.random_layers import Layer, layers
from tests.engine.test_convolve import CountingCancel, torch_convolve


def relative_error(got: np.ndarray, want: np.ndarray, scale: float = 0.0) -> float:
    """Norm-wise: ||got - want|| / ||want||, or over ``scale`` when that is larger."""
    diff = np.linalg.norm((got.astype(np.float64) - want).ravel())
    return float(diff / max(np.linalg.norm(want.ravel()), scale, 1e-300))


def term_scale(layer: Layer) -> float:
    """||x|| * ||weight|| (+ ||bias||): what a transform's rounding is relative to. An output
    that cancels to about zero, or reads nothing but padding zeros, gets the rounding of the
    whole block's transform (about 1e-16 of this), where the direct sum may be exactly zero."""
    norm = np.linalg.norm(layer.x.ravel()) * np.linalg.norm(layer.weight.ravel())
    return float(norm + (0.0 if layer.bias is None else np.linalg.norm(layer.bias)))


def tolerance(dtype: Any) -> float:
    return 1e-10 if np.dtype(dtype) == np.float64 else 2e-5


@st.composite
def fft_layers(draw: st.DrawFn) -> Layer:
    """Layers with kernels big enough for the FFT to matter, in every form the engine takes."""
    ndim = draw(st.sampled_from((1, 2)))
    groups = draw(st.integers(1, 3))
    cin, cout = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 12)) for _ in range(ndim))
    dilation = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    form = draw(st.sampled_from(("int", "pairs", "valid", "same", "full")))
    if form == "same":
        stride = (1,) * ndim
    mode = draw(st.sampled_from(PADDING_MODES))
    padding: Any = form
    if form == "int":
        padding = draw(st.integers(0, 6))
    elif form == "pairs":
        padding = tuple((draw(st.integers(0, 6)), draw(st.integers(0, 6))) for _ in range(ndim))
    spatial = tuple(draw(st.integers(1, 60 if ndim == 1 else 24)) for _ in range(ndim))
    try:
        params = ConvParams.from_shapes(
            (cin, *spatial),
            (cout, cin // groups, *kernel),
            bias=True,
            stride=stride,
            padding=padding,
            dilation=dilation,
            groups=groups,
            padding_mode=mode,
        )
    except ConvError:
        assume(False)
    dtype = draw(st.sampled_from((np.float64, np.float32)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.normal(size=(cin, *spatial)).astype(dtype)
    w = rng.normal(size=(cout, cin // groups, *kernel)).astype(dtype)
    b = rng.normal(size=cout).astype(dtype) if draw(st.booleans()) else None
    settings_ = {
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "groups": groups,
        "padding_mode": mode,
    }
    return Layer(x, w, b, settings_, params)


# -- against torch ------------------------------------------------------------------------------


@settings(max_examples=120, deadline=None)
@given(fft_layers())
def test_fft_matches_torch(layer: Layer) -> None:
    expected = torch_convolve(layer)
    out = convolve(layer.x, layer.weight, layer.bias, method="fft", **layer.settings)
    assert out.dtype == layer.x.dtype and out.shape == expected.shape
    assert relative_error(out, expected, term_scale(layer)) <= tolerance(layer.x.dtype)


@settings(max_examples=60, deadline=None)
@given(layers(max_size=9, max_per_group=3))
def test_fft_matches_torch_on_small_layers(layer: Layer) -> None:
    expected = torch_convolve(layer)
    out = convolve(layer.x, layer.weight, layer.bias, method="fft", **layer.settings)
    assert out.dtype == layer.x.dtype
    assert relative_error(out, expected, term_scale(layer)) <= tolerance(layer.x.dtype)


@settings(max_examples=60, deadline=None)
@given(fft_layers(), st.sampled_from([20_000, 60_000, 200_000]))
def test_blocks_and_chunks_give_the_same_values(layer: Layer, work_bytes: int) -> None:
    """A small working-memory bound cuts the layer into row blocks and feature chunks."""
    x, w, b = as_float_arrays(layer.x, layer.weight, layer.bias)
    padded = pad_input(x, layer.params)
    whole = correlate_fft(padded, w, b, layer.params, x.shape, work_bytes=1 << 40)
    cut = correlate_fft(padded, w, b, layer.params, x.shape, work_bytes=work_bytes)
    assert relative_error(cut, whole.astype(np.float64), term_scale(layer)) <= tolerance(x.dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "cin, cout, spatial, kernel, extra",
    [
        (4, 4, (192, 192), 31, {"padding": 15}),
        (1, 2, (384, 384), 40, {}),
        (4, 4, (20_000,), 255 // 4, {"padding": "same", "padding_mode": "reflect"}),
        (6, 4, (90, 70), (17, 9), {"stride": (2, 3), "dilation": (1, 2), "groups": 2}),
    ],
)
def test_big_kernels_match_torch(cin, cout, spatial, kernel, extra, dtype) -> None:
    rng = np.random.default_rng(cin * 7 + len(spatial))
    kernel = (kernel,) * len(spatial) if isinstance(kernel, int) else kernel
    groups = extra.get("groups", 1)
    x = rng.normal(size=(cin, *spatial)).astype(dtype)
    w = rng.normal(size=(cout, cin // groups, *kernel)).astype(dtype)
    b = rng.normal(size=cout).astype(dtype)
    params = check_operands(x, w, b, extra)
    expected = torch_convolve(Layer(x, w, b, extra, params))
    out = convolve(x, w, b, method="fft", **extra)
    assert out.dtype == dtype
    assert relative_error(out, expected) <= tolerance(dtype)
    # the work is cut into pieces and still agrees
    xf, wf, bf = as_float_arrays(x, w, b)
    cut = correlate_fft(pad_input(xf, params), wf, bf, params, x.shape, work_bytes=1 << 20)
    assert relative_error(cut, expected) <= tolerance(dtype)


# -- plans and memory ---------------------------------------------------------------------------


@given(st.integers(1, 100_000))
def test_fast_length_is_the_next_7_smooth_number(n: int) -> None:
    length = fast_length(n)
    assert length >= n
    m = length
    for p in (2, 3, 5, 7):
        while m % p == 0:
            m //= p
    assert m == 1
    for smaller in range(n, length):  # none in between qualifies
        for p in (2, 3, 5, 7):
            while smaller % p == 0:
                smaller //= p
        assert smaller != 1


@pytest.mark.parametrize(
    "cin, cout, kernel, spatial",
    [
        (8, 8, (64, 64), (1024, 1024)),
        (64, 64, (64,), (1_000_000,)),
        (3, 32, (64, 64), (4096, 4096)),
    ],
)
def test_plans_fit_the_working_memory(cin, cout, kernel, spatial) -> None:
    params = ConvParams(ndim=len(kernel), in_features=cin, out_features=cout, kernel_size=kernel)
    for itemsize in (4, 8):
        plan = fft_plan(params, (cin, *spatial), itemsize)
        bins = np.prod(plan.shape[:-1]) * (plan.shape[-1] // 2 + 1)
        spectra = (plan.chunk * cin + cin + plan.chunk) * bins * 2 * itemsize
        assert spectra + plan.chunk * np.prod(plan.shape) * itemsize <= fft_mod.FFT_WORK_BYTES
        assert plan.fits


def test_memory_stays_bounded_on_a_big_layer() -> None:
    """8 -> 8 features at 512x512 with a 48x48 kernel: the whole spectra would take 420 MB."""
    rng = np.random.default_rng(3)
    x, w, b = rng.normal(size=(8, 512, 512)), rng.normal(size=(8, 8, 48, 48)), rng.normal(size=8)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        out = convolve(x, w, b, padding=24, method="fft")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    padded_bytes = 8 * 560 * 560 * 8
    assert peak - out.nbytes <= padded_bytes + 1.25 * fft_mod.FFT_WORK_BYTES
    direct = convolve(x[:, :60, :60], w, b, padding=24, method="direct")
    fft = convolve(x[:, :60, :60], w, b, padding=24, method="fft")
    assert relative_error(fft, direct) <= 1e-12


# -- cancelling ---------------------------------------------------------------------------------


def test_cancel_stops_the_fft_path_at_the_next_call() -> None:
    rng = np.random.default_rng(4)
    x, w, b = rng.normal(size=(4, 100, 90)), rng.normal(size=(6, 2, 21, 21)), rng.normal(size=6)
    settings_ = {"padding": 10, "groups": 2, "padding_mode": "circular"}
    params = check_operands(x, w, b, settings_)
    padded = pad_input(x, params)
    expected = correlate_fft(padded, w, b, params, x.shape, work_bytes=100_000)
    never = CountingCancel()
    out = correlate_fft(padded, w, b, params, x.shape, never, work_bytes=100_000)
    np.testing.assert_array_equal(out, expected)
    assert never.calls > 10
    for fire_at in (1, 2, never.calls // 2, never.calls):
        hook = CountingCancel(fire_at)
        with pytest.raises(Cancelled):
            correlate_fft(padded, w, b, params, x.shape, hook, work_bytes=100_000)
        assert hook.calls == fire_at
    with pytest.raises(Cancelled):
        convolve(x, w, b, method="fft", cancel=lambda: True, **settings_)


# -- what "auto" picks ----------------------------------------------------------------------------


def operands(cin: int, cout: int, spatial: tuple[int, ...], kernel: int, integers: bool = False):
    rng = np.random.default_rng(5)
    shape_w = (cout, cin, *(kernel,) * len(spatial))
    if integers:
        return rng.integers(-3, 4, (cin, *spatial)) * 1.0, rng.integers(-3, 4, shape_w) * 1.0
    return rng.normal(size=(cin, *spatial)), rng.normal(size=shape_w)


def test_auto_keeps_small_kernels_direct_and_takes_the_fft_for_big_ones() -> None:
    for cin, cout, spatial, kernel in [(3, 16, (256, 256), 3), (64, 64, (128, 128), 3),
                                       (2, 3, (6, 6), 3), (16, 32, (100_000,), 9)]:  # fmt: skip
        x, w = operands(cin, cout, spatial, kernel)
        assert choose_method(x, w, None, check_operands(x, w, None, {"padding": 1})) == "direct"
    for cin, cout, spatial, kernel in [(4, 4, (192, 192), 31), (1, 2, (384, 384), 40),
                                       (8, 8, (256, 256), 64), (2, 2, (512, 512), 48)]:  # fmt: skip
        x, w = operands(cin, cout, spatial, kernel)
        assert choose_method(x, w, None, check_operands(x, w, None, {})) == "fft"


def test_auto_never_takes_the_fft_for_non_finite_operands() -> None:
    x, w = operands(4, 4, (192, 192), 31)
    x[0, 100, 100] = np.nan
    params = check_operands(x, w, None, {"padding": 15})
    assert choose_method(x, w, None, params) == "direct"


def test_exact_layers_stay_exact_unless_the_fft_is_ten_times_faster() -> None:
    """Whole numbers of small size: the direct sum is exact; the FFT would round."""
    x, w = operands(2, 2, (96, 96), 17, integers=True)
    params = check_operands(x, w, None, {"padding": 8})
    fft_s = fft_plan(params, x.shape, 8).seconds
    direct_s = fft_mod.direct_seconds(params, x.shape, 8)
    assert fft_s * fft_mod.FFT_MARGIN < direct_s <= fft_s * fft_mod.EXACT_MARGIN  # the premise
    assert choose_method(x, w, None, params) == "direct"
    assert choose_method(x + 0.5, w, None, params) == "fft"  # not whole: the FFT is fine
    out = convolve(x, w, padding=8)
    np.testing.assert_array_equal(out, np.round(out))  # exact to the last bit
    big_x, big_w = operands(2, 2, (512, 512), 48, integers=True)
    big = check_operands(big_x, big_w, None, {})
    assert choose_method(big_x, big_w, None, big) == "fft"  # far more than 10x faster


def test_small_whole_numbers_knows_when_the_direct_sum_is_exact() -> None:
    params = ConvParams(ndim=1, in_features=1, out_features=1, kernel_size=4)
    ones = np.ones((1, 10))
    w = np.ones((1, 1, 4))
    assert fft_mod.small_whole_numbers(ones, w, None, params)
    assert not fft_mod.small_whole_numbers(ones * 0.5, w, None, params)
    assert not fft_mod.small_whole_numbers(ones * 2.0**30, w * 2.0**22, None, params)  # > 2**53
    f32 = ones.astype(np.float32) * 4096
    assert not fft_mod.small_whole_numbers(f32, (w * 2048).astype(np.float32), None, params)


def test_method_fft_refuses_a_layer_whose_spectra_never_fit() -> None:
    x, w = np.zeros((256, 8, 4096)), np.zeros((1, 256, 8, 64))  # rows of 4096 x 256 features
    params = check_operands(x, w, None, {})
    assert not fft_plan(params, x.shape, 8).fits
    assert choose_method(x, w, None, params) == "direct"
    with pytest.raises(ConvError, match="method='fft': this layer's spectra do not fit"):
        convolve(x, w, method="fft")


def test_method_fft_with_nan_computes_as_torch_does() -> None:
    """A transform would spread one NaN over the whole output: those layers run directly."""
    x, w = operands(2, 3, (40, 40), 9)
    x[1, 5, 7] = np.nan
    w[2, 0, 0, 0] = np.inf
    out = convolve(x, w, padding=4, method="fft")
    layer = Layer(x, w, None, {"padding": 4}, check_operands(x, w, None, {"padding": 4}))
    np.testing.assert_array_equal(np.isnan(out), np.isnan(torch_convolve(layer)))
    assert np.isfinite(out).sum() > 0.5 * out.size
