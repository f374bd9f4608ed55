"""convolve against the plain-loop reference and against PyTorch; dtype rules; tiling; memory."""

from __future__ import annotations

import importlib
import threading
import tracemalloc
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convstudio.engine import PADDING_MODES, Cancelled, ConvError, ConvParams, convolve
from convstudio.engine.convolve import (
    TILE_BYTES,
    as_float_arrays,
    check_operands,
    convolve_checked,
    flat_fits,
    tile_plan,
)
from tests.engine.random_layers import Layer, layers
from tests.engine.reference import reference_convolve
from tests.torch_oracle import require_torch

# the module, not the function of the same name that the package re-exports
convolve_mod = importlib.import_module("convstudio.engine.convolve")


def scale(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, params: ConvParams):
    """Per output cell, the sum of |terms|: what rounding is relative to."""
    abs_bias = None if bias is None else np.abs(bias)
    return reference_convolve(np.abs(x), np.abs(weight), abs_bias, **params.settings())


def assert_matches(got: np.ndarray, expected: np.ndarray, magnitude: np.ndarray, dtype) -> None:
    rel = 1e-9 if np.dtype(dtype) == np.float64 else 2e-5
    assert got.shape == expected.shape
    err = np.abs(got.astype(np.float64) - expected)
    assert (err <= rel * magnitude + 1e-300).all(), f"max error {err.max()}"


def layouts_for(params: ConvParams, x_shape: tuple[int, ...]) -> list[str]:
    """The layouts that can compute this layer ('rows' needs 2D and stride 1, 'flat' also
    zero padding and output rows as wide as the input's, 'stacked' also groups=1)."""
    if params.ndim == 2 and params.stride == (1, 1):
        if not flat_fits(params, x_shape):
            return ["im2col", "rows"]
        return ["im2col", "rows", "flat"] + (["stacked"] if params.groups == 1 else [])
    return ["im2col"]


# -- against the plain-loop reference ---------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(layers(max_size=7, max_per_group=3))
def test_matches_reference(layer: Layer) -> None:
    out = convolve(layer.x, layer.weight, layer.bias, **layer.settings)
    assert out.dtype == layer.x.dtype
    expected = reference_convolve(layer.x, layer.weight, layer.bias, **layer.params.settings())
    magnitude = scale(layer.x, layer.weight, layer.bias, layer.params)
    assert_matches(out, expected, magnitude, layer.x.dtype)
    # every layout and a tiny tile budget (many tiles, rows split) give the same values
    x, w, b = as_float_arrays(layer.x, layer.weight, layer.bias)
    for layout in layouts_for(layer.params, x.shape):
        for tile_bytes in (1, TILE_BYTES):
            again = convolve_checked(x, w, b, layer.params, tile_bytes=tile_bytes, layout=layout)
            assert_matches(again, expected, magnitude, layer.x.dtype)


PADDINGS_1D: list[Any] = [0, 2, (1,), ((0, 2),), "valid", "same", "full"]
PADDINGS_2D: list[Any] = [1, (2, 0), ((1, 2), (0, 1)), "valid", "same", "full"]


@pytest.mark.parametrize("mode", PADDING_MODES)
@pytest.mark.parametrize("kernel", [3, 4])  # 'same' splits an even kernel's padding unevenly
@pytest.mark.parametrize("ndim", [1, 2])
def test_every_padding_form_and_mode(ndim: int, kernel: int, mode: str) -> None:
    rng = np.random.default_rng(kernel * 10 + ndim)
    spatial = (9,) if ndim == 1 else (6, 7)
    x = rng.normal(size=(4, *spatial))
    w = rng.normal(size=(6, 2, *(kernel,) * ndim))
    b = rng.normal(size=6)
    for padding in PADDINGS_1D if ndim == 1 else PADDINGS_2D:
        settings_ = {"padding": padding, "padding_mode": mode, "groups": 2}
        params = check_operands(x, w, b, settings_)
        out = convolve(x, w, b, **settings_)
        expected = reference_convolve(x, w, b, **params.settings())
        assert_matches(out, expected, scale(x, w, b, params), np.float64)


