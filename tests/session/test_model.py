"""Session: immutable arrays, changes through with_*, resizing that keeps values, validation."""

from __future__ import annotations

import numpy as np
import pytest

from convstudio.engine import ConvError, ConvParams, convolve
from convstudio.session import Cursor, Session, SessionError, blank_session


@pytest.fixture
def session() -> Session:
    return Session.default()


def test_default_is_the_lectures_two_to_three_example(session: Session) -> None:
    assert session.validate() is session
    assert session.params.ndim == 2
    assert (session.params.in_features, session.params.out_features) == (2, 3)
    assert session.params.kernel_size == (3, 3)
    assert session.params.padding == ((1, 1), (1, 1))
    assert session.input.shape in ((2, 5, 5), (2, 6, 6))
    assert session.title
    for array in (session.input, session.weight, session.bias):
        assert array.dtype == np.float64
        assert np.array_equal(array, np.round(array, 1))  # small hand-picked values
    assert session.output_shape == (3, *session.spatial)


def test_compute_output_is_the_engines_convolution(session: Session) -> None:
    expected = convolve(session.input, session.weight, session.bias, **session.params.settings())
    assert np.array_equal(session.compute_output(), expected)


def test_arrays_are_read_only_and_not_shared_with_the_caller() -> None:
    x = np.ones((1, 4))
    s = Session(
        ConvParams(ndim=1, in_features=1, out_features=1, kernel_size=2), x, [[[1, 1]]], [0]
    )
    x[0, 0] = 5.0
    assert s.input[0, 0] == 1.0  # the writable array passed in was copied
    for array in (s.input, s.weight, s.bias):
        assert not array.flags.writeable
        with pytest.raises(ValueError):
            array[...] = 0.0
    assert s.cursor == Cursor(0, (0,))  # an empty position means the origin


def test_with_cells_copies_only_the_target(session: Session) -> None:
    edited = session.with_cells("input", (1, 2, 3), 7.5)
    assert edited.input[1, 2, 3] == 7.5
    assert session.input[1, 2, 3] != 7.5  # the old session is untouched (undo keeps it)
    assert edited.weight is session.weight and edited.bias is session.bias
    assert not edited.input.flags.writeable
    assert edited != session
    assert edited.with_cells("input", (1, 2, 3), session.input[1, 2, 3]) == session


def test_with_cells_pastes_a_block(session: Session) -> None:
    block = np.array([[1.5, 2.5], [3.5, 4.5]])
    edited = session.with_cells("weight", (2, 1, slice(0, 2), slice(1, 3)), block)
    assert np.array_equal(edited.weight[2, 1, 0:2, 1:3], block)
    edited = edited.with_cells("bias", (slice(None),), [0.1, 0.2, 0.3])
    assert edited.bias.tolist() == [0.1, 0.2, 0.3]


@pytest.mark.parametrize(
    ("target", "index", "values", "expected"),
    [
        ("input", (0, 0, 0), float("nan"), "input: NaN is not a finite number"),
        ("weight", (0, 0, 0, 0), float("-inf"), "weight: -Infinity is not a finite number"),
        ("bias", (7,), 1.0, "bias: cannot write"),
        ("input", (0, 0, slice(0, 2)), [1.0, 2.0, 3.0], "input: cannot write"),
        ("input", (0, 0, 0), "abc", "input: 'abc' is not a number"),
        ("output", (0,), 1.0, "'output' is not one of input, weight, bias"),
    ],
)
def test_with_cells_refuses_bad_edits(
    session: Session, target: str, index: tuple, values: object, expected: str
) -> None:
    with pytest.raises(SessionError, match=None) as caught:
        session.with_cells(target, index, values)
    assert str(caught.value).startswith(expected)


def test_with_array_replaces_a_whole_array_of_the_same_shape(session: Session) -> None:
    ones = np.ones(session.weight.shape)
    filled = session.with_array("weight", ones)
    assert np.array_equal(filled.weight, ones) and filled.weight is not ones
    with pytest.raises(SessionError, match=r"weight: shape \(3, 2, 3\) does not match"):
        session.with_array("weight", np.ones((3, 2, 3)))
    with pytest.raises(SessionError, match="NaN"):
        session.with_array("bias", [0.0, np.nan, 0.0])


