"""PyTorch as the engine's oracle: skipped where torch is absent, a failure where CI promised it.

CI installs torch into its oracle venv and sets ``CONVSTUDIO_REQUIRE_TORCH=1``; there a missing or
broken torch must fail the oracle tests instead of silently skipping them. On a developer's or a
new user's machine without torch they skip, as the README says.
"""

from __future__ import annotations

import os
from types import ModuleType

import pytest

REQUIRE_ENV = "CONVSTUDIO_REQUIRE_TORCH"


def torch_required() -> bool:
    """True when this run promised torch (CI's oracle run)."""
    return os.environ.get(REQUIRE_ENV, "") not in ("", "0")


def require_torch() -> ModuleType:
    """``torch``, or skip the test (fail it when ``CONVSTUDIO_REQUIRE_TORCH`` is set)."""
    try:
        import torch
    except ImportError as error:
        if torch_required():
            pytest.fail(f"{REQUIRE_ENV} is set but torch cannot be imported: {error}")
        pytest.skip("torch is not installed (pip install torch==2.13.0, the CPU build)")
    return torch
