"""The reverse view: which output cells one input cell feeds, and why, in words (no Qt).

The lecture's question turned round: not "what does this output read" but "where does this
input value go". The cells come from the engine's ``projective_field``; this module only sorts
them for the window and says why there are that many. Two kinds of output cell read an input
cell: those whose kernel only sits on the cell itself, and (with reflect, replicate or
circular padding) those that read it through a padding cell that copies it, only or as well
(the corner output of a reflect-padded 3x3 layer reads in 0 [1, 1] four times: once where it
is, three times through copies).

Positions are tuples with one index per spatial dimension, as the engine takes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from convstudio.engine import ConvParams, padded_taps, projective_field, source_maps

#: What the text calls each spatial dimension's kernel lines, per layer dimensionality.
_DIM_WORDS = {1: ("positions",), 2: ("rows", "columns")}


def cell_text(in_feature: int, position: Sequence[int]) -> str:
    """An input cell as the window names it: ``in 0 [2, 3]`` (1D: ``in 0 [4]``)."""
    return f"in {in_feature} [{', '.join(str(int(p)) for p in position)}]"


@dataclass(frozen=True)
class Feeds:
    """The output cells one input cell feeds, per output feature of its group.

    ``direct`` read the input cell only where it is; ``copied`` read it (also, or only)
    through a padding cell that copies it (never in zeros mode). Both hold output positions
    in reading order, the same for every feature in ``out_features``. ``kernel_direct`` and
    ``kernel_copied`` are the kernel cells that multiply it (at its place, or only through a
    copy) at some output. ``copies`` are the padding cells that copy it.
    """

    in_feature: int
    position: tuple[int, ...]
    out_features: range
    direct: tuple[tuple[int, ...], ...]
    copied: tuple[tuple[int, ...], ...]
    kernel_direct: tuple[tuple[int, ...], ...]
    kernel_copied: tuple[tuple[int, ...], ...]
    #: The padding cells (padded coordinates) that hold a copy of the input cell.
    copies: tuple[tuple[int, ...], ...] = ()

    @property
    def per_feature(self) -> int:
        """How many cells of each output feature read the input cell, either way."""
        return len(self.direct) + len(self.copied)


def selection_fits(
    params: ConvParams, input_shape: Sequence[int], selection: tuple[int, tuple[int, ...]] | None
) -> bool:
    """True when ``selection`` (in_feature, position) names a cell of this layer's input."""
    if selection is None:
        return False
    feature, position = selection
    spatial = tuple(input_shape[1:])
    return (
        0 <= feature < params.in_features
        and len(position) == len(spatial)
        and all(0 <= p < n for p, n in zip(position, spatial))
    )


def feeds(
    params: ConvParams, input_shape: Sequence[int], in_feature: int, position: Sequence[int]
) -> Feeds:
    """The output cells (and kernel cells) input cell ``position`` of ``in_feature`` feeds.

    Raises the engine's ``ConvError`` for a cell outside the input.
    """
    pos = tuple(int(p) for p in position)
    shape = tuple(int(n) for n in input_shape)
    field = projective_field(
        shape, params.weight_shape, in_feature=in_feature, position=pos,
        **params.geometry_settings(),
    )  # fmt: skip
    group = in_feature // params.in_per_group
    outs = range(group * params.out_per_group, (group + 1) * params.out_per_group)
    cells = [p for o, p in field if o == outs.start]
    if params.transposed:  # a transposed layer pads nothing and its taps are not a window's
        return Feeds(in_feature, pos, outs, tuple(cells), (), (), ())
    maps = source_maps(params, shape[1:])
    own = tuple(p + before for p, (before, _) in zip(pos, params.padding))
    direct: list[tuple[int, ...]] = []
    copied: list[tuple[int, ...]] = []
    at: set[tuple[int, ...]] = set()
    anywhere: set[tuple[int, ...]] = set()
    for out in cells:
        taps = padded_taps(params, out)
        # Per dimension, the kernel indices whose tap reads this input index, and those whose
        # tap sits on the cell itself; a tap reads a copy unless it sits on the cell along
        # every dimension (the padded input is the outer product of per-dimension maps).
        reads = _product([np.flatnonzero(m[t] == p) for m, t, p in zip(maps, taps, pos)])
        sits = _product([np.flatnonzero(t == q) for t, q in zip(taps, own)])
        (copied if len(reads) > len(sits) else direct).append(out)
        anywhere.update(reads)
        at.update(sits)
    return Feeds(
        in_feature,
        pos,
        outs,
        tuple(direct),
        tuple(copied),
        tuple(sorted(at)),
        tuple(sorted(anywhere - at)),
        tuple(c for c in _product([np.flatnonzero(m == p) for m, p in zip(maps, pos)]) if c != own),
    )


def _product(axes: Sequence[np.ndarray]) -> list[tuple[int, ...]]:
    if any(a.size == 0 for a in axes):
        return []
    grids = np.meshgrid(*axes, indexing="ij")
    return [tuple(int(v) for v in row) for row in np.stack([g.ravel() for g in grids], 1)]


def _count(n: int, word: str, plural: str = "") -> str:
    return f"{n} {word}" if n == 1 else f"{n} {plural or word + 's'}"


def _kernel_words(params: ConvParams) -> str:
    size = "×".join(str(k) for k in params.kernel_size)
    kernel = f"a {size} kernel" if params.ndim == 2 else f"a kernel of width {size}"
    return f"{kernel} at stride {_joined(params.stride)}"