def test_with_cursor_text_and_view(session: Session) -> None:
    moved = session.with_cursor(2, (4, 1))
    assert moved.cursor == Cursor(2, (4, 1))
    assert session.with_cursor(9, (-3, 99)).cursor == Cursor(2, (0, 4))  # clamped into the output
    assert session.with_cursor(0, (0, 0)) is session
    renamed = session.with_text(title="Mine", notes="A note")
    assert (renamed.title, renamed.notes) == ("Mine", "A note")
    viewed = session.with_view({"zoom": 2.5, "docks": ["input", "kernels"]})
    assert viewed.view == {"zoom": 2.5, "docks": ["input", "kernels"]}
    with pytest.raises(SessionError, match="view"):
        session.with_view({"zoom": float("nan")})
    with pytest.raises(SessionError, match="title"):
        session.with_text(title="\ud800")


def test_equality_is_exact(session: Session) -> None:
    assert Session.default() == session
    assert session.with_cells("input", (0, 0, 0), -0.0) != session.with_cells(
        "input", (0, 0, 0), 0.0
    )
    with pytest.raises(TypeError):
        hash(session)


def test_resized_keeps_every_value_that_fits(session: Session) -> None:
    params = ConvParams(ndim=2, in_features=3, out_features=2, kernel_size=5, padding=2)
    grown = session.resized(params, (7, 6))
    grown.validate()
    assert grown.input.shape == (3, 7, 6)
    assert np.array_equal(grown.input[:2, :5, :5], session.input)
    assert (
        not grown.input[2].any() and not grown.input[:, 5:].any() and not grown.input[..., 5:].any()
    )
    assert grown.weight.shape == (2, 3, 5, 5)
    # Kernels grow about their centre: a ring of zeros around the old 3x3.
    assert np.array_equal(grown.weight[:2, :2, 1:4, 1:4], session.weight[:2])
    assert not grown.weight[:, 2].any() and not grown.weight[:, :, 4:].any()
    assert not grown.weight[:, :, 0].any() and not grown.weight[..., 0].any()
    assert grown.bias.tolist() == session.bias[:2].tolist()
    assert (grown.title, grown.notes) == (session.title, session.notes)

    back = grown.resized(session.params, session.spatial)
    assert np.array_equal(back.input, session.input)
    assert np.array_equal(back.weight[:2], session.weight[:2])
    assert not back.weight[2].any() and back.bias[2] == 0.0  # feature 3 was dropped, new cells 0


def test_resized_shrinks_and_clamps_the_cursor(session: Session) -> None:
    at_corner = session.with_cursor(2, (4, 4))
    params = ConvParams(ndim=2, in_features=1, out_features=1, kernel_size=2)
    small = at_corner.resized(params, (3, 3))
    assert np.array_equal(small.input, session.input[:1, :3, :3])
    assert np.array_equal(small.weight, session.weight[:1, :1, :2, :2])
    assert small.cursor == Cursor(0, (1, 1))
    small.validate()


def test_resized_with_unchanged_shapes_shares_the_arrays(session: Session) -> None:
    restrided = session.with_params(session.params.replace(stride=2))
    assert restrided.input is session.input and restrided.weight is session.weight
    assert restrided.output_shape == (3, 3, 3)


def test_bias_values_survive_switching_bias_off_and_on(session: Session) -> None:
    off = session.with_params(session.params.replace(bias=False))
    assert off.effective_bias is None
    assert np.array_equal(off.bias, session.bias)
    on = off.with_params(off.params.replace(bias=True))
    assert on == session


def test_resized_across_groups_keeps_the_overlapping_slices() -> None:
    params = ConvParams(ndim=2, in_features=3, out_features=3, kernel_size=3, padding=1, groups=3)
    weight = np.arange(27.0).reshape(3, 1, 3, 3)
    depthwise = Session(params, np.ones((3, 4, 4)), weight, np.zeros(3))
    dense = depthwise.with_params(params.replace(groups=1))
    assert dense.weight.shape == (3, 3, 3, 3)
    assert np.array_equal(dense.weight[:, :1], weight) and not dense.weight[:, 1:].any()


