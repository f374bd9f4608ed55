"""The forward convolution: cross-correlation with PyTorch's conv1d/conv2d semantics.

How it is fast: the work is one BLAS matrix product per tile of output rows,
``(C_out x C_in*k) @ (C_in*k x positions)``, bias included, on a patch matrix that is never
built whole: a scratch buffer of about ``TILE_BYTES`` is refilled tile by tile, so memory stays
bounded (the padded input and one buffer) and the buffer is still in cache when BLAS reads it.
``_Plan.layout`` says how the buffer is filled, chosen per layer by ``_plan``:

- ``"gather"`` (small layers, the teaching sizes): the whole patch matrix in one ``take``
  through an index cached per layer that also resolves every padding mode; one product.
- ``"rows"`` (2D, stride 1, many patch rows per output feature): each buffer row is one
  contiguous run of the flattened padded input spanning whole padded rows (a plain memcpy); the
  columns that straddle a row end are computed and dropped while the tile is copied out.
- ``"flat"`` (2D, stride 1, zero padding, output rows as wide as input rows: "same" layers):
  like "rows", but over the input padded in height only, so output and input rows share one
  pitch: each buffer row is one memcpy, the values that wrap around a row end (where the
  horizontal padding belongs) are zeroed in place, a cheap strided store, and the product
  writes straight into the output. No dropped columns, no output copy, a cheaper padding copy.
- ``"stacked"`` (the "flat" layers with groups=1 and at least ``STACKED_MIN_K`` patch rows per
  kernel row): the buffer holds one kernel row's patch rows (C_in*kw, kh times fewer to copy)
  for the tile's rows and the kh-1 below; the weights stacked by kernel row give every kernel
  row's partial sums in one product, and output row r adds kernel row i's sums at row r+i.
- ``"im2col"`` (everything else, and 1D where it is the same as "rows"): each buffer row is a
  strided view of the padded input, stride and dilation folded into the view's strides; the
  product writes straight into the output.

Details that matter on this hardware (measured; see ``python -m convstudio.bench engine``): the
bias is one more weight column against a row of ones, so the output is written once; buffer rows
span an odd number of cache lines (``row_pitch``); scratch arrays are kept per thread, because a
fresh page costs a fault on first touch; groups are one batched ``matmul``; float32 stays
float32. Everything that depends only on the settings and shapes (validated ``ConvParams``, the
plan, view strides, gather indices) is cached, so a small layer costs a handful of numpy calls.

Cancelling: the caller's ``cancel`` hook is asked before every tile (each at most
``TILE_MULTIPLY_ADDS`` multiply-adds) and between chunks of features of every big copy (the
float conversion, the padding, a bias added apart), so a cancelled job stops within about 30 ms.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from math import prod
from typing import Any

import numpy as np

from convstudio.engine.errors import Cancelled, ConvError
from convstudio.engine.geometry import ZERO, params_for, source_maps
from convstudio.engine.params import ConvParams

#: Bytes of patch buffer per tile. Sized so that buffer and output tile stay in the L2/L3 caches
#: while the matrix product runs; it is also what bounds memory (see ``tile_plan``).
TILE_BYTES = 2 << 20
#: The same for float32: as many positions per tile as float64 gets. sgemm runs twice as many
#: flops per byte, so a half-sized tile spends relatively more on per-product overhead (thread
#: wake-up, packing the small weight matrix); measured 5-15% faster on every float32 case.
F32_TILE_BYTES = 2 * TILE_BYTES
#: A tile holds at least this many output positions (one Python iteration per tile), unless so
#: many would need more than ``SCRATCH_KEEP_BYTES`` of buffer (kernels of thousands of values).
MIN_TILE_POSITIONS = 256
#: Layers whose whole patch matrix has at most this many values gather it in one ``take``
#: through a cached index (no padding copy, no tiles): the per-call cost of a small layer.
GATHER_MAX_VALUES = 1 << 14
#: Scratch arrays (padded input, patch buffer) up to this size are kept per thread between
#: calls: fresh memory costs a page fault per 4 KB on first touch, which on a virtual machine
#: can take as long as the whole copy that fills it.
SCRATCH_KEEP_BYTES = 64 << 20
#: Up to this many patch rows (in_per_group * kernel cells) the bias is folded into the product.
FOLD_BIAS_MAX_K = 512
#: The "stacked" layout needs this many patch rows (in_features * kernel width), else the
#: product is too thin to pay for the kernel-row sums, and tiles of this many output rows at
#: least, else the rows that neighbouring tiles both compute cost too much.
STACKED_MIN_K = 32
STACKED_MIN_ROWS = 8
#: At most this many multiply-adds per tile (about 10-30 ms here): ``cancel`` is asked between
#: tiles, so this is how long a cancelled job runs on at most. Only layers with huge kernels
#: times many features reach it (a tile of ``TILE_BYTES`` holds a few million otherwise).
TILE_MULTIPLY_ADDS = 64_000_000
#: Copies and conversions of big arrays (padding, the float conversion, the bias) run in chunks
#: of features of at most this many values (about 10 ms), asking ``cancel`` in between.
COPY_CHUNK_VALUES = 4 << 20

#: What ``convolve``'s ``method`` accepts.
METHODS = ("auto", "direct")
#: ``convolve``'s ``cancel`` hook: asked between tiles; True stops the work (``Cancelled``).
CancelHook = Callable[[], bool]


def check_cancel(cancel: CancelHook | None) -> None:
    """Raise ``Cancelled`` when the caller's ``cancel`` hook says so (no hook: never)."""
    if cancel is not None and cancel():
        raise Cancelled("the convolution was cancelled")


