"""The FFT path: big kernels as products of spectra (``numpy.fft``), and the cost model that
picks it.

Direct convolution costs ``C_out * C_in/groups * kernel cells`` multiply-adds per output
position; for a 64x64 kernel that is 4096 per input feature and position. Through the FFT the
same layer costs a few transforms per feature and one complex multiply-add per frequency bin,
whatever the kernel's size. The layer is computed exactly as the direct path defines it: the
input is padded first by the engine's own padding (every mode), then each output feature is a
*valid* cross-correlation with a dilated (zero-stuffed) kernel, ``irfftn(sum_c X_c *
conj(K_oc))``; the circular transform of length ``N >= L`` of a block of ``L`` input cells gives
its valid outputs with no wrap-around, so no further padding is needed. Stride: the valid
outputs are computed at every position and the strided ones kept (the cost model counts the
waste). Groups are independent layers. The bias is added at the end.

Memory is bounded as in the direct path (the padded input, the output, and at most
``FFT_WORK_BYTES`` of spectra): ``fft_plan`` cuts the output along its first spatial
dimension (rows in 2D, the length in 1D) into blocks computed by overlap-save (each block
transforms the input rows it reads, so neighbouring blocks overlap by the kernel's extent) and
the output features of a group into chunks whose kernel spectra are kept while every block is
computed. Among the block sizes and chunk sizes that fit, it takes the cheapest by the cost
model below. Each transform call holds at most ``FFT_CALL_POINTS`` points (about 30 ms), and
``cancel`` is asked before each call, so the FFT path is cancelled as promptly as the direct one.

Not for NaN or infinity: one non-finite value spreads through a transform over the whole block,
where the direct sum makes only the outputs that read it non-finite (as torch does).
``convolve`` therefore computes layers with non-finite operands directly, ``method="fft"``
included.

The cost model (``choose_method``): the estimated seconds of each path for this layer.

- FFT (``fft_plan``, for its cheapest blocks and chunks): ``FFT_NS * n * log2(n)`` per real
  transform of ``n`` points (a 2D kernel's costs about half: ``rfftn`` transforms the last axis
  over the kernel's own rows only), ``FFT_CALL_NS`` per numpy call (transform calls, the
  product, the copy out), ``SPECTRUM_MAC_NS`` per complex multiply-add of the spectra product
  (memory-bound: it streams the kernel spectra), ``FFT_COPY_NS`` per output value (keeping the
  valid, strided outputs, the bias).
- direct (``direct_seconds``): ``DIRECT_COPY_NS`` per patch value copied into the tile buffers
  (output positions times input features times kernel cells) plus ``DIRECT_MAC_NS`` per
  multiply-add of the tile products.

``"auto"`` takes the FFT only when its estimate is below ``1 / FFT_MARGIN`` of the direct one,
so never where the direct path is competitive (nor where the estimates' error could flip a
close call); and for a layer whose values are all whole numbers small enough that the direct sum
is exact (every partial sum an integer below 2**24 in float32, 2**53 in float64: the teaching
layers) only at ``EXACT_MARGIN`` times, so that those stay exact to the last bit. The operands
are read (finite? whole?) only when the estimates make the FFT a candidate.

How the constants were measured: ``python -m convstudio.bench engine --calibrate``, on this
machine (2 cores shared with six other developers' work, numpy 2.4's pocketfft, OpenBLAS
SkylakeX), the fastest of 7 runs of each figure, three runs on 3 Dec 2026. FFT_NS: the median
over 2D and 1D transforms of 20 thousand to 1.2 million points of time / (n log2 n), forward
and inverse (0.82-1.5 ns in float64, 0.62-1.13 in float32; the lower figures taken, as the
busy runs inflate); FFT_CALL_NS: a tiny transform (20-22 us); SPECTRUM_MAC_NS: the product on
4x4, 8x8 and 1x2 feature spectra (3.9-5.5 ns float64, 2.9-4.7 float32); DIRECT_COPY_NS and
DIRECT_MAC_NS: a least-squares fit, relative to each time, of the direct path on eight layers
(1->2 to 64->64 features, kernels 3 to 63, 1D and 2D) against copied values and multiply-adds,
timed on one BLAS thread (copy 0.69-1.0 ns float64, 0.43-0.48 float32; multiply-add 0.08 and
0.027 ns), the multiply-add figure then divided by 1.8 for the two BLAS threads ``convolve``
runs on. That speed-up could not be measured this session (on the contended cores two threads
ran slower than one), so 1.8 is the usual figure for a 2-core matmul, an assumption; it makes
the direct estimate optimistic, which errs towards the direct path. FFT_COPY_NS is an estimate
(a pass over the output), not measured. The figures vary by up to a factor of two between runs
on this shared machine, which ``FFT_MARGIN`` absorbs: the layers where the choice matters
(kernels of 15 cells and more per side) differ by far more than that.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from convstudio.engine.errors import CancelHook, check_cancel
from convstudio.engine.params import ConvParams

#: Working memory of the FFT path (kernel spectra, a block's spectra and its inverse), beyond
#: the padded input and the output: the size of the direct path's largest kept scratch.
FFT_WORK_BYTES = 64 << 20
#: At most this many points per transform call (about 30 ms): ``cancel`` is asked between calls.
FFT_CALL_POINTS = 1 << 21

# -- the cost model's constants (see the module docstring for how they were measured) ----------
#: nanoseconds per ``n * log2(n)`` of one real transform (forward or inverse), per dtype size
FFT_NS = {8: 0.85, 4: 0.7}
#: nanoseconds of overhead per transform call
FFT_CALL_NS = 20_000.0
#: nanoseconds per complex multiply-add of the spectra product, per dtype size
SPECTRUM_MAC_NS = {8: 4.0, 4: 3.0}
#: nanoseconds per output value for keeping the valid, strided outputs and adding the bias
FFT_COPY_NS = 1.5
#: the direct path: nanoseconds per patch value copied, per multiply-add, per dtype size
DIRECT_COPY_NS = {8: 0.7, 4: 0.45}
DIRECT_MAC_NS = {8: 0.045, 4: 0.015}
#: "auto" takes the FFT when it is estimated this many times faster than the direct path
FFT_MARGIN = 2.0
#: ... and this many times for a layer of small whole numbers (whose direct sum is exact)
EXACT_MARGIN = 10.0

#: The transform lengths ``fast_length`` picks from: products of 2, 3, 5 and 7, which
#: pocketfft transforms fastest.
_SMOOTH_PRIMES = (2, 3, 5, 7)


@lru_cache(maxsize=4096)
def fast_length(n: int) -> int:
    """The smallest length ``>= n`` whose prime factors are all 2, 3, 5 or 7."""
    best = 1 << max(0, (n - 1).bit_length())  # a power of two always qualifies
    length = n
    while length < best:
        m = length
        for p in _SMOOTH_PRIMES:
            while m % p == 0:
                m //= p
        if m == 1:
            return length
        length += 1
    return best


@dataclass(frozen=True)
class FFTPlan:
    """How the FFT path computes one layer on one input shape (see ``fft_plan``)."""

    shape: tuple[int, ...]  # transform shape of one block
    block_rows: int  # output rows (along the first spatial dimension) per block
    chunk: int  # output features per chunk of kernel spectra
    seconds: float  # the cost model's estimate; infinite when no plan fits the memory bound

    @property
    def fits(self) -> bool:
        """Whether the spectra fit the working-memory bound (else the FFT is not an option)."""
        return math.isfinite(self.seconds)


def _fft_seconds(points: int, itemsize: int) -> float:
    """One real transform of ``points`` points, without the per-call overhead."""
    return FFT_NS[itemsize] * points * math.log2(max(points, 2)) * 1e-9


def _bins(shape: tuple[int, ...]) -> int:
    """Complex values of a real transform of ``shape`` (the last axis is halved)."""
    return math.prod(shape[:-1]) * (shape[-1] // 2 + 1)


@lru_cache(maxsize=256)
def fft_plan(
    params: ConvParams, x_shape: tuple[int, ...], itemsize: int, work_bytes: int = FFT_WORK_BYTES
) -> FFTPlan:
    """The cheapest block and chunk sizes whose spectra fit ``work_bytes``.

    Candidates: block lengths whose transform lengths are fast lengths about 12% apart (up to
    the whole padded input) times chunks of 1, 2, 4, ... output features up to the whole group.
    A block of ``r`` output rows transforms ``(r - 1) * stride + extent`` input rows.
    """
    padded = params.padded_spatial(x_shape[1:])
    out_spatial = params.output_shape_unchecked(x_shape)[1:]
    extent, stride = params.kernel_extent, params.stride
    groups, cg, mg = params.groups, params.in_per_group, params.out_per_group
    rest = tuple(fast_length(p) for p in padded[1:])  # whole rows: no blocks along the width
    complex_bytes = 2 * itemsize
    out_values = params.out_features * math.prod(out_spatial)
    rows = out_spatial[0]
    chunks = sorted({min(mg, 1 << i) for i in range(mg.bit_length() + 1)})
    best: FFTPlan | None = None
    length = fast_length(extent[0])
    while True:
        block = min(rows, (length - extent[0]) // stride[0] + 1)
        shape = (fast_length((block - 1) * stride[0] + extent[0]), *rest)
        points, bins = math.prod(shape), _bins(shape)
        # rfftn transforms the last axis first, over the kernel's rows only (the rest are
        # zeros), then the half-spectrum along the first axis: about half of a full transform
        kernel_share = 1.0 if len(shape) == 1 else 0.5 + 0.5 * extent[0] / shape[0]
        blocks = -(-rows // block)
        per_call = max(1, FFT_CALL_POINTS // points)  # planes per transform call
        for chunk in chunks:
            memory = (chunk * cg + cg + chunk) * bins * complex_bytes + chunk * points * itemsize
            if memory > work_bytes and best is not None:
                continue
            n_chunks = -(-mg // chunk)
            transforms = groups * (kernel_share * mg * cg + blocks * (n_chunks * cg + mg))
            # numpy calls: kernel transforms per chunk; per block and chunk the input's and
            # the inverse transforms, the product and the copy into the output
            calls = (
                groups
                * n_chunks
                * (
                    -(-chunk * cg // per_call)
                    + blocks * (-(-cg // per_call) + -(-chunk // per_call) + 2)
                )
            )
            seconds = (
                _fft_seconds(points, itemsize) * transforms
                + FFT_CALL_NS * calls * 1e-9
                + SPECTRUM_MAC_NS[itemsize] * 1e-9 * groups * mg * cg * blocks * bins
                + FFT_COPY_NS * 1e-9 * out_values
            )
            if memory > work_bytes:  # nothing fits: the smallest, however slow
                seconds = math.inf
            candidate = FFTPlan(shape, block, chunk, seconds)
            if best is None or seconds < best.seconds:
                best = candidate
        if block >= rows:
            break
        length = fast_length(max(length + 1, length * 9 // 8))  # about 12% longer each time
    assert best is not None
    return best


def direct_seconds(params: ConvParams, x_shape: tuple[int, ...], itemsize: int) -> float:
    """The cost model's estimate of the direct path (im2col tiles and their products)."""
    positions = math.prod(params.output_shape_unchecked(x_shape)[1:])
    copied = positions * params.in_features * math.prod(params.kernel_size)
    macs = copied * params.out_per_group
    return (DIRECT_COPY_NS[itemsize] * copied + DIRECT_MAC_NS[itemsize] * macs) * 1e-9


