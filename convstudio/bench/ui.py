"""UI figures: scrubbing, editing and launching, measured offscreen on this machine.

`python -m convstudio.bench ui` prints each figure and ends with one JSON line. The targets (from
the window issue): a cursor step repainted in under 16 ms at p95 on an 8->8 feature 64x64 layer, an
edited input cell to the repainted output in under 100 ms at p95 on 3->16 features at 256x256, and
launch to the first painted window in under 2 s. The big-layer figures (``big_open_s``,
``big_stall_p99_ms``; see ``ui_big``): a big layer painted within 1 s of opening and its output
within 2 s plus the engine's time, and no GUI-thread stall over 50 ms at p99.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from convstudio.bench import ui_big

SCRUB_TARGET_MS = 16.0
EDIT_TARGET_MS = 100.0
LAUNCH_TARGET_S = 2.0
#: Steps and edits run before the measured ones (first paints, caches, BLAS threads).
WARM_UP = 3

#: The child process of the launch measurement: the real launch path, then exit on first paint.
_LAUNCH_PROBE = """
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from convstudio.ui.shell.app import application, open_window

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print("painted", flush=True)
            QTimer.singleShot(0, application().quit)
            obj.removeEventFilter(self)
        return False

window = open_window(None)
probe = FirstPaint()
window.installEventFilter(probe)
sys.exit(application().exec())
"""


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def isolated_environment() -> Path:
    """Keep the bench away from the user's settings, recovery files and welcome banner."""
    folder = Path(tempfile.mkdtemp(prefix="convstudio-bench-"))
    os.environ["CONVSTUDIO_SETTINGS_DIR"] = str(folder / "settings")
    os.environ["CONVSTUDIO_DATA_DIR"] = str(folder / "data")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return folder


def layer(in_features: int, out_features: int, size: int, seed: int = 0):
    """A 2D layer with k=3, padding 1 and small integer values."""
    from convstudio.engine.params import ConvParams
    from convstudio.session.model import blank_session

    rng = np.random.default_rng(seed)
    params = ConvParams(
        ndim=2, in_features=in_features, out_features=out_features, kernel_size=3, padding=1
    )
    session = blank_session(params, (size, size), title=f"bench {in_features}->{out_features}")
    for target in ("input", "weight", "bias"):
        shape = session.array(target).shape
        session = session.with_array(target, rng.integers(-3, 4, size=shape).astype(float))
    return session


def open_window(session):
    from convstudio.ui.shell.app import application, wait_for_output
    from convstudio.ui.shell.main_window import MainWindow

    app = application()
    window = MainWindow(session)
    window.show()
    if not wait_for_output(window):
        raise RuntimeError("the first output did not arrive")
    app.processEvents()
    return app, window


