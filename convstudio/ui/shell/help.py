"""The Help menu: keyboard shortcuts, "How convolution works here", welcome tips, About.

The shortcuts list is built from the window's own QActions each time it opens, so it always says
what the keys really do. The explanation page is HTML in ``resources/help/``; its colour legend is
generated from ``convstudio.ui.style.palette`` for the current theme, so it shows the colours on
screen.
"""

from __future__ import annotations

import html
import platform
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import metadata

from PySide6.QtCore import QEvent, Qt, qVersion
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from convstudio import __version__
from convstudio.resources_path import resources_dir
from convstudio.ui.style.palette import role_color, theme_of

LICENCE = "MIT"
HELP_PAGE = "convolution.html"
LEGEND_MARKER = "<!-- colour-legend -->"

#: Keys handled by the grid cells themselves (not actions), as the window's contract promises them.
CELL_KEYS: tuple[tuple[str, str], ...] = (
    ("Enter / Tab", "Confirm the typed value and move on"),
    ("Escape", "Cancel the edit; the cell keeps its value"),
    ("Ctrl+V", "Paste a block of numbers (tab or comma separated)"),
)

#: What each colour role means on screen, in the order the legend lists them (only roles the
#: stage draws).
COLOUR_MEANINGS: tuple[tuple[str, str], ...] = (
    ("receptive", "the receptive field: every input cell the current output cell reads"),
    ("kernel", "the kernel in use: the frame around the current output feature's slices and bias"),
    ("output", "the current output cell, and the frame around its output grid"),
    ("hover", "the input and kernel cell of the term under the mouse in the Arithmetic panel"),
    ("padding", "padding: hatched ghost cells outside the input, showing the value they take"),
    ("negative", "negative values (cell tint and colour maps), fading to"),
    ("zero", "zero, then to"),
    ("positive", "positive values"),
)


@dataclass(frozen=True)
class ShortcutEntry:
    """One row of the shortcuts list."""

    where: str  # "Edit", "Navigate", "View > Theme", "In a grid cell", ...
    command: str
    keys: str


def _plain(text: str) -> str:
    # "&Undo" -> "Undo", "Save && Quit" -> "Save & Quit"; drop a trailing "..." accelerator hint.
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").strip()


def _keys(sequences: Iterable[QKeySequence]) -> str:
    texts = [s.toString(QKeySequence.SequenceFormat.NativeText) for s in sequences]
    return ", ".join(t for t in texts if t)


def collect_shortcuts(window: QMainWindow) -> list[ShortcutEntry]:
    """Every keyboard shortcut the window has, read from its actions, menus and QShortcuts.

    Menus are walked from the menu bar (so each entry says where the command lives); actions that
    are in no menu (on the window, a toolbar, a panel) and QShortcut objects are added after.
    """
    entries: list[ShortcutEntry] = []
    seen: set[int] = set()

    def add_action(action: QAction, where: str) -> None:
        if id(action) in seen or action.isSeparator():
            return
        seen.add(id(action))
        keys = _keys(action.shortcuts())
        if keys:
            entries.append(ShortcutEntry(where, _plain(action.text()), keys))

    def walk(menu: QMenu, where: str) -> None:
        for action in menu.actions():
            sub = action.menu()
            if isinstance(sub, QMenu):
                seen.add(id(action))
                walk(sub, f"{where} > {_plain(sub.title())}")
            else:
                add_action(action, where)

    for action in window.menuBar().actions():
        menu = action.menu()
        if isinstance(menu, QMenu):
            walk(menu, _plain(menu.title()))
    for action in window.findChildren(QAction):
        if action.isVisible():
            add_action(action, "Window")
    for shortcut in window.findChildren(QShortcut):
        keys = _keys([shortcut.key()])
        if keys and shortcut.isEnabled():
            what = shortcut.whatsThis() or shortcut.objectName() or "Shortcut"
            entries.append(ShortcutEntry("Window", what, keys))
    entries.extend(ShortcutEntry("In a grid cell", what, keys) for keys, what in CELL_KEYS)
    return entries


class ShortcutsDialog(QDialog):
    """A table of every shortcut: where the command is, what it does, its keys."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setObjectName("ShortcutsDialog")
        self.setWindowTitle("Keyboard Shortcuts — ConvStudio")
        self._window = window
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("ShortcutsTable")
        self.table.setHorizontalHeaderLabels(["Menu", "Command", "Keys"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(560, 520)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the window's actions (menus may have grown since the dialog was made)."""
        entries = collect_shortcuts(self._window)
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            for col, text in enumerate((entry.where, entry.command, entry.keys)):
                self.table.setItem(row, col, QTableWidgetItem(text))

    def rows(self) -> list[tuple[str, str, str]]:
        """The table as the user sees it: (menu, command, keys) per row."""

        def text(row: int, column: int) -> str:
            item = self.table.item(row, column)
            return item.text() if item is not None else ""

        return [(text(r, 0), text(r, 1), text(r, 2)) for r in range(self.table.rowCount())]


def colour_legend_html(theme: str) -> str:
    """An HTML table of colour swatches and their meanings, in ``theme``'s colours."""
    rows = []
    for role, meaning in COLOUR_MEANINGS:
        colour = role_color(role, theme).name()
        swatch = (
            f"<td width='28' style='background-color: {colour}; border: 1px solid #808080'>"
            "&nbsp;</td>"
        )
        rows.append(f"<tr>{swatch}<td>&nbsp;{html.escape(meaning)}</td></tr>")
    return "<table cellspacing='3' cellpadding='2'>" + "".join(rows) + "</table>"


