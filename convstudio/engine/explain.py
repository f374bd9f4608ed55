"""The term-by-term breakdown of one output value: what the arithmetic panel writes out.

``explain`` answers "where does this number come from?" for one output cell: every product of an
input value (or a padding value) with a kernel weight, the partial sum per input feature, the
bias and the total, which equals ``convolve``'s value for that cell. It gathers the numbers with
the same padding maps as the convolution (``geometry.source_map``), so the window, the engine and
the explanation agree on what every padding cell holds.

The window explains the cursor's cell on every step, so the work is vectorised and the ``Term``
objects are built lazily: a 512-feature layer with a 64x64 kernel has two million terms, and the
panel only ever shows a few of them per feature.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from math import prod
from typing import Any, overload

import numpy as np

from convstudio.engine.convolve import prepare_operands
from convstudio.engine.geometry import ZERO, check_output_cell, padded_taps, tap_sources
from convstudio.engine.params import ConvParams


@dataclass(frozen=True, slots=True)
class Term:
    """One product in the sum that makes an output value.

    ``in_feature`` is the index of the input feature in ``x`` (also under groups, where the
    weight's second axis counts from 0 within the group). ``kernel_index`` indexes the kernel
    (``weight[out_feature, in_feature - first feature of the group, *kernel_index]``).
    ``padded_index`` is the cell of the padded input the tap sits on; ``source_index`` is the real
    input cell whose value was used (for reflect, replicate and circular padding, the cell the
    padding copied), or None when the value is a zero from padding.
    """

    in_feature: int
    kernel_index: tuple[int, ...]
    padded_index: tuple[int, ...]
    source_index: tuple[int, ...] | None
    input_value: float
    weight_value: float
    product: float


class Terms(Sequence[Term]):
    """The terms of an explanation, in order, built on demand from the gathered arrays.

    Ordered by input feature, then kernel index in reading order. Indexing and slicing build
    only the ``Term`` objects asked for. The arrays are available too (``input_values``,
    ``weight_values``, ``products``, each of shape ``(features, *kernel_size)``).
    """

    __slots__ = (
        "_features",
        "_kernel_size",
        "_per_feature",
        "_sources",
        "_taps",
        "input_values",
        "products",
        "weight_values",
    )

    def __init__(
        self,
        features: Sequence[int],
        taps: Sequence[np.ndarray],
        sources: Sequence[np.ndarray],
        input_values: np.ndarray,
        weight_values: np.ndarray,
        products: np.ndarray,
    ) -> None:
        self._features = tuple(features)
        self._kernel_size = tuple(len(t) for t in taps)
        self._per_feature = prod(self._kernel_size)
        self._taps = tuple(t.tolist() for t in taps)
        self._sources = tuple(s.tolist() for s in sources)
        # Contiguous, so that the flat views taken per slice are views, not copies.
        self.input_values = np.ascontiguousarray(input_values)
        self.weight_values = np.ascontiguousarray(weight_values)
        self.products = np.ascontiguousarray(products)
        for a in (self.input_values, self.weight_values, self.products):
            a.flags.writeable = False

    @property
    def per_feature(self) -> int:
        """The number of terms for each input feature (the kernel's number of cells)."""
        return self._per_feature

    def __len__(self) -> int:
        return len(self._features) * self._per_feature

    def _build(self, start: int, stop: int, step: int = 1) -> tuple[Term, ...]:
        """Terms ``start:stop:step`` (already clipped), converting the numbers in one go each."""
        flat = slice(start, stop, step)
        inputs = self.input_values.reshape(-1)[flat].tolist()
        weights = self.weight_values.reshape(-1)[flat].tolist()
        products = self.products.reshape(-1)[flat].tolist()
        per, features, taps, sources = self._per_feature, self._features, self._taps, self._sources
        last = self._kernel_size[-1]
        out = []
        for n, i in enumerate(range(start, stop, step)):
            f, k = divmod(i, per)
            kernel_index = (k,) if len(taps) == 1 else divmod(k, last)
            source = tuple(s[j] for s, j in zip(sources, kernel_index))
            out.append(
                Term(
                    features[f],
                    kernel_index,
                    tuple(t[j] for t, j in zip(taps, kernel_index)),
                    None if ZERO in source else source,
                    inputs[n],
                    weights[n],
                    products[n],
                )
            )
        return tuple(out)

    @overload
    def __getitem__(self, index: int) -> Term: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Term, ...]: ...
    def __getitem__(self, index: int | slice) -> Term | tuple[Term, ...]:
        n = len(self)
        if isinstance(index, slice):
            start, stop, step = index.indices(n)
            if step < 0:
                return tuple(self._build(i, i + 1)[0] for i in range(start, stop, step))
            return self._build(start, stop, step)
        i = int(index)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"term index {index} out of range for {n} terms")
        return self._build(i, i + 1)[0]

    def __iter__(self) -> Iterator[Term]:
        chunk = max(self._per_feature, 1)
        for start in range(0, len(self), chunk):
            yield from self._build(start, min(start + chunk, len(self)))

    def of_feature(self, i: int, limit: int | None = None) -> tuple[Term, ...]:
        """The terms of the ``i``-th feature the output reads (not the index into ``x``).

        ``limit`` keeps only the first ones, for a display that elides the rest.
        """
        start = i * self._per_feature
        stop = start + self._per_feature if limit is None else start + min(limit, self._per_feature)
        return self[start:stop]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or len(other) != len(self):
            return NotImplemented if not isinstance(other, Sequence) else False
        return all(a == b for a, b in zip(self, other))

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"Terms({len(self)} terms over in_features {self._features})"