def measure_scrub(steps: int) -> tuple[list[float], list[float]]:
    """Milliseconds from a cursor step to its repaint, over ``steps`` steps in reading order, and
    of the arithmetic written out once the cursor rests (every tenth step).

    While the cursor moves faster than the arithmetic can be read, only the highlights follow each
    step and the text follows when the cursor rests (MainWindow.settle runs that at once), so the
    two are measured apart.
    """
    app, window = open_window(layer(8, 8, 64))
    out_shape = window.document.session.params.output_shape_unchecked(
        window.document.session.input.shape
    )
    rows, cols = out_shape[1:]
    steps_ms: list[float] = []
    rests_ms: list[float] = []
    for step in range(steps + WARM_UP):
        index = step + 1
        feature = (index // (rows * cols)) % out_shape[0]
        position = ((index // cols) % rows, index % cols)
        start = time.perf_counter()
        window.document.set_cursor(feature, position)
        app.processEvents()  # the posted repaints of the old and new highlight regions
        if step >= WARM_UP:
            steps_ms.append((time.perf_counter() - start) * 1e3)
        if step % 10 == 0:
            start = time.perf_counter()
            window.settle()
            app.processEvents()
            if step >= WARM_UP:
                rests_ms.append((time.perf_counter() - start) * 1e3)
    window.close()
    return steps_ms, rests_ms


def measure_edit(edits: int) -> list[float]:
    """Milliseconds from typing a value into an input cell to the repainted new output."""
    from PySide6.QtCore import QEventLoop, QTimer

    app, window = open_window(layer(3, 16, 256))
    rng = np.random.default_rng(1)
    times = []
    for edit in range(edits + WARM_UP):
        row, col = (int(v) for v in rng.integers(0, 256, size=2))
        # Always a new value: an edit that changes nothing is (rightly) no work at all.
        value = float(window.document.session.input[0, row, col]) + float(rng.integers(1, 5))
        loop = QEventLoop()
        window.runner.result_ready.connect(loop.quit)
        QTimer.singleShot(10_000, loop.quit)
        start = time.perf_counter()
        window.document.set_cells("input", (0, row, col), np.array([[[value]]]))
        if not window.output_is_current():
            loop.exec()
        app.processEvents()
        if edit >= WARM_UP:
            times.append((time.perf_counter() - start) * 1e3)
        window.runner.result_ready.disconnect(loop.quit)
        if not window.output_is_current():
            raise RuntimeError("an edit's output did not arrive within 10 s")
    window.close()
    return times


def measure_launch(runs: int) -> list[float]:
    """Seconds from starting a fresh interpreter to the first painted main window."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        child = subprocess.run(
            [sys.executable, "-c", _LAUNCH_PROBE],
            capture_output=True,
            text=True,
            timeout=60,
            env=os.environ.copy(),
        )
        elapsed = time.perf_counter() - start
        if "painted" not in child.stdout:
            raise RuntimeError(f"the launch probe failed: {child.stderr.strip()[-500:]}")
        times.append(elapsed)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m convstudio.bench ui", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a few repeats only (smoke test)")
    parser.add_argument(
        "--big-only", action="store_true", help="only the big-layer figures (big_open_s, ...)"
    )
    args = parser.parse_args(argv)
    folder = isolated_environment()
    big = ui_big.run(folder, ui_big.QUICK if args.quick else ui_big.HEADLINE + ui_big.EXTRA)
    if args.big_only:
        print("ConvStudio UI bench (offscreen)")
        print("\n".join(ui_big.report(big)))
        print(json.dumps(ui_big.headline(big)))
        return 0
    scrub, rests = measure_scrub(20 if args.quick else 300)
    edit = measure_edit(3 if args.quick else 40)
    launch = measure_launch(1 if args.quick else 5)
    figures = {
        "scrub_p95_ms": round(percentile(scrub, 95), 2),
        "arithmetic_p95_ms": round(percentile(rests, 95), 2),
        "edit_p95_ms": round(percentile(edit, 95), 2),
        "launch_s": round(statistics.median(launch), 3),
        **ui_big.headline(big),
    }
    print("ConvStudio UI bench (offscreen)")
    print(
        f"  scrub, 8->8 features 64x64, one cursor step + repaint: median "
        f"{statistics.median(scrub):.2f} ms, p95 {figures['scrub_p95_ms']:.2f} ms "
        f"(target < {SCRUB_TARGET_MS:g} ms, {len(scrub)} steps)"
    )
    print(
        f"  the arithmetic written out when the cursor rests: median "
        f"{statistics.median(rests):.2f} ms, p95 {figures['arithmetic_p95_ms']:.2f} ms "
        f"({len(rests)} rests)"
    )
    print(
        f"  edit, 3->16 features 256x256, input cell to repainted output: median "
        f"{statistics.median(edit):.1f} ms, p95 {figures['edit_p95_ms']:.1f} ms "
        f"(target < {EDIT_TARGET_MS:g} ms, {len(edit)} edits)"
    )
    print(
        f"  launch to first painted window: median {figures['launch_s']:.2f} s "
        f"(target < {LAUNCH_TARGET_S:g} s, {len(launch)} launches)"
    )
    print("\n".join(ui_big.report(big)))
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
