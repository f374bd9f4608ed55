"""The colours view of a grid: a pyqtgraph image with a colour legend, zoom and pan.

For grids too large for numbers (a 256x256 input). Cell (row, col) of the padded grid is the view
square [col, col+1] x [row, row+1] with the y axis pointing down, so padded coordinates are view
coordinates. Padding, highlights and the numbers shown when zoomed in are light overlay items that
paint only what is exposed, in device pixels (crisp lines at any zoom). Editing: double-click a cell
opens an inline editor over it with the same validation as the numbers view; the view stays a
colour map (numbers appear on the cells once they are large enough to read).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QKeyEvent, QPainter, QPen, QTransform
from PySide6.QtWidgets import QGraphicsItem, QLineEdit, QSizePolicy, QStyleOptionGraphicsItem

from convstudio.ui.grids.highlights import HighlightLayer, row_runs
from convstudio.ui.grids.model import GridModel
from convstudio.ui.grids.numbers import format_compact, format_exact
from convstudio.ui.grids.numbers_view import claims_shortcut, key_action_of
from convstudio.ui.grids.textfit import TextFitter
from convstudio.ui.style.palette import (
    diverging_lut,
    highlight_fill,
    role_color,
    role_pen_style,
    theme_of,
)

#: Numbers are drawn on cells at least this many device pixels wide.
MIN_TEXT_CELL_PX = 30.0
#: ... and never for more than this many visible cells at once (they would not be readable).
MAX_TEXT_CELLS = 6000
#: Per-cell highlight borders below this cell size would smear; only the fill and frame are drawn.
MIN_BORDER_CELL_PX = 6.0
#: A highlight frame is never drawn smaller than this: one lit cell stays findable when zoomed out.
MIN_FRAME_PX = 9


def _device_rect(transform: QTransform, rect: QRectF) -> QRect:
    return transform.mapRect(rect).toAlignedRect()


class _OverlayItem(pg.GraphicsObject):
    """Base for overlays drawn in device pixels over the image."""

    def __init__(self, model: GridModel) -> None:
        super().__init__()
        self._model = model
        self._theme = "light"
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)

    def set_theme(self, theme: str) -> None:
        self._theme = theme
        self.update()

    def grid_rect(self) -> QRectF:
        rows, cols = self._model.padded.shape
        return QRectF(0, 0, cols, rows)

    def boundingRect(self) -> QRectF:
        return self.grid_rect()

    def shape_changed(self) -> None:
        self.prepareGeometryChange()
        self.update()


class PaddingItem(_OverlayItem):
    """Dims and hatches the ghost cells and outlines the real cells: padding reads as padding."""

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        top, left, rows, cols = self._model.real_rect
        total_rows, total_cols = self._model.padded.shape
        if (rows, cols) == (total_rows, total_cols) or not rows or not cols:
            return
        real = QRectF(left, top, cols, rows)
        strips = [
            QRectF(0, 0, total_cols, top),
            QRectF(0, top + rows, total_cols, total_rows - top - rows),
            QRectF(0, top, left, rows),
            QRectF(left + cols, top, total_cols - left - cols, rows),
        ]
        transform = painter.worldTransform()
        painter.save()
        painter.resetTransform()
        dim = QColor("#FFFFFF" if self._theme == "light" else "#000000")
        dim.setAlpha(120)
        hatch = role_color("padding", self._theme)
        hatch.setAlpha(170)
        for strip in strips:
            if strip.width() > 0 and strip.height() > 0:
                device = _device_rect(transform, strip)
                painter.fillRect(device, dim)
                painter.fillRect(device, QBrush(hatch, Qt.BrushStyle.BDiagPattern))
        outline = role_color("padding", self._theme).darker(150)
        painter.setPen(QPen(outline, 1, Qt.PenStyle.DashLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(_device_rect(transform, real).adjusted(0, 0, -1, -1))
        painter.restore()


class CellTextItem(_OverlayItem):
    """The numbers of the visible cells, once the cells are large enough on screen to read them."""

    def __init__(self, model: GridModel) -> None:
        super().__init__(model)
        self._limit = 1.0
        self._dark_text = np.zeros(256, dtype=bool)
        self._fitters: dict[tuple[int, bool], TextFitter] = {}

    def _fitter(self, base: QFont, pixels: int, italic: bool) -> TextFitter:
        key = (pixels, italic)
        fitter = self._fitters.get(key)
        if fitter is None:
            font = QFont(base)
            font.setPixelSize(pixels)
            fitter = self._fitters[key] = TextFitter(font, italic=italic)
        return fitter

    def set_colours(self, limit: float, lut: np.ndarray) -> None:
        """Text is white on the dark end of the colour map, black elsewhere."""
        self._limit = limit
        luminance = lut[:, :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])
        self._dark_text = luminance > 140
        self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        transform = painter.worldTransform()
        cell_w, cell_h = abs(transform.m11()), abs(transform.m22())
        if min(cell_w, cell_h) < MIN_TEXT_CELL_PX:
            return
        total_rows, total_cols = self._model.padded.shape
        exposed = option.exposedRect
        r0 = max(0, math.floor(exposed.top()))
        r1 = min(total_rows, math.ceil(exposed.bottom()))
        c0 = max(0, math.floor(exposed.left()))
        c1 = min(total_cols, math.ceil(exposed.right()))
        if r1 <= r0 or c1 <= c0 or (r1 - r0) * (c1 - c0) > MAX_TEXT_CELLS:
            return
        values = self._model.padded[r0:r1, c0:c1]
        lut_index = np.clip(np.nan_to_num((values / self._limit + 1.0) * 127.5), 0, 255).astype(
            np.int64
        )
        pixels = max(8, min(14, int(min(cell_w, cell_h) * 0.32)))
        fitter = self._fitter(painter.font(), pixels, italic=False)
        italic_fitter = self._fitter(painter.font(), pixels, italic=True)
        black, white = QColor("#000000"), QColor("#FFFFFF")
        ghost_pen = role_color("padding", self._theme)
        ghost_pen = ghost_pen.darker(160) if self._theme == "light" else ghost_pen.lighter(160)
        painter.save()
        painter.resetTransform()
        for r in range(r0, r1):
            for c in range(c0, c1):
                rect = _device_rect(transform, QRectF(c, r, 1, 1))
                real = self._model.is_real(r, c)
                font, text = (fitter if real else italic_fitter).fit(
                    self._model.text(r, c), float(values[r - r0, c - c0]), rect.width() - 4
                )
                painter.setFont(font)
                if real:
                    painter.setPen(black if self._dark_text[lut_index[r - r0, c - c0]] else white)
                else:
                    painter.setPen(ghost_pen)
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()


class HighlightItem(_OverlayItem):
    """One highlight layer: translucent fill, a crisp border per lit cell, a frame around them."""

    def __init__(self, model: GridModel, layer: HighlightLayer) -> None:
        super().__init__(model)
        self._layer = layer
        self._runs = row_runs(layer)
        self.setZValue(10 + layer.z)

    def set_layer(self, layer: HighlightLayer) -> None:
        self.prepareGeometryChange()
        self._layer = layer
        self._runs = row_runs(layer)
        self.setZValue(10 + layer.z)
        self.update()

    def viewTransformChanged(self) -> None:
        super().viewTransformChanged()
        self.prepareGeometryChange()  # the margin for device-pixel pens depends on the zoom

    def boundingRect(self) -> QRectF:
        extent = self._layer.extent
        if extent is None:
            return QRectF()
        top, left, bottom, right = extent
        rect = QRectF(left, top, right - left + 1, bottom - top + 1)
        px, py = self.pixelWidth() or 0.0, self.pixelHeight() or 0.0
        mx, my = (MIN_FRAME_PX + 6) * px, (MIN_FRAME_PX + 6) * py  # frame, halo and pens
        return rect.adjusted(-mx, -my, mx, my)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        layer = self._layer
        if layer.extent is None:
            return
        transform = painter.worldTransform()
        cell_px = min(abs(transform.m11()), abs(transform.m22()))
        exposed = option.exposedRect
        color = role_color(layer.style, self._theme)
        painter.save()
        painter.resetTransform()
        runs = [
            _device_rect(transform, QRectF(c0, r, c1 - c0 + 1, 1))
            for r, c0, c1 in self._runs
            if r + 1 >= exposed.top() and r <= exposed.bottom()
        ]
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(highlight_fill(layer.style, self._theme))
        painter.drawRects(runs)
        if cell_px >= MIN_BORDER_CELL_PX:
            visible = (
                (layer.rows + 1 >= exposed.top())
                & (layer.rows <= exposed.bottom())
                & (layer.cols + 1 >= exposed.left())
                & (layer.cols <= exposed.right())
            )
            cells = [
                _device_rect(transform, QRectF(c, r, 1, 1)).adjusted(1, 1, -1, -1)
                for r, c in zip(layer.rows[visible].tolist(), layer.cols[visible].tolist())
            ]
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(
                QPen(
                    color,
                    2,
                    role_pen_style(layer.style),
                    Qt.PenCapStyle.SquareCap,
                    Qt.PenJoinStyle.MiterJoin,
                )
            )
            painter.drawRects(cells)
        top, left, bottom, right = layer.extent
        frame = _device_rect(transform, QRectF(left, top, right - left + 1, bottom - top + 1))
        if frame.width() < MIN_FRAME_PX or frame.height() < MIN_FRAME_PX:
            centre = frame.center()
            frame = QRect(0, 0, max(frame.width(), MIN_FRAME_PX), max(frame.height(), MIN_FRAME_PX))
            frame.moveCenter(centre)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        # A dark (light, in the dark theme) halo under the role colour: the frame must stand out
        # on any colour of the map, orange on vermillion included.
        halo = QColor(255, 255, 255, 220) if self._theme == "dark" else QColor(0, 0, 0, 200)
        # Around cells with gaps (dilation) the frame is broken into 4 px dashes, halo and
        # colour alike: it shows where the cells are, not that the gaps are read.
        for pen_colour, width in ((halo, 4), (color, 2)):
            pen = QPen(
                pen_colour,
                width,
                Qt.PenStyle.SolidLine,
                Qt.PenCapStyle.FlatCap,
                Qt.PenJoinStyle.MiterJoin,
            )
            if layer.has_gaps:
                pen.setDashPattern([4 / width, 4 / width])
            painter.setPen(pen)
            painter.drawRect(frame.adjusted(-2, -2, 1, 1))
        painter.restore()


class LazyMenuViewBox(pg.ViewBox):
    """A ViewBox whose right-click menu is made the first time it is opened.

    pyqtgraph builds the menu (a dozen widgets) with every ViewBox; for a stage of colour maps
    that was a third of the time each grid took to appear.
    """

    def __init__(self, **options) -> None:
        super().__init__(enableMenu=False, **options)
        self.state["enableMenu"] = True  # offered, built on demand

    def _applyMenuEnabled(self) -> None:
        if not self.state.get("enableMenu", True) and self.menu is not None:
            self.menu.setParent(None)
            self.menu = None

    def getMenu(self, ev):
        if self.menu is None and self.menuEnabled():
            from pyqtgraph.graphicsItems.ViewBox.ViewBoxMenu import ViewBoxMenu

            self.menu = ViewBoxMenu(self)
            self.updateViewLists()
        return self.menu

    def getContextMenus(self, event):
        menu = self.getMenu(event)
        return menu.actions() if menu is not None else []


class LegendBar(pg.GraphicsWidget):
    """The colour legend: the map's gradient from -limit to +limit with the three values.

    Drawn by hand rather than with pyqtgraph's ColorBarItem, a whole plot with axes that took
    half of the time each colour-map grid took to build.
    """

    WIDTH = 58
    STRIP = 12

    def __init__(self) -> None:
        super().__init__()
        self._limit = 1.0
        self._gradient = QImage()
        self._text = QColor("#000000")
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.setPreferredWidth(self.WIDTH)
        self.setMinimumWidth(self.WIDTH)
        self.setMaximumWidth(self.WIDTH)

    def set_look(self, lut: np.ndarray, text: QColor) -> None:
        """The lookup table (N x 3 or 4, from -limit to +limit) and the colour of the labels."""
        rgb = np.ascontiguousarray(lut[::-1, :3].astype(np.uint8))  # top is +limit
        image = QImage(rgb.data, 1, rgb.shape[0], 3, QImage.Format.Format_RGB888)
        self._gradient = image.copy()
        self._text = QColor(text)
        self.update()

    def set_limit(self, limit: float) -> None:
        self._limit = limit
        self.update()

    def paint(self, painter: QPainter, option, widget=None) -> None:
        rect = self.boundingRect()
        if rect.height() < 8:
            return
        strip = QRectF(rect.left() + 2, rect.top() + 6, self.STRIP, rect.height() - 12)
        painter.drawImage(strip, self._gradient)
        painter.setPen(QPen(self._text, 0))
        painter.drawRect(strip)
        font = QFont(painter.font())
        font.setPixelSize(10)
        painter.setFont(font)
        left = strip.right() + 3
        width = rect.right() - left
        for fraction, value in ((0.0, self._limit), (0.5, 0.0), (1.0, -self._limit)):
            y = strip.top() + fraction * strip.height()
            box = QRectF(left, y - 7, width, 14)
            painter.drawText(
                box,
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                format_compact(value, 3),
            )


class _EditorFilter(QObject):
    """Enter/Tab commit, Escape cancels, leaving the editor commits (as the numbers view does)."""

    def __init__(self, view: ColoursView) -> None:
        super().__init__(view)
        self._view = view

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab):
                self._view.close_editor(commit=True)
                return True
            if key == Qt.Key.Key_Escape:
                self._view.close_editor(commit=False)
                return True
        elif event.type() == QEvent.Type.FocusOut:
            self._view.close_editor(commit=True)
        return False


class ColoursView(pg.GraphicsLayoutWidget):
    """Image of the padded grid with a legend; emits padded coordinates, never edits values."""

    commit_requested = Signal(int, int, str)
    key_action = Signal(str)
    cell_clicked = Signal(int, int)
    cell_hovered = Signal(int, int)

    def __init__(self, model: GridModel, layers: dict[str, HighlightLayer], parent=None) -> None:
        super().__init__(parent)
        self._grid = model
        self._layers = layers
        self._items: dict[str, HighlightItem] = {}
        self._hovered = (-1, -1)
        self.hover_modifiers = Qt.KeyboardModifier.NoModifier
        self._press: QPoint | None = None
        self._current: tuple[int, int] | None = None
        self._editor: QLineEdit | None = None
        self._editing: tuple[int, int] | None = None
        self._filter: _EditorFilter | None = None
        self._editable = True
        self._limit = 1.0
        self._levels_set = False
        self.ci.layout.setContentsMargins(2, 2, 2, 2)
        self.ci.layout.setHorizontalSpacing(4)
        self.vb = LazyMenuViewBox(lockAspect=True, invertY=True)
        self.addItem(self.vb, row=0, col=0)
        self.vb.setDefaultPadding(0.02)
        # Downsampled to the pixels on screen before colouring: a 1024x1024 grid shown in 240
        # pixels is coloured at 240x240 (it was a million-pixel lookup on every repaint).
        self.image = pg.ImageItem(axisOrder="row-major", autoDownsample=True)
        self.vb.addItem(self.image)
        self.padding_item = PaddingItem(model)
        self.padding_item.setZValue(2)
        self.text_item = CellTextItem(model)
        self.text_item.setZValue(3)
        for item in (self.padding_item, self.text_item):
            self.vb.addItem(item, ignoreBounds=True)
        self.bar = LegendBar()
        self.addItem(self.bar, row=0, col=1)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.refresh_look()

    # -- look ----------------------------------------------------------------------------------

    def refresh_look(self) -> None:
        self._theme = theme_of(self)
        self.setBackground(self.palette().window().color())
        lut = diverging_lut(self._theme)
        self._lut = lut
        self.image.setLookupTable(lut)
        self.bar.set_look(lut, self.palette().text().color())
        for item in (self.padding_item, self.text_item, *self._items.values()):
            item.set_theme(self._theme)
        self.text_item.set_colours(self._limit, lut)

    def set_limit(self, limit: float) -> None:
        """Levels [-limit, limit] for the image and legend (only when the limit changes: the
        legend's axis is costly to lay out)."""
        if limit == self._limit and self._levels_set:
            return
        self._limit = limit
        self._levels_set = True
        self.image.setLevels((-limit, limit))
        self.bar.set_limit(limit)
        self.text_item.set_colours(limit, self._lut)

    def set_editable(self, editable: bool) -> None:
        self._editable = editable
        if not editable:
            self.close_editor(commit=False)

    # -- values and layout ---------------------------------------------------------------------

    def refresh_values(self, reshaped: bool) -> None:
        """Show the model's values; a new shape also resets zoom to show the whole grid."""
        self.close_editor(commit=False)
        self.image.setImage(self._grid.padded, autoLevels=False, levels=(-self._limit, self._limit))
        if reshaped:
            for item in (self.padding_item, self.text_item, *self._items.values()):
                item.shape_changed()
            self.reset_zoom()
            self.updateGeometry()
        else:
            self.padding_item.update()
            self.text_item.update()

    def reset_zoom(self) -> None:
        """Show the whole grid; a single-row (1D) grid zooms and pans along its length only."""
        rows, cols = self._grid.padded.shape
        rows, cols = max(rows, 1), max(cols, 1)
        one_row = rows == 1
        self.vb.setAspectLocked(not one_row)
        self.vb.setMouseEnabled(x=True, y=not one_row)
        self.vb.setLimits(
            xMin=-0.5 * cols - 1,
            xMax=1.5 * cols + 1,
            yMin=-0.5 * rows - 1,
            yMax=1.5 * rows + 1,
            minXRange=1.5,
            minYRange=1.0,
        )
        self.vb.setRange(QRectF(0, 0, cols, rows), padding=0.02)
        self.vb.disableAutoRange()

    def sizeHint(self) -> QSize:
        rows, cols = self._grid.padded.shape
        bar = 80
        if rows <= 1:
            return QSize(480 + bar, 90)
        side = 240  # input, kernel and output columns side by side on a 1440-pixel screen
        if cols >= rows:
            return QSize(side + bar, max(120, int(side * rows / max(cols, 1))))
        return QSize(max(120, int(side * cols / rows)) + bar, side)

    def minimumSizeHint(self) -> QSize:
        return QSize(160, 60)

    # -- highlights ----------------------------------------------------------------------------

    def set_layer(self, name: str, layer: HighlightLayer | None) -> None:
        item = self._items.get(name)
        if layer is None or layer.extent is None:
            if item is not None:
                self.vb.removeItem(item)
                del self._items[name]
            return
        if item is None:
            item = self._items[name] = HighlightItem(self._grid, layer)
            item.set_theme(self._theme)
            self.vb.addItem(item, ignoreBounds=True)
        else:
            item.set_layer(layer)

    def sync_layers(self) -> None:
        for name in list(self._items):
            if name not in self._layers:
                self.set_layer(name, None)
        for name, layer in self._layers.items():
            self.set_layer(name, layer)

    # -- geometry ------------------------------------------------------------------------------

    def cell_viewport_rect(self, row: int, col: int) -> QRect:
        """Rect of a padded cell in viewport coordinates at the current zoom."""
        self.vb.updateMatrix()  # a zoom applies its transform lazily, at the next paint
        transform = self.image.sceneTransform() * self.viewportTransform()
        return _device_rect(transform, QRectF(col, row, 1, 1))

    def cell_at(self, pos: QPointF) -> tuple[int, int]:
        """Padded (row, col) under a viewport position, or (-1, -1) outside the grid."""
        self.vb.updateMatrix()
        view = self.vb.mapSceneToView(self.mapToScene(pos.toPoint()))
        row, col = math.floor(view.y()), math.floor(view.x())
        rows, cols = self._grid.padded.shape
        if (
            0 <= row < rows
            and 0 <= col < cols
            and self.vb.sceneBoundingRect().contains(self.mapToScene(pos.toPoint()))
        ):
            return row, col
        return -1, -1

    # -- mouse ---------------------------------------------------------------------------------

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        press, self._press = self._press, None
        if (
            event.button() == Qt.MouseButton.LeftButton
            and press is not None
            and (event.position().toPoint() - press).manhattanLength() <= 3
        ):
            row, col = self.cell_at(event.position())
            if row >= 0:
                self._current = (row, col)
                self.cell_clicked.emit(row, col)
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            row, col = self.cell_at(event.position())
            if row >= 0 and self._editable and self._grid.is_real(row, col):
                self.open_editor(row, col)
                event.accept()
                return
        super().mouseDoubleClickEvent(event)

    def mouseMoveEvent(self, event) -> None:
        self.hover_modifiers = event.modifiers()
        cell = self.cell_at(event.position())
        if cell != self._hovered:
            self._hovered = cell
            self.cell_hovered.emit(*cell)
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:
        if self._hovered != (-1, -1):
            self._hovered = (-1, -1)
            self.cell_hovered.emit(-1, -1)
        super().leaveEvent(event)

    # -- keyboard ------------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        if claims_shortcut(event):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        action = key_action_of(event)
        if action is not None:
            self.key_action.emit(action)
            event.accept()
            return
        starts_edit = event.key() in (Qt.Key.Key_F2, Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if starts_edit and self._current and self._editable and self._grid.is_real(*self._current):
            self.open_editor(*self._current)
            return
        super().keyPressEvent(event)

    def selected_rects(self) -> list[tuple[int, int, int, int]]:
        """The last clicked cell: the colour map has no multi-cell selection."""
        if self._current is None:
            return []
        row, col = self._current
        return [(row, col, row, col)]

    def anchor(self) -> tuple[int, int] | None:
        return self._current

    def set_current(self, row: int, col: int) -> None:
        """The cell a paste, F2 or Enter acts on (a left click sets it too)."""
        self._current = (row, col)

    # -- inline editor -------------------------------------------------------------------------

    def open_editor(self, row: int, col: int) -> None:
        """An editor over the cell (at least wide enough to type a number), holding its value."""
        self.close_editor(commit=False)
        self._current = (row, col)
        editor = QLineEdit(self.viewport())
        editor.setAccessibleName("cell value")
        editor.setAlignment(Qt.AlignmentFlag.AlignCenter)
        editor.setText(format_exact(self._grid.padded[row, col]))
        editor.selectAll()
        rect = self.cell_viewport_rect(row, col)
        size = QSize(max(rect.width(), 90), max(rect.height(), editor.sizeHint().height()))
        box = QRect(QPoint(0, 0), size)
        box.moveCenter(rect.center())
        editor.setGeometry(box)
        self._filter = _EditorFilter(self)
        editor.installEventFilter(self._filter)
        self._editor, self._editing = editor, (row, col)
        editor.show()
        editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def editor(self) -> QLineEdit | None:
        return self._editor

    def close_editor(self, commit: bool) -> None:
        editor, cell = self._editor, self._editing
        if editor is None or cell is None:
            return
        self._editor = self._editing = None
        text = editor.text()
        if self._filter is not None:
            editor.removeEventFilter(self._filter)
            self._filter.deleteLater()
            self._filter = None
        editor.hide()
        editor.deleteLater()
        self.setFocus(Qt.FocusReason.OtherFocusReason)
        if commit:
            self.commit_requested.emit(cell[0], cell[1], text)
