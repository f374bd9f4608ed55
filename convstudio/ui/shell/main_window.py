"""The main window: wires the document, the worker and the panels together.

State lives in the ``SessionDocument``; every panel shows it and asks it for changes. The window
owns the connections, the menus and the actions, nothing else.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from convstudio import __version__
from convstudio.engine.errors import ConvError
from convstudio.engine.explain import explain_checked
from convstudio.session.fills import FILL_LABELS, available_fills
from convstudio.session.model import Session
from convstudio.ui.export.menus import install_transfer_menus
from convstudio.ui.files.file_controller import FileController
from convstudio.ui.panels.arithmetic_panel import ArithmeticPanel
from convstudio.ui.panels.kernel_bank import KernelBank
from convstudio.ui.panels.notes_bar import NotesBar
from convstudio.ui.panels.scrub_bar import ScrubBar
from convstudio.ui.panels.settings_panel import LayerSettingsPanel
from convstudio.ui.shell.help import install_help_menu
from convstudio.ui.shell.welcome import install_welcome
from convstudio.ui.stage.stage import LayerStage
from convstudio.ui.state.document import SessionDocument
from convstudio.ui.state.worker import ConvolutionRunner
from convstudio.ui.style.theme import add_theme_menu, theme_controller

#: How long a status-bar message stays, in milliseconds.
MESSAGE_MS = 6000
#: The first-run window size: room for the lecture's 2->3 layer without scrolling.
DEFAULT_SIZE = QSize(1440, 900)
#: While the cursor moves faster than this (seconds between steps), the arithmetic text waits
#: until the cursor rests for as long, then shows the cell the cursor rests on.
EXPLAIN_REST_S = 0.04


def fitted_size(wanted: QSize, available: QSize) -> QSize:
    """``wanted``, shrunk to fit a screen's available area (a laptop, a projector)."""
    return QSize(min(wanted.width(), available.width()), min(wanted.height(), available.height()))