def _joined(values: Sequence[int]) -> str:
    """One number when every dimension agrees (``2``), else ``2×1``."""
    return str(values[0]) if len(set(values)) == 1 else "×".join(str(v) for v in values)


def _why_dimension(
    params: ConvParams, spatial: Sequence[int], position: tuple[int, ...], dim: int
) -> tuple[int, str]:
    """How many window positions along ``dim`` put a kernel tap on the cell itself, and what
    trimmed them from the kernel's size: the stride skipping windows, the input's edge."""
    k, s, d = params.kernel_size[dim], params.stride[dim], params.dilation[dim]
    before = params.padding[dim][0]
    n_out = params.output_shape_unchecked((params.in_features, *spatial))[1 + dim]
    q = position[dim] + before  # the cell's place in the padded input
    starts = q - np.arange(k) * d  # where a window starts so that tap j sits on the cell
    aligned = starts[starts % s == 0]
    fits = aligned[(aligned >= 0) & (aligned // s < n_out)]
    reasons = []
    if len(aligned) < k:
        reasons.append(f"stride {s} starts a window on only {len(aligned)} of those {k} places")
    if len(fits) < len(aligned):
        sides = []
        if (aligned < 0).any():
            sides.append(f"{before} before")
        if (aligned // s >= n_out).any():
            sides.append(f"{params.padding[dim][1]} after")
        reasons.append(
            f"the input's edge leaves room for {len(fits)} (padding {' and '.join(sides)})"
        )
    return len(fits), "; ".join(reasons)


def describe_feeds(params: ConvParams, input_shape: Sequence[int], found: Feeds) -> str:
    """The reverse view in words: how many outputs the cell feeds, and why.

    >>> from convstudio.engine import ConvParams
    >>> params = ConvParams(ndim=2, in_features=2, out_features=3, kernel_size=(3, 3),
    ...                     padding=1)
    >>> text = describe_feeds(params, (2, 5, 5), feeds(params, (2, 5, 5), 0, (2, 3)))
    >>> text.split(":")[0]
    'in 0 [2, 3] feeds 9 cells of each of the 3 output features'
    """
    spatial = tuple(int(n) for n in input_shape[1:])
    name = cell_text(found.in_feature, found.position)
    outs = found.out_features
    count = len(outs)
    if params.groups > 1:
        which = f"the {count} output features of its group (out {outs.start}–{outs.stop - 1})"
        if count == 1:
            which = f"output feature {outs.start}, the only one of its group"
    else:
        which = f"the {count} output features" if count > 1 else "the output feature"
    each = "of each of " if count > 1 else "of "
    total = found.per_feature
    head = f"{name} feeds {_count(total, 'cell')} {each}{which}"
    if total == 0:
        head = f"{name} feeds no output cell"
    if params.transposed:
        return f"{head}: a transposed layer spreads it onto the outputs its kernel covers."
    words = _DIM_WORDS.get(params.ndim, tuple(f"dimension {i}" for i in range(params.ndim)))
    per_dim = [_why_dimension(params, spatial, found.position, i) for i in range(params.ndim)]
    counts = " × ".join(_count(n, w[:-1], w) for (n, _), w in zip(per_dim, words))
    parts = [f"{_kernel_words(params)} covers it from {counts} of window positions"]
    if params.ndim == 1:
        parts = [f"{_kernel_words(params)} covers it from {per_dim[0][0]} window positions"]
    if any(d > 1 for d in params.dilation):
        parts.append(f"dilation {_joined(params.dilation)} spaces the kernel's taps apart")
    for (_, why), word, k in zip(per_dim, words, params.kernel_size):
        if why:
            parts.append(f"along the {word}, each of the {k} taps could land on it, but {why}")
    text = f"{head}: " + "; ".join(parts) + "."
    if found.copied:
        text += (
            f" {params.padding_mode.capitalize()} padding copies it into the border too: "
            f"{_count(len(found.copied), 'of these cells', plural='of these cells')} "
            "read it through a copy (dashed)."
        )
    return text


def ghost_text(params: ConvParams, spatial: Sequence[int], in_feature: int,
               padded: Sequence[int]) -> str:  # fmt: skip
    """Where the value of padding cell ``padded`` (padded coordinates) of an input feature came
    from: ``"reflect of in 0 [0, 2]"``, or ``"zero padding"``. Empty for a real cell."""
    if params.transposed:
        return ""
    maps = source_maps(params, spatial)
    sources = [int(m[q]) if 0 <= q < len(m) else -1 for m, q in zip(maps, padded)]
    inside = all(
        before <= q < before + n for q, (before, _), n in zip(padded, params.padding, spatial)
    )
    if inside:
        return ""
    if params.padding_mode == "zeros" or any(s < 0 for s in sources):
        return "zero padding"
    return f"{params.padding_mode} of {cell_text(in_feature, sources)}"


def previous_position(position: Sequence[int]) -> tuple[int, ...] | None:
    """The window position one stride before ``position``: along the last dimension, or the
    row above at the start of a row; None at the first position."""
    pos = tuple(int(p) for p in position)
    for dim in reversed(range(len(pos))):
        if pos[dim] > 0:
            return (*pos[:dim], pos[dim] - 1, *pos[dim + 1 :])
    return None


__all__ = [
    "Feeds",
    "cell_text",
    "describe_feeds",
    "feeds",
    "ghost_text",
    "previous_position",
    "selection_fits",
]
