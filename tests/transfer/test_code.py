"""Exported scripts run on their own and leave the engine's exact output in ``output``: the NumPy
one through ConvStudio's engine, the PyTorch one through torch.nn.Conv1d/Conv2d."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from convstudio.engine import ConvParams
from convstudio.session import Session
from convstudio.transfer import TransferError, script
from tests.torch_oracle import require_torch

ROOT = Path(__file__).resolve().parents[2]
RNG = np.random.default_rng(3)


def session_for(params: ConvParams, spatial: tuple[int, ...]) -> Session:
    x = RNG.standard_normal((params.in_features, *spatial))
    x.flat[:4] = [0.1, -0.0, 5e-324, 1e300]  # values whose text must be exact
    return Session(
        params=params,
        input=x,
        weight=RNG.standard_normal(params.weight_shape),
        bias=RNG.standard_normal(params.bias_shape),
        title='A "quoted" title with a \\ and """ in it',
    ).validate()


SESSIONS = {
    "lecture": lambda: Session.default(),
    "1d reflect strided dilated": lambda: session_for(
        ConvParams(
            ndim=1,
            in_features=2,
            out_features=4,
            kernel_size=3,
            stride=2,
            dilation=2,
            padding=3,
            padding_mode="reflect",
        ),
        (11,),
    ),
    "2d groups circular same": lambda: session_for(
        ConvParams(
            ndim=2,
            in_features=4,
            out_features=6,
            kernel_size=(2, 3),
            padding="same",
            padding_mode="circular",
            groups=2,
            bias=False,
        ),
        (5, 6),
    ),
    "2d uneven padding replicate": lambda: session_for(
        ConvParams(
            ndim=2,
            in_features=1,
            out_features=2,
            kernel_size=3,
            stride=(2, 1),
            padding=((2, 0), (0, 1)),
            padding_mode="replicate",
        ),
        (6, 5),
    ),
}


def run(path: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, *args, str(path)] if args else [sys.executable, str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=path.parent,
        timeout=120,
    )


def output_of(path: Path, tmp: Path) -> np.ndarray:
    """Run the script as its own program and save what it left in ``output``."""
    saved = tmp / "output.npy"
    keep = tmp / "keep.py"
    keep.write_text(
        "import runpy, sys, numpy\n"
        f"ns = runpy.run_path({str(path)!r}, run_name='exported')\n"
        "out = ns['output']\n"
        "out = out.detach().numpy() if hasattr(out, 'detach') else out\n"
        f"numpy.save({str(saved)!r}, out)\n"
    )
    result = run(keep)
    assert result.returncode == 0, result.stderr
    return np.load(saved)


@pytest.mark.parametrize("name", SESSIONS)
def test_the_numpy_script_gives_the_engines_output_exactly(name: str, tmp_path: Path) -> None:
    session = SESSIONS[name]()
    path = tmp_path / "layer.py"
    path.write_text(script(session, "numpy"))
    result = run(path)
    assert result.returncode == 0, result.stderr
    expected = session.compute_output()
    assert result.stdout.strip() == str(expected.shape)
    got = output_of(path, tmp_path)
    assert got.tobytes() == expected.tobytes()


@pytest.mark.parametrize("name", SESSIONS)
def test_the_torch_script_agrees_with_the_engine(name: str, tmp_path: Path) -> None:
    require_torch()
    session = SESSIONS[name]()
    path = tmp_path / "layer_torch.py"
    text = script(session, "torch")
    assert "torch.nn.Conv" in text and "convstudio" not in text.split('"""', 2)[2]
    path.write_text(text)
    result = run(path)
    assert result.returncode == 0, result.stderr
    expected = session.compute_output()
    assert result.stdout.strip() == str(tuple(expected.shape))
    np.testing.assert_allclose(output_of(path, tmp_path), expected, rtol=1e-9, atol=1e-9)


def test_values_are_written_exactly() -> None:
    session = SESSIONS["1d reflect strided dilated"]()
    namespace: dict = {}
    exec(compile(script(session, "numpy"), "layer.py", "exec"), namespace)  # our own script
    assert namespace["x"].tobytes() == session.input.tobytes()
    assert namespace["weight"].tobytes() == session.weight.tobytes()
    assert namespace["bias"].tobytes() == session.bias.tobytes()


def test_the_torch_script_keeps_the_padding_mode() -> None:
    text = script(SESSIONS["2d groups circular same"](), "torch")
    assert "padding='same'" in text and "padding_mode='circular'" in text
    uneven = script(SESSIONS["2d uneven padding replicate"](), "torch")
    assert "mode='replicate'" in uneven and "[0, 1, 2, 0]" in uneven


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(TransferError, match="'jax'"):
        script(Session.default(), "jax")