class MainWindow(QMainWindow):
    """ConvStudio's window: the stage in the middle, settings, kernels and arithmetic in docks."""

    def __init__(self, session: Session | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.document = SessionDocument(session if session is not None else Session.default())
        self.runner = ConvolutionRunner(self)
        self.output: np.ndarray | None = None
        self._last_cursor_move = 0.0
        self._explain_timer = QTimer(self)
        self._explain_timer.setSingleShot(True)
        self._explain_timer.setInterval(round(EXPLAIN_REST_S * 1000))
        self._explain_timer.timeout.connect(self._update_explanation)
        self._output_generation = -1

        self.stage = LayerStage()
        self.notes_bar = NotesBar()
        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(self.notes_bar)
        central_layout.addWidget(self.stage, 1)
        self.setCentralWidget(central)
        self.scrub = ScrubBar()
        self.settings_panel = LayerSettingsPanel()
        self.arithmetic = ArithmeticPanel()
        self.kernel_bank = KernelBank()
        self._build_docks()
        self._build_status_bar()
        self._build_actions()
        self._connect()
        self.files = FileController(self)
        self.welcome = install_welcome(self)  # first-run tips above the stage
        self.help = install_help_menu(self, self.help_menu, self.welcome.show_again)
        self.transfer = install_transfer_menus(self)  # File > Import/Export, Edit > Copy as
        theme_controller().theme_changed.connect(self._theme_changed)
        self.resize(fitted_size(DEFAULT_SIZE, self.screen().availableGeometry().size()))
        # Settings and the kernel bank share the left side as tabs, so the stage keeps the width
        # the lecture's side-by-side picture needs.
        self.tabifyDockWidget(self.docks["settings"], self.docks["kernels"])
        self.docks["settings"].raise_()
        self.resizeDocks([self.docks["settings"]], [330], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["arithmetic"]], [150], Qt.Orientation.Vertical)
        self._session_replaced()

    # -- construction --------------------------------------------------------------------------
    def _build_docks(self) -> None:
        toolbar = QToolBar("Scrub")
        toolbar.setObjectName("ScrubToolBar")
        toolbar.setMovable(False)
        toolbar.addWidget(self.scrub)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
        self.docks: dict[str, QDockWidget] = {}
        for key, title, widget, area in (
            (
                "settings",
                "Layer settings",
                self.settings_panel,
                Qt.DockWidgetArea.LeftDockWidgetArea,
            ),
            ("kernels", "Kernels", self.kernel_bank, Qt.DockWidgetArea.LeftDockWidgetArea),
            ("arithmetic", "Arithmetic", self.arithmetic, Qt.DockWidgetArea.BottomDockWidgetArea),
        ):
            dock = QDockWidget(title, self)
            dock.setObjectName(f"{key}Dock")
            dock.setWidget(widget)
            self.addDockWidget(area, dock)
            self.docks[key] = dock

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.shape_label = QLabel()
        self.shape_label.setToolTip("Input shape → output shape, as (features, *spatial)")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setMaximumHeight(14)
        self.busy.setToolTip("The convolution is being computed in the background")
        self.busy.setVisible(False)
        bar.addPermanentWidget(self.busy)
        bar.addPermanentWidget(self.shape_label)

    def _build_actions(self) -> None:
        menus = self.menuBar()
        self.file_menu = menus.addMenu("&File")
        self.edit_menu = menus.addMenu("&Edit")
        undo = self.document.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.document.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([QKeySequence.StandardKey.Redo, QKeySequence("Ctrl+Shift+Z")])
        self.undo_action, self.redo_action = undo, redo
        self.edit_menu.addAction(undo)
        self.edit_menu.addAction(redo)
        self.edit_menu.addSeparator()
        self._build_fill_menus()

        view = menus.addMenu("&View")
        modes = QActionGroup(self)
        self.mode_actions: dict[str, QAction] = {}
        for mode, text, tip in (
            ("auto", "&Automatic", "Numbers for small grids, a colour map for large ones"),
            ("numbers", "&Numbers", "Always show numbers (can be slow for very large grids)"),
            ("colours", "&Colour map", "Always show grids as colour maps"),
        ):
            action = QAction(text, self, checkable=True)
            action.setStatusTip(tip)
            action.triggered.connect(lambda _checked=False, m=mode: self.set_display_mode(m))
            modes.addAction(action)
            view.addAction(action)
            self.mode_actions[mode] = action
        self.mode_actions["auto"].setChecked(True)
        view.addSeparator()
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())
        view.addSeparator()
        self.theme_actions = add_theme_menu(view)  # System / Light / Dark

        nav = menus.addMenu("&Navigate")
        for text, keys, slot in (
            ("&Next position", "Alt+Right", lambda: self.scrub.step(1)),
            ("&Previous position", "Alt+Left", lambda: self.scrub.step(-1)),
            ("Row &down", "Alt+Down", lambda: self.scrub.step_row(1)),
            ("Row &up", "Alt+Up", lambda: self.scrub.step_row(-1)),
            ("N&ext output feature", "Alt+PgDown", lambda: self.scrub.step_feature(1)),
            ("Pre&vious output feature", "Alt+PgUp", lambda: self.scrub.step_feature(-1)),
        ):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(keys))
            action.triggered.connect(slot)
            nav.addAction(action)
        self.play_action = QAction("&Play", self, checkable=True)
        self.play_action.setShortcut(QKeySequence("F5"))
        self.play_action.toggled.connect(self.scrub.set_playing)
        self.scrub.play_button.toggled.connect(self.play_action.setChecked)
        nav.addSeparator()
        nav.addAction(self.play_action)
        self.help_menu = menus.addMenu("&Help")

    def _build_fill_menus(self) -> None:
        """Fill tools; each menu lists the kinds that apply to the layer when it opens."""
        for text, target, whole in (
            ("Fill &input with", "input", True),
            ("Fill all &kernels with", "weight", True),
            ("Fill the &current kernel with", "weight", False),
            ("Fill &biases with", "bias", True),
        ):
            menu = self.edit_menu.addMenu(text)
            menu.aboutToShow.connect(
                lambda m=menu, t=target, w=whole: self._populate_fill_menu(m, t, w)
            )

    def _populate_fill_menu(self, menu: QMenu, target: str, whole: bool) -> None:
        menu.clear()
        for kind in available_fills(target, self.document.session.params):
            action = menu.addAction(FILL_LABELS[kind])
            action.triggered.connect(lambda _c=False, k=kind: self._fill(target, k, whole))

    def _fill(self, target: str, kind: str, whole: bool) -> None:
        index = None if whole else (self.document.session.cursor.out_feature,)
        try:
            self.document.fill(target, index, kind)
        except ValueError as error:  # ConvError and SessionError are ValueErrors
            self.show_message(str(error))

    def _connect(self) -> None:
        doc = self.document
        doc.changed.connect(self._document_changed)
        doc.cursor_changed.connect(self._cursor_changed)
        # A Qt slot of the window itself: disconnected by Qt when the window goes away, so the
        # undo stack's last signals during teardown reach nothing that is half destroyed.
        doc.modified_changed.connect(self.setWindowModified)
        self.runner.result_ready.connect(self._result_ready)
        self.runner.failed.connect(self._job_failed)
        self.runner.busy_changed.connect(self.busy.setVisible)
        self.scrub.cursor_requested.connect(self._move_cursor)
        self.stage.output_clicked.connect(self._move_cursor)
        self.stage.input_edited.connect(lambda index, block: self._edit("input", index, block))
        self.stage.weight_edited.connect(lambda index, block: self._edit("weight", index, block))
        self.stage.bias_edited.connect(lambda index, block: self._edit("bias", index, block))
        self.stage.message.connect(self.show_message)
        self.kernel_bank.weight_edited.connect(lambda i, b: self._edit("weight", i, b))
        self.kernel_bank.bias_edited.connect(lambda i, b: self._edit("bias", i, b))
        self.kernel_bank.feature_selected.connect(
            lambda o: self._move_cursor(o, self.document.session.cursor.position)
        )
        self.kernel_bank.message.connect(self.show_message)
        self.settings_panel.layout_requested.connect(self._layout_requested)
        self.arithmetic.term_hovered.connect(self.stage.set_hover)
        self.notes_bar.meta_edited.connect(self._meta_edited)

    # -- reactions -----------------------------------------------------------------------------
    def _session_replaced(self) -> None:
        """Show a whole new session (start-up, open, new)."""
        self._document_changed(frozenset({"params", "input", "weight", "bias", "meta"}))

    def _document_changed(self, parts: frozenset) -> None:
        """Refresh what the change touched; values go to the worker, never computed here."""
        session = self.document.session
        params = session.params
        cursor = session.cursor
        out_shape = params.output_shape_unchecked(session.input.shape)
        if "params" in parts:
            self.settings_panel.set_layout(params, session.input.shape[1:])
            self.scrub.set_range(params.out_features, out_shape[1:])
            self.shape_label.setText(
                f"input {tuple(session.input.shape)} → output {tuple(out_shape)}"
            )
        if parts & {"params", "input", "weight", "bias"}:
            self.scrub.set_cursor(cursor.out_feature, cursor.position)
            self.stage.set_session(session, frozenset(parts))
            if parts & {"params", "weight", "bias"}:
                self.kernel_bank.set_session(session)
            self.runner.request(session)
            self._update_explanation()
        if "meta" in parts:
            self.notes_bar.set_meta(session.title, session.notes)
        self._update_title()

    def _cursor_changed(self) -> None:
        cursor = self.document.session.cursor
        self.scrub.set_cursor(cursor.out_feature, cursor.position)
        self.stage.set_cursor(cursor.out_feature, cursor.position)
        self.kernel_bank.set_current(cursor.out_feature)
        self._schedule_explanation()

    def _schedule_explanation(self) -> None:
        """Write the arithmetic out at once after a pause, else once the scrubbing rests.

        Laying out the text costs more than moving the highlights; while the cursor moves faster
        than anyone can read, only the highlights follow every step.
        """
        now = time.monotonic()
        resting = now - self._last_cursor_move > EXPLAIN_REST_S
        self._last_cursor_move = now
        if resting:
            self._update_explanation()
        else:
            self._explain_timer.start()

    def settle(self) -> None:
        """Run what is waiting for the cursor to rest (the arithmetic), e.g. before a screenshot."""
        if self._explain_timer.isActive():
            self._update_explanation()

    def _update_explanation(self) -> None:
        self._explain_timer.stop()
        session = self.document.session
        cursor = session.cursor
        bias = session.bias if session.params.bias else None
        explanation = explain_checked(
            session.input, session.weight, bias, session.params, cursor.out_feature, cursor.position
        )
        self.arithmetic.show_explanation(explanation, session.params)

    def output_is_current(self) -> bool:
        """True when the shown output was computed from the session as it is now."""
        return self.output is not None and self._output_generation == self.runner.generation

    def _result_ready(self, generation: int, output: np.ndarray) -> None:
        self.output = output
        self._output_generation = generation
        self.stage.set_output(output)

    def _job_failed(self, _generation: int, message: str) -> None:
        self.show_message(f"The convolution failed: {message}")

    def _move_cursor(self, out_feature: int, position: tuple) -> None:
        self.document.set_cursor(out_feature, tuple(position))

    def _edit(self, target: str, index: tuple, block: np.ndarray) -> None:
        try:
            self.document.set_cells(target, tuple(index), np.asarray(block, dtype=np.float64))
        except ValueError as error:  # ConvError and SessionError are ValueErrors
            self.show_message(str(error))

    def _meta_edited(self, title: str, notes: str) -> None:
        try:
            self.document.set_meta(title=title, notes=notes)
        except ValueError as error:
            self.show_message(str(error))

    def _layout_requested(self, params: object, spatial: object) -> None:
        try:
            self.document.set_layout(params, tuple(spatial))
        except ConvError as error:
            self.show_message(str(error))
            session = self.document.session
            self.settings_panel.set_layout(session.params, session.input.shape[1:])

    # -- public --------------------------------------------------------------------------------
    def set_display_mode(self, mode: str) -> None:
        self.mode_actions[mode].setChecked(True)
        self.stage.set_display_mode(mode)
        self.kernel_bank.set_display_mode(mode)

    def _theme_changed(self, _theme: str) -> None:
        # The arithmetic is HTML with the palette's colours written in: draw it again.
        self._update_explanation()

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, MESSAGE_MS)

    def _update_title(self) -> None:
        files = getattr(self, "files", None)  # None while __init__ builds the window
        title = files.display_name() if files is not None else self.document.session.title
        self.setWindowModified(self.document.is_modified())
        self.setWindowTitle(f"{title}[*] — ConvStudio {__version__}")

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.confirm_close():  # unsaved changes: Save / Discard / Cancel
            event.ignore()
            return
        self.scrub.set_playing(False)
        self.runner.shutdown()
        super().closeEvent(event)