# -- against PyTorch ----------------------------------------------------------------------------


def torch_convolve(layer: Layer, *, native_same: bool = False) -> np.ndarray:
    """What ``nn.Conv1d/2d`` computes: F.pad for the non-zero modes (and uneven zero padding)."""
    torch = require_torch()
    import torch.nn.functional as F

    params = layer.params
    x = torch.from_numpy(np.ascontiguousarray(layer.x, dtype=np.float64))[None]
    w = torch.from_numpy(np.ascontiguousarray(layer.weight, dtype=np.float64))
    b = None if layer.bias is None else torch.from_numpy(layer.bias.astype(np.float64))
    conv = F.conv1d if params.ndim == 1 else F.conv2d
    common = {"stride": params.stride, "dilation": params.dilation, "groups": params.groups}
    if native_same:
        assert params.padding_mode == "zeros"
        with warnings.catch_warnings():  # torch notes that an even kernel costs it a copy
            warnings.simplefilter("ignore", UserWarning)
            return conv(x, w, b, padding="same", **common)[0].numpy()
    pads = [v for pair in reversed(params.padding) for v in pair]  # last dimension first
    if params.padding_mode == "zeros":
        if all(before == after for before, after in params.padding):
            padding = tuple(before for before, _ in params.padding)
            return conv(x, w, b, padding=padding, **common)[0].numpy()
        x = F.pad(x, pads)
    else:
        x = F.pad(x, pads, mode=params.padding_mode)
    return conv(x, w, b, **common)[0].numpy()


@settings(max_examples=100, deadline=None)
@given(layers(max_size=9, max_per_group=3))
def test_matches_torch(layer: Layer) -> None:
    expected = torch_convolve(layer)
    out = convolve(layer.x, layer.weight, layer.bias, **layer.settings)
    magnitude = scale(layer.x, layer.weight, layer.bias, layer.params)
    assert_matches(out, expected, magnitude, layer.x.dtype)


@settings(max_examples=40, deadline=None)
@given(layers(max_size=8, modes=("zeros",)))
def test_same_matches_torch_native_same(layer: Layer) -> None:
    layer.settings.update(stride=1, padding="same")
    layer.params = ConvParams.from_shapes(
        layer.x.shape, layer.weight.shape, bias=layer.bias is not None, **layer.settings
    )
    expected = torch_convolve(layer, native_same=True)
    out = convolve(layer.x, layer.weight, layer.bias, **layer.settings)
    assert out.shape[1:] == layer.x.shape[1:]
    magnitude = scale(layer.x, layer.weight, layer.bias, layer.params)
    assert_matches(out, expected, magnitude, layer.x.dtype)


