"""Render the application icon's PNG sizes from resources/icons/convstudio.svg.

Sizes up to SMALL_MAX are drawn from convstudio-small.svg instead, a variant fitted to the 16 px
pixel grid, because the full icon's 5x5 grid turns to mush at that size.

Desktops pick a raster icon per size (menus 16-48 px, docks and app stores 128-512 px), and
Windows/macOS bundlers want PNG sources too, so the PNGs are committed beside the SVG. Run this
after editing the SVG:

    QT_QPA_PLATFORM=offscreen python packaging/render_icons.py
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

SIZES = (16, 32, 48, 64, 128, 256, 512)
SMALL_MAX = 16
ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"


def source_for(icons_dir: Path, size: int) -> Path:
    """The SVG a size is drawn from: the pixel-fitted small variant for menu sizes."""
    name = "convstudio-small.svg" if size <= SMALL_MAX else "convstudio.svg"
    return icons_dir / name


def png_path(icons_dir: Path, size: int) -> Path:
    """Where the PNG of one size lives: `convstudio-<size>.png` beside the SVG."""
    return icons_dir / f"convstudio-{size}.png"


def render(svg: Path, size: int) -> QImage:
    """Draw the SVG into a transparent square image of `size` pixels, antialiased."""
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg} is not a valid SVG that Qt can draw")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--icons", type=Path, default=ICONS, help="folder holding convstudio.svg")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no screen needed to draw
    _app = QGuiApplication.instance() or QGuiApplication([])
    for size in SIZES:
        target = png_path(args.icons, size)
        if not render(source_for(args.icons, size), size).save(str(target), "PNG"):
            print(f"could not write {target}", file=sys.stderr)
            return 1
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
