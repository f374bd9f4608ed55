"""The session: the layer a user is working on (settings, numbers, cursor, title, notes, view).

A ``Session`` is immutable. Its three arrays are float64, C-ordered and read-only; every change
(an edited cell, a pasted block, a fill, new settings, a cursor move) returns a new ``Session``
through a ``with_*`` method or ``resized``, which copy only the array that changes. That is what
lets the window hand the current session to the worker thread without a lock, keep the previous
session for undo, and compare against the saved one to show the modified marker.

The bias array is always present (one value per output feature) even when ``params.bias`` is False,
so switching the bias off and on again keeps the values; the engine gets ``effective_bias``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from convstudio.engine import convolve, is_whole_number
from convstudio.engine.errors import ConvError
from convstudio.engine.params import ConvParams
from convstudio.session import limits
from convstudio.session.errors import SessionError

#: The three arrays of a session, in file order.
TARGETS = ("input", "weight", "bias")
#: How deeply the free-form view state may nest (dicts and lists); deeper is refused, so that
#: writing and reading it again can never hit Python's recursion limit.
MAX_VIEW_DEPTH = 32


def index_text(name: str, index: Sequence[int]) -> str:
    """``input[0][2][3]``: a cell named the way it is reached in the file."""
    return name + "".join(f"[{int(i)}]" for i in index)


def spatial_names(ndim: int) -> str:
    return "L" if ndim == 1 else "H, W"


# -- checks shared by Session.validate and the file loader -------------------------------------
def engine_message(field_name: str, error: ConvError) -> str:
    """The engine's message, prefixed with the field unless it already starts with it."""
    text = str(error)
    return text if text.startswith(field_name) else f"{field_name}: {text}"


def check_shapes(
    params: ConvParams,
    input_shape: Sequence[int],
    weight_shape: Sequence[int],
    bias_shape: Sequence[int],
) -> None:
    """Refuse array shapes that disagree with ``params`` or the limits, before anything is built.

    The loader calls this with the shapes a file declares, so an oversized file is refused before
    its arrays are allocated; ``Session.validate`` calls it with the real shapes.
    """
    in_shape = tuple(int(s) for s in input_shape)
    ndim = params.ndim
    if len(in_shape) != ndim + 1 or in_shape[0] != params.in_features:
        raise SessionError(
            f"input: shape {in_shape} does not match params, expected "
            f"({params.in_features}, {spatial_names(ndim)})"
        )
    if any(n < 1 for n in in_shape[1:]):
        raise SessionError(f"input: shape {in_shape} is empty")
    try:  # the input's own size first: a file claiming a huge input is refused for that
        limits.check_spatial("input", in_shape[1:])
        limits.check_values("input", in_shape)
    except ConvError as error:
        raise SessionError(str(error)) from None
    w_shape = tuple(int(s) for s in weight_shape)
    if w_shape != params.weight_shape:
        raise SessionError(
            f"weight: shape {w_shape} does not match params, expected {params.weight_shape}"
        )
    b_shape = tuple(int(s) for s in bias_shape)
    if b_shape != params.bias_shape:
        raise SessionError(
            f"bias: shape {b_shape} does not match params, expected {params.bias_shape}"
        )
    try:
        limits.check_layer(params, in_shape)
        params.check_input_shape(in_shape)
    except ConvError as error:
        text = str(error)
        raise SessionError(text if text.startswith("input") else f"params: {text}") from None


def check_finite(name: str, array: np.ndarray) -> None:
    """Refuse NaN and infinity, naming the first cell that holds one."""
    finite = np.isfinite(array)
    if not finite.all():
        where = tuple(int(i) for i in np.argwhere(~finite)[0])
        raise SessionError(
            f"{index_text(name, where)}: {number_text(array[where])} is not a finite number"
        )


def number_text(value: Any) -> str:
    """A number as JSON would spell it (NaN, Infinity, -Infinity for the non-finite ones)."""
    value = float(value)
    if np.isnan(value):
        return "NaN"
    if np.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


