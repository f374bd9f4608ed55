"""The engine benchmark still runs: ``python -m convstudio.bench engine --quick`` exits 0."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


# Its own limit above the run's 300 s: a busy machine may take minutes, the
# suite's 120 s per test is for hangs.
@pytest.mark.timeout(360)
def test_engine_benchmark_quick_run_exits_cleanly() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "convstudio.bench", "engine", "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert any(line.startswith("matmul ceiling") for line in lines)
    summary = json.loads(lines[-1])
    assert summary["bench"] == "engine" and summary["quick"] is True
    assert "2D 64->64 128x128 f32" in summary["ratios_vs_torch"]
    assert summary["teaching_us"]


def test_unknown_part_is_refused_with_usage() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "convstudio.bench", "nonsense"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
