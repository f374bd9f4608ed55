"""Where cells come from and go to: output shapes and the padded-to-input coordinate maps.

The same maps drive the convolution (which gathers the padded input through them), the explanation
(which reports the source cell of each term) and the window (which draws ghost cells with the value
padding gives them), so all three agree on what a padding cell holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from convstudio.engine.errors import ConvError
from convstudio.engine.params import ConvParams

#: Marks a padded cell that holds a zero rather than a copy of an input cell.
ZERO = -1


def source_map(size: int, before: int, after: int, mode: str) -> np.ndarray:
    """For each cell of one padded dimension, the input index it copies, or ``ZERO``.

    ``size`` is the input length, the result has ``before + size + after`` entries. Modes follow
    ``torch.nn.functional.pad``: reflect mirrors without repeating the edge, replicate repeats the
    edge, circular wraps around.
    """
    j = np.arange(-before, size + after, dtype=np.intp)
    if mode == "zeros":
        return np.where((j >= 0) & (j < size), j, ZERO)
    if mode == "replicate":
        return np.clip(j, 0, size - 1)
    if mode == "circular":
        return np.mod(j, size)
    if mode == "reflect":
        if size == 1:
            return np.zeros_like(j)
        period = 2 * (size - 1)
        j = np.mod(np.abs(j), period)
        return np.where(j >= size, period - j, j)
    raise ValueError(f"unknown padding mode {mode!r}")


def source_maps(params: ConvParams, spatial: Sequence[int]) -> tuple[np.ndarray, ...]:
    """One ``source_map`` per spatial dimension of an input with these settings."""
    return tuple(
        source_map(int(n), b, a, params.padding_mode) for n, (b, a) in zip(spatial, params.padding)
    )


def params_for(
    input_shape: Sequence[int], weight_shape: Sequence[int], settings: dict[str, Any]
) -> ConvParams:
    """Validated ``ConvParams`` for arrays of these shapes and keyword settings.

    ``bias`` may be given as a flag; it only matters for what the caller does with the result.
    """
    settings = dict(settings)
    bias = bool(settings.pop("bias", True))
    return ConvParams.from_shapes(input_shape, weight_shape, bias=bias, **settings)


def output_shape(
    input_shape: Sequence[int], weight_shape: Sequence[int], **settings: Any
) -> tuple[int, ...]:
    """``(out_features, *out_spatial)`` of ``convolve`` for arrays of these shapes."""
    params = params_for(input_shape, weight_shape, settings)
    return params.output_shape(input_shape)


# -- one output cell and what it reads ---------------------------------------------------------


def _as_position(name: str, position: Any, ndim: int) -> tuple[int, ...]:
    """Normalise a position (an int for 1D, else one whole number per dimension) to a tuple."""
    given = position
    if isinstance(position, (int, np.integer)) and not isinstance(position, (bool, np.bool_)):
        position = (position,)
    if (
        isinstance(position, (Sequence, np.ndarray))
        and not isinstance(position, str)
        and len(position) == ndim
        and all(
            isinstance(p, (int, np.integer)) and not isinstance(p, (bool, np.bool_))
            for p in position
        )
    ):
        return tuple(int(p) for p in position)
    position = given
    need = "a whole number or a 1-tuple" if ndim == 1 else f"a tuple of {ndim} whole numbers"
    raise ConvError(f"{name}={position!r} must be {need}")


def _check_index(name: str, index: int, count: int, what: str) -> None:
    """Refuse an index outside ``0..count-1``; ``what`` names what is counted ('input features')."""
    if not 0 <= index < count:
        raise ConvError(
            f"{name}={index} is out of range: there are {count} {what}, numbered 0 to {count - 1}"
        )


def _check_cell(name: str, position: tuple[int, ...], spatial: Sequence[int], what: str) -> None:
    if not all(0 <= p < n for p, n in zip(position, spatial)):
        shown = position[0] if len(position) == 1 else position
        valid = ", ".join(f"0 to {n - 1}" for n in spatial)
        size = "x".join(str(n) for n in spatial)
        raise ConvError(
            f"{name}={shown} is out of range: {what} is {size} (valid: {valid} per dimension)"
            if len(spatial) > 1
            else f"{name}={shown} is out of range: {what} has length {size} (valid: {valid})"
        )


def check_output_cell(
    params: ConvParams, input_shape: Sequence[int], out_feature: Any, position: Any
) -> tuple[int, tuple[int, ...]]:
    """Validate one output cell of a layer on this input; returns ``(out_feature, position)``.

    The window's cursor can be stale for a moment after the settings change, so this is checked
    on every explanation, and the message says what the valid range is.
    """
    if not isinstance(out_feature, (int, np.integer)) or isinstance(out_feature, (bool, np.bool_)):
        raise ConvError(f"out_feature={out_feature!r} must be a whole number")
    out_feature = int(out_feature)
    _check_index("out_feature", out_feature, params.out_features, "output features")
    pos = _as_position("position", position, params.ndim)
    _check_cell("position", pos, params.output_shape_unchecked(input_shape)[1:], "the output")
    return out_feature, pos


def padded_taps(params: ConvParams, position: Sequence[int]) -> tuple[np.ndarray, ...]:
    """The padded coordinates the kernel taps of one output cell cover, one array per dimension.

    Along each dimension the taps are ``position*stride + k*dilation`` for ``k`` in the kernel;
    the cells covered are the outer product of these arrays (dilation gaps excluded). Padded
    coordinates count from the first padding cell, so they index ``pad_input``'s result.
    """
    return tuple(
        np.arange(k, dtype=np.intp) * d + int(p) * s
        for p, k, s, d in zip(position, params.kernel_size, params.stride, params.dilation)
    )


def tap_sources(
    params: ConvParams, spatial: Sequence[int], position: Sequence[int]
) -> tuple[np.ndarray, ...]:
    """For each dimension, the input index each kernel tap reads, or ``ZERO`` for a zero.

    A tap at padded ``(q0, q1)`` reads input ``(src0[q0], src1[q1])``; in zeros mode it reads a
    zero when either is ``ZERO``. This separability is what makes the fields below cheap.
    """
    maps = source_maps(params, spatial)
    return tuple(m[t] for m, t in zip(maps, padded_taps(params, position)))


def receptive_axes(
    params: ConvParams, spatial: Sequence[int], position: Sequence[int]
) -> tuple[np.ndarray, ...]:
    """Per dimension, the sorted distinct input indices one output cell reads.

    The receptive field of the cell is the outer product of these arrays (the same in every input
    feature the output feature reads); an empty array means the cell reads only padding zeros.
    """
    return tuple(np.unique(s[s != ZERO]) for s in tap_sources(params, spatial, position))


def projective_axes(
    params: ConvParams, spatial: Sequence[int], position: Sequence[int]
) -> tuple[np.ndarray, ...]:
    """Per dimension, the sorted output indices whose kernel reads input ``position``.

    Padding copies count: with reflect, replicate or circular padding an input cell also feeds
    the outputs whose taps land on padding cells that copy it. The projective field is the outer
    product of these arrays, for every output feature of the input feature's group.
    """
    out_spatial = params.output_shape_unchecked((params.in_features, *spatial))[1:]
    axes = []
    for m, p, n_out, k, s, d in zip(
        source_maps(params, spatial),
        position,
        out_spatial,
        params.kernel_size,
        params.stride,
        params.dilation,
    ):
        q = np.flatnonzero(m == p)  # padded cells holding this input's value
        start = q[:, None] - np.arange(k, dtype=np.intp)[None, :] * d  # = o * s for a tap k
        o = start // s
        ok = (start % s == 0) & (o >= 0) & (o < n_out)
        axes.append(np.unique(o[ok]))
    return tuple(axes)


def _cells(axes: Sequence[np.ndarray]) -> list[tuple[int, ...]]:
    """The outer product of per-dimension index arrays, as tuples in reading order."""
    if any(a.size == 0 for a in axes):
        return []
    grids = np.meshgrid(*axes, indexing="ij")
    return [tuple(c) for c in np.stack([g.ravel() for g in grids], axis=1).tolist()]


def receptive_field(
    input_shape: Sequence[int],
    weight_shape: Sequence[int],
    *,
    out_feature: int,
    position: Any,
    **settings: Any,
) -> dict[int, list[tuple[int, ...]]]:
    """The real input cells one output cell reads: ``{in_feature: [input positions]}``.

    Keys are the input features the output feature reads (its group), in order. Each list holds
    every input cell whose value enters the sum, in reading order and without duplicates; with
    reflect, replicate or circular padding that includes the cells the padding copied into the
    kernel's reach. Zeros from padding are not cells and are not listed. A cell is listed even
    when its weight happens to be zero: the field is a matter of geometry, not of values.
    """
    params = params_for(input_shape, weight_shape, settings)
    out_feature, pos = check_output_cell(params, input_shape, out_feature, position)
    cells = _cells(receptive_axes(params, input_shape[1:], pos))
    return {f: list(cells) for f in params.in_features_of(out_feature)}


def projective_field(
    input_shape: Sequence[int],
    weight_shape: Sequence[int],
    *,
    in_feature: int,
    position: Any,
    **settings: Any,
) -> list[tuple[int, tuple[int, ...]]]:
    """The output cells that read one input cell: ``[(out_feature, out_position), ...]``.

    Ordered by output feature, then position in reading order. Padding copies count (see
    ``projective_axes``), so the inverse of ``receptive_field`` holds in every padding mode.
    """
    params = params_for(input_shape, weight_shape, settings)
    if not isinstance(in_feature, (int, np.integer)) or isinstance(in_feature, (bool, np.bool_)):
        raise ConvError(f"in_feature={in_feature!r} must be a whole number")
    in_feature = int(in_feature)
    _check_index("in_feature", in_feature, params.in_features, "input features")
    spatial = tuple(int(n) for n in input_shape[1:])
    pos = _as_position("position", position, params.ndim)
    _check_cell("position", pos, spatial, "the input")
    cells = _cells(projective_axes(params, spatial, pos))
    group = in_feature // params.in_per_group
    outs = range(group * params.out_per_group, (group + 1) * params.out_per_group)
    return [(o, c) for o in outs for c in cells]
