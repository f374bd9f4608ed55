"""The Qt binding itself: guards against a PySide6 release that would crash the app.

PySide6 6.12.0 decrements the reference count of None on every QPainter call that returns void.
Python 3.11 frees None when the count reaches zero and aborts ("none_dealloc"), which the window
reached after a few seconds of scrubbing. pyproject.toml excludes that release; this test fails
if a binding with that bug is installed anyway.
"""

import sys

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter


def test_painting_keeps_the_reference_count_of_none(qapp):
    image = QImage(16, 16, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    rect, colour = QRect(0, 0, 8, 8), QColor(200, 10, 10)
    calls = 300  # few enough that a buggy binding fails the assertion before it crashes
    before = sys.getrefcount(None)
    for _ in range(calls):
        painter.fillRect(rect, colour)
        painter.setPen(colour)
        painter.drawRect(rect)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "1")
    after = sys.getrefcount(None)
    painter.end()
    # Unrelated code may take or drop a few references; the bug drops one per call.
    assert after - before > -calls // 3
