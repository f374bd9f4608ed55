"""The File menu in the window: open, save, save as, revert, recent files, examples, drops, and the
Save / Discard / Cancel prompt. Dialogs are answered by monkeypatching Qt's static calls."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from convstudio.session import examples, fileformat
from convstudio.session.model import Session
from convstudio.ui.files.file_controller import menu_text
from convstudio.ui.shell import app as ui_app
from convstudio.ui.shell.main_window import MainWindow

Button = QMessageBox.StandardButton


class Dialogs:
    """Stands in for every dialog the File menu shows; records what was asked."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.answers: list[Button] = []  # for QMessageBox.question, in order
        self.open_paths: list[str] = []  # what the Open dialog returns ("" = cancelled)
        self.save_paths: list[str] = []  # what the Save As dialog returns
        self.questions: list[str] = []
        self.warnings: list[tuple[str, str]] = []
        self.informations: list[tuple[str, str]] = []
        self.save_dialogs = 0
        monkeypatch.setattr(QMessageBox, "question", self._question)
        monkeypatch.setattr(QMessageBox, "warning", self._warning)
        monkeypatch.setattr(QMessageBox, "information", self._information)
        monkeypatch.setattr(QFileDialog, "getOpenFileName", self._open)
        monkeypatch.setattr(QFileDialog, "getSaveFileName", self._save)

    def _question(self, _parent, _title, text, *_args):
        self.questions.append(text)
        assert self.answers, f"unexpected question: {text}"
        return self.answers.pop(0)

    def _warning(self, _parent, title, text, *_args):
        self.warnings.append((title, text))
        return Button.Ok

    def _information(self, _parent, title, text, *_args):
        self.informations.append((title, text))
        return Button.Ok

    def _open(self, *_args, **_kwargs):
        return (self.open_paths.pop(0) if self.open_paths else "", "")

    def _save(self, *_args, **_kwargs):
        self.save_dialogs += 1
        return (self.save_paths.pop(0) if self.save_paths else "", "")


@pytest.fixture
def dialogs(monkeypatch) -> Dialogs:
    return Dialogs(monkeypatch)


def close_quietly(window: MainWindow) -> None:
    """Close a window whatever it holds (tests that are done with it), then delete it."""
    window.files.guard_close = False
    window.close()
    window.deleteLater()


@pytest.fixture
def window(make_window, dialogs, tmp_path, monkeypatch):
    """A shown window that asks before closing, as a launched one does.

    Made by ``make_window``, not given to ``qtbot.addWidget``: pytest-qt closes those before
    fixtures are torn down, and that close would ask about unsaved changes with nobody left to
    answer; ``make_window`` closes it without asking and deletes it.
    """
    monkeypatch.setenv("CONVSTUDIO_DATA_DIR", str(tmp_path / "data"))
    return make_window(guard_close=True)


def session_file(folder: Path, name: str, value: float = 1.0) -> Path:
    session = Session.default().with_cells("input", (0, 0, 0), value)
    path = folder / name
    fileformat.save(session, path)
    return path


def edit(window: MainWindow, value: float = 9.5) -> None:
    window.document.set_cells("input", (0, 1, 1), value)
    assert window.document.is_modified()


def title(window: MainWindow) -> str:
    return window.windowTitle().split("[*]")[0]


# -- open and the title --------------------------------------------------------------------------
def test_open_shows_the_file_name_and_the_modified_marker(window, dialogs, tmp_path):
    path = session_file(tmp_path, "lesson.convstudio", 4.0)
    dialogs.open_paths.append(str(path))
    window.files.open_action.trigger()
    assert window.document.session.input[0, 0, 0] == 4.0
    assert title(window) == "lesson.convstudio"
    assert "ConvStudio" in window.windowTitle()
    assert not window.isWindowModified()
    assert window.files.path == path
    assert window.files.revert_action.isEnabled()
    edit(window)
    assert window.isWindowModified()
    window.document.undo_stack.undo()
    assert not window.isWindowModified()


def test_new_session_is_blank_and_untitled(window, dialogs):
    window.files.new_action.trigger()
    session = window.document.session
    assert title(window) == "Untitled"
    assert window.files.path is None
    assert not window.files.revert_action.isEnabled()
    assert not session.input.any() and not session.weight.any() and not session.bias.any()
    assert session.params == Session.default().params