def help_page_html(theme: str) -> str:
    """The "How convolution works here" page with the legend for ``theme`` filled in."""
    path = resources_dir() / "help" / HELP_PAGE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        return (
            "<h2>How convolution works here</h2>"
            f"<p>The help page could not be read: {html.escape(str(error))}. "
            "Reinstalling ConvStudio restores it.</p>"
        )
    return text.replace(LEGEND_MARKER, colour_legend_html(theme))


class HelpPageDialog(QDialog):
    """The explanation page in a QTextBrowser, re-rendered when the theme changes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("HelpPageDialog")
        self.setWindowTitle("How Convolution Works Here — ConvStudio")
        self.browser = QTextBrowser()
        self.browser.setObjectName("HelpBrowser")
        self.browser.setOpenExternalLinks(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(720, 720)
        self.refresh()

    def refresh(self) -> None:
        self.browser.setHtml(help_page_html(theme_of(self)))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.refresh()  # the legend's swatches follow the theme


def _distribution_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def versions() -> dict[str, str]:
    """The versions About shows (and a bug report needs)."""
    import numpy
    import PySide6

    try:
        import pyqtgraph

        pyqtgraph_version = pyqtgraph.__version__
    except ImportError:  # pragma: no cover - a dependency, but About must still open
        pyqtgraph_version = "not installed"
    return {
        "ConvStudio": __version__,
        "Python": platform.python_version(),
        "Qt": qVersion(),
        "PySide6": PySide6.__version__,
        "numpy": numpy.__version__,
        "pyqtgraph": pyqtgraph_version,
        "superqt": _distribution_version("superqt"),
        "Platform": f"{platform.system()} {platform.release()} ({platform.machine()})",
    }


class AboutDialog(QDialog):
    """About ConvStudio: what it is, the licence, and the versions a bug report needs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AboutDialog")
        self.setWindowTitle("About ConvStudio")
        info = versions()
        rows = "".join(
            f"<tr><td>{html.escape(k)}</td><td>&nbsp;&nbsp;{html.escape(v)}</td></tr>"
            for k, v in info.items()
        )
        self.text = QLabel(
            f"<h3>ConvStudio {html.escape(__version__)}</h3>"
            "<p>See, edit and check how a Conv1D or Conv2D layer computes.</p>"
            f"<p>Licence: {LICENCE}.</p>"
            f"<table>{rows}</table>"
        )
        self.text.setObjectName("AboutText")
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.copy_button = buttons.addButton(
            "&Copy Versions", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.copy_button.setToolTip("Copy these versions, e.g. into a bug report")
        self.copy_button.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.plain_text())
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)

    def plain_text(self) -> str:
        """The versions as "name: version" lines, for copying into a bug report."""
        lines = [f"{name}: {version}" for name, version in versions().items()]
        return "\n".join([*lines, f"Python at: {sys.executable}"])


class HelpMenu:
    """Fills the window's Help menu and keeps one instance of each dialog."""

    def __init__(self, window: QMainWindow, menu: QMenu, show_welcome: Callable[[], None] | None):
        self.window = window
        self.menu = menu
        self.dialogs: dict[str, QDialog] = {}
        self.shortcuts_action = self._add(
            "&Keyboard Shortcuts", "List every keyboard shortcut", self.show_shortcuts
        )
        self.shortcuts_action.setShortcut(QKeySequence("Ctrl+/"))
        self.page_action = self._add(
            "&How Convolution Works Here",
            "Cross-correlation, features, kernel layout, padding, stride, dilation, groups",
            self.show_page,
        )
        self.page_action.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))
        self.welcome_action = None
        if show_welcome is not None:
            self.welcome_action = self._add(
                "&Welcome Tips", "Show the first-run tips above the grids", show_welcome
            )
        menu.addSeparator()
        self.about_action = self._add(
            "&About ConvStudio", "Version, licence and library versions", self.show_about
        )
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)

    def _add(self, text: str, tip: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self.menu)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.menu.addAction(action)
        return action

    def _dialog(self, key: str, make: Callable[[], QDialog]) -> QDialog:
        dialog = self.dialogs.get(key)
        if dialog is None:
            dialog = make()
            self.dialogs[key] = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def show_shortcuts(self) -> ShortcutsDialog:
        dialog = self._dialog("shortcuts", lambda: ShortcutsDialog(self.window))
        dialog.refresh()  # type: ignore[attr-defined]
        return dialog  # type: ignore[return-value]

    def show_page(self) -> HelpPageDialog:
        return self._dialog("page", lambda: HelpPageDialog(self.window))  # type: ignore[return-value]

    def show_about(self) -> AboutDialog:
        return self._dialog("about", lambda: AboutDialog(self.window))  # type: ignore[return-value]


def install_help_menu(
    window: QMainWindow, menu: QMenu, show_welcome: Callable[[], None] | None = None
) -> HelpMenu:
    """Fill ``menu`` (the window's Help menu) with the help actions; keep the returned object."""
    return HelpMenu(window, menu, show_welcome)
