"""What to tell the user when a layer's output holds infinity or NaN.

Why a message at all: float64 tops out near 1.8e308, so two products of 1e308 add up to infinity
(and infinity minus infinity to NaN). The engine computes these as PyTorch does; the window must
say so rather than leave a lecturer wondering why the colours went strange.
"""

from __future__ import annotations

import numpy as np


def overflow_message(output: np.ndarray) -> str:
    """An empty text when every value is finite, else a sentence counting the others."""
    if not output.size or (np.isfinite(output.max()) and np.isfinite(output.min())):
        return ""  # max and min are NaN or infinite when any value is: no mask to allocate
    finite = np.isfinite(output)
    bad = int(finite.size - np.count_nonzero(finite))
    return (
        f"The output overflowed: {bad} of {finite.size} values are infinite or NaN (beyond "
        "float64's range of about ±1.8e308); they are marked ∞ / NaN in the grids"
    )
