"""ConvParams: the settings of one convolution layer, validated and normalised once.

Every layer of ConvStudio (the engine, the session file, the window) shares this one object, so a
setting the engine would reject is refused the same way, with the same message, everywhere. One
object describes a layer of either kind: a forward convolution (``torch.nn.Conv1d/2d``) or, with
``transposed=True``, a transposed one (``torch.nn.ConvTranspose1d/2d``).

Whole numbers are Python or numpy ints, as in PyTorch, which refuses ``stride=2.0``: a float
setting is refused too, with a message that shows the int to write, because a float usually
comes from arithmetic (``n / 2``) whose result is not always whole. A one-dimensional numpy
integer array counts as one entry per dimension. Messages name a dimension the way the settings
count it: "the height (dimension 0)", "the width (dimension 1)" (1D layers have one dimension,
"the length", and the messages leave it unnamed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import numpy as np

from convstudio.engine.errors import ConvError

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
#: The keyword settings of ``convolve``/``explain`` and of ``conv_transpose``/``explain_transpose``.
FORWARD_SETTINGS = ("stride", "padding", "dilation", "groups", "padding_mode")
TRANSPOSED_SETTINGS = ("stride", "padding", "output_padding", "dilation", "groups")
PADDING_NAMES = ("valid", "same", "full")

Pair = tuple[int, int]

#: A stride, dilation, kernel size or output_padding: one int for every dimension, or one per
#: dimension (a sequence or a 1D integer array), ``(H, W)`` in 2D.
PerDim = int | Sequence[int] | np.ndarray
#: Padding: an int for every side, one int per dimension (both sides), one ``(before, after)``
#: pair per dimension, or a name: ``"valid"`` (none), ``"same"`` (the output keeps the input's
#: size; stride 1 only) or ``"full"`` (``dilation*(k-1)`` on each side).
PaddingSpec = int | Sequence[int | Sequence[int]] | np.ndarray | Literal["valid", "same", "full"]
#: What the padding cells hold, as ``torch.nn.functional.pad``: zeros, a mirror image without
#: the edge (``reflect``), copies of the edge (``replicate``) or the other side (``circular``).
PaddingMode = Literal["zeros", "reflect", "replicate", "circular"]

SETTINGS_DOC = """Settings (shared by convolve, conv_transpose, explain and the geometry functions):

    - ``stride``, ``dilation``: an int, or one per dimension (``(sH, sW)`` in 2D); at least 1.
    - ``padding``: an int (every side), one int per dimension (both sides of it), one
      ``(before, after)`` pair per dimension, ``"valid"`` (none), ``"same"`` (the output keeps
      the input's size; stride 1 only; an odd total puts the extra cell after, as PyTorch) or
      ``"full"`` (``dilation*(k-1)`` on each side). A transposed layer takes ints, pairs (the
      cells it crops from the start and end of its output) and ``"valid"``.
    - ``padding_mode``: what padding cells hold: ``"zeros"``, ``"reflect"`` (a mirror image
      without the edge; padding smaller than the input), ``"replicate"`` (copies of the edge) or
      ``"circular"`` (the other side; padding at most the input size). Transposed: zeros only.
    - ``groups``: divides in_features and out_features; output features of group ``g`` read
      only the input features of group ``g``.
    - ``transposed=True`` with ``output_padding`` (an int or one per dimension, each smaller
      than the stride or the dilation, cells added at the end): the layer of ``conv_transpose``,
      whose weight is ``(in_features, out_features // groups, *kernel)``.

    Whole numbers are ints (numpy ints too); floats, even ``2.0``, are refused as in PyTorch.
    Dtypes (where values are computed): float32 operands give float32; any other mix of bool,
    int and float operands is computed in float64. Invalid settings, or shapes that do not fit
    them, raise ``ConvError`` (a ``ValueError``) naming the setting and the rule."""

_F = TypeVar("_F", bound=Callable[..., Any])


def documents_settings(function: _F) -> _F:
    """Put ``SETTINGS_DOC`` where a docstring says ``{settings}``: one text, every function."""
    if function.__doc__:
        function.__doc__ = function.__doc__.replace("{settings}", SETTINGS_DOC)
    return function


def _is_int(value: Any) -> bool:
    # bool is an int in Python, but `stride=True` is always a mistake.
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_whole_float(value: Any) -> bool:
    return isinstance(value, (float, np.floating)) and float(value).is_integer()


def _show(value: Any) -> str:
    """Format a setting for a message as the user wrote it (lists stay lists, arrays arrays)."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, np.ndarray):
        return "np." + repr(value) if repr(value).startswith("array(") else repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, Sequence):
        return "(" + ", ".join(_show(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def _as_ints(value: Any) -> Any:
    """``value`` with every whole float made an int, in the same form: the fix a message shows."""
    if isinstance(value, np.ndarray):
        return _as_ints(value.tolist())
    if isinstance(value, (list, tuple)):
        return type(value)(_as_ints(v) for v in value)
    return int(value) if _is_whole_float(value) else value


def dimension_name(dim: int, ndim: int) -> str:
    """A spatial dimension as the messages name it: 'the height (dimension 0)', ..."""
    names = ("length",) if ndim == 1 else ("height", "width")
    return f"the {names[dim]} (dimension {dim})"


def along(dim: int, ndim: int) -> str:
    """' along the width (dimension 1)' for a 2D layer, '' for 1D (there is one dimension)."""
    return "" if ndim == 1 else f" along {dimension_name(dim, ndim)}"


def not_whole(name: str, value: Any, what: str = "a whole number") -> ConvError:
    """The refusal of a setting that is not an int: a whole float gets the int to write."""
    if _is_whole_float(value):
        return ConvError(
            f"{name}={_show(value)} is a float; {name} takes whole numbers as ints, as in "
            f"PyTorch: write {name}={_show(_as_ints(value))}"
        )
    return ConvError(f"{name}={_show(value)} must be {what}")


def whole(name: str, value: Any, least: int = 1) -> int:
    """A whole-number setting (features, groups) of at least ``least``, as an int."""
    if not _is_int(value):
        raise not_whole(name, value)
    if value < least:
        raise ConvError(f"{name}={_show(value)} must be at least {least}")
    return int(value)


def _entries(value: Any) -> Sequence[Any] | None:
    """The entries of a one-per-dimension setting (a sequence or a 1D array), else None."""
    if isinstance(value, np.ndarray):
        return value.tolist() if value.ndim == 1 else None
    if isinstance(value, Sequence) and not isinstance(value, str):
        return value
    return None


def _length_rule(ndim: int) -> str:
    return "1 (the length)" if ndim == 1 else "2, one for the height and one for the width"


def per_dim(name: str, value: Any, ndim: int, least: int = 1) -> tuple[int, ...]:
    """Normalise an int or one int per dimension to a tuple of length ``ndim``, each >= least."""
    rule = "positive" if least == 1 else f"at least {least}"
    if _is_int(value):
        if value < least:
            raise ConvError(f"{name}={_show(value)} must be {rule}")
        return (int(value),) * ndim
    entries = _entries(value)
    if entries is None:
        what = "a whole number" if ndim == 1 else "a whole number or one per dimension (H, W)"
        raise not_whole(name, value, what)
    if len(entries) != ndim:
        raise ConvError(
            f"{name}={_show(value)} has {len(entries)} entries; a {ndim}D layer needs "
            f"{_length_rule(ndim)}"
        )
    for dim, entry in enumerate(entries):
        if not _is_int(entry):
            fix = (
                f"; write {name}={_show(_as_ints(value))}"
                if all(_is_int(v) or _is_whole_float(v) for v in entries)
                else ""
            )
            kind = "a float" if _is_whole_float(entry) else "not a whole number"
            raise ConvError(
                f"{name}={_show(value)}: the entry for {dimension_name(dim, ndim)} is "
                f"{_show(entry)}, {kind}{fix}"
            )
        if entry < least:
            raise ConvError(
                f"{name}={_show(value)} must be {rule}: the entry for "
                f"{dimension_name(dim, ndim)} is {_show(entry)}"
            )
    return tuple(int(v) for v in entries)


def resolve_padding(
    padding: Any,
    kernel_size: tuple[int, ...],
    dilation: tuple[int, ...],
    stride: tuple[int, ...],
    *,
    transposed: bool = False,
) -> tuple[Pair, ...]:
    """Turn any accepted padding form into one ``(before, after)`` pair per spatial dimension.

    'same' follows PyTorch: the total ``dilation*(k-1)`` is split with the odd cell after, and it
    is refused with a stride above 1 because the output would not keep the input's size. A
    transposed layer's padding is what it crops from its output, so of the names only 'valid'
    (no cropping) means anything there; 'same' and 'full' are refused, as PyTorch refuses them.
    """
    ndim = len(kernel_size)
    extents = [d * (k - 1) for k, d in zip(kernel_size, dilation)]
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * ndim
        if transposed and padding in PADDING_NAMES:
            raise ConvError(
                f"padding={padding!r} is for forward layers: a transposed layer's padding is the "
                "cells it crops from its output, a whole number, one per dimension, or "
                "(before, after) pairs"
            )
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
    entries = padding.tolist() if isinstance(padding, np.ndarray) else padding
    if _is_int(padding):
        pairs: tuple[Pair, ...] = ((int(padding), int(padding)),) * ndim
    elif isinstance(entries, Sequence):
        if len(entries) != ndim:
            hint = ""
            if len(entries) == 2 * ndim and all(_is_int(v) for v in entries):
                pairs_ = tuple(tuple(entries[i : i + 2]) for i in range(0, 2 * ndim, 2))
                hint = f" (for amounts before and after, write padding={_show(pairs_)})"
            raise ConvError(
                f"padding={_show(padding)} has {len(entries)} entries; a {ndim}D layer needs "
                f"{_length_rule(ndim)}{hint}"
            )
        out = []
        for dim, entry in enumerate(entries):
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
                where = f" for {dimension_name(dim, ndim)}" if ndim > 1 else ""
                fixed = _as_ints(padding)
                fix = f"; write padding={_show(fixed)}" if _show(fixed) != _show(padding) else ""
                raise ConvError(
                    f"padding={_show(padding)}: the entry{where} must be a whole number or a "
                    f"(before, after) pair of whole numbers, got {_show(entry)}{fix}"
                )
        pairs = tuple(out)
    else:
        raise not_whole(
            "padding", padding, "a whole number, one per dimension, (before, after) pairs or a name"
        )
    for before, after in pairs:
        if before < 0 or after < 0:
            raise ConvError(f"padding={_show(padding)} must not be negative")
    return pairs


#: The defaults as written (``stride=1``): the fields hold tuples once ``__post_init__`` has
#: normalised them, and the typed ``__init__`` below says what a caller may pass.
_LOOSE_ONE: Any = 1
_LOOSE_ZERO: Any = 0


@dataclass(frozen=True, kw_only=True)
class ConvParams:
    """Normalised, validated settings of one layer, forward or transposed (PyTorch semantics).

    ``transposed=False`` (the default) is ``torch.nn.Conv1d/2d``; ``transposed=True`` is
    ``torch.nn.ConvTranspose1d/2d``, whose weight is ``(in_features, out_features // groups,
    *kernel_size)``, whose padding crops its output and whose ``output_padding`` (each smaller
    than the stride or the dilation) adds cells at the end. A forward layer's ``output_padding``
    is 0.

    Construct it with the same loose forms the engine accepts (``kernel_size=3``,
    ``padding="same"``); every field is stored normalised: tuples with one entry per spatial
    dimension, padding as ``(before, after)`` pairs. Invalid settings raise ``ConvError``.

    >>> ConvParams(ndim=1, in_features=2, out_features=4, kernel_size=3, padding="same").padding
    ((1, 1),)
    >>> up = ConvParams(ndim=2, in_features=2, out_features=4, kernel_size=3, stride=2,
    ...                 padding=1, output_padding=1, transposed=True)
    >>> up.weight_shape, up.output_shape((2, 5, 5))
    ((2, 4, 3, 3), (4, 10, 10))
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
            transposed: bool = False,
            output_padding: int | Sequence[int] | np.ndarray = 0,
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
    transposed: bool = False
    output_padding: tuple[int, ...] = _LOOSE_ZERO

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if not _is_int(self.ndim) or self.ndim not in (1, 2):
            if _is_whole_float(self.ndim):
                raise not_whole("ndim", self.ndim)
            raise ConvError(
                f"ndim={_show(self.ndim)}: ConvStudio computes 1D and 2D convolutions only"
            )
        ndim = int(self.ndim)
        set_(self, "ndim", ndim)
        if not isinstance(self.transposed, (bool, np.bool_)):
            raise ConvError(f"transposed={_show(self.transposed)} must be True or False")
        transposed = bool(self.transposed)
        set_(self, "transposed", transposed)
        for name in ("in_features", "out_features", "groups"):
            set_(self, name, whole(name, getattr(self, name)))
        for name in ("kernel_size", "stride", "dilation"):
            set_(self, name, per_dim(name, getattr(self, name), ndim))
        output_padding = per_dim("output_padding", self.output_padding, ndim, least=0)
        if self.padding_mode not in PADDING_MODES:
            raise ConvError(
                f"padding_mode={_show(self.padding_mode)} is not one of " + ", ".join(PADDING_MODES)
            )
        if transposed:
            if self.padding_mode != "zeros":
                raise ConvError(
                    f"padding_mode={self.padding_mode!r}: a transposed layer pads with zeros "
                    "only, as torch.nn.ConvTranspose1d/2d"
                )
            for dim, (op, s, d) in enumerate(zip(output_padding, self.stride, self.dilation)):
                if op >= s and op >= d:
                    where = f" for {dimension_name(dim, ndim)}" if ndim > 1 else ""
                    raise ConvError(
                        f"output_padding={_show(self.output_padding)} must be smaller than the "
                        f"stride or the dilation{where}: it is {op}, the stride {s} and the "
                        f"dilation {d}"
                    )
        elif any(output_padding):
            raise ConvError(
                f"output_padding={_show(self.output_padding)} is for transposed layers only "
                "(transposed=True)"
            )
        set_(self, "output_padding", output_padding)
        set_(
            self,
            "padding",
            resolve_padding(
                self.padding, self.kernel_size, self.dilation, self.stride, transposed=transposed
            ),
        )
        if self.in_features % self.groups:
            raise ConvError(f"groups={self.groups} does not divide in_features={self.in_features}")
        if self.out_features % self.groups:
            raise ConvError(
                f"groups={self.groups} does not divide out_features={self.out_features}"
            )
        if not isinstance(self.bias, bool):
            raise ConvError(f"bias={_show(self.bias)} must be True or False")

    # -- derived shapes ----------------------------------------------------------------------
    @property
    def weight_shape(self) -> tuple[int, ...]:
        """PyTorch's weight layout: ``(out_features, in_features // groups, *kernel_size)``;
        for a transposed layer ``(in_features, out_features // groups, *kernel_size)``."""
        if self.transposed:
            return (self.in_features, self.out_features // self.groups, *self.kernel_size)
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
        """A forward layer's padded input size (a transposed layer pads nothing of its input)."""
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
        if self.transposed:
            self._check_transposed_output(spatial)
            return
        padded = self.padded_spatial(spatial)
        for dim, (n, (before, after), ext, p) in enumerate(
            zip(spatial, self.padding, self.kernel_extent, padded)
        ):
            where = along(dim, self.ndim)
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

    def _check_transposed_output(self, spatial: Sequence[int]) -> None:
        """A transposed layer's padding may crop everything: refuse an output without cells."""
        out = self.output_shape_unchecked((self.in_features, *spatial))[1:]
        for dim, (m, n, (before, after), s, k, d, op) in enumerate(
            zip(
                out,
                spatial,
                self.padding,
                self.stride,
                self.kernel_size,
                self.dilation,
                self.output_padding,
            )
        ):
            if m < 1:
                raise ConvError(
                    f"padding {before}+{after}{along(dim, self.ndim)} crops more than the "
                    f"transposed layer makes: (input {n} - 1)*stride {s} - padding "
                    f"{before + after} + dilation {d}*(kernel {k} - 1) + output_padding {op} + 1 "
                    f"= {m} cells; the output needs at least 1"
                )

    def output_shape_unchecked(self, input_shape: Sequence[int]) -> tuple[int, ...]:
        """``output_shape`` without the checks, for shapes already checked."""
        spatial = [int(s) for s in input_shape[1:]]
        if self.transposed:
            return (
                self.out_features,
                *(
                    (n - 1) * s - b - a + d * (k - 1) + op + 1
                    for n, (b, a), s, k, d, op in zip(
                        spatial,
                        self.padding,
                        self.stride,
                        self.kernel_size,
                        self.dilation,
                        self.output_padding,
                    )
                ),
            )
        out = tuple(
            (p - e) // s + 1
            for p, e, s in zip(self.padded_spatial(spatial), self.kernel_extent, self.stride)
        )
        return (self.out_features, *out)

    def output_shape(self, input_shape: Sequence[int]) -> tuple[int, ...]:
        """``(out_features, *out_spatial)`` for an input of shape ``(in_features, *spatial)``.

        Each output size is ``floor((n + before + after - dilation*(k-1) - 1) / stride) + 1``;
        for a transposed layer ``(n - 1)*stride - before - after + dilation*(k-1) +
        output_padding + 1``. Raises ``ConvError`` for an input these settings cannot take.
        """
        self.check_input_shape(input_shape)
        return self.output_shape_unchecked(input_shape)

    # -- conveniences ------------------------------------------------------------------------
    def replace(self, **changes: Any) -> ConvParams:
        """A copy with some settings changed, validated like a new one."""
        return replace(self, **changes)

    def settings(self) -> dict[str, Any]:
        """The keyword settings the layer's function takes, in normalised form.

        ``convolve`` and ``explain`` for a forward layer; ``conv_transpose`` and
        ``explain_transpose`` (stride, padding, output_padding, dilation, groups) for a
        transposed one. ``geometry_settings`` adds ``transposed`` for the shape and field
        functions.
        """
        names = TRANSPOSED_SETTINGS if self.transposed else FORWARD_SETTINGS
        return {name: getattr(self, name) for name in names}

    def geometry_settings(self) -> dict[str, Any]:
        """The keywords of ``output_shape``, ``receptive_field`` and ``projective_field``."""
        return {**self.settings(), "transposed": True} if self.transposed else self.settings()

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
        transposed: bool = False,
        output_padding: Any = 0,
    ) -> ConvParams:
        """Settings for arrays of these shapes; checks that input, weight and groups agree.

        The weight is ``(out_features, in_features // groups, *kernel)``, or for a transposed
        layer ``(in_features, out_features // groups, *kernel)``.
        """
        in_shape = tuple(int(s) for s in input_shape)
        w_shape = tuple(int(s) for s in weight_shape)
        if len(in_shape) not in (2, 3):
            raise ConvError(
                f"input of shape {in_shape} must be (in_features, L) for 1D or "
                "(in_features, H, W) for 2D; batches and 3D inputs are not supported"
            )
        ndim = len(in_shape) - 1
        layout = (
            "in_features, out_features/groups" if transposed else "out_features, in_features/groups"
        )
        if len(w_shape) != ndim + 2:
            raise ConvError(
                f"weight of shape {w_shape} must be ({layout}, "
                f"{'k' if ndim == 1 else 'kH, kW'}) for a {ndim}D input of shape {in_shape}"
            )
        groups = whole("groups", groups)
        if transposed:
            if w_shape[0] != in_shape[0]:
                raise ConvError(
                    f"weight of shape {w_shape} ({layout}, ...) expects {w_shape[0]} input "
                    f"features, but the input has {in_shape[0]}"
                )
            in_features, out_features = in_shape[0], w_shape[1] * groups
        else:
            if w_shape[1] * groups != in_shape[0]:
                raise ConvError(
                    f"weight of shape {w_shape} with groups={groups} expects "
                    f"{w_shape[1] * groups} input features, but the input has {in_shape[0]}"
                )
            in_features, out_features = in_shape[0], w_shape[0]
        params = cls(
            ndim=ndim,
            in_features=in_features,
            out_features=out_features,
            kernel_size=w_shape[2:],
            stride=stride,
            padding=padding,
            padding_mode=padding_mode,
            dilation=dilation,
            groups=groups,
            bias=bias,
            transposed=transposed,
            output_padding=output_padding,
        )
        params.check_input_shape(in_shape)
        return params


#: The settings a session file holds (format version 1): forward layers only, so ``transposed``
#: and ``output_padding`` are not among them; a transposed layer cannot be saved yet.
FIELD_NAMES = tuple(
    f.name for f in fields(ConvParams) if f.name not in ("transposed", "output_padding")
)
