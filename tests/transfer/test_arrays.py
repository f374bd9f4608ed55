"""Arrays in and out: .npy, .csv and .tsv read as signals, grids and feature stacks; exact round
trips; refusals (pickles, ragged rows, non-finite values, sizes over the limit) name the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from convstudio.engine import ConvParams
from convstudio.session import SessionError, limits
from convstudio.transfer import TransferError, read_array, write_array
from convstudio.transfer.arrays import as_input

RNG = np.random.default_rng(5)


@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 4), (3, 2, 3, 3)])
@pytest.mark.parametrize("suffix", [".npy", ".csv"])
def test_round_trips_are_exact(tmp_path: Path, shape: tuple[int, ...], suffix: str) -> None:
    array = RNG.standard_normal(shape) * 10.0 ** RNG.integers(-300, 300, shape)
    path = tmp_path / f"a{suffix}"
    write_array(array, path)
    again = read_array(path)
    assert again.shape == array.shape
    assert again.tobytes() == array.tobytes()


def test_text_files_one_row_is_a_signal_several_a_grid(tmp_path: Path) -> None:
    (tmp_path / "s.csv").write_text("1, 2.5, -3\n")
    (tmp_path / "g.tsv").write_text("# a comment\n1\t2\n3\t4\n\n")
    np.testing.assert_array_equal(read_array(tmp_path / "s.csv"), [1, 2.5, -3])
    np.testing.assert_array_equal(read_array(tmp_path / "g.tsv"), [[1, 2], [3, 4]])


def test_integer_npy_becomes_float64(tmp_path: Path) -> None:
    np.save(tmp_path / "i.npy", np.arange(6, dtype=np.int16).reshape(2, 3))
    array = read_array(tmp_path / "i.npy")
    assert array.dtype == np.float64 and array.shape == (2, 3)


def _pickled(path: Path) -> Path:
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.npy", "no such file"),
        (lambda d: d / "a.txt", r"\.npy, \.csv or \.tsv"),
        (lambda d: _text(d / "r.csv", "1,2,3\n4,5\n"), "row 1 has 2 values"),
        (lambda d: _text(d / "w.csv", "1,x\n"), "could not convert"),
        (lambda d: _text(d / "e.csv", "# nothing\n"), "no numbers"),
        (lambda d: _text(d / "b.npy", "not numpy"), "not a .npy"),
        (lambda d: _pickled(d / "p.npy"), "not real numbers"),
        (lambda d: _text(d / "s.csv", "# shape (2, 2)\n1,2,3\n"), "does not match"),
    ],
)
def test_refusals_name_the_file(tmp_path: Path, make, message: str) -> None:
    path = make(tmp_path)
    with pytest.raises(TransferError, match=message):
        read_array(path)


def test_non_finite_values_are_refused_with_their_cell(tmp_path: Path) -> None:
    np.save(tmp_path / "n.npy", np.array([[1.0, 2.0], [np.inf, 0.0]]))
    with pytest.raises(SessionError, match=r"n\.npy\[1\]\[0\]: Infinity"):
        read_array(tmp_path / "n.npy")
    (tmp_path / "n.csv").write_text("1,nan\n")
    with pytest.raises(SessionError, match="NaN"):
        read_array(tmp_path / "n.csv")


def test_an_npy_over_the_limit_is_refused_from_its_header(tmp_path: Path) -> None:
    path = tmp_path / "big.npy"
    side = int(limits.MAX_VALUES**0.5) + 1
    header = np.lib.format.header_data_from_array_1_0(np.zeros((1, 1)))
    header["shape"] = (side, side)
    with open(path, "wb") as file:
        np.lib.format.write_array_header_1_0(file, header)  # a header and no data
    with pytest.raises(TransferError, match="over the limit"):
        read_array(path)


def test_as_input_fits_the_layer() -> None:
    one = ConvParams(ndim=2, in_features=1, out_features=1, kernel_size=3)
    two = ConvParams(ndim=1, in_features=2, out_features=1, kernel_size=3)
    assert as_input(np.zeros((5, 6)), one).shape == (1, 5, 6)
    assert as_input(np.zeros((1, 5, 6)), one).shape == (1, 5, 6)
    assert as_input(np.zeros((2, 9)), two).shape == (2, 9)
    with pytest.raises(TransferError, match="takes 2 input features"):
        as_input(np.zeros(9), two)
    with pytest.raises(TransferError, match="has 3 features"):
        as_input(np.zeros((3, 9)), two)
    with pytest.raises(TransferError, match="does not fit a 2D layer"):
        as_input(np.zeros((1, 1, 5, 6)), one)


def test_writing_refuses_other_suffixes_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(TransferError, match=r"\.npy or \.csv"):
        write_array(np.zeros(3), tmp_path / "a.txt")
    assert list(tmp_path.iterdir()) == []


def _text(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