def feature_chunks(
    features: int, values_per_feature: int, cancel: CancelHook | None
) -> list[slice]:
    """Slices of features holding at most ``COPY_CHUNK_VALUES`` values each (one feature at
    least); a single slice when there is no ``cancel`` hook to ask between chunks."""
    per = max(1, COPY_CHUNK_VALUES // max(1, values_per_feature))
    if cancel is None or per >= features:
        return [slice(0, features)]
    return [slice(f, min(features, f + per)) for f in range(0, features, per)]


def real_arrays(x: Any, weight: Any, bias: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The operands as arrays (views where possible, nothing copied), refusing non-real dtypes.

    Shapes are checked against the settings before ``as_float_arrays`` copies anything, so an
    oversized operand (a broadcast view, an int array) is refused before memory is allocated.
    """
    arrays = [np.asarray(a) for a in (x, weight) + ((bias,) if bias is not None else ())]
    for name, a in zip(("input", "weight", "bias"), arrays):
        if a.dtype.kind not in "biuf":
            raise ConvError(f"{name} of dtype {a.dtype} must hold real numbers")
    return arrays[0], arrays[1], arrays[2] if bias is not None else None


def as_float_arrays(
    x: Any, weight: Any, bias: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Convert the operands to one float dtype: float32 only when every operand is float32."""
    return _as_float(*real_arrays(x, weight, bias))


def _as_float(
    x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, cancel: CancelHook | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    f32 = np.float32
    if x.dtype == f32 and weight.dtype == f32 and (bias is None or bias.dtype == f32):
        dtype: type = f32
    else:
        dtype = np.float64
    x_, w_ = _converted(x, dtype, cancel), _converted(weight, dtype, cancel)
    b_: np.ndarray | None = None if bias is None else np.ascontiguousarray(bias, dtype=dtype)
    return x_, w_, b_


def _converted(a: np.ndarray, dtype: type, cancel: CancelHook | None) -> np.ndarray:
    """``a`` as a contiguous array of ``dtype``, copied in chunks of features (asking ``cancel``
    in between) when it is big and needs a copy."""
    if a.dtype == dtype and a.flags.c_contiguous:
        return a
    chunks = feature_chunks(a.shape[0], a.size // max(1, a.shape[0]), cancel)
    if len(chunks) == 1:
        return np.ascontiguousarray(a, dtype=dtype)
    out: np.ndarray = np.empty(a.shape, dtype)
    for chunk in chunks:
        check_cancel(cancel)
        out[chunk] = a[chunk]
    return out


def pad_input(x: np.ndarray, params: ConvParams, cancel: CancelHook | None = None) -> np.ndarray:
    """The input with its padding applied, as ``nn.Conv1d/2d`` pad it for each padding mode.

    A big input is padded in chunks of features, asking ``cancel`` in between.
    """
    if not any(b or a for b, a in params.padding):
        return x
    shape = (x.shape[0], *params.padded_spatial(x.shape[1:]))
    chunks = feature_chunks(x.shape[0], prod(shape[1:]), cancel)
    if params.padding_mode == "zeros":
        padded = np.zeros(shape, dtype=x.dtype)
        inner = tuple(slice(b, b + n) for (b, _), n in zip(params.padding, x.shape[1:]))
        for chunk in chunks:
            check_cancel(cancel)
            padded[(chunk, *inner)] = x[chunk]
        return padded
    maps = _source_maps(params, x.shape[1:])
    padded = np.empty(shape, dtype=x.dtype)
    for chunk in chunks:
        check_cancel(cancel)
        part = x[chunk]
        for axis, m in enumerate(maps, start=1):
            part = np.take(part, m, axis=axis)
        padded[chunk] = part
    return padded


@lru_cache(maxsize=128)
def _source_maps(params: ConvParams, spatial: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    maps = source_maps(params, spatial)
    for m in maps:
        assert not (m == ZERO).any()
        m.flags.writeable = False  # shared by every call through the cache
    return maps


# -- validated settings, cached ---------------------------------------------------------------


class _Unhashable(Exception):
    pass


def _freeze(value: Any) -> Any:
    """A cache key for a setting that tells apart every value the validation tells apart.

    Only exact ``int``/``str`` and tuples/lists of them are cached: ``True == 1`` and
    ``1.0 == 1`` hash alike but are refused by validation, so they (and numpy scalars) take the
    uncached path.
    """
    kind = type(value)
    if kind is int or kind is str:
        return value
    if kind is tuple or kind is list:
        return (kind, tuple(_freeze(v) for v in value))
    raise _Unhashable


_PARAMS_CACHE: dict[tuple[Any, ...], ConvParams] = {}
_PARAMS_CACHE_SIZE = 512


def _params(
    x_shape: tuple[int, ...], w_shape: tuple[int, ...], has_bias: bool, settings: dict[str, Any]
) -> ConvParams:
    """``params_for`` with a cache keyed by shapes and settings: validation runs once per layer."""
    try:
        key = (x_shape, w_shape, has_bias, tuple(settings), *map(_freeze, settings.values()))
    except _Unhashable:
        fresh: ConvParams = params_for(x_shape, w_shape, {**settings, "bias": has_bias})
        return fresh
    params = _PARAMS_CACHE.get(key)
    if params is None:
        params = params_for(x_shape, w_shape, {**settings, "bias": has_bias})
        if len(_PARAMS_CACHE) >= _PARAMS_CACHE_SIZE:
            _PARAMS_CACHE.clear()
        _PARAMS_CACHE[key] = params
    return params


def _all_finite(*arrays: np.ndarray) -> bool:
    """Whether every value of every float array is finite: BLAS dot products, no temporaries.

    ``a . a`` is finite exactly when every value of ``a`` is, unless huge finite values overflow
    the sum of squares; then (rarely) the element-wise check decides.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        total = 0.0
        for a in arrays:
            flat = a.reshape(-1)
            total += float(np.dot(flat, flat))
    return math.isfinite(total) or all(bool(np.isfinite(a).all()) for a in arrays)


def check_operands(
    x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, settings: dict[str, Any]
) -> ConvParams:
    """Validate shapes and settings together; returns the normalised settings."""
    params = _params(x.shape, weight.shape, bias is not None, settings)
    if bias is not None and bias.shape != (params.out_features,):
        raise ConvError(
            f"bias of shape {bias.shape} must have one value per output feature: "
            f"({params.out_features},)"
        )
    floats = [
        (name, a)
        for name, a in (("input", x), ("weight", weight), ("bias", bias))
        if a is not None and a.dtype.kind == "f"
    ]
    if _all_finite(*(a for _, a in floats)):
        return params
    for name, a in floats:
        finite = np.isfinite(a)
        if finite.all():
            continue
        where = tuple(int(i) for i in np.argwhere(~finite)[0])
        value = a[where]
        raise ConvError(
            f"{name} holds {value} at index {where[0] if len(where) == 1 else where}: "
            "every value must be a finite number"
        )
    return params


def prepare_operands(
    x: Any,
    weight: Any,
    bias: Any,
    settings: dict[str, Any],
    cancel: CancelHook | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, ConvParams]:
    """What ``convolve`` and ``explain`` share: check everything, then convert to one float dtype.

    Returns the float operands and the normalised settings; raises ``ConvError`` before copying
    anything when the operands or settings are invalid.
    """
    x, weight, bias = real_arrays(x, weight, bias)
    params = check_operands(x, weight, bias, settings)
    return (*_as_float(x, weight, bias, cancel), params)


def convolve(
    x: Any,
    weight: Any,
    bias: Any = None,
    *,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
    method: str = "auto",
    cancel: CancelHook | None = None,
) -> np.ndarray:
    """Cross-correlate ``x`` with ``weight`` and add ``bias``, exactly as ``torch.nn.functional``.

    ``x`` is ``(C_in, L)`` or ``(C_in, H, W)``; ``weight`` is ``(C_out, C_in // groups, *kernel)``.
    Returns ``(C_out, *out_spatial)`` in float32 when every operand is float32, else float64.
    ``method`` is "auto" or "direct". ``cancel``, a zero-argument callable, is asked between
    tiles (at most ``TILE_MULTIPLY_ADDS`` multiply-adds apart); when it returns True the work
    stops with ``Cancelled``.
    """
    if method not in METHODS:
        raise ConvError(f"method={method!r} is not one of " + ", ".join(map(repr, METHODS)))
    settings = {
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "groups": groups,
        "padding_mode": padding_mode,
    }
    x, weight, bias, params = prepare_operands(x, weight, bias, settings, cancel)
    return convolve_checked(x, weight, bias, params, cancel=cancel)


# -- the plan: everything that depends on settings and shapes only ----------------------------


@dataclass(frozen=True, eq=False)
class _Plan:
    """How to compute one layer on one input shape: layout, view geometry and tiles.

    Geometry is always 2D: a 1D layer is a 2D layer of height 1 (kernel height 1, no padding in
    height), so one code path serves both.
    """

    layout: str  # "gather", "rows", "flat", "stacked" or "im2col"
    out_shape: tuple[int, ...]  # what convolve returns
    groups: int
    out_per_group: int
    k: int  # patch rows per group: in_per_group * kh * kw
    fold_bias: bool
    view_shape: tuple[int, ...]  # (G, Cg, kh, kw, H', W') over the padded input
    view_strides: tuple[int, ...]  # in bytes
    out_rows: int  # Ho
    out_cols: int  # Wo
    row_len: int  # columns per output row in the buffer: Wo (im2col) or Wp (rows)
    tiles: tuple[tuple[int, int, int, int], ...]  # (r0, r1, c0, c1) in output coordinates
    buffer_cols: int
    buffer_pitch: int  # allocated length of a buffer row, >= buffer_cols (see ``row_pitch``)
    #: "gather" only: (G, k [+1 for the bias row], Ho*Wo) indices into the input followed by a
    #: zero and a one (see ``gather_index``)
    index: np.ndarray | None = None
    #: "flat" only: (kernel column j, first, end) output columns whose patch values for kernel
    #: column j are zeros from the left or right padding (see ``flat_padding``)
    fixes: tuple[tuple[int, int, int], ...] = ()
    #: "flat" only: (before, after) zero values around each feature's vertically padded plane
    guards: tuple[int, int] = (0, 0)
    #: "stacked" only: kernel rows and the vertical dilation
    stack: tuple[int, int] = (0, 0)


def tile_plan(
    rows: int, cols: int, row_len: int, max_positions: int
) -> list[tuple[int, int, int, int]]:
    """Cut a ``rows x cols`` output into tiles of at most ``max_positions`` buffer columns.

    Whole rows (``row_len`` buffer columns each) when at least one fits, else chunks of one row.
    Each tile is ``(r0, r1, c0, c1)``: output rows ``r0:r1``, columns ``c0:c1``.
    """
    if row_len <= max_positions:
        per_tile = max_positions // row_len
        return [(r, min(rows, r + per_tile), 0, cols) for r in range(0, rows, per_tile)]
    return [
        (r, r + 1, c, min(cols, c + max_positions))
        for r in range(rows)
        for c in range(0, cols, max_positions)
    ]


def row_pitch(cols: int, itemsize: int) -> int:
    """A buffer row length of at least ``cols`` that spans an odd number of cache lines.

    BLAS reads the patch buffer row after row; rows a power of two bytes apart (2048 columns of
    float32, say) all fall into the same cache sets and evict each other, which costs up to a
    third of the product's speed. An odd number of 64-byte lines spreads them over every set.
    """
    per_line = max(1, 64 // itemsize)
    lines = -(-cols // per_line)
    return (lines + (lines % 2 == 0)) * per_line


@lru_cache(maxsize=256)
def _plan(
    params: ConvParams, x_shape: tuple[int, ...], itemsize: int, tile_bytes: int, layout: str
) -> _Plan:
    out_shape = params.output_shape_unchecked(x_shape)
    # A 1D layer is a 2D layer of height 1.
    lift = (1,) * (2 - params.ndim)
    kh, kw = lift + params.kernel_size
    sh, sw = lift + params.stride
    dh, dw = lift + params.dilation
    hp, wp = lift + params.padded_spatial(x_shape[1:])
    ho, wo = lift + out_shape[1:]
    g, cg = params.groups, params.in_per_group
    k = cg * kh * kw
    fold = params.bias and k <= FOLD_BIAS_MAX_K
    if layout == "auto":
        if (k + fold) * g * ho * wo <= GATHER_MAX_VALUES:
            layout = "gather"
        elif flat_fits(params, x_shape):
            layout = "flat"
            stacked = _stacked_plan(params, x_shape, itemsize, tile_bytes, out_shape)
            if stacked.tiles[0][1] >= STACKED_MIN_ROWS and stacked.k >= STACKED_MIN_K and g == 1:
                return stacked
        elif params.ndim == 2 and sh == sw == 1 and wp > wo and 4 * params.out_per_group <= k:
            # the contiguous copy pays for dropping the straddling columns (a pass over the
            # output tile) only when the output tile is small next to the patch tile
            layout = "rows"
        else:
            layout = "im2col"
    rows_layout = layout == "rows"
    if rows_layout and not sh == sw == 1:
        raise ValueError("the 'rows' layout needs stride 1")
    if layout in ("flat", "stacked") and not flat_fits(params, x_shape):
        raise ValueError(f"the {layout!r} layout needs 2D, stride 1, zero padding and Wo == W")
    if layout == "stacked":
        if g != 1:
            raise ValueError("the 'stacked' layout needs groups=1")
        return _stacked_plan(params, x_shape, itemsize, tile_bytes, out_shape)
    row_len = wp if rows_layout else wo
    # bytes of scratch per buffer column: the patch rows, and for "rows" the output tile too
    per_position = g * (k + fold + (params.out_per_group if rows_layout else 0)) * itemsize
    max_positions = tile_bytes // per_position
    if max_positions < MIN_TILE_POSITIONS:  # huge kernels: fewer positions, never > the cap
        # (less the up to two cache lines that ``row_pitch`` may add)
        room = SCRATCH_KEEP_BYTES // per_position - 128 // itemsize
        max_positions = min(MIN_TILE_POSITIONS, max(1, room))
    # and never more work than ``TILE_MULTIPLY_ADDS`` between two questions to ``cancel``
    max_positions = min(max_positions, max(1, TILE_MULTIPLY_ADDS // (g * params.out_per_group * k)))
    tiles = tuple(tile_plan(ho, wo, row_len, max_positions))
    buffer_cols = max((r1 - r0) * row_len if r1 - r0 > 1 else c1 - c0 for r0, r1, c0, c1 in tiles)
    plane = hp * wp
    fixes: tuple[tuple[int, int, int], ...] = ()
    guards = (0, 0)
    if layout == "flat":
        # (G, Cg, kh, kw, 1, n) over the vertically padded input, W wide, flattened with
        # ``guards`` zeros around each plane: output (r, c) of patch row (c, i, j) is its column
        # r*W + c; values that wrap around a row end are the horizontal padding, zeroed per tile
        w = x_shape[2]
        (pt, pb), (pl, pr) = params.padding
        guards = (pl, pr)
        plane = pl + (x_shape[1] + pt + pb) * w + pr
        view_shape = (g, cg, kh, kw, 1, ho * wo)
        view_strides = (cg * plane, plane, dh * w, dw, 0, 1)
        fixes = _flat_fixes(params, w)
    elif rows_layout:
        # (G, Cg, kh, kw, 1, n): patch row (c, i, j) is the flattened padded input from offset
        # i*dh*wp + j*dw on; output (r, c) is its column r*wp + c.
        view_shape = (g, cg, kh, kw, 1, (ho - 1) * wp + wo)
        view_strides = (cg * plane, plane, dh * wp, dw, 0, 1)
    else:
        view_shape = (g, cg, kh, kw, ho, wo)
        view_strides = (cg * plane, plane, dh * wp, dw, sh * wp, sw)
    return _Plan(
        layout=layout,
        out_shape=out_shape,
        groups=g,
        out_per_group=params.out_per_group,
        k=k,
        fold_bias=fold,
        view_shape=view_shape,
        view_strides=tuple(s * itemsize for s in view_strides),
        out_rows=ho,
        out_cols=wo,
        row_len=row_len,
        tiles=tiles,
        buffer_cols=buffer_cols,
        buffer_pitch=row_pitch(buffer_cols, itemsize),
        index=gather_index(params, x_shape, fold) if layout == "gather" else None,
        fixes=fixes,
        guards=guards,
    )


def _flat_fixes(params: ConvParams, w: int) -> tuple[tuple[int, int, int], ...]:
    """Per kernel column j: the output columns ``first:end`` whose patch values wrapped around
    a row end in the "flat" and "stacked" layouts (there the horizontal padding belongs)."""
    _, (pl, _) = params.padding
    dw = params.dilation[1]
    return tuple(
        (j, 0, min(w, pl - j * dw)) if j * dw < pl else (j, max(0, w - (j * dw - pl)), w)
        for j in range(params.kernel_size[1])
        if j * dw != pl
    )


def _stacked_plan(
    params: ConvParams,
    x_shape: tuple[int, ...],
    itemsize: int,
    tile_bytes: int,
    out_shape: tuple[int, ...],
) -> _Plan:
    """The "stacked" layout (groups=1, same-width 2D layers): patch rows (c, j) over the input
    padded in height only, as "flat" has them but for one kernel row, so the copy is kh times
    smaller; the weights stacked by kernel row, ``(kh*C_out, C_in*kw)``, give in one product
    every kernel row's partial sums for the tile's rows and the kh-1 rows below; output row r
    is the sum of kernel row i's partial sums at row r + i*dh."""
    cin, h, w = x_shape
    kh, kw = params.kernel_size
    dh, dw = params.dilation
    (pt, pb), (pl, pr) = params.padding
    m, ho = params.out_features, out_shape[1]
    k = cin * kw
    fold = params.bias and k <= FOLD_BIAS_MAX_K
    reach = (kh - 1) * dh  # rows below the tile that its partial sums need
    per_row = (k + fold + kh * m) * itemsize * w  # the patch tile and the partial-sum tile
    work_rows = TILE_MULTIPLY_ADDS // (kh * m * (k + fold) * w) - reach  # see TILE_MULTIPLY_ADDS
    rows = max(1, min(ho, tile_bytes // per_row - reach, work_rows))
    tiles = tuple((r, min(ho, r + rows), 0, w) for r in range(0, ho, rows))
    plane = pl + (h + pt + pb) * w + pr
    buffer_cols = (rows + reach) * w
    return _Plan(
        layout="stacked",
        out_shape=out_shape,
        groups=1,
        out_per_group=m,
        k=k,
        fold_bias=fold,
        view_shape=(cin, kw, (h + pt + pb) * w),
        view_strides=(plane * itemsize, dw * itemsize, itemsize),
        out_rows=ho,
        out_cols=w,
        row_len=w,
        tiles=tiles,
        buffer_cols=buffer_cols,
        buffer_pitch=row_pitch(buffer_cols, itemsize),
        fixes=_flat_fixes(params, w),
        guards=(pl, pr),
        stack=(kh, dh),
    )


def _convolve_stacked(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    params: ConvParams,
    plan: _Plan,
    cancel: CancelHook | None,
) -> np.ndarray:
    """``convolve_checked`` in the "stacked" layout (see ``_stacked_plan``)."""
    flat = _flat_padded(x, params, plan, cancel)
    dtype = flat.dtype
    m, k, w = plan.out_per_group, plan.k, plan.out_cols
    kh, dh = plan.stack
    kw = plan.view_shape[1]
    fold = plan.fold_bias and bias is not None
    wmat = np.zeros((kh * m, k + fold), dtype)
    wmat[:, :k] = weight.transpose(2, 0, 1, 3).reshape(kh * m, k)
    if fold:
        wmat[:m, k] = bias  # once per output value: with kernel row 0's sums
    buf = _scratch_array("patches", (k + fold, plan.buffer_pitch), dtype)
    if fold:
        buf[k] = 1.0
    sums = _scratch_array("stacked", (kh * m, plan.buffer_pitch), dtype)
    out = np.empty((m, plan.out_rows * w), dtype)
    view = np.ndarray(plan.view_shape, dtype, flat, 0, plan.view_strides)
    reach = (kh - 1) * dh
    for r0, r1, _, _ in plan.tiles:
        check_cancel(cancel)
        n, nn = (r1 - r0) * w, (r1 - r0 + reach) * w
        src = view[..., r0 * w : r0 * w + nn]
        patch = buf[:, :nn]
        np.copyto(patch[:k].reshape(src.shape), src)
        for j, first, end in plan.fixes:  # zero what wrapped around a row end
            column = patch[j:k:kw]
            column.reshape((column.shape[0], r1 - r0 + reach, w))[..., first:end] = 0
        np.matmul(wmat, patch, out=sums[:, :nn])
        target = out[:, r0 * w : r1 * w]
        if kh == 1:
            np.copyto(target, sums[:m, :n])
            continue
        shift = dh * w
        np.add(sums[:m, :n], sums[m : 2 * m, shift : shift + n], out=target)
        for i in range(2, kh):
            np.add(target, sums[i * m : (i + 1) * m, i * shift : i * shift + n], out=target)
    out = out.reshape(plan.out_shape)
    if bias is not None and not fold:
        add_bias(out, bias, cancel)
    return out


def flat_fits(params: ConvParams, x_shape: tuple[int, ...]) -> bool:
    """Whether the "flat" layout can compute this layer: 2D, stride 1, zero padding (or none)
    and output rows as wide as input rows, so that output and input rows share one pitch."""
    if params.ndim != 2 or params.stride != (1, 1):
        return False
    if params.padding_mode != "zeros" and any(b or a for b, a in params.padding):
        return False
    return params.output_shape_unchecked(x_shape)[2] == x_shape[2]


def gather_index(params: ConvParams, x_shape: tuple[int, ...], ones_row: bool) -> np.ndarray:
    """The whole patch matrix as indices into ``[*x.ravel(), 0, 1]``, shape ``(G, k, Ho*Wo)``.

    Padding of every mode is resolved here once (through ``geometry.source_maps``): a zero from
    padding reads the appended 0, the bias row (``ones_row``) the appended 1. A small layer then
    costs one ``take`` and one ``matmul`` per call.
    """
    spatial = tuple(x_shape[1:])
    size = int(np.prod(x_shape))
    zero_slot, one_slot = size, size + 1
    lift = 2 - params.ndim
    maps = ((np.zeros(1, np.intp),) * lift) + source_maps(params, spatial)
    kh, kw = (1,) * lift + params.kernel_size
    sh, sw = (1,) * lift + params.stride
    dh, dw = (1,) * lift + params.dilation
    h, w = (1,) * lift + spatial
    ho, wo = (1,) * lift + params.output_shape_unchecked(x_shape)[1:]
    rows = maps[0][np.arange(kh)[:, None] * dh + np.arange(ho)[None, :] * sh]  # (kh, Ho)
    cols = maps[1][np.arange(kw)[:, None] * dw + np.arange(wo)[None, :] * sw]  # (kw, Wo)
    cell = rows[:, None, :, None] * w + cols[None, :, None, :]  # (kh, kw, Ho, Wo)
    zero = (rows == ZERO)[:, None, :, None] | (cols == ZERO)[None, :, None, :]
    channel = np.arange(params.in_features).reshape(params.groups, params.in_per_group)
    index = channel[:, :, None, None, None, None] * (h * w) + cell
    index[:, :, zero] = zero_slot
    index = index.reshape(params.groups, -1, ho * wo)
    if ones_row:
        ones = np.full((params.groups, 1, ho * wo), one_slot, np.intp)
        index = np.concatenate((index, ones), axis=1)
    index.flags.writeable = False
    result: np.ndarray = index
    return result


_ZERO_ONE = {np.dtype(t): np.array([0.0, 1.0], t) for t in (np.float32, np.float64)}


def _convolve_gather(
    x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, plan: _Plan
) -> np.ndarray:
    """Small layers: gather the whole patch matrix at once, one product (see ``gather_index``)."""
    source = np.concatenate((x.ravel(), _ZERO_ONE[x.dtype]))
    g, m, k = plan.groups, plan.out_per_group, plan.k
    wmat = weight.reshape(g, m, k)
    if bias is not None and plan.fold_bias:
        wmat = np.concatenate((wmat, bias.reshape(g, m, 1).astype(x.dtype, copy=False)), axis=2)
    elif plan.fold_bias:  # the plan has a bias row but this call has no bias: ignore the row
        wmat = np.concatenate((wmat, np.zeros((g, m, 1), x.dtype)), axis=2)
    index = plan.index
    assert index is not None
    out: np.ndarray
    if g == 1:
        out = np.matmul(wmat[0].astype(x.dtype, copy=False), source.take(index[0]))
    else:
        out = np.matmul(wmat.astype(x.dtype, copy=False), source.take(index))
    out = out.reshape(plan.out_shape)
    if bias is not None and not plan.fold_bias:
        out += bias.reshape((-1,) + (1,) * (len(plan.out_shape) - 1))
    return out


def _convolve_one_tile(
    padded: np.ndarray,
    weight: np.ndarray,
    fold_bias: np.ndarray | None,
    plan: _Plan,
    bias: np.ndarray | None,
) -> np.ndarray:
    """``convolve_checked`` for one group in one im2col tile, in as few numpy calls as possible
    (the loop's bookkeeping is a third of the time of a layer this small)."""
    dtype = padded.dtype
    m, k = plan.out_per_group, plan.k
    n = plan.out_rows * plan.out_cols
    view = np.ndarray(plan.view_shape[1:], dtype, padded, 0, plan.view_strides[1:])
    buf = _scratch_array("patches", (k + 1, plan.buffer_pitch), dtype)
    np.copyto(buf[:k, :n].reshape(view.shape), view)
    wmat = weight.reshape(m, k).astype(dtype, copy=False)
    out: np.ndarray
    if fold_bias is not None:
        buf[k, :n] = 1.0
        wmat = np.concatenate((wmat, fold_bias.reshape(m, 1).astype(dtype, copy=False)), axis=1)
        out = np.matmul(wmat, buf[:, :n])
    else:
        out = np.matmul(wmat, buf[:k, :n])
        if bias is not None:
            out += bias.reshape(m, 1)
    return out.reshape(plan.out_shape)


def default_tile_bytes(itemsize: int) -> int:
    """The patch-buffer budget per tile for values of ``itemsize`` bytes."""
    return F32_TILE_BYTES if itemsize == 4 else TILE_BYTES


def describe_layout(params: ConvParams, input_shape: tuple[int, ...], dtype: Any) -> str:
    """Which layout and how many tiles ``convolve`` uses for this layer (for the benchmark)."""
    itemsize = np.dtype(dtype).itemsize
    plan = _plan(params, tuple(input_shape), itemsize, default_tile_bytes(itemsize), "auto")
    return f"{plan.layout}, {len(plan.tiles)} tile{'s' if len(plan.tiles) > 1 else ''}"


_scratch = threading.local()


def _scratch_array(name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """An uninitialised array for this thread's use until its next call with the same name."""
    nbytes = prod(shape) * dtype.itemsize
    if nbytes > SCRATCH_KEEP_BYTES:
        return np.empty(shape, dtype)
    raw = getattr(_scratch, name, None)
    if raw is None or raw.nbytes < nbytes:
        raw = np.empty(-(-nbytes // 8), np.float64)  # 8-byte aligned for either dtype
        setattr(_scratch, name, raw)
        setattr(_scratch, name + "_geometry", None)  # what the old buffer held is gone
    return raw.view(np.uint8)[:nbytes].view(dtype).reshape(shape)


def _padded(x: np.ndarray, params: ConvParams, cancel: CancelHook | None) -> np.ndarray:
    """``pad_input`` into this thread's scratch for zero padding (a fresh array otherwise).

    The scratch is zeroed only when it last held another geometry: each call overwrites the
    interior alone, so the border stays zero from one call to the next.
    """
    if params.padding_mode != "zeros" or not any(b or a for b, a in params.padding):
        return np.ascontiguousarray(pad_input(x, params, cancel))
    spatial = x.shape[1:]
    shape = (x.shape[0], *params.padded_spatial(spatial))
    inner = (slice(None), *(slice(b, b + n) for (b, _), n in zip(params.padding, spatial)))
    if prod(shape) * x.itemsize > SCRATCH_KEEP_BYTES:
        padded = np.zeros(shape, x.dtype)
    else:
        padded = _scratch_array("padded", shape, x.dtype)
        geometry = (shape, x.dtype.char, params.padding)
        if getattr(_scratch, "padded_geometry", None) != geometry:
            padded[...] = 0
            _scratch.padded_geometry = geometry
    for chunk in feature_chunks(x.shape[0], prod(shape[1:]), cancel):
        check_cancel(cancel)
        padded[(chunk, *inner[1:])] = x[chunk]
    return padded


def _flat_padded(
    x: np.ndarray, params: ConvParams, plan: _Plan, cancel: CancelHook | None
) -> np.ndarray:
    """The input padded in height only, each feature's plane flattened between ``plan.guards``
    zeros, in this thread's scratch (the zeros stay between calls, as in ``_padded``)."""
    c, h, w = x.shape
    (pt, pb), _ = params.padding
    before, after = plan.guards
    shape = (c, before + (h + pt + pb) * w + after)
    flat = _scratch_array("flat", shape, x.dtype)
    geometry = (shape, x.dtype.char, params.padding)
    if prod(shape) * x.itemsize > SCRATCH_KEEP_BYTES:
        flat[...] = 0
    elif getattr(_scratch, "flat_geometry", None) != geometry:
        flat[...] = 0
        _scratch.flat_geometry = geometry
    start = before + pt * w
    for chunk in feature_chunks(c, h * w, cancel):
        check_cancel(cancel)
        flat[chunk, start : start + h * w] = x[chunk].reshape(-1, h * w)
    return flat


def convolve_checked(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    params: ConvParams,
    *,
    tile_bytes: int | None = None,
    layout: str = "auto",
    cancel: CancelHook | None = None,
) -> np.ndarray:
    """``convolve``'s direct path for operands already converted and validated against ``params``.

    ``tile_bytes`` bounds the patch buffer (default ``default_tile_bytes``; tests use a small one
    to exercise the tiling); ``layout`` forces one ("gather", "rows", "flat", "stacked" or
    "im2col") for tests and the benchmark. ``cancel`` is asked before each tile and each chunk
    of a big copy; when it returns True, ``Cancelled`` is raised.
    """
    if tile_bytes is None:
        tile_bytes = default_tile_bytes(x.itemsize)
    plan = _plan(params, x.shape, x.itemsize, tile_bytes, layout)
    check_cancel(cancel)
    if plan.index is not None:  # at most GATHER_MAX_VALUES patch values: well under a tile
        return _convolve_gather(x, weight, bias, plan)
    if plan.layout == "stacked":
        return _convolve_stacked(x, weight, bias, params, plan, cancel)
    flat_method = plan.layout == "flat"
    padded = _flat_padded(x, params, plan, cancel) if flat_method else _padded(x, params, cancel)
    dtype = padded.dtype
    g, m, k = plan.groups, plan.out_per_group, plan.k
    fold = plan.fold_bias and bias is not None
    kb = k + fold
    if g == 1 and len(plan.tiles) == 1 and plan.layout == "im2col":
        return _convolve_one_tile(padded, weight, bias if fold else None, plan, bias)
    wmat = weight.astype(dtype, copy=False).reshape(g, m, k)
    if fold:
        assert bias is not None
        wfull = np.empty((g, m, kb), dtype)
        wfull[:, :, :k] = wmat
        wfull[:, :, k] = bias.reshape(g, m)  # casts a float64 bias for float32 operands
        wmat = wfull
    buf = _scratch_array("patches", (g, kb, plan.buffer_pitch), dtype)
    if fold:
        buf[:, k] = 1.0
    ho, wo = plan.out_rows, plan.out_cols
    out = np.empty((g, m, ho * wo), dtype)
    view = np.ndarray(plan.view_shape, dtype, padded, 0, plan.view_strides)
    if g == 1:  # plain 2D products: no batched-matmul overhead
        wmat, buf, out3 = wmat[0], buf[0], out[0]
    else:
        out3 = out
    rows_method = plan.layout == "rows"
    if rows_method:
        wp = plan.row_len
        tmp = _scratch_array("rows", (*out3.shape[:-1], plan.buffer_cols), dtype)
    for r0, r1, c0, c1 in plan.tiles:
        check_cancel(cancel)
        if rows_method:
            start = r0 * wp + c0
            n = (r1 - r0 - 1) * wp + (c1 - c0)
            src = view[..., 0, start : start + n]
        elif flat_method:
            n = (r1 - r0 - 1) * wo + (c1 - c0)
            src = view[..., 0, r0 * wo + c0 : r0 * wo + c0 + n]
        else:
            n = (r1 - r0) * (c1 - c0)
            src = view[..., r0:r1, c0:c1]
        patch = buf[..., :n]
        np.copyto(patch[..., :k, :].reshape(src.shape), src)
        if flat_method:  # zero what wrapped around a row end: the horizontal padding
            kw = plan.view_shape[3]
            for j, first, end in plan.fixes:
                column = patch[..., j:k:kw, :]
                if r1 - r0 > 1:
                    column.reshape((*column.shape[:-1], r1 - r0, wo))[..., first:end] = 0
                elif max(first, c0) < min(end, c1):
                    column[..., max(first, c0) - c0 : min(end, c1) - c0] = 0
        start = r0 * wo + c0
        if rows_method and r1 - r0 > 1:
            # whole padded rows: compute, then drop the columns that straddle a row end
            np.matmul(wmat, patch, out=tmp[..., :n])
            rows = tmp[..., : (r1 - r0) * wp].reshape((*tmp.shape[:-1], r1 - r0, wp))
            target = out3[..., start : r1 * wo].reshape((*rows.shape[:-1], wo))
            np.copyto(target, rows[..., :wo])
        else:
            np.matmul(wmat, patch, out=out3[..., start : start + n])
    out = out.reshape(plan.out_shape)
    if bias is not None and not fold:
        add_bias(out, bias, cancel)
    return out


def add_bias(out: np.ndarray, bias: np.ndarray, cancel: CancelHook | None) -> None:
    """``out += bias`` per output feature, in chunks of features asking ``cancel`` in between."""
    column = bias.reshape((-1,) + (1,) * (out.ndim - 1))
    for chunk in feature_chunks(out.shape[0], out.size // out.shape[0], cancel):
        check_cancel(cancel)
        out[chunk] += column[chunk]