def test_resized_between_1d_and_2d_keeps_the_top_row() -> None:
    p1 = ConvParams(ndim=1, in_features=2, out_features=1, kernel_size=3)
    row = Session(p1, np.arange(12.0).reshape(2, 6), np.arange(6.0).reshape(1, 2, 3), [0.5])
    p2 = ConvParams(ndim=2, in_features=2, out_features=1, kernel_size=3, padding=1)
    grid = row.resized(p2, (4, 6))
    assert np.array_equal(grid.input[:, 0], row.input) and not grid.input[:, 1:].any()
    assert np.array_equal(grid.weight[:, :, 0], row.weight) and not grid.weight[:, :, 1:].any()
    assert grid.cursor.position == (0, 0)
    again = grid.resized(p1, (6,))
    assert again == row


def test_resized_refuses_what_the_engine_refuses(session: Session) -> None:
    params = session.params.replace(padding_mode="reflect", padding=3)
    with pytest.raises(ConvError, match="reflect"):
        session.resized(params, (3, 3))
    with pytest.raises(ConvError, match="over the limit"):
        session.resized(session.params, (5000, 5))
    with pytest.raises(ConvError, match="whole numbers"):
        session.resized(session.params, (5.0, 5))


def test_blank_session() -> None:
    params = ConvParams(ndim=1, in_features=2, out_features=4, kernel_size=5, padding="same")
    blank = blank_session(params, (10,), title="New")
    blank.validate()
    assert blank.input.shape == (2, 10) and not blank.input.any()
    assert blank.weight.shape == (4, 2, 5) and blank.bias.shape == (4,)
    assert blank.title == "New" and blank.cursor == Cursor(0, (0,))
    with pytest.raises(ConvError, match="larger than the padded input"):
        blank_session(params.replace(padding=0), (3,))


def _nan_at(shape: tuple[int, ...], where: tuple[int, ...]) -> np.ndarray:
    array = np.zeros(shape)
    array[where] = np.nan
    return array


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s.replace(weight=np.zeros((3, 2, 3))), "weight: shape (3, 2, 3) does not match"),
        (lambda s: s.replace(bias=np.zeros(2)), "bias: shape (2,) does not match params"),
        (lambda s: s.replace(input=np.zeros((3, 5, 5))), "input: shape (3, 5, 5) does not match"),
        (lambda s: s.replace(input=np.zeros((2, 5))), "input: shape (2, 5) does not match"),
        (lambda s: s.replace(input=np.zeros((2, 0, 5))), "input: shape (2, 0, 5) is empty"),
        (lambda s: s.replace(input=_nan_at((2, 5, 5), (1, 2, 3))), "input[1][2][3]: NaN"),
        (lambda s: s.replace(cursor=Cursor(3, (0, 0))), "cursor: out_feature 3 is outside 0..2"),
        (lambda s: s.replace(cursor=Cursor(0, (0, 5))), "cursor: position (0, 5) is outside"),
        (lambda s: s.replace(cursor=Cursor(0, (0,))), "cursor: position (0,) is outside"),
        (lambda s: s.replace(title=3), "title: expected text"),
        (lambda s: s.replace(view={"a": [set()]}), "view['a'][0]: set cannot be saved"),
        (
            lambda s: s.resized(s.params, (1, 1)).replace(params=s.params.replace(padding=0)),
            "params: kernel_size=3",
        ),
    ],
)
def test_validate_names_the_field_and_the_problem(change, expected: str) -> None:
    bad = change(Session.default())
    with pytest.raises(SessionError) as caught:
        bad.validate()
    assert str(caught.value).startswith(expected), str(caught.value)


def test_construction_refuses_what_is_not_numbers() -> None:
    params = ConvParams(ndim=1, in_features=1, out_features=1, kernel_size=1)
    with pytest.raises(SessionError, match="input: values of type"):
        Session(params, np.array([["a"]]), [[[1.0]]], [0.0])
    with pytest.raises(SessionError, match="params: expected ConvParams"):
        Session({"ndim": 1}, [[1.0]], [[[1.0]]], [0.0])  # type: ignore[arg-type]
    with pytest.raises(SessionError, match="cursor: out_feature=True"):
        Cursor(True, (0,))
