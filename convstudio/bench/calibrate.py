"""``python -m convstudio.bench engine --calibrate``: measure the FFT cost model's constants.

``convstudio.engine.fft`` picks the direct or the FFT path by estimated seconds; its constants
come from this run (the module docstring says which figure is which). It prints each measured
figure beside the value the engine uses, so a drift on another machine shows at a glance.
The fastest of several runs throughout, not the median: seven developers share the two
cores, and the fastest run is the best estimate of the uncontended time. The direct path is
timed with one BLAS thread (two threads on contended cores run up to 30 times slower, which
says nothing about the layer) and its multiply-add figure divided by the two-thread speed-up of a
plain matmul, measured the same way. Ratios between the two paths matter, not absolute figures.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from convstudio.engine import fft
from convstudio.engine.convolve import as_float_arrays, check_operands, convolve_checked

FFT_SHAPES = ((160, 160), (224, 224), (384, 384), (320, 1088), (1088, 1088), (20_000,),
              (200_000,), (1_000_000,))  # fmt: skip
#: (in, out, spatial, kernel) of the direct layers the fit uses: where the choice is close
DIRECT_LAYERS = (
    (1, 2, (128, 128), 15),
    (4, 4, (96, 96), 15),
    (8, 8, (64, 64), 21),
    (16, 16, (64, 64), 9),
    (64, 64, (48, 48), 3),
    (4, 4, (20_000,), 63),
    (16, 32, (20_000,), 9),
    (1, 1, (50_000,), 31),
)


def fastest_seconds(fn: Callable[[], Any], repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def transform_ns(dtype: type, repeats: int) -> float:
    """Median over FFT_SHAPES of one real transform's (forward and inverse mean) time per
    ``n log2 n``, in nanoseconds."""
    figures = []
    for shape in FFT_SHAPES:
        a = np.random.default_rng(0).normal(size=(2, *shape)).astype(dtype)
        axes = tuple(range(1, 1 + len(shape)))
        spectra = np.fft.rfftn(a, axes=axes)
        forward = fastest_seconds(partial(np.fft.rfftn, a, axes=axes), repeats)
        inverse = fastest_seconds(partial(np.fft.irfftn, spectra, s=shape, axes=axes), repeats)
        n = math.prod(shape)
        figures.append((forward + inverse) / 4 / (n * math.log2(n)) * 1e9)
    return statistics.median(figures)


def call_ns(repeats: int) -> float:
    a = np.ones((1, 8, 8))
    return fastest_seconds(lambda: np.fft.rfftn(a, axes=(1, 2)), repeats) * 1e9


def spectrum_mac_ns(dtype: type, repeats: int) -> float:
    complex_dtype = np.complex64 if dtype == np.float32 else np.complex128
    figures = []
    for m, c, bins in ((4, 4, 25_000), (8, 8, 200_000), (2, 1, 75_000)):
        rng = np.random.default_rng(1)
        k = (rng.normal(size=(m, c, bins)) + 1j).astype(complex_dtype)
        x = (rng.normal(size=(c, bins)) + 1j).astype(complex_dtype)
        seconds = fastest_seconds(partial(np.einsum, "ocf,cf->of", k, x), repeats)
        figures.append(seconds / (m * c * bins) * 1e9)
    return statistics.median(figures)


def matmul_speedup(repeats: int) -> float:
    """How much faster a 1024x1024 matmul runs on all BLAS threads than on one."""
    from threadpoolctl import threadpool_limits

    a = np.random.default_rng(3).normal(size=(1024, 1024))
    with threadpool_limits(1, user_api="blas"):
        one = fastest_seconds(lambda: a @ a, repeats)
    return one / fastest_seconds(lambda: a @ a, repeats)


def direct_fit(dtype: type, repeats: int) -> tuple[float, float]:
    """Least squares of direct-path seconds (one BLAS thread) against (copied patch values,
    multiply-adds)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        return _direct_fit(dtype, repeats)


def _direct_fit(dtype: type, repeats: int) -> tuple[float, float]:
    rows, times = [], []
    for cin, cout, spatial, kernel in DIRECT_LAYERS:
        rng = np.random.default_rng(2)
        x = rng.normal(size=(cin, *spatial))
        w = rng.normal(size=(cout, cin, *(kernel,) * len(spatial)))
        xs, ws, _ = as_float_arrays(x.astype(dtype), w.astype(dtype), None)
        params = check_operands(xs, ws, None, {})
        positions = math.prod(params.output_shape(xs.shape)[1:])
        copied = positions * cin * kernel ** len(spatial)
        rows.append((copied, copied * cout))
        run = partial(convolve_checked, xs, ws, None, params)
        times.append(fastest_seconds(run, repeats))
    a = np.array(rows, float)
    t = np.array(times)
    # relative error matters (the model compares ratios): weight each layer by 1 / time
    coef, *_ = np.linalg.lstsq(a / t[:, None], np.ones_like(t), rcond=None)
    for (cin, cout, spatial, kernel), seconds, fitted in zip(DIRECT_LAYERS, t, a @ coef):
        print(f"  direct {cin}->{cout} {spatial} k{kernel}: {seconds * 1e3:.2f} ms, fit "
              f"{fitted * 1e3:.2f} ms")  # fmt: skip
    return float(coef[0] * 1e9), float(coef[1] * 1e9)


def main(repeats: int = 7) -> int:
    print("FFT cost model: measured here, and (in brackets) what convstudio.engine.fft uses")
    print(f"FFT_CALL_NS      {call_ns(repeats * 20):8.0f}   [{fft.FFT_CALL_NS:.0f}]")
    speedup = matmul_speedup(repeats)
    print(f"two-thread matmul speed-up {speedup:.2f} (divides the one-thread DIRECT_MAC_NS)")
    for dtype, size in ((np.float64, 8), (np.float32, 4)):
        name = np.dtype(dtype).name
        print(f"FFT_NS {name:<9} {transform_ns(dtype, repeats):8.3f}   [{fft.FFT_NS[size]}]")
        print(
            f"SPECTRUM_MAC_NS {name:<9} {spectrum_mac_ns(dtype, repeats):8.3f}   "
            f"[{fft.SPECTRUM_MAC_NS[size]}]"
        )
        copy_ns, mac_ns = direct_fit(dtype, repeats)
        print(f"DIRECT_COPY_NS {name:<9} {copy_ns:8.3f}   [{fft.DIRECT_COPY_NS[size]}]")
        print(f"DIRECT_MAC_NS {name:<9} {mac_ns / speedup:8.4f}   [{fft.DIRECT_MAC_NS[size]}]")
    return 0
