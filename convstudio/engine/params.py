"""ConvParams: the settings of one convolution layer, validated and normalised once.

Every layer of ConvStudio (the engine, the session file, the window) shares this one object, so a
setting the engine would reject is refused the same way, with the same message, everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from convstudio.engine import limits
from convstudio.engine.errors import ConvError

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
PADDING_NAMES = ("valid", "same", "full")

Pair = tuple[int, int]


def _is_int(value: Any) -> bool:
    # bool is an int in Python, but `stride=True` is always a mistake.
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _show(value: Any) -> str:
    """Format a setting for a message as the user typed it (ints stay ints, tuples tuples)."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Sequence):
        return "(" + ", ".join(_show(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return str(value)


def per_dim(name: str, value: Any, ndim: int) -> tuple[int, ...]:
    """Normalise an int or a one-per-dimension sequence of ints to a tuple of length ``ndim``."""
    if _is_int(value):
        return (int(value),) * ndim
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != ndim:
            raise ConvError(
                f"{name}={_show(value)} has {len(value)} entries; a {ndim}D layer needs {ndim}"
            )
        if not all(_is_int(v) for v in value):
            raise ConvError(f"{name}={_show(value)} must hold whole numbers")
        return tuple(int(v) for v in value)
    raise ConvError(f"{name}={_show(value)} must be a whole number or {ndim} whole numbers")


def resolve_padding(
    padding: Any,
    kernel_size: tuple[int, ...],
    dilation: tuple[int, ...],
    stride: tuple[int, ...],
) -> tuple[Pair, ...]:
    """Turn any accepted padding form into one ``(before, after)`` pair per spatial dimension.

    'same' follows PyTorch: the total ``dilation*(k-1)`` is split with the odd cell after, and it
    is refused with a stride above 1 because the output would not keep the input's size.
    """
    ndim = len(kernel_size)
    extents = [d * (k - 1) for k, d in zip(kernel_size, dilation)]
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * ndim
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ConvError(
                    f"padding='same' needs stride=1, got stride={_show(stride)}: with a larger "
                    "stride the output cannot keep the input's size"
                )
            return tuple((e // 2, e - e // 2) for e in extents)
        if padding == "full":
            return tuple((e, e) for e in extents)
        raise ConvError(
            f"padding={padding!r} is not one of 'valid', 'same', 'full', a whole number, "
            "one per dimension, or (before, after) pairs"
        )
    if _is_int(padding):
        pairs: tuple[Pair, ...] = ((int(padding), int(padding)),) * ndim
    elif isinstance(padding, Sequence):
        if len(padding) != ndim:
            hint = ""
            if len(padding) == 2 * ndim and all(_is_int(v) for v in padding):
                pairs_ = tuple(tuple(padding[i : i + 2]) for i in range(0, 2 * ndim, 2))
                hint = f" (for amounts before and after, write padding={_show(pairs_)})"
            raise ConvError(
                f"padding={_show(padding)} has {len(padding)} entries; a {ndim}D layer needs "
                f"{ndim}{hint}"
            )
        out = []
        for entry in padding:
            if _is_int(entry):
                out.append((int(entry), int(entry)))
            elif (
                isinstance(entry, Sequence)
                and not isinstance(entry, str)
                and len(entry) == 2
                and all(_is_int(v) for v in entry)
            ):
                out.append((int(entry[0]), int(entry[1])))
            else:
                raise ConvError(
                    f"padding={_show(padding)}: each entry must be a whole number or a "
                    f"(before, after) pair, got {_show(entry)}"
                )
        pairs = tuple(out)
    else:
        raise ConvError(f"padding={_show(padding)} must be a whole number, pairs, or a name")
    for before, after in pairs:
        if before < 0 or after < 0:
            raise ConvError(f"padding={_show(padding)} must not be negative")
        limits.check_count("padding", max(before, after), limits.MAX_PADDING)
    return pairs


#: The defaults as written (``stride=1``): the fields hold tuples once ``__post_init__`` has
#: normalised them, and the typed ``__init__`` below says what a caller may pass.
_LOOSE_ONE: Any = 1
_LOOSE_ZERO: Any = 0


@dataclass(frozen=True, kw_only=True)
class ConvParams:
    """Normalised, validated settings of a Conv1d/Conv2d layer (PyTorch semantics).

    Construct it with the same loose forms the engine accepts (``kernel_size=3``,
    ``padding="same"``); every field is stored normalised: tuples with one entry per spatial
    dimension, padding as ``(before, after)`` pairs. Invalid settings raise ``ConvError``.
    """

    if TYPE_CHECKING:  # what callers may pass: the loose forms, normalised by __post_init__

        def __init__(
            self,
            *,
            ndim: int,
            in_features: int,
            out_features: int,
            kernel_size: int | Sequence[int] | np.ndarray,
            stride: int | Sequence[int] | np.ndarray = 1,
            padding: int | str | Sequence[Any] | np.ndarray = 0,
            padding_mode: str = "zeros",
            dilation: int | Sequence[int] | np.ndarray = 1,
            groups: int = 1,
            bias: bool = True,
        ) -> None: ...

    ndim: int
    in_features: int
    out_features: int
    kernel_size: tuple[int, ...]
    stride: tuple[int, ...] = _LOOSE_ONE
    padding: tuple[Pair, ...] = _LOOSE_ZERO
    padding_mode: str = "zeros"
    dilation: tuple[int, ...] = _LOOSE_ONE
    groups: int = 1
    bias: bool = True

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if not _is_int(self.ndim) or self.ndim not in (1, 2):
            raise ConvError(
                f"ndim={_show(self.ndim)}: ConvStudio computes 1D and 2D convolutions only"
            )
        ndim = int(self.ndim)
        set_(self, "ndim", ndim)
        for name in ("in_features", "out_features", "groups"):
            value = getattr(self, name)
            if not _is_int(value):
                raise ConvError(f"{name}={_show(value)} must be a whole number")
            if value < 1:
                raise ConvError(f"{name}={value} must be at least 1")
            set_(self, name, int(value))
        limits.check_count("in_features", self.in_features, limits.MAX_FEATURES)
        limits.check_count("out_features", self.out_features, limits.MAX_FEATURES)
        for name, limit in (
            ("kernel_size", limits.MAX_KERNEL),
            ("stride", limits.MAX_STRIDE),
            ("dilation", limits.MAX_DILATION),
        ):
            values = per_dim(name, getattr(self, name), ndim)
            if any(v < 1 for v in values):
                raise ConvError(f"{name}={_show(getattr(self, name))} must be positive")
            limits.check_count(name, max(values), limit)
            set_(self, name, values)
        if self.padding_mode not in PADDING_MODES:
            raise ConvError(
                f"padding_mode={self.padding_mode!r} is not one of " + ", ".join(PADDING_MODES)
            )
        set_(
            self,
            "padding",
            resolve_padding(self.padding, self.kernel_size, self.dilation, self.stride),
        )
        if self.in_features % self.groups:
            raise ConvError(f"groups={self.groups} does not divide in_features={self.in_features}")
        if self.out_features % self.groups:
            raise ConvError(
                f"groups={self.groups} does not divide out_features={self.out_features}"
            )
        if not isinstance(self.bias, bool):
            raise ConvError(f"bias={self.bias!r} must be True or False")
        limits.check_values("weight", self.weight_shape)

    # -- derived shapes ----------------------------------------------------------------------
    @property
    def weight_shape(self) -> tuple[int, ...]:
        """PyTorch's weight layout: ``(out_features, in_features // groups, *kernel_size)``."""
        return (self.out_features, self.in_features // self.groups, *self.kernel_size)

    @property
    def bias_shape(self) -> tuple[int]:
        return (self.out_features,)

    @property
    def in_per_group(self) -> int:
        return self.in_features // self.groups

    @property
    def out_per_group(self) -> int:
        return self.out_features // self.groups

    @property
    def kernel_extent(self) -> tuple[int, ...]:
        """Input cells one kernel spans along each dimension, dilation gaps included."""
        return tuple(d * (k - 1) + 1 for k, d in zip(self.kernel_size, self.dilation))

    def group_of(self, out_feature: int) -> int:
        """The group an output feature belongs to."""
        return out_feature // self.out_per_group

    def in_features_of(self, out_feature: int) -> range:
        """The input features (indices into the input) that one output feature reads."""
        group = self.group_of(out_feature)
        return range(group * self.in_per_group, (group + 1) * self.in_per_group)

    def padded_spatial(self, spatial: Sequence[int]) -> tuple[int, ...]:
        return tuple(int(n) + b + a for n, (b, a) in zip(spatial, self.padding))

    # -- checks against an input ---------------------------------------------------------------
    def check_input_shape(self, input_shape: Sequence[int]) -> None:
        """Refuse an input shape ``(in_features, *spatial)`` these settings cannot convolve."""
        shape = tuple(int(s) for s in input_shape)
        if len(shape) != self.ndim + 1:
            raise ConvError(
                f"input of shape {shape} has {len(shape) - 1} spatial dimensions; a {self.ndim}D "
                f"layer takes {'(in_features, L)' if self.ndim == 1 else '(in_features, H, W)'}"
            )
        if shape[0] != self.in_features:
            raise ConvError(f"input has {shape[0]} features but in_features={self.in_features}")
        spatial = shape[1:]
        if any(n < 1 for n in spatial):
            raise ConvError(f"input of shape {shape} is empty")
        limits.check_spatial("input", spatial)
        limits.check_values("input", shape)
        padded = self.padded_spatial(spatial)
        limits.check_values("padded input", (self.in_features, *padded))
        for dim, (n, (before, after), ext, p) in enumerate(
            zip(spatial, self.padding, self.kernel_extent, padded)
        ):
            where = f" along dimension {dim}" if self.ndim > 1 else ""
            if self.padding_mode == "reflect" and max(before, after) >= n:
                raise ConvError(
                    f"padding_mode='reflect' needs padding smaller than the input: padding "
                    f"({before}, {after}){where} is not smaller than the input size {n}"
                )
            if self.padding_mode == "circular" and max(before, after) > n:
                raise ConvError(
                    f"padding_mode='circular' cannot wrap more than once: padding "
                    f"({before}, {after}){where} is larger than the input size {n}"
                )
            if ext > p:
                raise ConvError(
                    f"kernel_size={self.kernel_size[dim]} with dilation={self.dilation[dim]} spans "
                    f"{ext} cells{where}, larger than the padded input ({n} + padding "
                    f"{before}+{after} = {p})"
                )
        limits.check_values("output", self.output_shape_unchecked(shape))

    def output_shape_unchecked(self, input_shape: Sequence[int]) -> tuple[int, ...]:
        spatial = [int(s) for s in input_shape[1:]]
        out = tuple(
            (p - e) // s + 1
            for p, e, s in zip(self.padded_spatial(spatial), self.kernel_extent, self.stride)
        )
        return (self.out_features, *out)

    def output_shape(self, input_shape: Sequence[int]) -> tuple[int, ...]:
        """``(out_features, *out_spatial)`` for an input of shape ``(in_features, *spatial)``.

        Each output size is ``floor((n + before + after - dilation*(k-1) - 1) / stride) + 1``.
        """
        self.check_input_shape(input_shape)
        return self.output_shape_unchecked(input_shape)

    # -- conveniences ------------------------------------------------------------------------
    def replace(self, **changes: Any) -> ConvParams:
        """A copy with some settings changed, validated like a new one."""
        return replace(self, **changes)

    def settings(self) -> dict[str, Any]:
        """The keyword settings that ``convolve`` and ``explain`` take, in normalised form."""
        return {
            "stride": self.stride,
            "padding": self.padding,
            "dilation": self.dilation,
            "groups": self.groups,
            "padding_mode": self.padding_mode,
        }

    @classmethod
    def from_shapes(
        cls,
        input_shape: Sequence[int],
        weight_shape: Sequence[int],
        *,
        bias: bool,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: Any = 1,
        padding_mode: str = "zeros",
    ) -> ConvParams:
        """Settings for arrays of these shapes; checks that input, weight and groups agree."""
        in_shape = tuple(int(s) for s in input_shape)
        w_shape = tuple(int(s) for s in weight_shape)
        if len(in_shape) not in (2, 3):
            raise ConvError(
                f"input of shape {in_shape} must be (in_features, L) for 1D or "
                "(in_features, H, W) for 2D; batches and 3D inputs are not supported"
            )
        ndim = len(in_shape) - 1
        if len(w_shape) != ndim + 2:
            raise ConvError(
                f"weight of shape {w_shape} must be (out_features, in_features/groups, "
                f"{'k' if ndim == 1 else 'kH, kW'}) for a {ndim}D input of shape {in_shape}"
            )
        if not _is_int(groups) or groups < 1:
            raise ConvError(f"groups={_show(groups)} must be a whole number of at least 1")
        if w_shape[1] * groups != in_shape[0]:
            raise ConvError(
                f"weight of shape {w_shape} with groups={groups} expects "
                f"{w_shape[1] * groups} input features, but the input has {in_shape[0]}"
            )
        params = cls(
            ndim=ndim,
            in_features=in_shape[0],
            out_features=w_shape[0],
            kernel_size=w_shape[2:],
            stride=stride,
            padding=padding,
            padding_mode=padding_mode,
            dilation=dilation,
            groups=groups,
            bias=bias,
        )
        params.check_input_shape(in_shape)
        return params


FIELD_NAMES = tuple(f.name for f in fields(ConvParams))
