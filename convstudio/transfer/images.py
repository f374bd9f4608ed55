"""A picture as a layer's input: 1 grey feature or 3 RGB features, values in [0, 1].

Pillow reads PNG and JPEG (and whatever else it knows) from a file, from bytes (a paste, a drop)
or from an already opened ``PIL.Image``. The picture is resized to the input size the layer asks
for, height first as arrays count it, with Lanczos filtering (a box filter first when shrinking a
lot, which is what "area" resampling does), so a photo shrunk to 28x28 keeps its shapes instead
of aliasing. Transparent pixels are laid over white, as a viewer shows them.
"""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Sequence

import numpy as np
from PIL import Image, UnidentifiedImageError

from convstudio.engine.errors import ConvError
from convstudio.session import limits
from convstudio.transfer.errors import TransferError

#: The features an image gives: grey (1 feature) or red, green, blue (3 features).
MODES = {"gray": 1, "rgb": 3}
#: Pictures with more pixels than this are refused before they are decoded (Pillow's own
#: decompression-bomb guard warns at about 89 million).
MAX_PIXELS = limits.MAX_VALUES
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")

Source = str | os.PathLike[str] | bytes | Image.Image


def is_image_path(path: str | os.PathLike[str]) -> bool:
    """True for a file name that reads as a picture (by its suffix)."""
    return os.fspath(path).lower().endswith(IMAGE_SUFFIXES)


def mode_for(in_features: int) -> str:
    """The image mode a layer with ``in_features`` input features takes ("gray" or "rgb")."""
    for mode, count in MODES.items():
        if count == in_features:
            return mode
    raise TransferError(
        f"an image gives 1 (grey) or 3 (RGB) input features; this layer takes {in_features}"
    )


def _open(source: Source, where: str) -> Image.Image:
    if isinstance(source, Image.Image):
        return source
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if isinstance(source, (bytes, bytearray, memoryview)):
                image = Image.open(io.BytesIO(bytes(source)))
            else:
                image = Image.open(os.fspath(source))
    except FileNotFoundError:
        raise TransferError(f"{where}: no such file") from None
    except IsADirectoryError:
        raise TransferError(f"{where}: is a folder, not an image") from None
    except PermissionError:
        raise TransferError(f"{where}: permission denied, cannot read it") from None
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise TransferError(f"{where}: not an image ConvStudio can read (PNG, JPEG)") from None
    except OSError as error:
        raise TransferError(f"{where}: cannot read it: {error.strerror or error}") from None
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise TransferError(
            f"{where}: {width}x{height} pixels, over the limit of {MAX_PIXELS:,} pixels"
        )
    return image


def _flatten(image: Image.Image) -> Image.Image:
    """The picture as RGB with transparency laid over white; 16-bit grey kept at full depth."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        return image
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def _resized(image: Image.Image, size: Sequence[int] | None) -> Image.Image:
    if size is None:
        return image
    height, width = (int(n) for n in size)
    if (width, height) == image.size:
        return image
    # reducing_gap: shrink by whole factors with a box (area) filter first, then Lanczos.
    return image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)


def read_image(
    source: Source,
    size: Sequence[int] | None = None,
    mode: str = "gray",
    *,
    name: str | None = None,
) -> np.ndarray:
    """The picture as a float64 array ``(features, H, W)`` with values in [0, 1].

    ``size`` is ``(H, W)`` (None keeps the picture's own size); ``mode`` is "gray" (1 feature,
    ITU-R 601 luma) or "rgb" (3 features). ``name`` names the source in messages (a file's path
    by default). Raises ``TransferError`` for anything unreadable, too large, or a bad size.
    """
    if mode not in MODES:
        raise TransferError(f"image mode {mode!r} is not one of {', '.join(MODES)}")
    where = name or (
        "the image"
        if isinstance(source, (bytes, bytearray, memoryview, Image.Image))
        else os.fspath(source)
    )
    if size is not None:
        size = tuple(size)
        if len(size) != 2 or not all(isinstance(n, int) and n >= 1 for n in size):
            raise TransferError(f"{where}: an image input size is (H, W), got {size!r}")
        try:
            limits.check_spatial("input", size)
            limits.check_values("input", (MODES[mode], *size))
        except ConvError as error:
            raise TransferError(f"{where}: {error}") from None
    image = _open(source, where)
    try:
        image.load()
        flat = _flatten(image)
        if flat.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
            values = _resized(flat.convert("F"), size)
            array = np.asarray(values, dtype=np.float64)
            top = 65535.0 if flat.mode.startswith("I;16") or array.max(initial=0) > 255 else 255.0
            grey = np.clip(array / top, 0.0, 1.0)
            array = grey[None] if mode == "gray" else np.repeat(grey[None], 3, axis=0)
        else:
            target = flat.convert("L") if mode == "gray" else flat
            array = np.asarray(_resized(target, size), dtype=np.float64) / 255.0
            array = array[None] if array.ndim == 2 else np.moveaxis(array, -1, 0)
    except (OSError, ValueError, SyntaxError) as error:
        raise TransferError(f"{where}: cannot decode the image: {error}") from None
    return np.ascontiguousarray(array)


__all__ = ["IMAGE_SUFFIXES", "MODES", "is_image_path", "mode_for", "read_image"]
