"""SessionDocument: edits, undo/redo, merging, layouts, fills, the cursor, the saved state."""

from __future__ import annotations

import numpy as np
import pytest

from convstudio.engine import ConvError, ConvParams
from convstudio.session.errors import SessionError
from convstudio.session.model import Session, blank_session
from convstudio.ui.state.document import PARTS, SessionDocument


class Spy:
    """Records every ``changed`` (its parts) and ``cursor_changed`` the document emits."""

    def __init__(self, document: SessionDocument) -> None:
        self.changes: list[frozenset] = []
        self.cursor_moves = 0
        self.modified: list[bool] = []
        document.changed.connect(self.changes.append)
        document.cursor_changed.connect(self._moved)
        document.modified_changed.connect(self.modified.append)

    def _moved(self) -> None:
        self.cursor_moves += 1


@pytest.fixture
def document(qtbot):
    return SessionDocument(Session.default())


def test_a_cell_edit_changes_the_session_and_emits_once(document):
    spy = Spy(document)
    before = document.session
    assert document.set_cells("input", (0, 2, 3), 7.5)
    assert document.session.input[0, 2, 3] == 7.5
    assert spy.changes == [frozenset({"input"})]
    assert spy.cursor_moves == 0
    # Only the edited cell differs; the other arrays are the very same objects.
    diff = np.argwhere(document.session.input != before.input)
    assert diff.tolist() == [[0, 2, 3]]
    assert document.session.weight is before.weight
    assert document.undo_stack.undoText() == "Edit input cell (0, 2, 3)"
    assert document.is_modified()


def test_undo_and_redo_restore_exactly(document):
    original = document.session
    document.set_cells("input", (1, 0, 0), [[9.0, 8.0], [7.0, 6.0]])
    document.set_cells("weight", (2, 1, 0, 0), np.arange(9.0).reshape(3, 3))
    document.set_cells("bias", (1,), -2.25)
    edited = document.session
    spy = Spy(document)
    for _ in range(3):
        document.undo_stack.undo()
    assert document.session == original
    assert spy.changes == [frozenset({"bias"}), frozenset({"weight"}), frozenset({"input"})]
    for _ in range(3):
        document.undo_stack.redo()
    assert document.session == edited
    assert len(spy.changes) == 6


def test_paste_text_names_the_kernel_and_block(document):
    document.set_cells("weight", (2, 1, 0, 0), np.ones((3, 3)))
    assert document.undo_stack.undoText() == "Paste 3x3 block into kernel 2.1"
    document.set_cells("input", (0, 1, 1), np.full((2, 3), 4.0))
    assert document.undo_stack.undoText() == "Paste 2x3 block into input feature 0"
    document.set_cells("weight", (0, 0, 1, 1), 5.0)
    assert document.undo_stack.undoText() == "Edit kernel 0.0 cell (1, 1)"


def test_a_block_is_clipped_to_the_array(document):
    block = np.arange(16.0).reshape(4, 4)
    assert document.set_cells("input", (1, 3, 3), block)
    np.testing.assert_array_equal(document.session.input[1, 3:, 3:], block[:2, :2])
    assert document.undo_stack.undoText() == "Paste 2x2 block into input feature 1"
    assert not document.set_cells("input", (1, 5, 0), block)  # entirely outside: nothing to do


def test_an_edit_that_changes_nothing_adds_no_undo_step(document):
    spy = Spy(document)
    value = document.session.input[0, 0, 0]
    assert not document.set_cells("input", (0, 0, 0), value)
    assert document.undo_stack.count() == 0
    assert spy.changes == []
    assert not document.is_modified()


def test_bad_values_and_indices_change_nothing(document):
    before = document.session
    with pytest.raises(SessionError, match="finite"):
        document.set_cells("input", (0, 0, 0), float("nan"))
    with pytest.raises(SessionError):
        document.set_cells("input", (0, 0), 1.0)
    with pytest.raises(SessionError):
        document.set_cells("input", (0, -1, 0), 1.0)
    with pytest.raises(SessionError):
        document.set_cells("kernel", (0,), 1.0)
    assert document.session is before
    assert document.undo_stack.count() == 0


