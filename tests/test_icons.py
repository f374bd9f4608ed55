"""The committed icon PNGs are square, of the sizes desktops ask for, and drawn from the SVGs."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SIZES = (16, 32, 48, 64, 128, 256, 512)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("size", SIZES)
def test_png_has_its_size(size: int) -> None:
    assert png_size(ICONS / f"convstudio-{size}.png") == (size, size)


@pytest.mark.parametrize("name", ["convstudio.svg", "convstudio-small.svg"])
def test_svg_is_well_formed_and_square(name: str) -> None:
    root = ET.parse(ICONS / name).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    _, _, width, height = root.get("viewBox", "").split()
    assert width == height
