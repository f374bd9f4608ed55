"""The scrub bar: choose the output feature and slide the output position, or play through them."""

from __future__ import annotations

from math import prod

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QToolButton,
    QWidget,
)
from superqt.utils import signals_blocked

from convstudio.session import ViewState, cell_at, interval_ms, last_cell, stepped
from convstudio.ui.state.binding import follow
from convstudio.ui.state.document import PARTS, SessionDocument
from convstudio.ui.style.media_icons import media_icon, slider_style


def position_to_index(position: tuple[int, ...], shape: tuple[int, ...]) -> int:
    """Reading-order index of an output position (row by row, as the slider counts)."""
    index = 0
    for p, n in zip(position, shape):
        index = index * n + p
    return index


def index_to_position(index: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    position = []
    for n in reversed(shape):
        position.append(index % n)
        index //= n
    return tuple(reversed(position))


class ScrubBar(QWidget):
    """Output feature selector, position slider, step buttons and play.

    The bar never changes the cursor itself: it asks (``cursor_requested``) and, once bound
    (``bind``), the document moves it and the bar shows it through ``set_cursor``, so the document
    stays the one place the cursor lives. Playing is the view state's ``playing``.
    """

    cursor_requested = Signal(int, tuple)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._shape: tuple[int, ...] = (1,)
        self._out_features = 1
        self._position: tuple[int, ...] = (0,)
        self._feature = 0

        self.feature_box = QSpinBox()
        self.feature_box.setKeyboardTracking(False)
        self.feature_box.setToolTip(
            "The output feature (channel) being computed, counted from 0 as in PyTorch. "
            "Alt+PgUp / Alt+PgDown step through the features."
        )
        self.feature_box.setAccessibleName("Output feature")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip(
            "Slide the output position in reading order. Arrow keys step when the slider has "
            "focus; "
            "Alt+Left / Alt+Right step from anywhere, Alt+Up / Alt+Down move a row."
        )
        self.slider.setAccessibleName("Output position")
        self.slider.setMinimumWidth(160)
        self.slider.setPageStep(1)
        self.first_button = QToolButton()
        self.first_button.setToolTip("Back to the first cell of the playback order (Alt+Home)")
        self.prev_button = QToolButton()
        self.prev_button.setToolTip("Step back one cell in the playback order (comma)")
        self.next_button = QToolButton()
        self.next_button.setToolTip("Step forward one cell in the playback order (period)")
        self.last_button = QToolButton()
        self.last_button.setToolTip("On to the last cell of the playback order (Alt+End)")
        for button in (self.first_button, self.prev_button, self.next_button, self.last_button):
            button.setAutoRaise(True)
        self.play_button = QToolButton()
        self.play_button.setCheckable(True)
        self.play_button.setAutoRaise(True)
        self.play_button.setToolTip(
            "Play or pause: slide the kernel through every output cell in the playback order "
            "(Space or F5)"
        )
        self.position_label = QLabel()
        self.position_label.setMinimumWidth(150)
        self.position_label.setToolTip("The current output position, counted from 0")

        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        feature_label = QLabel("Output feature")
        feature_label.setBuddy(self.feature_box)
        layout.addWidget(feature_label)
        layout.addWidget(self.feature_box)
        layout.addSpacing(12)
        position_title = QLabel("Position")
        position_title.setBuddy(self.slider)
        layout.addWidget(position_title)
        layout.addWidget(self.first_button)
        layout.addWidget(self.prev_button)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.next_button)
        layout.addWidget(self.last_button)
        layout.addWidget(self.position_label)
        layout.addWidget(self.play_button)

        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms(1.0))
        self._timer.timeout.connect(self._play_step)
        self._apply_look()

        self.feature_box.valueChanged.connect(self._feature_changed)
        self.slider.valueChanged.connect(self._slider_changed)
        self.first_button.clicked.connect(self.go_first)
        self.prev_button.clicked.connect(lambda: self.step_played(-1))
        self.next_button.clicked.connect(lambda: self.step_played(1))
        self.last_button.clicked.connect(self.go_last)
        self.play_button.toggled.connect(self.set_playing)
        self._document: SessionDocument | None = None
        self._view: ViewState | None = None

    def bind(self, document: SessionDocument, view: ViewState) -> None:
        """Follow the document's layer and cursor and ask it to move the cursor; play and stop
        with the view state's ``playing`` (which the bar's own play button sets)."""
        self._document, self._view = document, view
        document.changed.connect(self._document_changed)
        document.cursor_changed.connect(self._cursor_changed)
        self.cursor_requested.connect(self._request_cursor)
        follow(view.events.playing, self, self.set_playing)
        follow(view.events.speed, self, self._speed_changed)
        self._speed_changed(view.speed)
        self._document_changed(PARTS)

    def _document_changed(self, parts: frozenset[str]) -> None:
        if self._document is None:
            return
        session = self._document.session
        if "params" in parts:
            out_shape = session.params.output_shape_unchecked(session.input.shape)
            self.set_range(session.params.out_features, out_shape[1:])
        if parts & {"params", "input", "weight", "bias"}:
            self._cursor_changed()

    def _cursor_changed(self) -> None:
        if self._document is not None:
            cursor = self._document.session.cursor
            self.set_cursor(cursor.out_feature, cursor.position)

    def _request_cursor(self, out_feature: int, position: tuple[int, ...]) -> None:
        if self._document is not None:
            self._document.set_cursor(out_feature, position)

    # -- what the window tells the bar ---------------------------------------------------------
    def set_range(self, out_features: int, out_shape: tuple[int, ...]) -> None:
        """Adopt a new layer: the number of output features and the output's spatial shape."""
        self._out_features = out_features
        self._shape = tuple(out_shape)
        with signals_blocked(self.feature_box), signals_blocked(self.slider):
            self.feature_box.setRange(0, out_features - 1)
            self.slider.setRange(0, prod(self._shape) - 1)
        self._update_label()

    def set_cursor(self, out_feature: int, position: tuple[int, ...]) -> None:
        """Show the document's cursor without asking for it again."""
        self._feature = out_feature
        self._position = tuple(position)
        with signals_blocked(self.feature_box), signals_blocked(self.slider):
            self.feature_box.setValue(out_feature)
            self.slider.setValue(position_to_index(self._position, self._shape))
        self._update_label()

    # -- stepping ------------------------------------------------------------------------------
    def step(self, delta: int) -> None:
        """Move ``delta`` positions in reading order, staying within the current feature."""
        count = prod(self._shape)
        index = min(max(position_to_index(self._position, self._shape) + delta, 0), count - 1)
        self.cursor_requested.emit(self._feature, index_to_position(index, self._shape))

    def step_row(self, delta: int) -> None:
        """Move ``delta`` rows (2D) keeping the column; in 1D this is a plain step."""
        if len(self._shape) < 2:
            self.step(delta)
            return
        row = min(max(self._position[0] + delta, 0), self._shape[0] - 1)
        self.cursor_requested.emit(self._feature, (row, *self._position[1:]))

    def step_feature(self, delta: int) -> None:
        feature = min(max(self._feature + delta, 0), self._out_features - 1)
        self.cursor_requested.emit(feature, self._position)

    # -- stepping in the playback order (the view state's order and loop) -----------------------
    def _order(self) -> str:
        return self._view.order if self._view is not None else "feature-major"

    def _out_shape(self) -> tuple[int, ...]:
        return (self._out_features, *self._shape)

    def step_played(self, delta: int) -> None:
        """Move ``delta`` cells in the playback order (into the next output feature at the end of
        one, in the lecture's order); clamped at the first and last cell."""
        cell = (self._feature, self._position)
        self.cursor_requested.emit(
            *stepped(self._out_shape(), cell, delta, self._order(), loop=False)
        )

    def go_first(self) -> None:
        """Back to the cell playback starts on."""
        self.cursor_requested.emit(*cell_at(self._out_shape(), 0, self._order()))

    def go_last(self) -> None:
        """On to the cell playback ends on."""
        self.cursor_requested.emit(*last_cell(self._out_shape(), self._order()))

    def interval(self) -> int:
        """Milliseconds between two playback steps at the current speed."""
        return self._timer.interval()

    def _speed_changed(self, speed: float) -> None:
        self._timer.setInterval(interval_ms(speed))

    def set_playing(self, playing: bool) -> None:
        if self.play_button.isChecked() != playing:
            self.play_button.setChecked(playing)  # re-enters through toggled
            return
        if playing:
            self._timer.start()
        else:
            self._timer.stop()
        self._update_play_icon()
        if self._view is not None:
            self._view.playing = playing  # the Play action follows it

    def is_playing(self) -> bool:
        return self._timer.isActive()

    # -- internals -----------------------------------------------------------------------------
    def _play_step(self) -> None:
        """One timer tick: the next cell in the playback order; after the last one, the first
        again when looping, else playback stops."""
        out_shape, order = self._out_shape(), self._order()
        cell = (self._feature, self._position)
        looping = self._view is not None and self._view.loop
        if cell == last_cell(out_shape, order) and not looping:
            self.set_playing(False)
            return
        self.cursor_requested.emit(*stepped(out_shape, cell, 1, order, loop=looping))

    def _feature_changed(self, value: int) -> None:
        self.cursor_requested.emit(value, self._position)

    def _slider_changed(self, value: int) -> None:
        self.cursor_requested.emit(self._feature, index_to_position(value, self._shape))

    def _update_label(self) -> None:
        dims = "×".join(str(n) for n in self._shape)
        where = ", ".join(str(p) for p in self._position)
        # A 1D position is one number ("2 of 6"); a 2D one a (row, column) pair.
        shown = where if len(self._position) == 1 else f"({where})"
        self.position_label.setText(f"{shown} of {dims}")

    def _update_play_icon(self) -> None:
        kind = "pause" if self.play_button.isChecked() else "play"
        self.play_button.setIcon(media_icon(kind, self.palette()))

    def _apply_look(self) -> None:
        """Icons and slider track in the theme's colours (Fusion's own are dark on dark)."""
        palette = self.palette()
        self.first_button.setIcon(media_icon("first", palette))
        self.prev_button.setIcon(media_icon("back", palette))
        self.next_button.setIcon(media_icon("forward", palette))
        self.last_button.setIcon(media_icon("last", palette))
        self._update_play_icon()
        self.slider.setStyleSheet(slider_style(palette))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_look()
        super().changeEvent(event)
