"""Pictures as inputs: generated PNGs and JPEGs read as grey or RGB features in [0, 1], resized
height first with a good filter; unreadable or oversized pictures refused with their name."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from convstudio.transfer import TransferError, read_image
from convstudio.transfer.images import mode_for


def gradient(height: int = 40, width: int = 60) -> np.ndarray:
    """An RGB picture: red grows to the right, green downwards, blue is constant 128."""
    pixels = np.zeros((height, width, 3), dtype=np.uint8)
    pixels[..., 0] = np.linspace(0, 255, width).astype(np.uint8)[None, :]
    pixels[..., 1] = np.linspace(0, 255, height).astype(np.uint8)[:, None]
    pixels[..., 2] = 128
    return pixels


def png_file(folder: Path, pixels: np.ndarray, name: str = "picture.png") -> Path:
    path = folder / name
    Image.fromarray(pixels).save(path)
    return path


def test_an_rgb_png_at_its_own_size_is_exact(tmp_path: Path) -> None:
    pixels = gradient()
    array = read_image(png_file(tmp_path, pixels), mode="rgb")
    assert array.shape == (3, 40, 60) and array.dtype == np.float64
    np.testing.assert_array_equal(array, np.moveaxis(pixels, -1, 0) / 255.0)


def test_resizing_counts_height_first_and_keeps_the_picture(tmp_path: Path) -> None:
    array = read_image(png_file(tmp_path, gradient()), (10, 15), "rgb")
    assert array.shape == (3, 10, 15)
    assert array.min() >= 0.0 and array.max() <= 1.0
    assert np.all(np.diff(array[0].mean(axis=0)) > 0)  # red still grows to the right
    assert np.all(np.diff(array[1].mean(axis=1)) > 0)  # green still grows downwards
    np.testing.assert_allclose(array[2], 128 / 255, atol=1e-9)


def test_grey_is_one_feature_of_luma(tmp_path: Path) -> None:
    pixels = np.full((4, 5, 3), (255, 0, 0), dtype=np.uint8)
    array = read_image(png_file(tmp_path, pixels), mode="gray")
    assert array.shape == (1, 4, 5)
    np.testing.assert_allclose(array, 76 / 255)  # ITU-R 601: 0.299 * 255


def test_transparent_pixels_lie_over_white() -> None:
    rgba = Image.new("RGBA", (3, 2), (0, 0, 0, 0))
    array = read_image(rgba, mode="gray")
    np.testing.assert_array_equal(array, np.ones((1, 2, 3)))


def test_bytes_from_a_paste_and_a_jpeg(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    Image.fromarray(gradient()).save(buffer, "JPEG", quality=95)
    array = read_image(buffer.getvalue(), (8, 8), "rgb")
    assert array.shape == (3, 8, 8)
    assert abs(array[2].mean() - 128 / 255) < 0.02


def test_sixteen_bit_grey_keeps_its_depth() -> None:
    image = Image.fromarray(np.array([[0, 65535], [32768, 257]], dtype=np.uint16))
    array = read_image(image, mode="gray")
    np.testing.assert_allclose(array[0], [[0, 1], [32768 / 65535, 257 / 65535]])


def test_mode_for_the_layers_features() -> None:
    assert mode_for(1) == "gray" and mode_for(3) == "rgb"
    with pytest.raises(TransferError, match="takes 2"):
        mode_for(2)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda folder: folder / "missing.png", "no such file"),
        (lambda folder: folder, "is a folder"),
        (lambda folder: _write(folder / "fake.png", b"not a picture at all"), "not an image"),
        (lambda folder: _write(folder / "cut.png", _png_bytes()[:60]), "cannot decode"),
    ],
)
def test_unreadable_pictures_are_named(tmp_path: Path, make, message: str) -> None:
    path = make(tmp_path)
    with pytest.raises(TransferError, match=message) as caught:
        read_image(path, (4, 4))
    assert str(path) in str(caught.value)


def test_bad_sizes_and_modes() -> None:
    image = Image.new("RGB", (4, 4))
    with pytest.raises(TransferError, match=r"\(H, W\)"):
        read_image(image, (4,))
    with pytest.raises(TransferError, match="over the limit"):
        read_image(image, (5000, 5000))
    with pytest.raises(TransferError, match="'cmyk'"):
        read_image(image, mode="cmyk")


def _png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(gradient()).save(buffer, "PNG")
    return buffer.getvalue()


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