def check_text(name: str, value: Any) -> None:
    """A title or note: a string that can be written as UTF-8 (no lone surrogates)."""
    if not isinstance(value, str):
        raise SessionError(f"{name}: expected text, got {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise SessionError(
            f"{name}: character {error.start} is not valid Unicode text (a lone surrogate)"
        ) from None


def check_view(view: Any) -> None:
    """The view state: JSON data (dicts with text keys, lists, text, finite numbers, booleans,
    null), nested at most ``MAX_VIEW_DEPTH`` deep. Walked without recursion."""
    if not isinstance(view, Mapping):
        raise SessionError(f"view: expected an object, got {type(view).__name__}")
    stack: list[tuple[str, Any, int]] = [("view", view, 1)]
    while stack:
        where, node, depth = stack.pop()
        if isinstance(node, (Mapping, list, tuple)) and depth > MAX_VIEW_DEPTH:
            raise SessionError(f"view: nested deeper than {MAX_VIEW_DEPTH} levels at {where}")
        if isinstance(node, Mapping):
            for key, value in node.items():
                if not isinstance(key, str):
                    raise SessionError(f"{where}: key {key!r} is not text")
                check_text(f"{where}[{key!r}]", key)
                stack.append((f"{where}[{key!r}]", value, depth + 1))
        elif isinstance(node, (list, tuple)):
            stack.extend((f"{where}[{i}]", value, depth + 1) for i, value in enumerate(node))
        elif isinstance(node, str):
            check_text(where, node)
        elif isinstance(node, float):
            if not np.isfinite(node):
                raise SessionError(f"{where}: {number_text(node)} is not a finite number")
        elif node is not None and not isinstance(node, (bool, int)):
            raise SessionError(f"{where}: {type(node).__name__} cannot be saved in a session file")


def _frozen(name: str, value: Any) -> np.ndarray:
    """``value`` as a read-only, C-ordered float64 array; copied unless it already is one."""
    array = value if isinstance(value, np.ndarray) else np.asarray(value)
    if array.dtype.kind not in "iuf":
        raise SessionError(f"{name}: values of type {array.dtype} are not real numbers")
    if array.dtype != np.float64 or array.flags.writeable or not array.flags.c_contiguous:
        array = np.array(array, dtype=np.float64, order="C", copy=True)
        array.flags.writeable = False
    return array


def _fit(old: np.ndarray, shape: tuple[int, ...], centred: tuple[int, ...] = ()) -> np.ndarray:
    """A read-only array of ``shape`` holding the overlapping block of ``old``, 0.0 elsewhere.

    Axes are aligned at index 0, except the ``centred`` ones (a kernel's), which are aligned at
    their centre cells (index ``n // 2``), so a kernel grows or shrinks evenly on both sides.
    """
    if old.shape == shape:
        return old
    new = np.zeros(shape, dtype=np.float64)
    source, target = [], []
    for axis, (a, b) in enumerate(zip(old.shape, shape)):
        shift = b // 2 - a // 2 if axis in centred else 0  # where old index 0 lands
        low, high = max(0, shift), min(b, a + shift)
        if high <= low:
            break
        target.append(slice(low, high))
        source.append(slice(low - shift, high - shift))
    else:
        new[tuple(target)] = old[tuple(source)]
    new.flags.writeable = False
    return new


def _with_rows(shelved: np.ndarray, top_row: np.ndarray) -> np.ndarray:
    """``shelved`` (already fitted to the new shape) with its row 0 replaced by ``top_row``'s:
    the rows a 1D layer could not hold come back, the row it held keeps its 1D edits."""
    out = np.array(shelved, copy=True)
    out[..., 0, :] = top_row[..., 0, :]
    out.flags.writeable = False
    return out


