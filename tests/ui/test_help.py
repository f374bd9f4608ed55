"""The Help menu: shortcuts read from the real actions, the explanation page, About's versions."""

from __future__ import annotations

import platform

import numpy
import pyqtgraph
import PySide6
import pytest
from PySide6.QtCore import qVersion
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication

from convstudio import __version__
from convstudio.ui.shell.help import AboutDialog, HelpPageDialog, ShortcutsDialog
from convstudio.ui.shell.main_window import MainWindow
from convstudio.ui.style.palette import role_color
from convstudio.ui.style.theme import theme_controller


@pytest.fixture
def window(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def _help_action(window: MainWindow, text: str) -> QAction:
    for action in window.help_menu.actions():
        if action.text().replace("&", "") == text:
            return action
    raise AssertionError(f"no Help > {text}: {[a.text() for a in window.help_menu.actions()]}")


def _open(qtbot, window: MainWindow, text: str, kind: type):
    _help_action(window, text).trigger()
    dialogs = [d for d in window.findChildren(kind) if d.isVisible()]
    assert len(dialogs) == 1
    qtbot.waitExposed(dialogs[0])
    return dialogs[0]


def test_shortcuts_dialog_lists_undo_redo_and_the_scrub_keys(qtbot, window):
    dialog = _open(qtbot, window, "Keyboard Shortcuts", ShortcutsDialog)
    rows = dialog.rows()
    by_command = {command: (where, keys) for where, command, keys in rows}
    assert by_command["Undo"] == ("Edit", "Ctrl+Z")
    assert by_command["Redo"][0] == "Edit"
    assert "Ctrl+Shift+Z" in by_command["Redo"][1]
    for command, keys in (
        ("Next position", "Alt+Right"),
        ("Previous position", "Alt+Left"),
        ("Row down", "Alt+Down"),
        ("Row up", "Alt+Up"),
        ("Next output feature", "Alt+PgDown"),
        ("Previous output feature", "Alt+PgUp"),
    ):
        assert by_command[command] == ("Navigate", keys)
    assert any(where == "In a grid cell" and "Escape" in keys for where, _c, keys in rows)


def test_shortcuts_dialog_follows_the_actions(qtbot, window):
    """The list is generated from the window's actions: a new or changed shortcut shows at once."""
    dialog = _open(qtbot, window, "Keyboard Shortcuts", ShortcutsDialog)
    dialog.close()
    window.undo_action.setShortcut(QKeySequence("Ctrl+Alt+U"))
    extra = window.edit_menu.addAction("Frobnicate")
    extra.setShortcut(QKeySequence("Ctrl+Alt+F"))
    dialog = _open(qtbot, window, "Keyboard Shortcuts", ShortcutsDialog)
    rows = dialog.rows()
    assert ("Edit", "Undo", "Ctrl+Alt+U") in rows
    assert ("Edit", "Frobnicate", "Ctrl+Alt+F") in rows


def test_how_convolution_works_page(qtbot, window):
    dialog = _open(qtbot, window, "How Convolution Works Here", HelpPageDialog)
    text = dialog.browser.toPlainText()
    for topic in (
        "cross-correlation",
        "input feature",
        "(out features, in features / groups, kernel size...)",
        "reflect",
        "circular",
        "Stride",
        "Dilation",
        "Groups",
        "floor(",
        "What the colours mean",
        "receptive field",
    ):
        assert topic in text, topic
    assert role_color("receptive", "light").name().lower() in dialog.browser.toHtml().lower()


def test_help_page_legend_follows_the_theme(qtbot, window, qapp):
    dialog = _open(qtbot, window, "How Convolution Works Here", HelpPageDialog)
    controller = theme_controller(qapp)
    try:
        controller.set_choice("dark", persist=False)
        html = dialog.browser.toHtml().lower()
        assert role_color("kernel", "dark").name().lower() in html
        assert role_color("kernel", "light").name().lower() not in html
    finally:
        controller.set_choice("system", persist=False)


def test_about_shows_the_versions(qtbot, window):
    dialog = _open(qtbot, window, "About ConvStudio", AboutDialog)
    text = dialog.text.text()
    for version in (
        __version__,
        platform.python_version(),
        qVersion(),
        PySide6.__version__,
        numpy.__version__,
        pyqtgraph.__version__,
    ):
        assert version in text
    assert "MIT" in text
    dialog.copy_button.click()
    assert f"numpy: {numpy.__version__}" in QApplication.clipboard().text()