def test_standard_shortcuts(window):
    files = window.files
    assert files.new_action.shortcut() == QKeySequence(QKeySequence.StandardKey.New)
    assert files.open_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Open)
    assert files.save_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Save)
    assert files.save_as_action.shortcut() == QKeySequence("Ctrl+Shift+S")
    assert files.quit_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Quit)
    texts = [a.text() for a in window.file_menu.actions()]
    assert texts[:4] == ["&New", "&Open…", "Open &Recent", "&Examples"]


def test_ctrl_s_saves(window, dialogs, tmp_path, qtbot):
    path = session_file(tmp_path, "keys.convstudio")
    window.files.open_path(path)
    edit(window, 2.25)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not window.document.is_modified()
    assert fileformat.load(path).input[0, 1, 1] == 2.25


# -- save, save as, reopen -----------------------------------------------------------------------
def test_save_then_reopen_gives_the_same_values_cursor_and_view(qtbot, window, dialogs, tmp_path):
    edit(window, -3.5)
    window.document.set_cells("weight", (2, 1, 0, 2), 0.1)
    window.document.set_cursor(2, (3, 4))
    window.mode_actions["colours"].trigger()  # View > Colour map
    dialogs.save_paths.append(str(tmp_path / "mine"))
    window.files.save_action.trigger()
    assert dialogs.save_dialogs == 1
    saved = tmp_path / "mine.convstudio"
    assert window.files.path == saved
    assert title(window) == "mine.convstudio"
    assert not window.isWindowModified()

    other = MainWindow()
    qtbot.addWidget(other)
    assert other.files.open_path(saved)
    a, b = window.document.session, other.document.session
    for name in ("input", "weight", "bias"):
        np.testing.assert_array_equal(a.array(name), b.array(name))
    assert b.cursor == a.cursor and b.cursor.out_feature == 2 and b.cursor.position == (3, 4)
    assert b.params == a.params
    assert other.view.display_mode == "colours"
    assert other.mode_actions["colours"].isChecked()


def test_save_as_appends_the_suffix_only_when_missing(window, dialogs, tmp_path):
    for typed, expected in (
        ("plain", "plain.convstudio"),
        ("done.convstudio", "done.convstudio"),
        ("LOUD.CONVSTUDIO", "LOUD.CONVSTUDIO"),
        ("data.json", "data.json.convstudio"),
    ):
        dialogs.save_paths.append(str(tmp_path / typed))
        window.files.save_as_action.trigger()
        assert (tmp_path / expected).is_file(), typed
        assert window.files.path == tmp_path / expected
    assert sorted(p.name for p in tmp_path.glob("*.*")) == sorted(
        ["plain.convstudio", "done.convstudio", "LOUD.CONVSTUDIO", "data.json.convstudio"]
    )


def test_save_as_asks_before_replacing_the_file_with_the_appended_suffix(window, dialogs, tmp_path):
    existing = session_file(tmp_path, "taken.convstudio", 8.0)
    before = existing.read_bytes()
    edit(window)
    dialogs.save_paths.append(str(tmp_path / "taken"))
    dialogs.answers.append(Button.No)
    assert not window.files.save_as()
    assert existing.read_bytes() == before
    assert window.document.is_modified()
    dialogs.save_paths.append(str(tmp_path / "taken"))
    dialogs.answers.append(Button.Yes)
    assert window.files.save_as()
    assert fileformat.load(existing).input[0, 1, 1] == 9.5


def test_a_failed_save_shows_the_error_and_keeps_the_work_modified(window, dialogs, tmp_path):
    path = session_file(tmp_path, "kept.convstudio", 5.0)
    window.files.open_path(path)
    before = path.read_bytes()
    edit(window)
    dialogs.save_paths.append(str(tmp_path / "missing-folder" / "x.convstudio"))
    assert not window.files.save_as()
    ((heading, text),) = dialogs.warnings
    assert heading == "Could not save"
    assert "missing-folder" in text
    assert window.document.is_modified() and window.isWindowModified()
    assert window.files.path == path
    assert path.read_bytes() == before