def test_repeated_edits_of_one_cell_merge(document):
    original = document.session.input[0, 1, 1]
    for value in (11.0, 12.0, 13.0):
        assert document.set_cells("input", (0, 1, 1), value)
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    assert document.session.input[0, 1, 1] == original
    document.undo_stack.redo()
    assert document.session.input[0, 1, 1] == 13.0
    # A different cell starts a new step; so does the same cell after it.
    assert document.set_cells("input", (0, 1, 2), 14.0)
    assert document.set_cells("input", (0, 1, 1), 15.0)
    assert document.undo_stack.count() == 3


def test_edits_back_to_the_start_vanish(document):
    original = document.session.input[0, 1, 1]
    document.set_cells("input", (0, 1, 1), original + 1)
    document.set_cells("input", (0, 1, 1), original)
    assert document.undo_stack.count() == 0
    assert not document.is_modified()


def test_no_merge_across_a_save(document):
    assert document.set_cells("input", (0, 1, 1), 11.0)
    document.mark_saved()
    assert document.set_cells("input", (0, 1, 1), 12.0)
    assert document.undo_stack.count() == 2
    document.undo_stack.undo()
    assert not document.is_modified()
    assert document.session.input[0, 1, 1] == 11.0


def test_set_layout_keeps_values_and_undo_restores_shape_and_values(document):
    original = document.session
    spy = Spy(document)
    params = original.params.replace(in_features=3, out_features=2, kernel_size=(3, 2))
    assert document.set_layer(params, (4, 6))
    new = document.session
    assert new.params == params
    assert new.input.shape == (3, 4, 6)
    np.testing.assert_array_equal(new.input[:2, :4, :5], original.input[:, :4, :5])
    assert (new.input[2] == 0).all() and (new.input[:, :, 5] == 0).all()
    np.testing.assert_array_equal(new.weight[:2, :2, :, :2], original.weight[:2, :, :, :2])
    np.testing.assert_array_equal(new.bias, original.bias[:2])
    assert spy.changes == [frozenset({"params", "input", "weight", "bias"})]
    assert document.undo_stack.undoText() == "Change layer settings"
    document.undo_stack.undo()
    assert document.session == original
    document.undo_stack.redo()
    assert document.session == new


def test_bias_switch_keeps_arrays_and_names_only_params(document):
    spy = Spy(document)
    params = document.session.params.replace(bias=False)
    assert document.set_layer(params, document.session.spatial)
    assert spy.changes == [frozenset({"params"})]
    assert not document.set_layer(params, document.session.spatial)  # same layout again


def test_invalid_layout_raises_the_engine_error_and_changes_nothing(document):
    before = document.session
    spy = Spy(document)
    with pytest.raises(ConvError, match="groups=4 does not divide in_features=2"):
        document.set_layer(before.params.replace(groups=4), before.spatial)
    params = ConvParams(ndim=2, in_features=2, out_features=3, kernel_size=7)
    with pytest.raises(ConvError, match="larger than the padded input"):
        document.set_layer(params, (5, 5))
    assert document.session is before
    assert document.undo_stack.count() == 0
    assert spy.changes == []