def _dilated(weight: np.ndarray, params: ConvParams) -> np.ndarray:
    """The kernels with ``dilation - 1`` zeros between taps: what the correlation slides."""
    if all(d == 1 for d in params.dilation):
        return weight
    out = np.zeros((*weight.shape[:2], *params.kernel_extent), weight.dtype)
    out[(slice(None), slice(None), *(slice(None, None, d) for d in params.dilation))] = weight
    return out


def _forward(planes: np.ndarray, shape: tuple[int, ...], cancel: CancelHook | None) -> np.ndarray:
    """``rfftn`` of each plane (leading axis) zero-padded to ``shape``, in calls of at most
    ``FFT_CALL_POINTS`` points, asking ``cancel`` before each."""
    axes = tuple(range(1, 1 + len(shape)))
    per_call = max(1, FFT_CALL_POINTS // math.prod(shape))
    if per_call >= planes.shape[0]:
        check_cancel(cancel)
        return np.fft.rfftn(planes, s=shape, axes=axes)
    complex_dtype = np.complex64 if planes.dtype == np.float32 else np.complex128
    spectra = np.empty((planes.shape[0], *shape[:-1], shape[-1] // 2 + 1), complex_dtype)
    for start in range(0, planes.shape[0], per_call):
        check_cancel(cancel)
        part = planes[start : start + per_call]
        spectra[start : start + per_call] = np.fft.rfftn(part, s=shape, axes=axes)
    return spectra


def correlate_fft(
    padded: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    params: ConvParams,
    x_shape: tuple[int, ...],
    cancel: CancelHook | None = None,
    work_bytes: int = FFT_WORK_BYTES,
) -> np.ndarray:
    """``convolve`` of the already padded input through the FFT (see the module docstring).

    ``padded`` is ``pad_input(x, params)`` for an input of shape ``x_shape``; the operands are
    float arrays of one dtype. Returns ``(C_out, *out_spatial)`` in that dtype. ``work_bytes``
    bounds the spectra (tests use a small one to exercise blocks and chunks).
    """
    dtype = padded.dtype
    plan = fft_plan(params, x_shape, dtype.itemsize, work_bytes)
    out_shape = params.output_shape_unchecked(x_shape)
    out = np.empty(out_shape, dtype)
    shape = plan.shape
    nd = params.ndim
    axes = tuple(range(1, 1 + nd))
    stride, extent = params.stride, params.kernel_extent
    # the strided valid outputs of every dimension but the first (blocks cut that one)
    keep = tuple(slice(0, (n - 1) * s + 1, s) for n, s in zip(out_shape[2:], stride[1:]))
    cg, mg, rows = params.in_per_group, params.out_per_group, out_shape[1]
    per_call = max(1, FFT_CALL_POINTS // math.prod(shape))
    for g in range(params.groups):
        source = padded[g * cg : (g + 1) * cg]
        for o0 in range(g * mg, (g + 1) * mg, plan.chunk):
            o1 = min((g + 1) * mg, o0 + plan.chunk)
            kernels = _dilated(weight[o0:o1], params)  # per chunk: dilated kernels can be big
            spectra = _forward(kernels.reshape(-1, *kernels.shape[2:]), shape, cancel)
            np.conjugate(spectra, out=spectra)  # correlation, not convolution
            spectra = spectra.reshape(o1 - o0, cg, -1)
            for r0 in range(0, rows, plan.block_rows):
                r1 = min(rows, r0 + plan.block_rows)
                start, stop = r0 * stride[0], (r1 - 1) * stride[0] + extent[0]
                block = _forward(source[:, start:stop], shape, cancel).reshape(cg, -1)
                check_cancel(cancel)
                product = np.einsum("ocf,cf->of", spectra, block)
                product = product.reshape(o1 - o0, *shape[:-1], shape[-1] // 2 + 1)
                first = slice(0, (r1 - r0 - 1) * stride[0] + 1, stride[0])
                for f0 in range(0, o1 - o0, per_call):
                    check_cancel(cancel)
                    f1 = min(o1 - o0, f0 + per_call)
                    values = np.fft.irfftn(product[f0:f1], s=shape, axes=axes)
                    out[o0 + f0 : o0 + f1, r0:r1] = values[(slice(None), first, *keep)]
    if bias is not None:
        check_cancel(cancel)
        out += bias.reshape((-1,) + (1,) * nd).astype(dtype, copy=False)
    return out


def all_finite(*arrays: np.ndarray) -> bool:
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


def small_whole_numbers(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    params: ConvParams,
    cancel: CancelHook | None = None,
) -> bool:
    """Whether the direct sum of this layer is exact: every value a whole number, and every
    partial sum an integer the dtype holds exactly (below 2**24 in float32, 2**53 in float64)."""
    limit = 2.0 ** (24 if x.dtype == np.float32 else 53)
    largest = []
    for a in (x, weight) + (() if bias is None else (bias,)):
        flat = a.reshape(-1)
        biggest_here = 0.0
        for start in range(0, flat.size, 1 << 20):  # in chunks: no input-sized temporaries
            check_cancel(cancel)
            part = flat[start : start + (1 << 20)]
            if not np.array_equal(part, np.round(part)):
                return False
            biggest_here = max(biggest_here, float(np.abs(part).max()))
        largest.append(biggest_here)
    terms = params.in_per_group * math.prod(params.kernel_size)
    biggest = largest[0] * largest[1] * terms + (largest[2] if bias is not None else 0.0)
    return biggest < limit


def choose_method(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    params: ConvParams,
    cancel: CancelHook | None = None,
) -> str:
    """``"fft"`` or ``"direct"`` for ``method="auto"`` (see the cost model in the docstring).

    The operands are checked only when the FFT is a candidate: finite values (else "direct",
    as torch computes them), and small whole numbers (the exact-layer margin).
    """
    itemsize = x.dtype.itemsize
    direct = direct_seconds(params, x.shape, itemsize)
    fft = fft_plan(params, x.shape, itemsize).seconds
    if fft * FFT_MARGIN >= direct:
        return "direct"
    if not all_finite(x, weight, *(() if bias is None else (bias,))):
        return "direct"
    if fft * EXACT_MARGIN >= direct and small_whole_numbers(x, weight, bias, params, cancel):
        return "direct"
    return "fft"
