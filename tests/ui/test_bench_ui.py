"""The UI benchmark still runs: ``python -m convstudio.bench ui --quick`` prints its figures."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


# Its own limit above the run's 300 s: a busy machine may take minutes, the
# suite's 120 s per test is for hangs.
@pytest.mark.timeout(360)
def test_ui_benchmark_quick_run_prints_its_figures() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "convstudio.bench", "ui", "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(figures) == {
        "scrub_p95_ms",
        "arithmetic_p95_ms",
        "edit_p95_ms",
        "launch_s",
        "big_open_s",
        "big_stall_p99_ms",
    }
    assert all(value > 0 for value in figures.values())