def test_layout_change_clamps_the_cursor_and_undo_clamps_it_back(document):
    document.set_cursor(2, (4, 4))
    spy = Spy(document)
    document.set_layer(document.session.params.replace(out_features=2), (3, 3))
    assert document.session.cursor.out_feature == 1
    assert document.session.cursor.position == (2, 2)
    assert spy.cursor_moves == 1
    document.undo_stack.undo()
    # The cursor is not undo history: it stays where it is, inside the restored output.
    assert document.session.cursor.out_feature == 1
    assert document.session.cursor.position == (2, 2)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("sobel_x", [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
        ("sobel_y", [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
        ("laplacian", [[0, 1, 0], [1, -4, 1], [0, 1, 0]]),
        ("sharpen", [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
        ("edge", [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]),
        ("box_blur", np.full((3, 3), 1 / 9)),
    ],
)
def test_named_kernels_fill_one_slice(document, kind, expected):
    before = document.session.weight
    assert document.fill("weight", (0, 1), kind)
    np.testing.assert_array_equal(document.session.weight[0, 1], expected)
    others = np.ones(before.shape, dtype=bool)
    others[0, 1] = False
    np.testing.assert_array_equal(document.session.weight[others], before[others])
    document.undo_stack.undo()
    np.testing.assert_array_equal(document.session.weight, before)


def test_fill_text(document):
    document.fill("weight", (1, 0), "sobel_x")
    assert document.undo_stack.undoText() == "Fill kernel 1.0 with Sobel x"
    document.fill("input", None, "ones")
    assert document.undo_stack.undoText() == "Fill the input with ones"


def test_zeros_ones_on_whole_targets(document):
    spy = Spy(document)
    assert document.fill("input", None, "ones")
    assert (document.session.input == 1).all()
    assert document.fill("bias", None, "zeros")
    assert (document.session.bias == 0).all()
    assert not document.fill("bias", None, "zeros")  # already zeros: no step
    assert spy.changes == [frozenset({"input"}), frozenset({"bias"})]
    assert document.fill("input", (1,), "zeros")
    assert (document.session.input[1] == 0).all() and (document.session.input[0] == 1).all()


def test_random_is_seeded_rounded_and_in_range(document):
    document.fill("weight", None, "random", seed=7)
    first = document.session.weight
    assert first.min() >= -1 and first.max() <= 1
    np.testing.assert_array_equal(first, np.round(first, 1))
    assert not np.signbit(first[first == 0]).any()  # no "-0" cells
    assert len(np.unique(first)) > 5
    document.fill("weight", None, "random", seed=8)
    assert not np.array_equal(document.session.weight, first)
    document.fill("weight", None, "random", seed=7)
    np.testing.assert_array_equal(document.session.weight, first)
    document.fill("input", None, "random", seed=1, low=2.0, high=3.0)
    assert document.session.input.min() >= 2 and document.session.input.max() <= 3


def test_identity_copies_input_features_through(qtbot):
    params = ConvParams(ndim=2, in_features=4, out_features=4, kernel_size=3, padding=1, groups=2)
    document = SessionDocument(blank_session(params, (4, 4)))
    document.fill("weight", None, "identity")
    weight = document.session.weight
    for o in range(4):
        for i in range(2):
            expected = np.zeros((3, 3))
            if i == o % 2:
                expected[1, 1] = 1.0
            np.testing.assert_array_equal(weight[o, i], expected, err_msg=f"slice {o}.{i}")
    # One slice of a kernel with an even size: the centre is (k - 1) // 2, as 'same' aligns it.
    params = ConvParams(ndim=1, in_features=1, out_features=2, kernel_size=4)
    document = SessionDocument(blank_session(params, (6,)))
    document.fill("weight", (1, 0), "identity")
    np.testing.assert_array_equal(document.session.weight[1, 0], [0, 1, 0, 0])
    np.testing.assert_array_equal(document.session.weight[0, 0], [0, 0, 0, 0])


def test_1d_named_kernels(qtbot):
    params = ConvParams(ndim=1, in_features=1, out_features=2, kernel_size=3)
    document = SessionDocument(blank_session(params, (6,)))
    document.fill("weight", None, "difference")
    np.testing.assert_array_equal(document.session.weight[:, 0], [[-1, 0, 1], [-1, 0, 1]])
    document.fill("weight", (1, 0), "average")
    np.testing.assert_array_equal(document.session.weight[1, 0], np.full(3, 1 / 3))
    with pytest.raises(SessionError, match="3x3 kernels of a 2D layer"):
        document.fill("weight", None, "sobel_x")


def test_fills_that_do_not_apply_are_refused(document):
    before = document.session
    with pytest.raises(SessionError, match="kernels are 3x3"):
        document.fill("weight", None, "difference")
    with pytest.raises(SessionError, match="kernels only"):
        document.fill("input", None, "identity")
    with pytest.raises(SessionError, match="not one of"):
        document.fill("weight", None, "emboss")
    with pytest.raises(SessionError, match="outside"):
        document.fill("weight", (3, 0), "ones")
    document.set_layer(before.params.replace(kernel_size=5, padding=2), before.spatial)
    with pytest.raises(SessionError, match="kernels are 5x5"):
        document.fill("weight", (0, 0), "sobel_x")
    assert document.undo_stack.count() == 1


def test_cursor_clamps_and_signals_only_when_it_moves(document):
    spy = Spy(document)
    assert document.set_cursor(1, (2, 3))
    assert document.session.cursor.out_feature == 1
    assert document.session.cursor.position == (2, 3)
    assert spy.cursor_moves == 1
    assert not document.set_cursor(1, (2, 3))
    assert spy.cursor_moves == 1
    assert document.set_cursor(99, (-4, 40))
    assert document.session.cursor.out_feature == 2
    assert document.session.cursor.position == (0, 4)
    assert not document.set_cursor(50, (-1, 9))  # clamps to the same cell: no signal
    assert spy.cursor_moves == 2
    assert document.undo_stack.count() == 0
    assert spy.changes == []
    assert not document.is_modified()


def test_modified_follows_undo_and_save(document):
    spy = Spy(document)
    assert not document.is_modified()
    document.set_cells("bias", (0,), 3.0)
    assert document.is_modified()
    document.mark_saved()
    assert not document.is_modified()
    document.set_cells("bias", (0,), 4.0)
    assert document.is_modified()
    document.undo_stack.undo()
    assert not document.is_modified()
    document.undo_stack.undo()
    assert document.is_modified()  # before the save
    assert spy.modified == [True, False, True, False, True]


def test_meta_edits_merge_and_undo(document):
    title = document.session.title
    spy = Spy(document)
    document.set_meta(title="A")
    document.set_meta(title="Ab")
    document.set_meta(title="Abc")
    assert document.undo_stack.count() == 1
    assert document.undo_stack.undoText() == "Edit title"
    document.set_meta(notes="n")
    assert document.undo_stack.count() == 2
    assert spy.changes == [frozenset({"meta"})] * 4
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.session.title == title
    assert not document.set_meta(title=title)


def test_replace_session_clears_history(document):
    document.set_cells("bias", (0,), 3.0)
    spy = Spy(document)
    params = ConvParams(ndim=1, in_features=1, out_features=1, kernel_size=2)
    fresh = blank_session(params, (5,))
    document.replace_session(fresh)
    assert document.session == fresh
    assert document.undo_stack.count() == 0
    assert not document.is_modified()
    assert spy.changes == [PARTS]
    assert spy.cursor_moves == 1
    document.replace_session(Session.default(), clean=False)
    assert document.is_modified()
    assert document.undo_stack.count() == 0


def test_replace_session_refuses_an_invalid_session(document):
    before = document.session
    bad = before.replace(input=np.zeros((2, 5)))
    with pytest.raises(SessionError):
        document.replace_session(bad)
    assert document.session is before


def test_large_input_edits_keep_diffs_not_copies(qtbot):
    params = ConvParams(ndim=2, in_features=3, out_features=2, kernel_size=3)
    document = SessionDocument(blank_session(params, (512, 512)))
    for k in range(20):
        document.set_cells("input", (0, k, k), float(k + 1))
    commands = [document.undo_stack.command(i) for i in range(document.undo_stack.count())]
    assert len(commands) == 20
    assert all(c.old.size == 1 and c.new.size == 1 for c in commands)
    for _ in range(20):
        document.undo_stack.undo()
    assert not document.session.input.any()
