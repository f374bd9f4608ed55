"""The stage as pictures: PNG at any scale, SVG with text as text, and one frame per output cell.

Everything is drawn from a ``MainWindow`` through its public parts (``document.set_cursor``,
``stage``, ``arithmetic``, ``settle``), as the screenshot is: the stage's whole content (not
only the part scrolled into view), optionally with the arithmetic panel under it. A PNG at
``scale`` 2 is drawn into an image with devicePixelRatio 2, so text and lines are drawn at twice
the resolution rather than an upscaled bitmap.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRect, QSize
from PySide6.QtGui import QImage, QPainter, QPalette, QRegion
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QApplication, QWidget

from convstudio.ui.export.reveal import blank_unreached

if TYPE_CHECKING:
    from convstudio.ui.shell.main_window import MainWindow

#: Space between the stage and the arithmetic panel in a picture, in pixels.
GAP = 8
MAX_SCALE = 8.0


def stage_content(window: MainWindow) -> QWidget:
    """The widget holding the whole stage (its scroll area's content), every card built."""
    window.stage.build_all()
    QApplication.processEvents()  # the built cards laid out before they are drawn
    content = window.stage.scroll_area.widget()
    return content if content is not None else window.stage


def picture_widgets(window: MainWindow, arithmetic: bool = False) -> list[QWidget]:
    """What a picture shows, top to bottom: the stage, and the arithmetic panel if asked."""
    widgets = [stage_content(window)]
    if arithmetic:
        window.settle()
        widgets.append(window.arithmetic)
    return widgets


def extent(widget: QWidget) -> QSize:
    """The part of ``widget`` a picture shows: the stage's content is laid out from the top
    left and may be stretched wider than it needs by the window; the picture keeps what it
    needs (its size hint), never more than the widget has."""
    hint = widget.sizeHint()
    if not hint.isValid():
        return widget.size()
    return widget.size().boundedTo(hint)


def picture_size(widgets: Sequence[QWidget]) -> QSize:
    sizes = [extent(widgets[0]), *(w.size() for w in widgets[1:])]
    width = max(s.width() for s in sizes)
    height = sum(s.height() for s in sizes) + GAP * (len(sizes) - 1)
    return QSize(width, height)


def paint_picture(
    painter: QPainter,
    window: MainWindow,
    widgets: Sequence[QWidget],
    reached: np.ndarray | None = None,
) -> None:
    """Draw ``widgets`` stacked, on the window's background; blank unreached output cells."""
    size = picture_size(widgets)
    painter.fillRect(QRect(QPoint(0, 0), size), window.palette().color(QPalette.ColorRole.Window))
    y = 0
    for index, widget in enumerate(widgets):
        origin = QPoint(0, y)
        size = extent(widget) if index == 0 else widget.size()
        widget.render(painter, origin, QRegion(QRect(QPoint(0, 0), size)))
        if reached is not None and index == 0:
            blank_unreached(painter, window.stage, widget, reached, origin)
        y += size.height() + GAP


def render_image(
    window: MainWindow,
    *,
    scale: float = 1.0,
    arithmetic: bool = False,
    reached: np.ndarray | None = None,
) -> QImage:
    """The picture as a QImage of ``scale`` times the on-screen pixels (text drawn at scale)."""
    widgets = picture_widgets(window, arithmetic)
    size = picture_size(widgets)
    image = QImage(
        round(size.width() * scale),
        round(size.height() * scale),
        QImage.Format.Format_ARGB32_Premultiplied,
    )
    image.setDevicePixelRatio(scale)
    painter = QPainter(image)
    try:
        paint_picture(painter, window, widgets, reached)
    finally:
        painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):  # type: ignore[call-overload]  # QIODevice overload
        raise OSError("Qt could not encode the PNG")
    buffer.close()
    return bytes(data.data())


def svg_bytes(window: MainWindow, *, arithmetic: bool = False, title: str = "") -> bytes:
    """The picture as SVG: cells as rectangles, numbers and captions as text elements."""
    widgets = picture_widgets(window, arithmetic)
    size = picture_size(widgets)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(size)
    generator.setViewBox(QRect(QPoint(0, 0), size))
    generator.setTitle(title or "ConvStudio")
    generator.setDescription("The layer's stage, drawn by ConvStudio")
    painter = QPainter(generator)
    try:
        paint_picture(painter, window, widgets)
    finally:
        painter.end()
    buffer.close()
    return bytes(data.data())


def to_pil(image: QImage) -> Image.Image:
    """A QImage as a Pillow RGB image (same pixels)."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = rgb.width(), rgb.height(), rgb.bytesPerLine()
    data = bytes(rgb.constBits())[: stride * height]
    return Image.frombuffer("RGB", (width, height), data, "raw", "RGB", stride, 1).copy()