def _to_ndim(array: np.ndarray, lead: int, ndim: int) -> np.ndarray:
    """Re-dimension an array whose last axes are spatial: a 1D row becomes the top row of a 2D
    grid, and a 2D grid keeps its top row as 1D. ``lead`` axes (features) come first."""
    spatial = array.ndim - lead
    if spatial == ndim:
        return array
    keep: tuple[slice, ...] = (slice(None),) * lead
    if spatial == 1 and ndim == 2:
        return array[(*keep, None)]
    if spatial == 2 and ndim == 1:
        top_row: tuple[slice | int, ...] = (*keep, 0)
        return array[top_row]
    raise SessionError(f"cannot turn a {spatial}D array into {ndim}D")


@dataclass(frozen=True)
class Cursor:
    """The output cell being looked at: an output feature and a position in its grid.

    ``position`` has one index per spatial dimension; an empty position means the origin and is
    filled in by the session that holds the cursor.
    """

    out_feature: int = 0
    position: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not is_whole_number(self.out_feature):
            raise SessionError(f"cursor: out_feature={self.out_feature!r} must be a whole number")
        position = self.position
        if (
            not isinstance(position, (tuple, list))
            or len(position) > 2
            or not all(is_whole_number(p) for p in position)
        ):
            raise SessionError(f"cursor: position={position!r} must be one or two whole numbers")
        object.__setattr__(self, "out_feature", int(self.out_feature))
        object.__setattr__(self, "position", tuple(int(p) for p in position))


