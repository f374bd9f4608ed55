"""A refused entry's reason, shown beside its cell like a tooltip.

Why not the status bar alone: the lecturer typed "abc" into a cell, the cursor moved on and the
reason appeared at the bottom of the window, far from where the eyes were. The reason belongs by
the cell, and stays until the next entry or a few seconds have passed.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QLabel, QWidget

#: How long the reason stays unless the next entry takes it away first.
SHOW_MS = 8000
#: Pixels between the cell and the reason.
GAP = 4


class RefusalTip(QLabel):
    """A small tooltip-like window with a red edge that sits beside a cell."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.ToolTip | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("RefusalTip")
        self.setWordWrap(True)
        self.setMaximumWidth(320)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setForegroundRole(QPalette.ColorRole.ToolTipText)
        self.setBackgroundRole(QPalette.ColorRole.ToolTipBase)
        self.setAutoFillBackground(True)
        self.setStyleSheet("#RefusalTip { border: 2px solid #d32f2f; padding: 3px 6px; }")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SHOW_MS)
        self._timer.timeout.connect(self.hide)

    def show_beside(self, cell: QRect, text: str) -> None:
        """Show ``text`` right of ``cell`` (global coordinates), or left of it near the screen's
        right edge; it never covers the cell."""
        self.setText(text)
        self.adjustSize()
        screen = QGuiApplication.screenAt(cell.center()) or QGuiApplication.primaryScreen()
        area = screen.availableGeometry() if screen is not None else QRect()
        pos = QPoint(cell.right() + 1 + GAP, cell.top())
        if area.isValid() and pos.x() + self.width() > area.right():
            pos.setX(cell.left() - GAP - self.width())
        if area.isValid():
            pos.setY(min(max(pos.y(), area.top()), area.bottom() - self.height()))
        self.move(pos)
        self.show()
        self.raise_()
        self._timer.start()
