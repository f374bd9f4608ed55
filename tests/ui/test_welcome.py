"""The first-run welcome banner: shown until dismissed, then never again, even in a new window."""

from __future__ import annotations

from PySide6.QtCore import Qt

from convstudio.session.examples import list_examples
from convstudio.session.model import Session
from convstudio.ui.files.recovery import DATA_DIR_ENV
from convstudio.ui.shell.app import open_window
from convstudio.ui.shell.main_window import MainWindow
from convstudio.ui.shell.welcome import WELCOME_TITLE, first_run_session
from convstudio.ui.state.preferences import Preferences


def _window(qtbot) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_first_run_shows_the_tips_above_the_stage(qtbot):
    window = _window(qtbot)
    banner = window.welcome
    assert banner.isVisible()
    assert WELCOME_TITLE in banner.title.text()
    tips = banner.tips_text()
    for hint in ("Alt+Left", "output cell", "kernel", "File > Examples"):
        assert hint in tips
    # Above the stage, and the stage is still the window's stage.
    assert (
        banner.mapTo(window, banner.rect().bottomLeft()).y()
        <= window.stage.mapTo(window, window.stage.rect().topLeft()).y()
    )
    assert window.stage.isVisible()


def test_dismissed_stays_dismissed_in_a_new_window(qtbot):
    window = _window(qtbot)
    with qtbot.waitSignal(window.welcome.dismissed):
        qtbot.mouseClick(window.welcome.close_button, Qt.MouseButton.LeftButton)
    assert not window.welcome.isVisible()
    assert Preferences().welcome_dismissed()

    again = _window(qtbot)
    assert not again.welcome.isVisible()


def test_help_welcome_tips_brings_the_banner_back(qtbot):
    Preferences().set_welcome_dismissed(True)
    window = _window(qtbot)
    assert not window.welcome.isVisible()
    window.help.welcome_action.trigger()
    assert window.welcome.isVisible()


def test_first_run_opens_the_first_lecture_example_until_dismissed():
    first = list_examples()[0]
    session = first_run_session()
    assert session is not None
    assert session.title == first.title
    assert first.name.startswith("01-")
    Preferences().set_welcome_dismissed(True)
    assert first_run_session() is None


def test_a_first_launch_opens_the_first_example_then_the_usual_start(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))  # autosave, recovery: not the user's
    first = open_window()
    qtbot.addWidget(first)
    assert first.document.session.title == list_examples()[0].title
    assert first.welcome.isVisible()
    qtbot.mouseClick(first.welcome.close_button, Qt.MouseButton.LeftButton)
    first.close()

    later = open_window()
    qtbot.addWidget(later)
    assert later.document.session.title == Session.default().title
    assert not later.welcome.isVisible()
