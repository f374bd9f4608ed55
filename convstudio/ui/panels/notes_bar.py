"""The session's title and notes above the stage: what this layer is about and what to look at.

The bundled examples carry a short note for the student; a teacher preparing a lecture writes their
own. Editing goes through the document (one undoable step), like every other change.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from convstudio.session import outdated_text
from convstudio.ui.state.document import SessionDocument


class NotesDialog(QDialog):
    """Edit the session's title and notes."""

    def __init__(self, title: str, notes: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Title and Notes")
        self.title_edit = QLineEdit(title)
        self.title_edit.setPlaceholderText("e.g. Conv2D with padding 1")
        self.notes_edit = QPlainTextEdit(notes)
        self.notes_edit.setPlaceholderText("What should the reader look at? (saved with the file)")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("&Title", self.title_edit)
        form.addRow("&Notes", self.notes_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(520, 300)


class NotesBar(QWidget):
    """Shows the title in bold and the notes beneath; "Edit…" asks for new ones."""

    meta_edited = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title_label = QLabel()
        self.title_label.setStyleSheet("font-weight: bold;")
        self.notes_label = QLabel()
        self.notes_label.setWordWrap(True)
        self.outdated_label = QLabel()
        self.outdated_label.setObjectName("NotesOutdated")
        self.outdated_label.setWordWrap(True)
        self.outdated_label.setStyleSheet("font-style: italic;")
        self.outdated_label.setToolTip(
            "The layer changed after these notes were written. Edit the notes to describe this "
            "layer, or undo the change to go back to the layer they describe."
        )
        self.outdated_label.setVisible(False)
        self.edit_button = QPushButton("Edit Notes…")
        self.edit_button.setToolTip("Change the session's title and notes (saved with the file)")
        self.edit_button.clicked.connect(self.edit)
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.title_label)
        text.addWidget(self.notes_label)
        text.addWidget(self.outdated_label)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 4)
        layout.addLayout(text, 1)
        layout.addWidget(self.edit_button)
        self._title = ""
        self._notes = ""
        self._document: SessionDocument | None = None

    def bind(self, document: SessionDocument) -> None:
        """Show the document's title and notes from now on; edits become undoable steps."""
        self._document = document
        document.changed.connect(self._document_changed)
        self.meta_edited.connect(self._meta_edited)
        self._document_changed(frozenset({"params", "meta"}))

    def _document_changed(self, parts: frozenset[str]) -> None:
        if self._document is None:
            return
        session = self._document.session
        if "meta" in parts:
            self.set_meta(session.title, session.notes)
        if parts & {"params", "meta"}:  # a new layer, or new notes, may (un)date the notes
            self.set_outdated(outdated_text(session))

    def _meta_edited(self, title: str, notes: str) -> None:
        if self._document is not None:
            self._document.attempt(self._document.set_meta, title=title, notes=notes)

    def set_meta(self, title: str, notes: str) -> None:
        self._title, self._notes = title, notes
        self.title_label.setText(title or "Untitled")
        self.notes_label.setText(notes)
        self.notes_label.setVisible(bool(notes))

    def set_outdated(self, hint: str) -> None:
        """Say that the notes describe an earlier layer (``hint`` says how); "" hides it."""
        self.outdated_label.setText(f"⚠ {hint}" if hint else "")
        self.outdated_label.setVisible(bool(hint))

    def edit(self) -> None:
        dialog = NotesDialog(self._title, self._notes, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            title = dialog.title_edit.text().strip()
            notes = dialog.notes_edit.toPlainText().strip()
            if (title, notes) != (self._title, self._notes):
                self.meta_edited.emit(title, notes)
