"""``python -m convstudio.bench engine``: convstudio's convolution against PyTorch and SciPy.

For each layer of the issue's table it prints the median time of ``convstudio.engine.convolve``
(validation included), of ``torch.nn.functional.conv1d/conv2d`` and of a SciPy equivalent, the
ratios, and GFLOP/s (2 * multiply-adds / time) beside the machine's own matmul ceiling. All in
one run: a warm-up, then rounds in which each implementation runs a block of calls in turn
(order rotating), with a short pause before each block so that the other library's idle BLAS /
OpenMP threads stop spinning on the two cores. The last line is JSON with the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from convstudio.engine import ConvError, ConvParams, convolve
from convstudio.engine.convolve import check_operands, describe_layout
from convstudio.engine.fft import choose_method, fft_plan

TORCH_THREADS = 2
#: seconds a call beyond which an implementation (SciPy on the big layers) gets fewer rounds
SLOW_CALL = 0.2


@dataclass(frozen=True)
class Case:
    name: str
    cin: int
    cout: int
    spatial: tuple[int, ...]
    kernel: int = 3
    padding: int = 1
    #: ratio to torch that the issue asks for, per dtype (absent: not a target)
    targets: dict[str, float] = field(default_factory=dict)
    #: absolute target per call in microseconds (the teaching layer)
    micros: float | None = None

    @property
    def ndim(self) -> int:
        return len(self.spatial)


CASES = (
    Case("2D 3->8 32x32", 3, 8, (32, 32), targets={"f64": 1.0}),
    Case("2D 3->16 256x256", 3, 16, (256, 256), targets={"f64": 1.0, "f32": 2.0}),
    Case("2D 16->16 128x128", 16, 16, (128, 128), targets={"f64": 1.0, "f32": 2.0}),
    Case("2D 64->64 128x128", 64, 64, (128, 128), targets={"f64": 1.0, "f32": 1.6}),
    Case("1D 16->32 L=100000 k=9", 16, 32, (100_000,), 9, 4, targets={"f64": 0.5, "f32": 1.3}),
    Case("teaching 2->3 6x6", 2, 3, (6, 6), micros=100.0),
    # big kernels (issue 12): "auto" takes the FFT path
    Case("2D 4->4 192x192 k31", 4, 4, (192, 192), 31, 15, targets={"f64": 0.2}),
    Case("2D 1->2 384x384 k40", 1, 2, (384, 384), 40, 0, targets={"f64": 0.2}),
    Case("1D 4->4 L=200000 k255", 4, 4, (200_000,), 255, 127, targets={"f64": 0.2}),
)
DTYPES = {"f64": np.float64, "f32": np.float32}


# -- optional competitors ------------------------------------------------------------------------


def load_torch() -> Any:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(TORCH_THREADS)
    return torch


def load_scipy_correlate() -> Callable | None:
    try:
        from scipy.signal import correlate
    except ImportError:
        return None
    return correlate


def torch_fn(torch: Any, x, w, b, case: Case) -> Callable[[], np.ndarray]:
    import torch.nn.functional as F

    conv = F.conv1d if case.ndim == 1 else F.conv2d
    tw, tb = torch.from_numpy(w), torch.from_numpy(b)

    def run() -> np.ndarray:  # numpy in, numpy out, like convolve
        with torch.no_grad():
            return conv(torch.from_numpy(x)[None], tw, tb, padding=case.padding)[0].numpy()

    return run


def scipy_fn(correlate: Callable, x, w, b, case: Case) -> Callable[[], np.ndarray]:
    """The same layer from ``scipy.signal.correlate``: one n-D 'valid' correlation per output
    feature over the zero-padded input (the kernel spans every input feature, so the feature
    axis collapses to 1), SciPy choosing direct or FFT per call, plus the bias."""
    pad = ((0, 0),) + ((case.padding, case.padding),) * case.ndim

    def run() -> np.ndarray:
        xp = np.pad(x, pad)
        out = np.stack([correlate(xp, w[o], mode="valid")[0] for o in range(w.shape[0])])
        out += b.reshape((-1,) + (1,) * case.ndim)
        return out

    return run


# -- timing --------------------------------------------------------------------------------------


def time_interleaved(
    fns: dict[str, Callable[[], Any]], rounds: int, settle: float, block_seconds: float
) -> dict[str, float]:
    """Median seconds per call of each function, measured in interleaved blocks.

    ``settle`` seconds of idling before each block let the previous library's worker threads
    go to sleep (OpenBLAS spins about 0.1 s after a call, OpenMP a little): a block that starts
    while they spin runs on a core they hog and can take ten times as long. An implementation
    slower than ``SLOW_CALL`` seconds a call runs in at most three rounds.
    """
    per_call = {}
    for name, fn in fns.items():  # warm-up and calibration
        fn()
        start = time.perf_counter()
        fn()
        per_call[name] = time.perf_counter() - start
    samples: dict[str, list[float]] = {name: [] for name in fns}
    names = list(fns)
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            if per_call[name] > SLOW_CALL and r >= 3:
                continue
            fn = fns[name]
            calls = max(1, min(200, int(block_seconds / max(per_call[name], 1e-7))))
            if settle:
                time.sleep(settle)
            if calls > 1:
                fn()  # the first call of a block wakes the library's threads: not counted
            for _ in range(calls):
                start = time.perf_counter()
                fn()
                samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in samples.items()}


def matmul_ceiling(n: int, dtype: type, repeats: int) -> float:
    """GFLOP/s of an n x n numpy matmul: what BLAS can do on this machine at best."""
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(n, n)).astype(dtype), rng.normal(size=(n, n)).astype(dtype)
    out = np.empty((n, n), dtype)
    np.matmul(a, b, out=out)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        np.matmul(a, b, out=out)
        times.append(time.perf_counter() - start)
    return 2 * n**3 / statistics.median(times) / 1e9


# -- environment ---------------------------------------------------------------------------------


def blas_description() -> str:
    """Which BLAS numpy uses, its kernel (architecture) and thread count."""
    try:
        from threadpoolctl import threadpool_info

        blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        # torch and scipy may bring BLAS libraries of their own: pick the one numpy loaded
        mine = [i for i in blas if "numpy" in str(i.get("filepath", ""))] or blas
        if mine:
            info = mine[0]
            return (
                f"{info.get('internal_api')} {info.get('version')}, kernel "
                f"{info.get('architecture')}, {info.get('num_threads')} threads "
                "(threadpoolctl)"
            )
    except ImportError:
        pass
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        detail = blas.get("openblas configuration", "")
        threads = os.environ.get("OPENBLAS_NUM_THREADS") or os.cpu_count()
        return (
            f"{blas.get('name')} {blas.get('version')} ({detail}); threads: {threads} "
            "(numpy.show_config; install threadpoolctl to see the kernel in use)"
        )
    except Exception as exc:  # pragma: no cover - depends on the numpy build
        return f"unknown ({exc})"


def environment(torch: Any, correlate: Any) -> list[str]:
    env = {
        k: os.environ[k]
        for k in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
        if k in os.environ
    }
    lines = [
        f"machine: {platform.machine()}, {os.cpu_count()} cores, load average "
        + " ".join(f"{v:.2f}" for v in os.getloadavg()),
        f"numpy {np.__version__}: BLAS {blas_description()}",
        f"environment: {env or 'no OPENBLAS_*/OMP_* variables set'}",
        (
            f"torch {torch.__version__}, {torch.get_num_threads()} threads"
            if torch
            else "torch: not installed (no torch column)"
        ),
    ]
    if correlate:
        import scipy

        lines.append(f"scipy {scipy.__version__}: scipy.signal.correlate per output feature")
    else:
        lines.append("scipy: not installed (no scipy column)")
    return lines


# -- the run -------------------------------------------------------------------------------------


def quick_case(case: Case) -> Case:
    spatial = tuple(min(n, 16) if case.ndim == 2 else min(n, 1000) for n in case.spatial)
    kernel, padding = min(case.kernel, 9), min(case.padding, 4)
    return Case(case.name, case.cin, case.cout, spatial, kernel, padding,
                case.targets, case.micros)  # fmt: skip


def max_relative_error(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-300))


@dataclass
class Row:
    """One measured case and dtype: median seconds per call of each implementation."""

    case: Case
    tag: str
    times: dict[str, float]
    flops: int
    layout: str
    #: norm-wise relative error against torch, ||ours - torch|| / ||torch|| (None: no torch)
    error: float | None = None

    @property
    def key(self) -> str:
        return f"{self.case.name} {self.tag}"

    @property
    def ratio(self) -> float | None:
        if "torch" not in self.times:
            return None
        return self.times["convstudio"] / self.times["torch"]

    def met(self) -> bool | None:
        """Whether the issue's target for this row is met (None: no target)."""
        if self.case.micros is not None:
            return self.times["convstudio"] * 1e6 <= self.case.micros
        target = self.case.targets.get(self.tag)
        if target is None or self.ratio is None:
            return None
        return self.ratio <= target

    def format(self, with_targets: bool = True) -> str:
        t = self.times
        unit, scale = ("us", 1e6) if t["convstudio"] < 1e-3 else ("ms", 1e3)

        def col(name: str, width: int, value: float | None, fmt: str = ".2f") -> str:
            return f"{'-' if value is None else format(value, fmt):>{width}}"

        def per_call(name: str) -> str:
            return col(name, 9, t[name] * scale if name in t else None, ".1f") + unit

        def gflops(name: str) -> float | None:
            return self.flops / t[name] / 1e9 if name in t else None

        met = self.met() if with_targets else None
        if not with_targets:
            target = ""
        elif self.case.micros is not None:
            target = f"<{self.case.micros:.0f}us"
        elif self.tag in self.case.targets:
            target = f"<={self.case.targets[self.tag]:.1f}"
        else:
            target = ""
        verdict = "" if met is None else ("ok" if met else "MISSED")
        scipy_ratio = t["convstudio"] / t["scipy"] if "scipy" in t else None
        return (
            f"{self.case.name:<24}{self.tag:>4}{per_call('convstudio')}{per_call('torch')}"
            f"{per_call('scipy')}{col('', 9, self.ratio)}{target:>8}{verdict:>7}"
            f"{col('', 9, scipy_ratio)}{col('', 8, gflops('convstudio'), '.1f')}"
            f"{col('', 7, gflops('torch'), '.1f')}{col('', 7, gflops('scipy'), '.1f')}"
            f"  {self.layout}" + ("" if self.error is None else f", error {self.error:.1e}")
        )


