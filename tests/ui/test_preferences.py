"""Preferences: the window layout comes back in a new window; bad stored values never crash."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from convstudio.ui.files.recovery import DATA_DIR_ENV
from convstudio.ui.shell.app import open_window
from convstudio.ui.shell.main_window import MainWindow
from convstudio.ui.state.preferences import (
    MAX_RECENT_FILES,
    SETTINGS_DIR_ENV,
    SETTINGS_FILE,
    Preferences,
)


@pytest.fixture
def make_window(qtbot, tmp_path, monkeypatch):
    """Windows opened the way a launch opens them (layout restored, saved on close)."""
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))  # autosave, recovery: not the user's

    def make() -> MainWindow:
        window = open_window()
        qtbot.addWidget(window)
        return window

    return make


def test_settings_live_in_the_test_folder_not_the_users():
    folder = Path(os.environ[SETTINGS_DIR_ENV])
    prefs = Preferences()
    prefs.set_theme("dark")
    prefs.sync()
    assert Path(prefs.settings.fileName()) == folder / SETTINGS_FILE
    assert "theme=dark" in (folder / SETTINGS_FILE).read_text()


#: A window height a new window does not get by itself (checked below).
RESTORED_HEIGHT = 640


def test_geometry_and_dock_layout_come_back_in_a_second_window(qtbot, make_window):
    first = make_window()
    qtbot.waitExposed(first)
    first.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, first.docks["arithmetic"])
    first.docks["kernels"].hide()
    # The offscreen screen is 800x800 and the docks need more width than that, so the width is
    # pinned to their minimum; the height shows the size coming back.
    first.resize(700, RESTORED_HEIGHT)
    assert first.height() == RESTORED_HEIGHT
    first.close()  # saving happens on close, as when the person quits

    second = make_window()
    qtbot.waitExposed(second)
    assert second.height() == RESTORED_HEIGHT
    assert second.dockWidgetArea(second.docks["arithmetic"]) == Qt.DockWidgetArea.LeftDockWidgetArea
    assert second.docks["kernels"].isHidden()
    assert not second.docks["settings"].isHidden()


def test_a_first_run_keeps_the_built_layout(qtbot, make_window):
    window = make_window()
    qtbot.waitExposed(window)
    assert window.height() != RESTORED_HEIGHT
    assert not window.docks["kernels"].isHidden()
    assert window.dockWidgetArea(window.docks["arithmetic"]) == (
        Qt.DockWidgetArea.BottomDockWidgetArea
    )


def test_garbage_in_the_settings_file_reads_as_defaults(qtbot, make_window):
    path = Path(os.environ[SETTINGS_DIR_ENV]) / SETTINGS_FILE
    path.write_text(
        "[appearance]\ntheme=purple\n[welcome]\ndismissed=perhaps\n"
        "[files]\nlastDirectory=/no/such/folder\n"
        "[window]\ngeometry=not bytes\nstate=@ByteArray(garbage)\n"
    )
    prefs = Preferences()
    assert prefs.theme() == "system"
    assert prefs.welcome_dismissed() is False
    assert prefs.last_directory() == str(Path.home())
    window = make_window()  # restoring a garbled layout leaves the window as built
    qtbot.waitExposed(window)
    assert not window.docks["kernels"].isHidden()


def test_last_directory_is_the_folder_of_the_last_file(tmp_path):
    prefs = Preferences()
    session = tmp_path / "lecture.convstudio"
    session.write_text("{}")
    prefs.set_last_directory(session)
    assert Preferences().last_directory() == str(tmp_path)


def test_recent_files_newest_first_without_duplicates(tmp_path):
    prefs = Preferences()
    paths = [tmp_path / f"s{i}.convstudio" for i in range(MAX_RECENT_FILES + 3)]
    for path in paths:
        prefs.add_recent_file(path)
    prefs.add_recent_file(paths[-5])  # opened again: moves to the front
    recent = Preferences().recent_files()
    assert len(recent) == MAX_RECENT_FILES
    assert recent[0] == str(paths[-5].resolve())
    assert recent[1] == str(paths[-1].resolve())
    assert len(set(recent)) == len(recent)
    prefs.set_recent_files([str(paths[0])])  # a single entry survives the INI round trip
    assert Preferences().recent_files() == [str(paths[0])]


def test_unknown_theme_is_refused():
    with pytest.raises(ValueError, match="unknown theme 'sepia'"):
        Preferences().set_theme("sepia")
