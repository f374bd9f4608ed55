"""The term-by-term breakdown of one output value of a transposed layer.

A transposed layer's output cell gathers, from every input feature of its group, the input cells
whose spread reaches it, each times the kernel cell it arrives through (``i*stride + k*dilation
= o + padding_before`` along each dimension; ``geometry.transposed_taps``). ``explain_transpose``
lists those products, the partial sum per input feature, the bias and the total, which equals
``conv_transpose``'s value for the cell. It has the shape of ``explain``'s ``Explanation``, so a
panel can show either; its terms name the input cell and the kernel cell instead of a padded
coordinate, since a transposed layer pads nothing of its input. The terms are built on demand,
as ``explain``'s are.
"""

# No ``from __future__ import annotations``: help() shows the signature's types evaluated.
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from math import prod
from typing import overload

import numpy as np

from convstudio.engine.geometry import check_output_cell, transposed_taps
from convstudio.engine.params import ConvParams, PaddingSpec, PerDim, documents_settings
from convstudio.engine.transpose import prepare_transpose_operands, transpose_settings


@dataclass(frozen=True, slots=True)
class TransposeTerm:
    """One product in a transposed layer's output value: ``input_value * weight_value``.

    ``input_index`` is the input cell of feature ``in_feature`` (its index in ``x``);
    ``kernel_index`` the kernel cell it arrives through, so the weight is
    ``weight[in_feature, out_feature - first output feature of the group, *kernel_index]``.
    """

    in_feature: int
    input_index: tuple[int, ...]
    kernel_index: tuple[int, ...]
    input_value: float
    weight_value: float
    product: float


class TransposeTerms(Sequence[TransposeTerm]):
    """The terms in order (input feature, then input cell in reading order), built on demand.

    The arrays are available too: ``input_values``, ``weight_values`` and ``products``, each of
    shape ``(features, *pairs per dimension)``.
    """

    __slots__ = ("_features", "_pairs", "_shape", "input_values", "products", "weight_values")

    def __init__(
        self,
        features: Sequence[int],
        pairs: Sequence[tuple[np.ndarray, np.ndarray]],
        input_values: np.ndarray,
        weight_values: np.ndarray,
        products: np.ndarray,
    ) -> None:
        self._features = tuple(features)
        self._pairs = tuple((i.tolist(), k.tolist()) for i, k in pairs)
        self._shape = (len(self._features), *(len(i) for i, _ in self._pairs))
        self.input_values = np.ascontiguousarray(input_values)
        self.weight_values = np.ascontiguousarray(weight_values)
        self.products = np.ascontiguousarray(products)
        for a in (self.input_values, self.weight_values, self.products):
            a.flags.writeable = False

    @property
    def per_feature(self) -> int:
        """The number of terms for each input feature."""
        return prod(self._shape[1:])

    def __len__(self) -> int:
        return prod(self._shape)

    def _term(self, flat: int) -> TransposeTerm:
        f, *cell = np.unravel_index(flat, self._shape)
        index = (int(f), *(int(c) for c in cell))
        return TransposeTerm(
            self._features[index[0]],
            tuple(i[c] for (i, _), c in zip(self._pairs, index[1:])),
            tuple(k[c] for (_, k), c in zip(self._pairs, index[1:])),
            float(self.input_values[index]),
            float(self.weight_values[index]),
            float(self.products[index]),
        )

    @overload
    def __getitem__(self, index: int) -> TransposeTerm: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[TransposeTerm, ...]: ...
    def __getitem__(self, index: int | slice) -> TransposeTerm | tuple[TransposeTerm, ...]:
        if isinstance(index, slice):
            return tuple(self._term(i) for i in range(len(self))[index])
        try:
            return self._term(range(len(self))[index])
        except IndexError:
            raise IndexError(f"term index {index} out of range for {len(self)} terms") from None

    def __iter__(self) -> Iterator[TransposeTerm]:
        return (self._term(i) for i in range(len(self)))

    def of_feature(self, i: int, limit: int | None = None) -> tuple[TransposeTerm, ...]:
        """The terms of the ``i``-th feature the output reads; ``limit`` keeps the first ones."""
        per = self.per_feature
        count = per if limit is None else min(limit, per)
        return self[i * per : i * per + count]

    def __repr__(self) -> str:
        return f"TransposeTerms({len(self)} terms over in_features {self._features})"


@dataclass(frozen=True)
class TransposeExplanation:
    """How one output value of a transposed layer is made: ``total = sum(partial_sums) + bias``.

    ``partial_sums[i]`` sums the products of input feature ``in_features[i]``. Values are Python
    floats computed in float64 (so the total can differ from a float32 result by rounding).
    """

    out_feature: int
    position: tuple[int, ...]
    terms: TransposeTerms
    partial_sums: tuple[float, ...]
    in_features: tuple[int, ...]
    bias: float
    total: float


@documents_settings
def explain_transpose(
    x: np.ndarray | Sequence[object],
    weight: np.ndarray | Sequence[object],
    bias: np.ndarray | Sequence[float] | None = None,
    *,
    out_feature: int,
    position: int | Sequence[int],
    stride: PerDim = 1,
    padding: PaddingSpec = 0,
    output_padding: PerDim = 0,
    groups: int = 1,
    dilation: PerDim = 1,
) -> TransposeExplanation:
    """Break output cell ``[out_feature, *position]`` of ``conv_transpose(...)`` into its terms.

    Takes the same operands and settings as ``conv_transpose``; ``position`` is a tuple (an int
    is accepted for 1D). Raises ``ConvError`` for invalid settings or a cell outside the output.

    {settings}

    >>> import numpy as np
    >>> e = explain_transpose(np.array([[1.0, 2.0]]), np.array([[[1.0, 10.0, 100.0]]]),
    ...                       out_feature=0, position=2, stride=2)
    >>> [(t.input_index, t.kernel_index, t.product) for t in e.terms], e.total
    ([((0,), (2,), 100.0), ((1,), (0,), 2.0)], 102.0)
    """
    settings = transpose_settings(stride, padding, output_padding, groups, dilation)
    x_, w_, b_, params = prepare_transpose_operands(x, weight, bias, settings)
    return explain_transpose_checked(x_, w_, b_, params, out_feature, position)


def explain_transpose_checked(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    params: ConvParams,
    out_feature: int,
    position: int | Sequence[int],
) -> TransposeExplanation:
    """``explain_transpose`` for operands already converted and validated against ``params``."""
    out_feature, pos = check_output_cell(params, x.shape, out_feature, position)
    features = params.in_features_of(out_feature)
    pairs = transposed_taps(params, x.shape[1:], pos)
    inputs: tuple[slice | np.ndarray, ...] = (slice(None), *np.ix_(*(i for i, _ in pairs)))
    kernels: tuple[slice | np.ndarray, ...] = (slice(None), *np.ix_(*(k for _, k in pairs)))
    group_out = out_feature - params.group_of(out_feature) * params.out_per_group
    block = slice(features.start, features.stop)
    values = x[block][inputs].astype(np.float64)
    weights = weight[block, group_out][kernels].astype(np.float64)
    products = values * weights + 0.0  # + 0.0 turns -0.0 into 0.0, as explain does
    partials = products.reshape(len(features), -1).sum(axis=1)
    bias_value = float(bias[out_feature]) if bias is not None else 0.0
    return TransposeExplanation(
        out_feature=out_feature,
        position=pos,
        terms=TransposeTerms(features, pairs, values, weights, products),
        partial_sums=tuple(partials.tolist()),
        in_features=tuple(features),
        bias=bias_value,
        total=float(partials.sum()) + bias_value,
    )