LARGE = [  # (ndim, c_in, c_out, spatial, kernel, settings): several tiles, both layouts
    (2, 3, 8, (40, 300), 3, {"padding": 1}),
    (2, 16, 16, (33, 35), 3, {"padding": "same", "padding_mode": "reflect"}),
    (2, 8, 12, (30, 31), (2, 5), {"padding": ((0, 3), (2, 1)), "dilation": (2, 1), "groups": 4}),
    (2, 6, 4, (29, 37), 3, {"stride": (2, 3), "padding": "full", "padding_mode": "circular"}),
    (2, 8, 12, (30, 31), (3, 5), {"padding": "same", "dilation": (2, 1), "groups": 2}),
    (2, 6, 4, (25, 40), (4, 4), {"padding": "same"}),
    (2, 16, 8, (30, 33), 3, {"padding": 1}),
    (2, 12, 5, (31, 26), (5, 3), {"padding": "same", "dilation": (2, 3)}),
    (1, 16, 32, (3001,), 9, {"padding": 4}),
    (1, 4, 6, (700,), 4, {"stride": 3, "dilation": 5, "padding": "full", "groups": 2}),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", LARGE, ids=lambda c: f"{c[0]}D-{c[1]}-{c[2]}-{c[3]}")
def test_larger_layers_match_torch_in_every_layout(case: tuple, dtype: type) -> None:
    require_torch()
    ndim, cin, cout, spatial, kernel, settings_ = case
    rng = np.random.default_rng(cin * cout)
    kernel = (kernel,) * ndim if isinstance(kernel, int) else kernel
    groups = settings_.get("groups", 1)
    x = rng.normal(size=(cin, *spatial)).astype(dtype)
    w = rng.normal(size=(cout, cin // groups, *kernel)).astype(dtype)
    b = rng.normal(size=cout).astype(dtype)
    params = check_operands(x, w, b, settings_)
    expected = torch_convolve(Layer(x, w, b, settings_, params))
    magnitude = torch_convolve(Layer(np.abs(x), np.abs(w), np.abs(b), settings_, params))
    for layout in layouts_for(params, x.shape):
        for tile_bytes in (4096, TILE_BYTES):
            out = convolve_checked(x, w, b, params, tile_bytes=tile_bytes, layout=layout)
            assert out.dtype == dtype
            assert_matches(out, expected, magnitude, dtype)


# -- dtype rules --------------------------------------------------------------------------------


def test_float32_in_float32_out_and_everything_else_float64() -> None:
    x32 = np.ones((2, 5, 5), np.float32)
    w32 = np.ones((3, 2, 3, 3), np.float32)
    b32 = np.ones(3, np.float32)
    assert convolve(x32, w32, b32).dtype == np.float32
    assert convolve(x32, w32).dtype == np.float32
    assert convolve(x32, w32, b32.astype(np.float64)).dtype == np.float64
    assert convolve(x32.astype(np.float64), w32, b32).dtype == np.float64
    ints = convolve(np.ones((2, 5, 5), np.int64), np.ones((3, 2, 3, 3), np.int32), np.arange(3))
    assert ints.dtype == np.float64
    assert ints[:, 0, 0].tolist() == [18.0, 19.0, 20.0]
    assert convolve([[1, 2, 3]], [[[1, 1]]]).tolist() == [[3.0, 5.0]]  # nested lists work
    assert convolve(np.ones((1, 4), np.float16), np.ones((1, 1, 2))).dtype == np.float64
    # float32 keeps float32 precision (not computed in float64 and cast)
    x = np.array([[1.0, 1e-8, 0.0]], np.float32)
    assert convolve(x, np.ones((1, 1, 2), np.float32))[0, 0] == np.float32(1.0)


def test_non_contiguous_operands() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(8, 20, 30))[::2, ::2, ::3]
    w = rng.normal(size=(3, 4, 3, 3)).transpose(0, 1, 3, 2)
    params = check_operands(x, w, None, {"padding": 1})
    assert_matches(
        convolve(x, w, padding=1),
        reference_convolve(x, w, None, **params.settings()),
        scale(x, w, None, params),
        np.float64,
    )


# -- caching never bypasses validation, results are never shared -------------------------------


def test_cached_settings_still_refuse_lookalikes() -> None:
    x, w = np.ones((1, 6, 6)), np.ones((1, 1, 3, 3))
    convolve(x, w, stride=1)
    convolve(x, w, stride=2)
    with pytest.raises(ConvError, match="stride"):
        convolve(x, w, stride=True)  # True == 1 and hashes alike
    with pytest.raises(ConvError, match="stride"):
        convolve(x, w, stride=2.0)
    with pytest.raises(ConvError, match="padding"):
        convolve(x, w, padding=[True, 1])
    for _ in range(2):  # refused again: errors are not cached
        with pytest.raises(ConvError, match="groups=2 does not divide"):
            convolve(np.ones((2, 6, 6)), np.ones((3, 1, 3, 3)), groups=2)
    assert convolve(x, w, stride=np.int64(2)).shape == (1, 2, 2)
    assert convolve(x, w, padding=[1, 1]).shape == (1, 6, 6)
    assert convolve(x, w, padding=(1, [0, 2])).shape == (1, 6, 6)


def test_each_call_returns_a_fresh_array() -> None:
    x, w, b = np.ones((1, 4, 4)), np.ones((2, 1, 3, 3)), np.array([1.0, 2.0])
    first = convolve(x, w, b, padding=1)
    second = convolve(x, w, b, padding=1)
    first[...] = -1
    assert second[0, 1, 1] == 10.0 and second[1, 1, 1] == 11.0
    assert not np.shares_memory(first, x) and not np.shares_memory(second, first)
    y = np.ones((1, 4))
    out = convolve(y, np.ones((1, 1, 1)))  # no padding, 1x1: still a new array
    assert not np.shares_memory(out, y)


def test_threads_computing_at_once_do_not_disturb_each_other() -> None:
    rng = np.random.default_rng(6)
    jobs = [
        (rng.normal(size=(3, 40 + i, 50)), rng.normal(size=(5, 3, 3, 3)), rng.normal(size=5))
        for i in range(8)
    ]
    expected = [convolve(x, w, b, padding=1) for x, w, b in jobs]
    barrier = threading.Barrier(4)

    def run(i: int) -> np.ndarray:
        if i < 4:
            barrier.wait()
        x, w, b = jobs[i]
        return convolve(x, w, b, padding=1)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(run, range(8)))
    for got, want in zip(results, expected):
        np.testing.assert_array_equal(got, want)


# -- tiling ------------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 40), st.integers(1, 40), st.integers(0, 10), st.integers(1, 200))
def test_tile_plan_covers_every_output_cell_once(rows, cols, extra, max_positions) -> None:
    row_len = cols + extra
    seen = np.zeros((rows, cols), int)
    for r0, r1, c0, c1 in tile_plan(rows, cols, row_len, max_positions):
        assert r1 > r0 and c1 > c0
        assert (r1 - r0 - 1) * row_len + (c1 - c0) <= max(max_positions, row_len)
        assert r1 - r0 == 1 or (c0, c1) == (0, cols)
        seen[r0:r1, c0:c1] += 1
    assert (seen == 1).all()


@pytest.mark.parametrize("layout", ["rows", "im2col", "flat", "stacked"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tiled_equals_untiled(layout: str, dtype: type) -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(4, 45, 300)).astype(dtype)  # rows longer than the smallest tile
    w = rng.normal(size=(6, 4, 3, 3)).astype(dtype)
    b = rng.normal(size=6).astype(dtype)
    params = check_operands(x, w, b, {"padding": 1})
    untiled = convolve_checked(x, w, b, params, tile_bytes=1 << 40, layout=layout)
    assert len(convolve_mod._plan(params, x.shape, x.itemsize, 1 << 40, layout).tiles) == 1
    for tile_bytes in (1, 40_000, 300_000):
        plan = convolve_mod._plan(params, x.shape, x.itemsize, tile_bytes, layout)
        assert len(plan.tiles) > 1
        tiled = convolve_checked(x, w, b, params, tile_bytes=tile_bytes, layout=layout)
        tol = 1e-12 if dtype == np.float64 else 1e-5
        np.testing.assert_allclose(tiled, untiled, rtol=tol, atol=tol * np.abs(untiled).max())


def test_memory_stays_bounded_on_a_big_layer() -> None:
    """3 -> 32 features on 1024x1024: the whole patch matrix alone would be 226 MB."""
    rng = np.random.default_rng(8)
    x = rng.normal(size=(3, 1024, 1024))
    w = rng.normal(size=(32, 3, 3, 3))
    b = rng.normal(size=32)
    convolve_mod._scratch.__dict__.clear()  # count the scratch buffers too: none kept from before
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        out = convolve(x, w, b, padding=1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    temporaries = peak - out.nbytes
    padded_bytes = 3 * 1026 * 1026 * 8
    patch_matrix_bytes = 3 * 9 * 1024 * 1024 * 8
    assert temporaries <= 256 * 2**20
    # what tiling buys: the padded copy and a few tile buffers, far below the patch matrix
    assert temporaries <= padded_bytes + 4 * TILE_BYTES < patch_matrix_bytes / 4
    # spot-check values against the reference at corners and the middle
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    unpadded = {"stride": (1, 1), "padding": ((0, 0), (0, 0)), "dilation": (1, 1)}
    for r, c in [(0, 0), (0, 1023), (1023, 0), (511, 700)]:
        window = xp[:, r : r + 3, c : c + 3]
        want = reference_convolve(window, w, b, **unpadded, groups=1, padding_mode="zeros")
        np.testing.assert_allclose(out[:, r, c], want[:, 0, 0], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    "cin, cout, kernel, spatial",
    [(512, 1, (8, 8), (40, 40)), (1, 512, (3, 3), (4096, 8)), (512, 512, (64,), (5000,))],
)
def test_scratch_stays_bounded_for_extreme_layers(cin, cout, kernel, spatial) -> None:
    """The plan alone (nothing computed): buffers never exceed the scratch cap."""
    params = ConvParams(ndim=len(kernel), in_features=cin, out_features=cout, kernel_size=kernel)
    x_shape = (cin, *spatial)
    for layout in layouts_for(params, x_shape):
        plan = convolve_mod._plan(params, x_shape, 8, TILE_BYTES, layout)
        rows_tile = plan.out_per_group if layout == "rows" else 0  # "rows" copies out a tile
        per_column = plan.groups * (plan.k + plan.fold_bias + rows_tile)
        assert per_column * plan.buffer_pitch * 8 <= max(
            2 * TILE_BYTES, convolve_mod.SCRATCH_KEEP_BYTES
        )
        covered = sum((r1 - r0) * (c1 - c0) for r0, r1, c0, c1 in plan.tiles)
        assert covered == plan.out_rows * plan.out_cols


# -- the cancel hook ---------------------------------------------------------------------------


class CountingCancel:
    """A ``cancel`` hook that counts its calls and returns True from call ``fire_at`` on."""

    def __init__(self, fire_at: int | None = None) -> None:
        self.fire_at = fire_at
        self.calls = 0

    def __call__(self) -> bool:
        self.calls += 1
        return self.fire_at is not None and self.calls >= self.fire_at


CANCEL_LAYERS = [  # (input shape, weight shape, settings, layout the plan must choose, tile
    # bytes: small, so that there are many tiles and stopping "within one" means something)
    ((2, 6, 6), (3, 2, 3, 3), {"padding": 1}, "gather", 20_000),
    ((4, 45, 300), (6, 4, 3, 3), {"padding": 1}, "flat", 20_000),
    ((32, 40, 60), (8, 32, 3, 3), {"padding": 1}, "stacked", 700_000),  # 8 rows a tile
    ((16, 30, 40), (8, 16, 3, 3), {"padding": 1, "padding_mode": "reflect"}, "rows", 20_000),
    ((4, 60, 70), (6, 2, 3, 3), {"stride": 2, "groups": 2, "padding": "full"}, "im2col", 20_000),
    ((3, 3000), (5, 3, 9), {"padding": 4, "padding_mode": "circular"}, "im2col", 20_000),
    ((1, 60, 60), (4, 1, 9, 9), {"stride": 2}, "im2col", TILE_BYTES),  # a single tile
]


@pytest.mark.parametrize("case", CANCEL_LAYERS, ids=lambda c: c[3] + str(c[0]))
def test_cancel_stops_at_the_next_tile_in_every_layout(case: tuple) -> None:
    x_shape, w_shape, settings_, layout, tile_bytes = case
    rng = np.random.default_rng(len(x_shape) * 100 + x_shape[-1])
    x, w, b = rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0])
    params = check_operands(x, w, b, settings_)
    plan = convolve_mod._plan(params, x.shape, x.itemsize, tile_bytes, "auto")
    assert plan.layout == layout
    expected = convolve_checked(x, w, b, params, tile_bytes=tile_bytes)
    never = CountingCancel()
    out = convolve_checked(x, w, b, params, tile_bytes=tile_bytes, cancel=never)
    np.testing.assert_array_equal(out, expected)  # a hook that never fires changes nothing
    assert never.calls >= (1 if layout == "gather" else len(plan.tiles))
    for fire_at in sorted({1, 2, never.calls // 2, never.calls} & set(range(1, never.calls + 1))):
        hook = CountingCancel(fire_at)
        with pytest.raises(Cancelled):
            convolve_checked(x, w, b, params, tile_bytes=tile_bytes, cancel=hook)
        assert hook.calls == fire_at  # not asked again: nothing more was computed


def test_convolve_takes_the_hook_and_a_method() -> None:
    rng = np.random.default_rng(11)
    x, w, b = rng.normal(size=(3, 50, 50)), rng.normal(size=(4, 3, 5, 5)), rng.normal(size=4)
    expected = convolve(x, w, b, padding=2)
    never = CountingCancel()
    for method in ("auto", "direct"):
        got = convolve(x, w, b, padding=2, method=method, cancel=never)
        np.testing.assert_array_equal(got, expected)
    assert never.calls >= 2
    with pytest.raises(Cancelled):
        convolve(x, w, b, padding=2, cancel=lambda: True)
    with pytest.raises(ConvError, match="method='fastest' is not one of 'auto', 'direct'"):
        convolve(x, w, b, method="fastest")


def test_cancelled_is_not_a_conv_error() -> None:
    assert issubclass(Cancelled, Exception)
    assert not issubclass(Cancelled, ValueError)  # ConvError is a ValueError
    assert not issubclass(Cancelled, ConvError) and not issubclass(ConvError, Cancelled)
    import convstudio.engine as engine

    assert engine.Cancelled is Cancelled and "Cancelled" in engine.__all__


def test_big_copies_are_cancellable_too() -> None:
    """Padding and converting a big input run in chunks of features, asking between them."""
    x = np.ones((64, 300, 300), np.float32)  # 5.8 M values: more than one copy chunk
    params = ConvParams(ndim=2, in_features=64, out_features=1, kernel_size=3, padding=1)
    hook = CountingCancel()
    padded = convolve_mod.pad_input(x, params, hook)
    assert hook.calls >= 2 and padded.shape == (64, 302, 302) and padded[:, 1:-1, 1:-1].all()
    hook = CountingCancel()
    converted = convolve_mod._converted(x, np.float64, hook)
    assert hook.calls >= 2 and converted.dtype == np.float64 and converted.all()
    with pytest.raises(Cancelled):
        convolve_mod.pad_input(x, params.replace(padding_mode="reflect"), CountingCancel(2))


@pytest.mark.parametrize(
    "cin, cout, kernel, spatial", [(8, 8, (64, 64), (300, 300)), (512, 512, (64,), (5000,))]
)
def test_every_tile_is_a_bounded_amount_of_work(cin, cout, kernel, spatial) -> None:
    params = ConvParams(ndim=len(kernel), in_features=cin, out_features=cout, kernel_size=kernel)
    plan = convolve_mod._plan(params, (cin, *spatial), 8, TILE_BYTES, "auto")
    per_position = cout * plan.k
    for r0, r1, c0, c1 in plan.tiles:
        positions = (r1 - r0) * (c1 - c0)
        assert positions == 1 or positions * per_position <= convolve_mod.TILE_MULTIPLY_ADDS
