"""The title and notes above the stage: shown from the session, edited as one undoable step."""

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from convstudio.session.examples import list_examples, load_example
from convstudio.ui.panels.notes_bar import NotesDialog
from convstudio.ui.shell.main_window import MainWindow


def test_an_example_shows_its_title_and_notes(qtbot):
    info = list_examples()[3]
    window = MainWindow(load_example(info.name))
    qtbot.addWidget(window)
    assert window.notes_bar.title_label.text() == info.title
    assert window.notes_bar.notes_label.text() == load_example(info.name).notes
    window.close()


def test_editing_the_notes_is_one_undoable_step(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    old_title = window.document.session.title

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, NotesDialog)
        dialog.title_edit.setText("My lecture")
        dialog.notes_edit.setPlainText("Look at the corners.")
        dialog.accept()

    QTimer.singleShot(0, answer)
    qtbot.mouseClick(window.notes_bar.edit_button, Qt.MouseButton.LeftButton)
    assert window.document.session.title == "My lecture"
    assert window.notes_bar.notes_label.text() == "Look at the corners."
    assert window.document.is_modified()
    window.document.undo_stack.undo()
    assert window.document.session.title == old_title
    assert window.notes_bar.title_label.text() == (old_title or "Untitled")
    window.close()