@dataclass(frozen=True, eq=False, repr=False)
class Session:
    """What the user is working on. Immutable: change it through ``with_*`` and ``resized``.

    ``input`` is ``(in_features, *spatial)``, ``weight`` is ``params.weight_shape`` and ``bias`` is
    ``(out_features,)``, all read-only float64. Constructing a Session converts and freezes the
    arrays (copying any that are writable) but does not check them against ``params``: call
    ``validate()`` for that (the file loader always does). ``view`` is free-form UI state (JSON
    data) that is saved and restored but means nothing to this layer; it is copied one level deep,
    so replace it through ``with_view`` rather than changing nested lists in place.

    Two sessions are equal when their settings, text, cursor, view and every bit of every array
    agree, so ``session == saved`` is the test for unsaved changes.
    """

    params: ConvParams
    input: np.ndarray
    weight: np.ndarray
    bias: np.ndarray
    cursor: Cursor = field(default_factory=Cursor)
    title: str = ""
    notes: str = ""
    view: dict[str, Any] = field(default_factory=dict)
    #: The 2D input and weight as they were when the layer last went from 2D to 1D, so that
    #: going back to 2D brings back the rows a 1D layer cannot hold. Not saved, not compared.
    shelved: Mapping[str, np.ndarray] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.params, ConvParams):
            raise SessionError(f"params: expected ConvParams, got {type(self.params).__name__}")
        for name in TARGETS:
            object.__setattr__(self, name, _frozen(name, getattr(self, name)))
        if not isinstance(self.cursor, Cursor):
            raise SessionError(f"cursor: expected a Cursor, got {type(self.cursor).__name__}")
        if not self.cursor.position:
            zeros = (0,) * self.params.ndim
            object.__setattr__(self, "cursor", Cursor(self.cursor.out_feature, zeros))
        if not isinstance(self.view, Mapping):
            raise SessionError(f"view: expected an object, got {type(self.view).__name__}")
        object.__setattr__(self, "view", dict(self.view))

    # -- equality and display --------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Session):
            return NotImplemented
        return (
            self.params == other.params
            and self.cursor == other.cursor
            and self.title == other.title
            and self.notes == other.notes
            and self.view == other.view
            and all(
                a.shape == b.shape and (a is b or a.tobytes() == b.tobytes())
                for a, b in (
                    (self.input, other.input),
                    (self.weight, other.weight),
                    (self.bias, other.bias),
                )
            )
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"Session(title={self.title!r}, params={self.params!r}, input{self.input.shape}, "
            f"weight{self.weight.shape}, bias{self.bias.shape}, cursor={self.cursor!r})"
        )

    # -- derived ---------------------------------------------------------------------------
    @property
    def spatial(self) -> tuple[int, ...]:
        """The input's spatial size: ``(L,)`` or ``(H, W)``."""
        return tuple(int(n) for n in self.input.shape[1:])

    @property
    def output_shape(self) -> tuple[int, ...]:
        """``(out_features, *out_spatial)``; raises SessionError for settings that do not fit."""
        try:
            return self.params.output_shape(self.input.shape)
        except ConvError as error:
            raise SessionError(engine_message("params", error)) from None

    @property
    def effective_bias(self) -> np.ndarray | None:
        """The bias the engine uses: the values when ``params.bias`` is on, else None."""
        return self.bias if self.params.bias else None

    def compute_output(self) -> np.ndarray:
        """The layer's output for a valid session, computed at once on the calling thread.

        For scripts, tests and the example generator; like the window it takes the engine's
        ``method="auto"`` (the FFT for big kernels, the exact direct sum for teaching layers).
        The window does not call it: its worker
        thread runs the engine's cancellable ``convolve`` on the session's arrays, so that a
        newer edit or closing the window can stop a long computation
        (``convstudio.ui.state.worker``).
        """
        return convolve(self.input, self.weight, self.effective_bias, **self.params.settings())

    def array(self, target: str) -> np.ndarray:
        """``"input"``, ``"weight"`` or ``"bias"`` by name (read-only)."""
        if target not in TARGETS:
            raise SessionError(f"{target!r} is not one of {', '.join(TARGETS)}")
        array: np.ndarray = getattr(self, target)
        return array

    # -- validation ------------------------------------------------------------------------
    def validate(self) -> Session:
        """Check everything a saved file must satisfy; returns self, raises SessionError.

        Shapes agree with params and the limits (the engine's own input check included), every
        value is finite, the cursor lies inside the output, title/notes/view can be written.
        """
        check_shapes(self.params, self.input.shape, self.weight.shape, self.bias.shape)
        for name in TARGETS:
            check_finite(name, getattr(self, name))
        out_shape = self.params.output_shape_unchecked(self.input.shape)
        cursor = self.cursor
        if not 0 <= cursor.out_feature < out_shape[0]:
            raise SessionError(
                f"cursor: out_feature {cursor.out_feature} is outside 0..{out_shape[0] - 1}"
            )
        if len(cursor.position) != self.params.ndim or not all(
            0 <= p < n for p, n in zip(cursor.position, out_shape[1:])
        ):
            raise SessionError(
                f"cursor: position {cursor.position} is outside the output of size "
                + "x".join(str(n) for n in out_shape[1:])
            )
        check_text("title", self.title)
        check_text("notes", self.notes)
        check_view(self.view)
        return self

    # -- changes (each returns a new Session) ------------------------------------------------
    def replace(self, **changes: Any) -> Session:
        """A copy with some fields changed (arrays are frozen; nothing is validated)."""
        return dataclasses.replace(self, **changes)

    def with_cells(self, target: str, index: Any, values: Any) -> Session:
        """A new session where ``target[index] = values`` (a cell, a row, a pasted block).

        ``index`` is any numpy index into the array (a tuple of ints and slices); ``values`` must
        broadcast to it and be finite. Only the target array is copied. An undo command should
        keep ``(target, index, old values)`` (``session.array(target)[index].copy()``) rather than
        the whole old session when arrays are large.
        """
        old = self.array(target)
        try:
            block = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError, OverflowError) as error:
            raise SessionError(f"{target}: {values!r} is not a number: {error}") from None
        if not np.isfinite(block).all():
            bad = block.flat[int(np.argmin(np.isfinite(block).ravel()))]
            raise SessionError(f"{target}: {number_text(bad)} is not a finite number")
        new = old.copy()
        try:
            new[index] = block
        except (IndexError, ValueError, TypeError) as error:
            raise SessionError(
                f"{target}: cannot write values of shape {block.shape} at {index!r} in an array of "
                f"shape {old.shape}: {error}"
            ) from None
        new.flags.writeable = False
        return self._with_named_array(target, new)

    def with_array(self, target: str, values: Any) -> Session:
        """A new session with the whole ``target`` array replaced (fill tools); same shape only:
        use ``resized`` to change shapes."""
        old = self.array(target)
        new = _frozen(target, values)
        if new.shape != old.shape:
            raise SessionError(
                f"{target}: shape {new.shape} does not match the session, expected {old.shape}"
            )
        check_finite(target, new)
        return self._with_named_array(target, new)

    def _with_named_array(self, target: str, new: np.ndarray) -> Session:
        if target == "input":
            return dataclasses.replace(self, input=new)
        if target == "weight":
            return dataclasses.replace(self, weight=new)
        return dataclasses.replace(self, bias=new)

    def with_cursor(self, out_feature: int, position: Sequence[int]) -> Session:
        """A new session looking at another output cell, clamped into the output."""
        cursor = Cursor(out_feature, tuple(position))
        if cursor == self.cursor:
            return self
        return dataclasses.replace(self, cursor=cursor).clamp_cursor()

    def with_text(self, *, title: str | None = None, notes: str | None = None) -> Session:
        """A new session with another title and/or notes."""
        if title is not None:
            check_text("title", title)
        if notes is not None:
            check_text("notes", notes)
        if title is None and notes is None:
            return self
        return dataclasses.replace(
            self,
            title=self.title if title is None else title,
            notes=self.notes if notes is None else notes,
        )

    def with_view(self, view: Mapping[str, Any]) -> Session:
        """A new session with other UI state (JSON data; checked so it can always be saved)."""
        check_view(view)
        return dataclasses.replace(self, view=dict(view))

    def with_params(self, params: ConvParams) -> Session:
        """New settings for the same input size: ``resized(params, self.spatial)``."""
        return self.resized(params, self.spatial)

    def clamp_cursor(self) -> Session:
        """This session with its cursor moved to the nearest cell inside the output."""
        ndim = self.params.ndim
        try:
            out_shape = self.params.output_shape(self.input.shape)
        except ConvError:
            out_shape = (self.params.out_features, *(1,) * ndim)
        position = (tuple(self.cursor.position) + (0,) * ndim)[:ndim]
        cursor = Cursor(
            min(max(self.cursor.out_feature, 0), out_shape[0] - 1),
            tuple(min(max(p, 0), n - 1) for p, n in zip(position, out_shape[1:])),
        )
        return self if cursor == self.cursor else dataclasses.replace(self, cursor=cursor)

    def resized(self, params: ConvParams, spatial: Sequence[int]) -> Session:
        """A session with new settings and input size that keeps every value that still fits.

        Input: the overlapping features and the top-left spatial block. Weight: the overlapping
        (out feature, in feature / groups, kernel) block, kernels aligned by their centre cell
        (a 3x3 kernel grown to 5x5 gets a ring of zeros; shrunk to 1x1 it keeps its centre).
        Bias: the overlapping features. New cells are 0.0. Going from 2D to 1D keeps the top row
        and shelves the 2D input and weight; going back to 2D puts the 1D row on the top row and
        brings the shelved rows back where they fit (a user switching 2D -> 1D -> 2D expects the
        grids they had, with what they edited in 1D). Arrays whose shape is unchanged are shared,
        not copied. The cursor is clamped into the new output.

        Raises the engine's ``ConvError`` (its message verbatim) when the settings cannot
        convolve an input of this size, before anything is allocated.
        """
        if not isinstance(params, ConvParams):
            raise SessionError(f"params: expected ConvParams, got {type(params).__name__}")
        if not isinstance(spatial, Sequence) or not all(is_whole_number(n) for n in spatial):
            raise ConvError(f"input size {spatial!r} must be whole numbers")
        shape = (params.in_features, *(int(n) for n in spatial))
        limits.check_layer(params, shape)
        params.check_input_shape(shape)
        ndim, was = params.ndim, self.params.ndim
        # Kernel axes align at their centre; the row axis a 1D <-> 2D switch adds or drops
        # aligns at the top.
        centred = tuple(range(2, 2 + ndim)) if ndim == was else (1 + ndim,)
        input_ = _fit(_to_ndim(self.input, 1, ndim), shape)
        weight = _fit(_to_ndim(self.weight, 2, ndim), params.weight_shape, centred)
        shelved = self.shelved
        if was == 2 and ndim == 1:
            shelved = {"input": self.input, "weight": self.weight}
        elif was == 1 and ndim == 2 and shelved is not None:
            input_ = _with_rows(_fit(shelved["input"], shape), input_)
            kernel_axes = (2, 3)
            weight = _with_rows(_fit(shelved["weight"], params.weight_shape, kernel_axes), weight)
        session = dataclasses.replace(
            self,
            params=params,
            input=input_,
            weight=weight,
            bias=_fit(self.bias, params.bias_shape),
            shelved=shelved,
        )
        return session.clamp_cursor()

    # -- starting points -------------------------------------------------------------------
    @classmethod
    def default(cls) -> Session:
        """The built-in example: a 2D layer, 2 input features to 3 output features, 5x5 input,
        3x3 kernels, padding 1 (the lecture's step 7). Needs no files."""
        params = ConvParams(ndim=2, in_features=2, out_features=3, kernel_size=3, padding=1)
        return cls(
            params=params,
            input=np.array(_DEFAULT_INPUT, dtype=np.float64),
            weight=np.array(_DEFAULT_WEIGHT, dtype=np.float64),
            bias=np.array([1.0, 0.0, 0.5]),
            title="2D: two features to three features",
            notes=(
                "Each output feature has its own kernel with one 3x3 slice per input feature. "
                "Pick an output feature and a position: the value is the sum of both slices' "
                "products over the two input grids, plus that feature's bias. Kernel 2 doubles "
                "input 0 and subtracts input 1, cell by cell (features count from 0, as in "
                "PyTorch)."
            ),
        )


