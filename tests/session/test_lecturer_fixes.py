"""Session-level fixes of issue 10's lecturer list: 2D -> 1D -> 2D keeps the rows (item 10),
kernels grow and shrink about their centre, and notes remember the layer they describe (item 11).
"""

from __future__ import annotations

import numpy as np
import pytest

from convstudio.engine.params import ConvParams
from convstudio.session import fileformat
from convstudio.session.model import Session
from convstudio.session.notes_record import (
    NOTES_LAYER_KEY,
    notes_outdated,
    outdated_text,
    with_notes_layer,
)

P2 = ConvParams(ndim=2, in_features=2, out_features=1, kernel_size=3, padding=1)
P1 = ConvParams(ndim=1, in_features=2, out_features=1, kernel_size=3, padding=1)


@pytest.fixture
def grid() -> Session:
    return Session(
        P2,
        np.arange(50.0).reshape(2, 5, 5) + 1,
        np.arange(18.0).reshape(1, 2, 3, 3) + 1,
        [0.5],
        notes="A 3x3 kernel over two 5x5 inputs.",
    )


# -- 10. 2D -> 1D -> 2D ------------------------------------------------------------------------


def test_2d_to_1d_to_2d_brings_the_rows_back(grid):
    row = grid.resized(P1, (5,))
    assert np.array_equal(row.input, grid.input[:, 0])
    back = row.resized(P2, (5, 5))
    assert np.array_equal(back.input, grid.input)
    assert np.array_equal(back.weight, grid.weight)


def test_what_was_edited_in_1d_is_kept_when_the_rows_come_back(grid):
    row = grid.resized(P1, (5,)).with_cells("input", (1, 3), -7.0)
    row = row.with_cells("weight", (0, 0, 2), 9.0)
    back = row.resized(P2, (5, 5))
    assert back.input[1, 0, 3] == -7.0
    assert back.weight[0, 0, 0, 2] == 9.0
    assert np.array_equal(back.input[:, 1:], grid.input[:, 1:])
    assert np.array_equal(back.weight[:, :, 1:], grid.weight[:, :, 1:])


def test_rows_come_back_where_they_still_fit(grid):
    row = grid.resized(P1, (5,))
    wider = row.resized(P1.replace(in_features=3), (7,))
    back = wider.resized(P2.replace(in_features=3), (6, 7))
    assert np.array_equal(back.input[:2, 1:5, :5], grid.input[:, 1:])
    assert not back.input[2, 1:].any() and not back.input[:, 5:].any()
    assert not back.input[:, 1:, 5:].any()


def test_a_1d_file_turned_2d_starts_with_empty_rows():
    p1 = ConvParams(ndim=1, in_features=1, out_features=1, kernel_size=3)
    row = Session(p1, [[1.0, 2.0, 3.0, 4.0]], [[[1.0, 0.0, -1.0]]], [0.0])
    grid = row.resized(ConvParams(ndim=2, in_features=1, out_features=1, kernel_size=3), (4, 4))
    assert np.array_equal(grid.input[0, 0], [1, 2, 3, 4]) and not grid.input[0, 1:].any()


def test_the_shelved_rows_are_not_part_of_the_session_or_its_file(grid, tmp_path):
    row = grid.resized(P1, (5,))
    assert row == Session(row.params, row.input, row.weight, row.bias, notes=row.notes)
    path = tmp_path / "row.convstudio"
    fileformat.save(row, path)
    loaded = fileformat.load(path)
    back = loaded.resized(P2, (5, 5))
    assert not back.input[:, 1:].any(), "a file holds what the layer holds, nothing more"


# -- 11. kernels about their centre ------------------------------------------------------------


def test_a_growing_kernel_keeps_its_centre(grid):
    grown = grid.resized(P2.replace(kernel_size=5, padding=2), (5, 5))
    assert grown.weight.shape == (1, 2, 5, 5)
    assert np.array_equal(grown.weight[:, :, 1:4, 1:4], grid.weight)
    ring = grown.weight.copy()
    ring[:, :, 1:4, 1:4] = 0
    assert not ring.any()
    assert np.array_equal(grown.resized(P2, (5, 5)).weight, grid.weight)


def test_a_shrinking_kernel_keeps_its_centre(grid):
    small = grid.resized(P2.replace(kernel_size=1, padding=0), (5, 5))
    assert np.array_equal(small.weight[:, :, 0, 0], grid.weight[:, :, 1, 1])


def test_one_axis_of_a_kernel_grows_about_its_centre(grid):
    wide = grid.resized(P2.replace(kernel_size=(3, 5), padding=((1, 1), (2, 2))), (5, 5))
    assert np.array_equal(wide.weight[:, :, :, 1:4], grid.weight)
    assert not wide.weight[..., 0].any() and not wide.weight[..., 4].any()


# -- 11. notes that no longer match the layer ---------------------------------------------------


def test_notes_are_outdated_once_the_layer_changes_and_not_after_undoing_it(grid):
    recorded = with_notes_layer(grid)
    assert not notes_outdated(recorded)
    changed = recorded.resized(P2.replace(kernel_size=5, padding=2), (5, 5))
    assert notes_outdated(changed)
    assert "kernel size 3×3" in outdated_text(changed) and "5×5" in outdated_text(changed)
    assert not notes_outdated(changed.replace(params=recorded.params))
    assert outdated_text(recorded) == ""


def test_a_session_without_the_record_is_taken_to_match_its_notes(grid):
    assert NOTES_LAYER_KEY not in grid.view
    assert not notes_outdated(grid)
    assert not notes_outdated(grid.with_text(notes="").resized(P1, (5,)))


def test_the_record_survives_a_save_and_an_old_file_still_loads(grid, tmp_path):
    changed = with_notes_layer(grid).resized(P2.replace(kernel_size=5, padding=2), (5, 5))
    path = tmp_path / "changed.convstudio"
    fileformat.save(changed, path)
    loaded = fileformat.load(path)
    assert notes_outdated(loaded)
    assert outdated_text(loaded) == outdated_text(changed)
    old = tmp_path / "old.convstudio"
    fileformat.save(grid, old)
    assert not notes_outdated(fileformat.load(old))