# -- the unsaved-changes prompt ------------------------------------------------------------------
@pytest.mark.parametrize("answer", ["save", "discard", "cancel"])
def test_closing_with_unsaved_changes_asks(window, dialogs, tmp_path, answer):
    path = session_file(tmp_path, "close.convstudio", 1.0)
    window.files.open_path(path)
    edit(window, 7.0)
    dialogs.answers.append(
        {"save": Button.Save, "discard": Button.Discard}.get(answer, Button.Cancel)
    )
    closed = window.close()
    assert len(dialogs.questions) == 1 and "close.convstudio" in dialogs.questions[0]
    assert closed == (answer != "cancel")
    assert window.isVisible() == (answer == "cancel")
    saved_value = fileformat.load(path).input[0, 1, 1]
    assert saved_value == (7.0 if answer == "save" else Session.default().input[0, 1, 1])
    if answer == "cancel":
        assert window.document.is_modified()
        assert window.document.session.input[0, 1, 1] == 7.0


def test_closing_after_a_failed_save_keeps_the_window_open(window, dialogs, tmp_path):
    edit(window)
    dialogs.answers.append(Button.Save)
    dialogs.save_paths.append(str(tmp_path / "nowhere" / "x"))
    assert not window.close()
    assert window.isVisible() and window.document.is_modified()
    assert dialogs.warnings and dialogs.warnings[0][0] == "Could not save"
    # Untitled work whose Save As dialog is cancelled stays open too.
    dialogs.answers.append(Button.Save)
    assert not window.close()
    assert window.isVisible()


def test_closing_without_changes_does_not_ask(window, dialogs):
    assert window.close()
    assert dialogs.questions == []


@pytest.mark.parametrize("answer", ["save", "discard", "cancel"])
@pytest.mark.parametrize("how", ["open", "new"])
def test_opening_or_new_with_unsaved_changes_asks(window, dialogs, tmp_path, answer, how):
    current = session_file(tmp_path, "current.convstudio", 1.0)
    window.files.open_path(current)
    edit(window, 6.0)
    target = session_file(tmp_path, "next.convstudio", 2.0)
    dialogs.answers.append(
        {"save": Button.Save, "discard": Button.Discard}.get(answer, Button.Cancel)
    )
    if how == "open":
        dialogs.open_paths.append(str(target))
        window.files.open_action.trigger()
    else:
        window.files.new_action.trigger()
    assert len(dialogs.questions) == 1
    session = window.document.session
    if answer == "cancel":
        assert window.files.path == current
        assert session.input[0, 1, 1] == 6.0 and window.document.is_modified()
    else:
        assert not window.document.is_modified()
        if how == "open":
            assert window.files.path == target and session.input[0, 0, 0] == 2.0
        else:
            assert window.files.path is None and title(window) == "Untitled"
    assert (fileformat.load(current).input[0, 1, 1] == 6.0) == (answer == "save")


# -- files that cannot be opened -----------------------------------------------------------------
@pytest.mark.parametrize(
    "content",
    [b"", b"not json at all", b'{"format": "convstudio-session", "version": 99}', b"\xff\xfe{"],
)
def test_a_malformed_file_shows_the_message_and_the_work_stays(window, dialogs, tmp_path, content):
    current = session_file(tmp_path, "good.convstudio", 1.0)
    window.files.open_path(current)
    edit(window, 4.5)
    before = window.document.session
    bad = tmp_path / "broken.convstudio"
    bad.write_bytes(content)
    dialogs.open_paths.append(str(bad))
    window.files.open_action.trigger()
    ((heading, text),) = dialogs.warnings
    assert heading == "Could not open the file"
    assert "broken.convstudio" in text
    with pytest.raises(fileformat.SessionError) as error:
        fileformat.load(bad)
    assert str(error.value) in text
    assert dialogs.questions == []  # nothing to decide: the work was never at risk
    assert window.document.session is before
    assert window.document.is_modified()
    assert window.files.path == current and title(window) == "good.convstudio"


def test_a_missing_file_on_the_command_line_shows_the_message(qtbot, dialogs, tmp_path):
    window = MainWindow()
    qtbot.addWidget(window)
    before = window.document.session
    window.files.open_path(tmp_path / "gone.convstudio", ask=False)
    ((_heading, text),) = dialogs.warnings
    assert "gone.convstudio" in text and "no such file" in text
    assert window.document.session is before