@dataclass(frozen=True)
class Explanation:
    """How one output value is made: ``total = sum(partial_sums) + bias``.

    ``partial_sums[i]`` is the sum of the products of input feature ``in_features[i]`` (the
    features the output feature reads, in order). ``bias`` is 0.0 for a layer without bias.
    Values are Python floats computed in float64 (from float32 operands too, so the total can
    differ from a float32 ``convolve`` result by float32 rounding).
    """

    out_feature: int
    position: tuple[int, ...]
    terms: Terms
    partial_sums: tuple[float, ...]
    in_features: tuple[int, ...]
    bias: float
    total: float


def explain(
    x: Any,
    weight: Any,
    bias: Any = None,
    *,
    out_feature: int,
    position: Any,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> Explanation:
    """Break output cell ``[out_feature, *position]`` of ``convolve(...)`` into its terms.

    Takes the same operands and settings as ``convolve``; ``position`` is a tuple (an int is
    accepted for 1D). Raises ``ConvError`` for invalid settings or a cell outside the output.

    >>> import numpy as np
    >>> e = explain(np.arange(5.0)[None], np.ones((1, 1, 3)), out_feature=0, position=1)
    >>> [t.product for t in e.terms], e.total
    ([1.0, 2.0, 3.0], 6.0)
    """
    settings = {
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "groups": groups,
        "padding_mode": padding_mode,
    }
    x, weight, bias, params = prepare_operands(x, weight, bias, settings)
    return explain_checked(x, weight, bias, params, out_feature, position)


def explain_checked(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    params: ConvParams,
    out_feature: int,
    position: Any,
) -> Explanation:
    """``explain`` for operands already converted and validated against ``params``.

    The window calls this on every cursor step; only the output cell is checked here (a cursor
    can be stale for a moment after a settings change), and everything is gathered in one go.
    """
    out_feature, pos = check_output_cell(params, x.shape, out_feature, position)
    features = params.in_features_of(out_feature)
    sources = tap_sources(params, x.shape[1:], pos)
    valid = [s != ZERO for s in sources]
    grids = np.ix_(*(np.where(v, s, 0) for v, s in zip(valid, sources)))
    cells: tuple[slice | np.ndarray, ...] = (slice(None), *grids)
    values = x[features.start : features.stop][cells].astype(np.float64)
    if not all(v.all() for v in valid):  # only in zeros mode: some taps read padding zeros
        inside = np.ones(values.shape[1:], dtype=bool)
        for d, v in enumerate(valid):
            inside &= v.reshape([-1 if e == d else 1 for e in range(len(valid))])
        values = np.where(inside, values, 0.0)
    weights = weight[out_feature].astype(np.float64)
    products = values * weights + 0.0  # + 0.0 turns -0.0 into 0.0: no "(−0)" in the display
    partials = products.reshape(len(features), -1).sum(axis=1)
    bias_value = float(bias[out_feature]) if bias is not None else 0.0
    total = float(partials.sum()) + bias_value
    terms = Terms(
        features,
        taps=padded_taps(params, pos),
        sources=sources,
        input_values=values,
        weight_values=weights,
        products=products,
    )
    return Explanation(
        out_feature=out_feature,
        position=pos,
        terms=terms,
        partial_sums=tuple(partials.tolist()),
        in_features=tuple(features),
        bias=bias_value,
        total=total,
    )