def blank_session(
    params: ConvParams, spatial: Sequence[int], *, title: str = "Untitled", notes: str = ""
) -> Session:
    """A new session for these settings and input size with every value 0.0 (File > New).

    Raises the engine's ``ConvError`` when the settings cannot convolve an input of this size.
    """
    if not isinstance(spatial, Sequence) or not all(is_whole_number(n) for n in spatial):
        raise ConvError(f"input size {spatial!r} must be whole numbers")
    shape = (params.in_features, *(int(n) for n in spatial))
    params.check_input_shape(shape)
    return Session(
        params=params,
        input=np.zeros(shape),
        weight=np.zeros(params.weight_shape),
        bias=np.zeros(params.bias_shape),
        title=title,
        notes=notes,
    )


_DEFAULT_INPUT = [
    [
        [1, 2, 0, 1, 3],
        [0, 1, 2, 3, 1],
        [2, 0, 1, 0, 2],
        [1, 3, 0, 2, 0],
        [0, 1, 2, 1, 1],
    ],
    [
        [0, 1, 1, 0, 2],
        [2, 0, 1, 1, 0],
        [1, 1, 0, 2, 1],
        [0, 2, 1, 0, 1],
        [1, 0, 0, 1, 2],
    ],
]
_DEFAULT_WEIGHT = [
    [  # kernel 1: a vertical-edge slice on input 1, the centre cell of input 2
        [[1, 0, -1], [1, 0, -1], [1, 0, -1]],
        [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    ],
    [  # kernel 2: a cross on input 1, a horizontal edge on input 2
        [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
        [[1, 1, 1], [0, 0, 0], [-1, -1, -1]],
    ],
    [  # kernel 3: twice input 1 minus input 2, cell by cell
        [[0, 0, 0], [0, 2, 0], [0, 0, 0]],
        [[0, 0, 0], [0, -1, 0], [0, 0, 0]],
    ],
]