# -- recent files --------------------------------------------------------------------------------
def recent_entries(window: MainWindow) -> list[str]:
    window.files.recent_menu.aboutToShow.emit()
    return [
        a.statusTip() for a in window.files.recent_menu.actions() if a.statusTip().startswith("/")
    ]


def test_recent_files(window, dialogs, tmp_path):
    assert not window.files.recent_menu.isEnabled()
    first = session_file(tmp_path, "first.convstudio")
    second = session_file(tmp_path, "second.convstudio")
    window.files.open_path(first)
    window.files.open_path(second)
    window.files.open_path(first)
    assert recent_entries(window) == [str(first.resolve()), str(second.resolve())]
    assert window.files.recent_menu.isEnabled()
    # Saving under a new name puts it first too.
    dialogs.save_paths.append(str(tmp_path / "third"))
    window.files.save_as()
    third = (tmp_path / "third.convstudio").resolve()
    assert recent_entries(window)[0] == str(third)
    # Choosing one opens it.
    entry = next(
        a for a in window.files.recent_menu.actions() if a.statusTip() == str(second.resolve())
    )
    entry.trigger()
    assert window.files.path == second.resolve() or window.files.path == second
    # A file that is gone is removed, with a message.
    first.unlink()
    entry = next(
        a for a in window.files.recent_menu.actions() if a.statusTip() == str(first.resolve())
    )
    entry.trigger()
    ((_heading, text),) = dialogs.informations
    assert "first.convstudio" in text and "removed" in text
    assert str(first.resolve()) not in recent_entries(window)
    assert window.files.path in (second, second.resolve())
    # Clear list.
    window.files.clear_recent_action.trigger()
    assert recent_entries(window) == []
    assert not window.files.recent_menu.isEnabled()


def test_recent_menu_shows_names_literally(window, dialogs, tmp_path):
    path = session_file(tmp_path, "salt & pepper.convstudio")
    window.files.open_path(path)
    window.files.recent_menu.aboutToShow.emit()
    first = window.files.recent_menu.actions()[0]
    assert first.text() == "&1 salt && pepper.convstudio"  # shown as "1 salt & pepper..."
    first.trigger()
    assert window.files.path == path


def test_the_real_prompt_on_close(qtbot, tmp_path, monkeypatch):
    """The Save / Discard / Cancel box itself, clicked through by a timer as a user would."""
    monkeypatch.setenv("CONVSTUDIO_DATA_DIR", str(tmp_path / "data"))
    window = MainWindow()
    window.show()
    window.files.guard_close = True
    edit(window)
    seen = []

    def click(which: Button) -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, lambda: click(which))
            return
        seen.append(box.text())
        box.button(which).click()

    try:
        QTimer.singleShot(0, lambda: click(Button.Cancel))
        assert not window.close()
        assert window.isVisible() and window.document.is_modified()
        QTimer.singleShot(0, lambda: click(Button.Discard))
        assert window.close()
        assert not window.isVisible()
        assert len(seen) == 2 and "unsaved changes" in seen[0]
    finally:
        close_quietly(window)


def test_the_recent_list_keeps_ten(window, dialogs, tmp_path):
    paths = [session_file(tmp_path, f"f{i:02}.convstudio") for i in range(12)]
    for path in paths:
        window.files.open_path(path)
    entries = recent_entries(window)
    assert entries == [str(p.resolve()) for p in reversed(paths)][:10]


# -- examples ------------------------------------------------------------------------------------
def test_examples_menu_lists_every_example_in_lecture_order_and_opens_each(window, dialogs):
    expected = examples.list_examples()
    assert len(expected) >= 7
    window.files.examples_menu.aboutToShow.emit()
    actions = window.files.examples_menu.actions()
    assert [a.text() for a in actions] == [menu_text(e.title) for e in expected]
    for action, example in zip(actions, expected):
        action.trigger()
        assert dialogs.warnings == [], example.name
        assert title(window) == example.title
        assert window.files.path is None
        assert not window.document.is_modified()
        assert window.document.session == fileformat.load(example.path).replace(
            view=window.document.session.view
        )


