"""The main window: builds the panels and docks and owns the menus, nothing else.

State lives in two places, each announcing its changes: the ``SessionDocument`` (the session and
its undo stack) and the ``ViewState`` (how it is shown). Every panel subscribes itself through
its ``bind``: it shows its part of the document and view state, and asks the document for changes;
no panel calls another, and the window pushes no state into them. The window keeps the menus, whose
checked actions reflect the view state, and passes their commands on.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QToolBar, QVBoxLayout, QWidget

from convstudio import __version__
from convstudio.session import FILL_LABELS, Session, ViewState, available_fills
from convstudio.ui.export.menus import install_transfer_menus
from convstudio.ui.files.file_controller import FileController
from convstudio.ui.panels.arithmetic_panel import ArithmeticPanel
from convstudio.ui.panels.kernel_bank import KernelBank
from convstudio.ui.panels.notes_bar import NotesBar
from convstudio.ui.panels.scrub_bar import ScrubBar
from convstudio.ui.panels.settings_panel import LayerSettingsPanel
from convstudio.ui.panels.status_bar import StatusBar
from convstudio.ui.shell.help import install_help_menu
from convstudio.ui.shell.keys import install_keyboard_rules
from convstudio.ui.shell.playback import install_playback
from convstudio.ui.shell.reverse_menu import install_previous_field_action
from convstudio.ui.shell.welcome import install_welcome
from convstudio.ui.stage.stage import LayerStage
from convstudio.ui.state.binding import follow
from convstudio.ui.state.document import SessionDocument
from convstudio.ui.state.worker import ConvolutionRunner
from convstudio.ui.style.theme import add_theme_menu

#: The first-run window size: room for the lecture's 2->3 layer without scrolling.
DEFAULT_SIZE = QSize(1440, 900)


def fitted_size(wanted: QSize, available: QSize) -> QSize:
    """``wanted``, shrunk to fit a screen's available area (a laptop, a projector)."""
    return QSize(min(wanted.width(), available.width()), min(wanted.height(), available.height()))


class MainWindow(QMainWindow):
    """ConvStudio's window: the stage in the middle, settings, kernels and arithmetic in docks."""

    def __init__(self, session: Session | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.document = SessionDocument(session if session is not None else Session.default())
        self.view = ViewState()
        self.runner = ConvolutionRunner(self)

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
        self.status = StatusBar()
        self.setStatusBar(self.status)
        self._build_docks()
        self._build_actions()
        self.files = FileController(self.document, self.view, self, self.file_menu)
        self.files.message.connect(self.status.show_message)
        self.files.name_changed.connect(self._show_name)
        self.document.modified_changed.connect(self.setWindowModified)
        self.welcome = install_welcome(self)  # first-run tips above the stage
        self.help = install_help_menu(self, self.help_menu, self.welcome.show_again)
        self.keyboard_rules = install_keyboard_rules(  # redo keys, undo from any settings box
            self, self.redo_action, self.settings_panel.editing_done, self.stage
        )
        self.transfer = install_transfer_menus(self)  # File > Import/Export, Edit > Copy as
        self.resize(fitted_size(DEFAULT_SIZE, self.screen().availableGeometry().size()))
        # Settings and the kernel bank share the left side as tabs, so the stage keeps the width
        # the lecture's side-by-side picture needs.
        self.tabifyDockWidget(self.docks["settings"], self.docks["kernels"])
        self.docks["settings"].raise_()
        self.resizeDocks([self.docks["settings"]], [330], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["arithmetic"]], [150], Qt.Orientation.Vertical)
        self._subscribe()

    def _subscribe(self) -> None:
        """Every view follows the document and the view state from now on (and shows them)."""
        document, view = self.document, self.view
        self.status.bind(document, self.runner)
        self.settings_panel.bind(document)
        self.scrub.bind(document, view)
        self.stage.bind(document, view, self.runner)
        self.kernel_bank.bind(document, view)
        self.arithmetic.bind(document, view)
        self.notes_bar.bind(document)
        self.runner.bind(document)
        self._show_name(self.files.display_name())

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

    def _build_actions(self) -> None:
        menus = self.menuBar()
        self.file_menu = menus.addMenu("&File")
        self.edit_menu = menus.addMenu("&Edit")
        undo = self.document.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.document.undo_stack.createRedoAction(self, "&Redo")
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
            action.triggered.connect(lambda _checked=False, m=mode: self.view.set_display_mode(m))
            modes.addAction(action)
            view.addAction(action)
            self.mode_actions[mode] = action
        self.mode_actions[self.view.display_mode].setChecked(True)
        follow(self.view.events.display_mode, self, self._display_mode_changed)
        view.addSeparator()
        self.previous_field_action = install_previous_field_action(view, self.view, self)
        view.addSeparator()
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())
        view.addSeparator()
        self.theme_actions = add_theme_menu(view)  # System / Light / Dark

        nav = menus.addMenu("&Navigate")
        # The scrub bar knows the output's shape, so it turns a step into a cursor request.
        scrub = self.scrub
        for text, keys, step, delta in (
            ("&Next position", "Alt+Right", scrub.step, 1),
            ("&Previous position", "Alt+Left", scrub.step, -1),
            ("Row &down", "Alt+Down", scrub.step_row, 1),
            ("Row &up", "Alt+Up", scrub.step_row, -1),
            ("N&ext output feature", "Alt+PgDown", scrub.step_feature, 1),
            ("Pre&vious output feature", "Alt+PgUp", scrub.step_feature, -1),
        ):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(keys))
            action.triggered.connect(partial(step, delta))
            nav.addAction(action)
        self.play_action = QAction("&Play", self, checkable=True)
        self.play_action.setShortcut(QKeySequence("F5"))
        self.play_action.toggled.connect(self._play_toggled)
        follow(self.view.events.playing, self, self._playing_changed)
        nav.addSeparator()
        nav.addAction(self.play_action)
        self.playback = install_playback(self, nav, self.view, self.scrub, self.play_action)
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
        self.document.attempt(self.document.fill, target, index, kind)

    # -- the menus follow the view state -------------------------------------------------------
    def _display_mode_changed(self, mode: str) -> None:
        self.mode_actions[mode].setChecked(True)

    def _play_toggled(self, playing: bool) -> None:
        self.view.playing = playing

    def _playing_changed(self, playing: bool) -> None:
        self.play_action.setChecked(playing)

    def _show_name(self, name: str) -> None:
        self.setWindowModified(self.document.is_modified())
        self.setWindowTitle(f"{name}[*] — ConvStudio {__version__}")

    # -- public --------------------------------------------------------------------------------
    @property
    def output(self) -> np.ndarray | None:
        """The newest output the worker computed (screenshots and benches read it)."""
        return self.runner.output

    def output_is_current(self) -> bool:
        """True when the shown output was computed from the session as it is now."""
        return self.runner.output_is_current()

    def settle(self) -> None:
        """Run what is waiting for the cursor to rest (the arithmetic), e.g. before a screenshot."""
        self.arithmetic.settle()

    def show_message(self, text: str) -> None:
        """Show ``text`` in the status bar for a few seconds."""
        self.status.show_message(text)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.confirm_close():  # unsaved changes: Save / Discard / Cancel
            event.ignore()
            return
        self.view.playing = False
        self.runner.shutdown()
        super().closeEvent(event)
