"""Reveal: output cells the playback has not reached yet, drawn blank.

The stage has no reveal mode of its own yet, so pictures blank those cells by painting over them
after the stage is drawn, through the grids' public geometry (``GridView.cell_rect``). Any view
that wants the same look (a reveal mode for the live stage, a presentation view) can call
``blank_unreached`` from its own paint code with the mask from
``convstudio.session.playback.reached_mask``.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QWidget

from convstudio.ui.stage.stage import LayerStage


def blank_unreached(
    painter: QPainter, stage: LayerStage, root: QWidget, reached: np.ndarray, origin: QPoint
) -> None:
    """Paint every output cell on view where ``reached`` is False with the grid's base colour.

    ``reached`` has the output's shape ``(out_features, *spatial)``; ``root`` is the widget the
    painter draws, with its top-left at ``origin`` in the painter's coordinates.
    """
    for feature in range(reached.shape[0]):
        card = stage.output_card(feature)
        if card is None:
            continue
        grid = card.grid
        top, left, _rows, _cols = grid.real_rect()
        cells = reached[feature]
        cells = cells[None, :] if cells.ndim == 1 else cells
        colour = grid.palette().color(QPalette.ColorRole.Base)
        for row, col in np.argwhere(~cells):
            rect = grid.cell_rect(int(row) + top, int(col) + left)
            corner = grid.mapTo(root, rect.topLeft()) + origin
            painter.fillRect(QRect(corner, rect.size()).adjusted(0, 0, -1, -1), colour)