def test_an_example_is_saved_as_a_copy_never_over_the_bundled_file(window, dialogs, tmp_path):
    example = examples.list_examples()[0]
    before = example.path.read_bytes()
    window.files.open_example(example)
    edit_target = window.document.session
    window.document.set_cells("input", (0,) * edit_target.input.ndim, 99.0)
    dialogs.save_paths.append("")  # the user cancels the Save As dialog
    window.files.save_action.trigger()
    assert dialogs.save_dialogs == 1
    assert window.document.is_modified()
    # Choosing the bundled file itself is refused.
    dialogs.save_paths.append(str(example.path))
    assert not window.files.save_as()
    assert "read-only" in dialogs.warnings[-1][1]
    dialogs.save_paths.append(str(tmp_path / "copy"))
    assert window.files.save_as()
    assert example.path.read_bytes() == before
    assert fileformat.load(tmp_path / "copy.convstudio").input.flat[0] == 99.0
    # Opening the bundled file through File > Open also gives an untitled copy.
    dialogs.answers.append(Button.Discard)
    window.files.open_path(example.path)
    assert window.files.path is None and title(window) == example.title


# -- drag and drop -------------------------------------------------------------------------------
def drag(window: MainWindow, path: Path, target=None) -> tuple[QDragEnterEvent, QDropEvent]:
    target = target or window
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    point = QPoint(10, 10)
    enter = QDragEnterEvent(
        point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0)
    )
    QApplication.sendEvent(target, enter)
    drop = QDropEvent(
        point.toPointF(),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier(0),
    )
    if enter.isAccepted():
        QApplication.sendEvent(target, drop)
    return enter, drop


# The only QDragEnterEvent constructor PySide6 binds is marked deprecated.
pytestmark_drag = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytestmark_drag
def test_dropping_a_session_file_opens_it(qtbot, window, dialogs, tmp_path):
    path = session_file(tmp_path, "dropped.convstudio", 3.0)
    enter, drop = drag(window, path)
    assert enter.isAccepted() and drop.isAccepted()
    qtbot.waitUntil(lambda: window.files.path == path)
    assert window.document.session.input[0, 0, 0] == 3.0
    assert title(window) == "dropped.convstudio"
    # Dropped on a panel inside the window, it opens too.
    other = session_file(tmp_path, "on-a-panel.convstudio", 6.0)
    enter, drop = drag(window, other, window.centralWidget())
    assert enter.isAccepted()
    qtbot.waitUntil(lambda: window.files.path == other)


@pytestmark_drag
def test_other_files_are_not_taken(window, dialogs, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello", encoding="utf-8")
    enter, _drop = drag(window, text)
    assert not enter.isAccepted()


# -- revert --------------------------------------------------------------------------------------
def test_revert_reloads_from_disk_after_confirming(window, dialogs, tmp_path):
    path = session_file(tmp_path, "rev.convstudio", 1.0)
    assert not window.files.revert_action.isEnabled()
    window.files.open_path(path)
    edit(window, 8.0)
    dialogs.answers.append(Button.Cancel)
    window.files.revert_action.trigger()
    assert window.document.session.input[0, 1, 1] == 8.0 and window.document.is_modified()
    dialogs.answers.append(Button.Discard)
    window.files.revert_action.trigger()
    assert window.document.session == fileformat.load(path)
    assert not window.document.is_modified()
    assert window.files.path == path


# -- the command line ----------------------------------------------------------------------------
def test_run_opens_the_file_and_records_it(qtbot, dialogs, tmp_path, monkeypatch):
    monkeypatch.setenv("CONVSTUDIO_DATA_DIR", str(tmp_path / "data"))
    path = session_file(tmp_path, "cli.convstudio", 2.5)
    windows = []
    existing = set(QApplication.topLevelWidgets())

    def fake_exec(*_args):
        window = next(
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, MainWindow) and w not in existing
        )
        windows.append(window)
        return 0

    monkeypatch.setattr(QApplication, "exec", fake_exec)
    assert ui_app.run(str(path)) == 0
    (window,) = windows
    assert window.files.path == path.absolute()
    assert title(window) == "cli.convstudio"
    assert window.document.session.input[0, 0, 0] == 2.5
    assert recent_entries(window)[0] == str(path.resolve())
    assert window.files.guard_close and window.files.autosaver.active
    close_quietly(window)