HEADER = (
    f"{'case':<24}{'':>4}{'convstudio':>11}{'torch':>11}{'scipy':>11}{'cs/torch':>9}"
    f"{'target':>8}{'':>7}{'cs/scipy':>9}{'GFLOP/s':>8}{'torch':>7}{'scipy':>7}  layout"
)


def measure(
    case: Case, dtype: type, torch: Any, correlate: Any, timing: tuple[int, float, float]
) -> Row:
    """Time one case in one dtype after checking that every implementation agrees."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(case.cin, *case.spatial)).astype(dtype)
    w = rng.normal(size=(case.cout, case.cin, *(case.kernel,) * case.ndim)).astype(dtype)
    b = rng.normal(size=case.cout).astype(dtype)
    fns: dict[str, Callable[[], Any]] = {
        "convstudio": lambda: convolve(x, w, b, padding=case.padding)
    }
    if torch is not None:
        fns["torch"] = torch_fn(torch, x, w, b, case)
    if correlate is not None and case.micros is None:
        fns["scipy"] = scipy_fn(correlate, x, w, b, case)
    ours = fns["convstudio"]().astype(np.float64)
    error = None
    if torch is not None:
        theirs = np.asarray(fns["torch"](), np.float64)
        error = float(np.linalg.norm(ours - theirs) / max(np.linalg.norm(theirs), 1e-300))
    tol = 1e-9 if dtype == np.float64 else 1e-4
    tag = "f64" if dtype == np.float64 else "f32"
    for name, fn in fns.items():
        err = max_relative_error(np.asarray(fn(), np.float64), ours)
        if err > tol:
            raise SystemExit(f"{case.name} {tag}: {name} differs from convstudio by {err:.2e}")
    times = time_interleaved(fns, *timing)
    flops = 2 * case.cout * case.cin * case.kernel**case.ndim * int(np.prod(ours.shape[1:]))
    params = check_operands(x, w, b, {"padding": case.padding})
    return Row(case, tag, times, flops, describe_method(x, w, b, params), error)


def describe_method(x: np.ndarray, w: np.ndarray, b: np.ndarray, params: ConvParams) -> str:
    """What ``method="auto"`` computes this layer with: the FFT's blocks or the direct layout."""
    if choose_method(x, w, b, params) == "direct":
        return describe_layout(params, x.shape, x.dtype)
    plan = fft_plan(params, x.shape, x.itemsize)
    blocks = -(-params.output_shape(x.shape)[1] // plan.block_rows)
    shape = "x".join(map(str, plan.shape))
    return f"fft, {blocks} block{'s' if blocks > 1 else ''} of {shape}"


def run(quick: bool, rounds: int) -> dict[str, Any]:
    torch, correlate = load_torch(), load_scipy_correlate()
    for line in environment(torch, correlate):
        print(line)
    ceiling_n = 256 if quick else 2048
    ceiling = {k: matmul_ceiling(ceiling_n, dt, 1 if quick else 7) for k, dt in DTYPES.items()}
    print(
        f"matmul ceiling ({ceiling_n}x{ceiling_n} numpy): "
        + ", ".join(f"{k} {v:.0f} GFLOP/s" for k, v in ceiling.items())
    )
    # (rounds, settle seconds before each block, seconds of calls per block)
    timing = (1, 0.0, 0.0) if quick else (rounds, 0.25, 0.05)
    if quick:
        print("quick: one call each at small sizes to check that it runs; not a measurement")
    print(HEADER)
    print("-" * len(HEADER))
    rows = []
    for case in CASES:
        case = quick_case(case) if quick else case
        for tag, dtype in DTYPES.items():
            if quick or case.micros is not None or tag in case.targets:
                try:
                    rows.append(measure(case, dtype, torch, correlate, timing))
                except ConvError as error:  # a layer this version of the engine refuses
                    print(f"{case.name:<24}{tag:>4}  refused: {error}", flush=True)
                    continue
                print(rows[-1].format(with_targets=not quick), flush=True)
    load = os.getloadavg()
    print("load average after: " + " ".join(f"{v:.2f}" for v in load))
    if not quick and load[0] > 1.5:
        print("note: other processes were busy on this machine; ratios are noisy")
    met = [] if quick else [m for m in (row.met() for row in rows) if m is not None]
    return {
        "bench": "engine",
        "quick": quick,
        "ratios_vs_torch": {r.key: None if r.ratio is None else round(r.ratio, 3) for r in rows},
        "teaching_us": {
            r.key: round(r.times["convstudio"] * 1e6, 1) for r in rows if r.case.micros
        },
        "gflops": {r.key: round(r.flops / r.times["convstudio"] / 1e9, 1) for r in rows},
        "error_vs_torch": {r.key: r.error for r in rows if r.error is not None},
        "methods": {r.key: "fft" if r.layout.startswith("fft") else "direct" for r in rows},
        "matmul_gflops": {k: round(v, 1) for k, v in ceiling.items()},
        "targets_met": all(met) if met else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m convstudio.bench engine")
    parser.add_argument(
        "--quick", action="store_true", help="each case once at small sizes (a smoke test)"
    )
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds per case")
    parser.add_argument(
        "--calibrate", action="store_true", help="measure the FFT cost model's constants"
    )
    args = parser.parse_args(argv)
    if args.calibrate:
        from convstudio.bench import calibrate

        return calibrate.main()
    summary = run(args.quick, args.rounds)
    print(json.dumps(summary))
    return 0
