"""A captioned grid: one input feature, kernel slice, bias or output feature on the stage."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from convstudio.ui.grids import GridView
from convstudio.ui.style.palette import role_color, theme_of

#: The stage's grids use a slightly smaller font than the panels, so that a lecture-sized layer
#: (two 7x7 padded inputs, their kernels and the outputs) fits a laptop screen without scrolling.
GRID_FONT_SCALE = 0.85


class FeatureCard(QFrame):
    """A caption over a ``GridView``, framed when it is the one in use.

    The frame is how the window says "this is the kernel / output feature the cursor is on", so it
    is drawn by the card, not by the grid, and costs one repaint when the cursor changes feature.
    """

    def __init__(
        self,
        caption: str,
        *,
        editable: bool,
        role: str = "output",
        parent: QWidget | None = None,
    ) -> None:
        """``role`` is the palette role of the frame: "kernel" for kernels, "output" for outputs."""
        super().__init__(parent)
        self._role = role
        self.setObjectName("FeatureCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.caption = QLabel(caption)
        self.caption.setObjectName("FeatureCaption")
        self.grid = GridView(editable=editable, name=caption)
        # The grid takes the size it asks for; the stage scrolls as a whole instead of every small
        # grid growing scroll bars of its own.
        self.grid.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.grid.set_font_scale(GRID_FONT_SCALE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 4)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addWidget(self.grid)
        layout.addStretch(1)  # caption and grid stay together at the top of a taller row
        self._current = False
        self._dimmed = False
        self._apply_style()

    def set_caption(self, text: str, tooltip: str = "") -> None:
        self.caption.setText(text)
        self.caption.setToolTip(tooltip)

    def set_current(self, current: bool) -> None:
        """Frame the card: it holds the kernel or output feature the cursor is on."""
        if current != self._current:
            self._current = current
            self._apply_style()

    def set_dimmed(self, dimmed: bool) -> None:
        """Grey the card out: the current output feature does not read it (groups)."""
        if dimmed != self._dimmed:
            self._dimmed = dimmed
            self._apply_style()

    def is_current(self) -> bool:
        return self._current

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_style()
        super().changeEvent(event)

    def _apply_style(self) -> None:
        if self._current:
            colour = role_color(self._role, theme_of(self)).name()
            self.setStyleSheet(
                f"#FeatureCard {{ border: 2px solid {colour}; border-radius: 4px; }}"
                "#FeatureCaption { font-weight: bold; }"
            )
        else:
            self.setStyleSheet(
                "#FeatureCard { border: 2px solid transparent; border-radius: 4px; }"
            )
        self.grid.setEnabled(not self._dimmed)
        self.caption.setEnabled(not self._dimmed)
