"""The fill tools' values: zeros, ones, random, identity and a few named kernels.

Pure numpy (no Qt) so the values can be tested on their own; ``SessionDocument.fill`` turns them
into one undoable edit. The random fill is rounded to one decimal so the arithmetic panel stays
readable (0.3 × -0.7, not 0.2837 × -0.6912), and it is seeded by the caller so a lecture can
reproduce it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convstudio.engine.params import ConvParams
from convstudio.session.errors import SessionError

_NAMED_2D: dict[str, np.ndarray] = {
    "box_blur": np.full((3, 3), 1.0 / 9.0),
    "sharpen": np.array([[0.0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
    "sobel_x": np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
    "sobel_y": np.array([[-1.0, -2, -1], [0, 0, 0], [1, 2, 1]]),
    "laplacian": np.array([[0.0, 1, 0], [1, -4, 1], [0, 1, 0]]),
    "edge": np.array([[-1.0, -1, -1], [-1, 8, -1], [-1, -1, -1]]),
}
_NAMED_1D: dict[str, np.ndarray] = {
    "difference": np.array([-1.0, 0.0, 1.0]),
    "average": np.full(3, 1.0 / 3.0),
}

#: Every fill kind and the label a menu shows for it.
FILL_LABELS: dict[str, str] = {
    "zeros": "Zeros",
    "ones": "Ones",
    "random": "Random",
    "identity": "Identity",
    "box_blur": "Box blur",
    "sharpen": "Sharpen",
    "sobel_x": "Sobel x",
    "sobel_y": "Sobel y",
    "laplacian": "Laplacian",
    "edge": "Edge",
    "difference": "Difference [-1, 0, 1]",
    "average": "Average",
}
FILL_KINDS = tuple(FILL_LABELS)

#: The random fill's default range per target: inputs look like intensities, weights and biases
#: are centred on zero.
RANDOM_RANGE = {"input": (0.0, 1.0), "weight": (-1.0, 1.0), "bias": (-1.0, 1.0)}


def available_fills(target: str, params: ConvParams) -> tuple[str, ...]:
    """The fill kinds that apply to ``target`` for this layer (for enabling menu entries)."""
    kinds = ["zeros", "ones", "random"]
    if target == "weight":
        kinds.append("identity")
        if params.ndim == 2 and params.kernel_size == (3, 3):
            kinds.extend(_NAMED_2D)
        if params.ndim == 1 and params.kernel_size == (3,):
            kinds.extend(_NAMED_1D)
    return tuple(kinds)


def fill_values(
    kind: str,
    target: str,
    index: tuple[int, ...],
    shape: tuple[int, ...],
    params: ConvParams,
    **options: Any,
) -> np.ndarray:
    """The values of a fill of ``target[index]``, a region of ``shape`` (index is a prefix of
    whole-number indices: ``()`` for the whole target, ``(o, i)`` for one kernel slice).

    Options: ``seed`` (random; None draws a fresh one), ``low`` and ``high`` (random's range,
    default ``RANDOM_RANGE[target]``), ``decimals`` (random's rounding, default 1).

    identity: for each kernel slice ``(o, i)``, 1 at the centre cell (index ``(k - 1) // 2`` per
    axis, the cell 'same' padding lines up with the output cell) when ``i == o % in_per_group``,
    else 0: with groups and ``in == out`` per group, output feature ``o`` copies input feature
    ``o``. Named kernels need the layer's kernels to be that size (3, or 3x3).
    """
    label = FILL_LABELS.get(kind)
    if label is None:
        raise SessionError(f"fill: {kind!r} is not one of {', '.join(FILL_KINDS)}")
    if kind not in available_fills(target, params):
        if target != "weight":
            raise SessionError(f"fill: {label} applies to kernels only, not to the {target}")
        size = "x".join(str(k) for k in params.kernel_size)
        need = "3x3 kernels of a 2D layer" if kind in _NAMED_2D else "width-3 kernels of a 1D layer"
        raise SessionError(f"fill: {label} needs {need}; this layer's kernels are {size}")
    unknown = set(options) - {"seed", "low", "high", "decimals"}
    if unknown:
        raise SessionError(f"fill: unknown option {', '.join(sorted(unknown))}")
    if kind == "zeros":
        return np.zeros(shape)
    if kind == "ones":
        return np.ones(shape)
    if kind == "random":
        low, high = RANDOM_RANGE[target]
        low, high = float(options.get("low", low)), float(options.get("high", high))
        if not (np.isfinite(low) and np.isfinite(high) and low <= high):
            raise SessionError(f"fill: random range {low}..{high} must be finite, low <= high")
        rng = np.random.default_rng(options.get("seed"))
        values = np.round(rng.uniform(low, high, shape), int(options.get("decimals", 1)))
        return values + 0.0  # -0.0 would show as "-0"
    kernel = params.kernel_size
    if kind == "identity":
        full = np.zeros(params.weight_shape)
        centre = tuple((k - 1) // 2 for k in kernel)
        for o in range(params.out_features):
            full[(o, o % params.in_per_group, *centre)] = 1.0
        region: np.ndarray = full[index].reshape(shape)
        return region
    named = _NAMED_2D.get(kind, _NAMED_1D.get(kind))
    if named is None:
        raise SessionError(f"fill: {kind!r} is not one of {', '.join(FILL_KINDS)}")
    return np.broadcast_to(named, shape).copy()
