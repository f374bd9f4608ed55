"""Play, pause and step icons drawn in the palette's button text colour.

Why not the style's standard icons: Fusion's media pixmaps are black whatever the theme, so in the
dark theme the lecturer's play and step buttons were black on dark grey. These are drawn from the
palette, so they follow the theme (redraw them on a palette change).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPalette, QPixmap

KINDS = ("play", "pause", "back", "forward", "first", "last")
#: Pixel sizes drawn, so the icon is sharp in a tool bar and on a high-density screen.
SIZES = (16, 24, 32, 48)


def _path(kind: str, side: float) -> QPainterPath:
    """The icon's shape in a ``side`` x ``side`` square, with a margin of an eighth."""
    m = side / 8
    box = QRectF(m, m, side - 2 * m, side - 2 * m)
    path = QPainterPath()
    if kind == "play":
        path.moveTo(box.left() + box.width() * 0.15, box.top())
        path.lineTo(box.right(), box.center().y())
        path.lineTo(box.left() + box.width() * 0.15, box.bottom())
        path.closeSubpath()
    elif kind == "pause":
        bar = box.width() * 0.3
        path.addRect(QRectF(box.left() + box.width() * 0.1, box.top(), bar, box.height()))
        path.addRect(QRectF(box.right() - box.width() * 0.1 - bar, box.top(), bar, box.height()))
    elif kind in ("back", "forward"):
        half = box.width() / 2
        for start in (box.left(), box.left() + half):
            tip, base = (start, start + half) if kind == "back" else (start + half, start)
            path.moveTo(QPointF(base, box.top() + box.height() * 0.1))
            path.lineTo(QPointF(tip, box.center().y()))
            path.lineTo(QPointF(base, box.bottom() - box.height() * 0.1))
            path.closeSubpath()
    elif kind in ("first", "last"):  # a bar at the end playback starts or stops at
        bar = box.width() * 0.18
        bar_left = box.left() if kind == "first" else box.right() - bar
        path.addRect(QRectF(bar_left, box.top() + box.height() * 0.1, bar, box.height() * 0.8))
        near, far = (
            (box.left() + bar, box.right()) if kind == "first" else (box.right() - bar, box.left())
        )
        path.moveTo(QPointF(far, box.top() + box.height() * 0.1))
        path.lineTo(QPointF(near, box.center().y()))
        path.lineTo(QPointF(far, box.bottom() - box.height() * 0.1))
        path.closeSubpath()
    else:
        raise ValueError(f"unknown media icon {kind!r}: expected one of {', '.join(KINDS)}")
    return path


def _pixmap(kind: str, side: int, colour: QColor) -> QPixmap:
    pixmap = QPixmap(side, side)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.fillPath(_path(kind, side), colour)
    painter.end()
    return pixmap


def media_icon(kind: str, palette: QPalette) -> QIcon:
    """``kind`` (one of ``KINDS``) in the button text colour, greyed when disabled."""
    icon = QIcon()
    normal = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.ButtonText)
    disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText)
    for side in SIZES:
        icon.addPixmap(_pixmap(kind, side, normal), QIcon.Mode.Normal)
        icon.addPixmap(_pixmap(kind, side, normal), QIcon.Mode.Active)
        icon.addPixmap(_pixmap(kind, side, disabled), QIcon.Mode.Disabled)
    return icon


def slider_style(palette: QPalette) -> str:
    """A style sheet for a horizontal slider whose track reads on the window's background in
    either theme: the track in the palette's Mid (at least 3:1 against Window in both themes),
    the part before the handle in Highlight, the handle outlined in the button text colour."""
    role = QPalette.ColorRole
    track = palette.color(role.Mid).name()
    done = palette.color(role.Highlight).name()
    handle = palette.color(role.Button).name()
    edge = palette.color(role.ButtonText).name()
    return (
        f"QSlider::groove:horizontal {{ height: 4px; border-radius: 2px; background: {track}; }}"
        f"QSlider::sub-page:horizontal {{ border-radius: 2px; background: {done}; }}"
        f"QSlider::handle:horizontal {{ width: 12px; margin: -6px 0; border-radius: 7px;"
        f" background: {handle}; border: 1px solid {edge}; }}"
    )
