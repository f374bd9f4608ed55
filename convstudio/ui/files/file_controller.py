"""Everything about files in the window: the File menu, open/save, recent files, examples, drops,
the unsaved-changes prompt, and autosave with crash recovery.

The current file's path lives here, not in the document: the document is the session and its undo
history, which is the same whether the work came from a file, an example or File > New; which
file (if any) the work is bound to is a question for this controller, which also owns the dialogs
that change it. ``path`` is None for untitled work (File > New, an example, recovered untitled
work).

Every dialog goes through a Qt static call (``QMessageBox.question/warning/information``,
``QFileDialog.getOpenFileName/getSaveFileName``) or ``recovery.ask_restore``, so tests answer them
by monkeypatching and the suite never blocks on a modal box.

The controller subscribes itself: it follows the document (autosave, the name shown in the title)
and the view state (saved with the session: ``session_for_saving`` folds it into the copy that
is written, the document itself is not touched), and announces what the window shows: its
``name_changed`` (the title's file name) and ``message`` (the status bar). It knows the window
only as the ``QWidget`` its dialogs belong to.

A window made by ``MainWindow()`` alone (screenshots, tests of other parts) neither asks on close
nor autosaves: ``launch()`` turns both on, and ``convstudio.ui.shell.app.run`` calls it. That
keeps a closing test window from hanging on a prompt nobody answers, and keeps other tests from
writing recovery files into a person's data folder.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QMainWindow,
    QMenu,
    QMessageBox,
    QWidget,
)

from convstudio import session as store
from convstudio.session import (
    SUFFIX,
    ExampleInfo,
    Session,
    SessionError,
    ViewState,
    blank_session,
    is_bundled,
    orphaned_records,
    with_suffix,
)
from convstudio.ui.files import background, recovery
from convstudio.ui.state.binding import follow
from convstudio.ui.state.document import SessionDocument
from convstudio.ui.state.preferences import Preferences

FILE_FILTER = "ConvStudio sessions (*.convstudio);;All files (*)"

_Button = QMessageBox.StandardButton


def menu_text(text: str) -> str:
    """``text`` shown literally in a menu (a single ``&`` would mark a shortcut letter)."""
    return text.replace("&", "&&")


def file_name_for(title: str) -> str:
    """A file name suggested for a session with this title ("2D: stride 2" -> "2D stride 2")."""
    name = re.sub(r"[^\w\- ]+", " ", title).strip()
    name = re.sub(r"\s+", " ", name)
    return (name or "Untitled") + SUFFIX


@contextlib.contextmanager
def _busy() -> Iterator[None]:
    """A wait cursor while a file is read or written on the GUI thread."""
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


class FileController(QObject):
    """The File menu (filled into ``menu``) and everything about files for one window.

    Public: ``path``, ``display_name()``, ``new_session()``, ``open_dialog()``, ``open_path()``,
    ``open_example()``, ``save()``, ``save_as()``, ``save_to()``, ``revert()``,
    ``confirm_close()``, ``launch()``, ``offer_recovery()``, ``autosaver``, and the actions.
    Signals: ``name_changed(str)`` with ``display_name()`` whenever it changes; ``message(str)``
    for the status bar.
    """

    name_changed = Signal(str)
    message = Signal(str)

    def __init__(
        self, document: SessionDocument, view: ViewState, window: QMainWindow, menu: QMenu
    ) -> None:
        super().__init__(window)
        self.window = window
        self.document = document
        self.view = view
        self.path: Path | None = None
        #: Ask Save / Discard / Cancel on close (turned on by ``launch``).
        self.guard_close = False
        self.autosaver = recovery.Autosaver(
            self.session_for_saving,
            lambda: self.path,
            self.document.is_modified,
            parent=self,
        )
        self.autosaver.failed.connect(self.message)
        document.changed.connect(self._document_changed)
        document.cursor_changed.connect(self.autosaver.mark_changed)
        for field in ("display_mode", "speed", "loop", "order", "reveal"):  # the saved fields
            follow(getattr(view.events, field), self, self.autosaver.mark_changed)
        self.jobs = background.FileJobs(window)  # big files open and save off the GUI thread
        self._build_menu(menu)
        window.setAcceptDrops(True)
        app = QApplication.instance()
        if app is not None:
            # On the application, not the window: a child that accepts drops itself (a graphics
            # view) would otherwise take a drag of a session file before the window saw it.
            app.installEventFilter(self)

    # -- the menu ---------------------------------------------------------------------------------
    def _document_changed(self, parts: frozenset[str]) -> None:
        self.autosaver.mark_changed()
        if "meta" in parts and self.path is None:
            self.name_changed.emit(self.display_name())  # untitled work is named by its title

    def _action(
        self,
        text: str,
        slot: Any,
        shortcut: QKeySequence.StandardKey | str | None = None,
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self.window)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _build_menu(self, menu: QMenu) -> None:
        key = QKeySequence.StandardKey
        self.new_action = self._action(
            "&New", self.new_session, key.New, "Start a blank layer (every value 0)"
        )
        self.open_action = self._action(
            "&Open…", self.open_dialog, key.Open, "Open a .convstudio session file"
        )
        self.recent_menu = QMenu("Open &Recent", menu)
        self.recent_menu.aboutToShow.connect(self._populate_recent)
        self.examples_menu = QMenu("&Examples", menu)
        self.examples_menu.aboutToShow.connect(self._populate_examples)
        self.save_action = self._action(
            "&Save", self.save, key.Save, "Save the session (asks for a file name the first time)"
        )
        self.save_as_action = self._action(
            "Save &As…", self.save_as, "Ctrl+Shift+S", "Save the session under a new file name"
        )
        self.revert_action = self._action(
            "Re&vert", self.revert, None, "Throw away unsaved changes and reload the file"
        )
        self.quit_action = self._action("&Quit", self.window.close, key.Quit, "Close ConvStudio")
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.clear_recent_action = self._action(
            "&Clear List", self.clear_recent, None, "Forget the recently used files"
        )
        menu.addAction(self.new_action)
        menu.addAction(self.open_action)
        menu.addMenu(self.recent_menu)
        menu.addMenu(self.examples_menu)
        menu.addSeparator()
        menu.addAction(self.save_action)
        menu.addAction(self.save_as_action)
        menu.addAction(self.revert_action)
        menu.addSeparator()
        menu.addAction(self.quit_action)
        self._populate_recent()
        self._populate_examples()
        self._update_actions()

    def _update_actions(self) -> None:
        self.revert_action.setEnabled(self.path is not None)

    def _populate_recent(self) -> None:
        menu = self.recent_menu
        menu.clear()
        files = Preferences().recent_files()
        for number, text in enumerate(files, start=1):
            path = Path(text)
            action = menu.addAction(f"&{number % 10} {menu_text(path.name)}")
            action.setStatusTip(text)
            action.setToolTip(text)
            action.triggered.connect(lambda _checked=False, p=text: self.open_recent(p))
        menu.addSeparator()
        menu.addAction(self.clear_recent_action)
        self.clear_recent_action.setEnabled(bool(files))
        menu.setEnabled(bool(files))

    def _populate_examples(self) -> None:
        menu = self.examples_menu
        menu.clear()
        try:
            found = store.list_examples()
        except (OSError, SessionError) as error:
            found = []
            self.message.emit(f"The bundled examples could not be listed: {error}")
        for example in found:
            action = menu.addAction(menu_text(example.title))
            action.setStatusTip(f"Open an untitled copy of the example “{example.title}”")
            action.triggered.connect(lambda _checked=False, e=example: self.open_example(e))
        menu.setEnabled(bool(found))

    # -- what the title shows ---------------------------------------------------------------------
    def display_name(self) -> str:
        """The file name, or the session's title for untitled work ("Untitled" without one)."""
        if self.path is not None:
            return self.path.name
        return self.document.session.title or "Untitled"

    def _refresh(self) -> None:
        self._update_actions()
        self.name_changed.emit(self.display_name())

    # -- view state -------------------------------------------------------------------------------
    def session_for_saving(self) -> Session:
        """What a save writes: the document's session with the view state's saved fields (the
        display mode) in its ``view`` object. A copy: the document is not changed by saving."""
        session = self.document.session
        return session.with_view(self.view.saved(session.view))

    # -- prompts ----------------------------------------------------------------------------------
    def maybe_save(self, doing: str) -> bool:
        """With unsaved changes, ask Save / Discard / Cancel; True when it is fine to go on.

        ``doing`` completes "Save the changes ... before ___?" ("closing", "opening another file").
        A save that fails (or whose file dialog is cancelled) counts as Cancel.
        """
        if not self.document.is_modified():
            return True
        answer = QMessageBox.question(
            self.window,
            "Unsaved changes",
            f"“{self.display_name()}” has unsaved changes.\n\nSave them before {doing}?",
            _Button.Save | _Button.Discard | _Button.Cancel,
            _Button.Save,
        )
        if answer == _Button.Save:
            return self.save()
        return answer == _Button.Discard

    def _error(self, title: str, text: str) -> None:
        QMessageBox.warning(self.window, title, text)

    # -- New / Open -------------------------------------------------------------------------------
    def new_session(self) -> bool:
        """A blank layer (every value 0) with the built-in layout, after the unsaved prompt.

        Blank rather than the built-in example: New is a clean slate to type or fill into; the
        examples are one menu away. The built-in layout (2D, 2 -> 3 features, 5x5, 3x3 kernels,
        padding 1) keeps the settings panel on something that can be scrubbed at once.
        """
        if not self.maybe_save("starting a new session"):
            return False
        start = Session.default()
        self._install(blank_session(start.params, start.spatial, title="Untitled"), None)
        return True

    def open_dialog(self) -> bool:
        """File > Open: choose a file, then open it (asking about unsaved changes first)."""
        start = str(self.path.parent) if self.path is not None else Preferences().last_directory()
        chosen, _filter = QFileDialog.getOpenFileName(
            self.window, "Open session", start, FILE_FILTER
        )
        if not chosen:
            return False
        return self.open_path(chosen)

    def open_path(self, path: str | os.PathLike[str], *, ask: bool = True) -> bool:
        """Open the session in ``path``; True when it replaced the current work.

        The file is read and checked first: a file that cannot be opened shows the error (naming
        the file) and the current work stays exactly as it was, without any prompt. Then, with
        unsaved changes and ``ask``, Save / Discard / Cancel. A bundled example opens as an
        untitled copy, so Save never overwrites it.
        """
        where = Path(os.fspath(path)).expanduser()
        session = self._load(where)
        if session is None:
            return False
        if ask and not self.maybe_save(f"opening “{where.name}”"):
            return False
        if is_bundled(where):
            self._install(session, None)
        else:
            self._install(session, where.absolute())
            self._remember(where)
        return True

    def open_recent(self, text: str) -> bool:
        """Open a recent file; a file that is gone is taken off the list, with a message."""
        path = Path(text)
        if not path.exists():
            preferences = Preferences()
            preferences.set_recent_files([p for p in preferences.recent_files() if p != text])
            QMessageBox.information(
                self.window,
                "File not found",
                f"“{path.name}” is no longer there ({path.parent}), so it was removed from the "
                "recent files.",
            )
            return False
        return self.open_path(path)

    def clear_recent(self) -> None:
        Preferences().set_recent_files([])
        self._populate_recent()

    def open_example(self, example: ExampleInfo) -> bool:
        """Open an untitled copy of a bundled example (Save asks for a file name)."""
        session = self._load(Path(example.path))
        if session is None:
            return False
        if not self.maybe_save(f"opening the example “{example.title}”"):
            return False
        self._install(session, None)
        return True

    def _load(self, path: Path) -> Session | None:
        """The session in ``path``, or None after telling the user why it cannot be opened."""
        if background.wants_background_load(path, self.jobs.load_threshold):
            how, value = self.jobs.run(f"Opening {path.name}", self.jobs.load_task(path))
            if how == "done":
                return value
            if how == "cancelled":
                self.message.emit(f"Opening “{path.name}” was cancelled; nothing changed")
            else:
                self._error(
                    "Could not open the file",
                    f"“{path.name}” could not be opened; nothing was changed.\n\n{value}",
                )
            return None
        try:
            with _busy():
                return store.load(path)
        except SessionError as error:
            self._error(
                "Could not open the file",
                f"“{path.name}” could not be opened; nothing was changed.\n\n{error}",
            )
            return None

    def _install(self, session: Session, path: Path | None, *, clean: bool = True) -> None:
        """Make ``session`` the current work, bound to ``path``."""
        self.path = path
        self.document.replace_session(session, clean=clean)
        self.view.restore(session.view)
        self.autosaver.mark_changed()
        self._refresh()

    def _remember(self, path: Path) -> None:
        preferences = Preferences()
        preferences.add_recent_file(path)
        preferences.set_last_directory(path.absolute())
        self._populate_recent()

    # -- Save -------------------------------------------------------------------------------------
    def save(self) -> bool:
        """File > Save: to the current file, or Save As when there is none. True when saved."""
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        """File > Save As: choose a file name (``.convstudio`` added when missing), then save."""
        if self.path is not None:
            suggested = str(self.path)
        else:
            folder = Path(Preferences().last_directory())
            suggested = str(folder / file_name_for(self.document.session.title))
        chosen, _filter = QFileDialog.getSaveFileName(
            self.window, "Save session as", suggested, FILE_FILTER
        )
        if not chosen:
            return False
        target = with_suffix(chosen)
        if target != chosen and Path(target).exists():
            # The dialog asked about replacing the name typed, not the one with the suffix.
            answer = QMessageBox.question(
                self.window,
                "Replace the file?",
                f"“{Path(target).name}” already exists in {Path(target).parent}. Replace it?",
                _Button.Yes | _Button.No,
                _Button.No,
            )
            if answer != _Button.Yes:
                return False
        return self.save_to(Path(target))

    def save_to(self, path: Path) -> bool:
        """Write the session (with the view state) to ``path`` and bind the window to it.

        A failed save shows the error and changes nothing: the document stays modified, the
        window stays bound to its old file, and that file is as it was (the write is atomic).
        """
        path = Path(path).absolute()
        if is_bundled(path):
            self._error(
                "Could not save",
                f"“{path.name}” is one of the bundled examples, which are read-only. "
                "Save your copy under another name.",
            )
            return False
        session = self.session_for_saving()
        if background.wants_background_save(session, self.jobs.save_threshold):
            how, value = self.jobs.run(f"Saving {path.name}", self.jobs.save_task(session, path))
            if how == "cancelled":
                self.message.emit(f"Saving “{path.name}” was cancelled; the file is as it was")
                return False
            if how == "failed":
                self._error("Could not save", f"The session was not saved.\n\n{value}")
                return False
        else:
            try:
                with _busy():
                    store.save(session, path)
            except SessionError as error:
                self._error("Could not save", f"The session was not saved.\n\n{error}")
                return False
        self.path = path
        self.document.mark_saved()
        self.autosaver.remove()
        self._remember(path)
        self._refresh()
        self.message.emit(f"Saved {path}")
        return True

    def revert(self) -> bool:
        """File > Revert: after a confirmation, reload the file from disk, dropping changes."""
        if self.path is None:
            return False
        answer = QMessageBox.question(
            self.window,
            "Revert",
            f"Throw away the unsaved changes and reload “{self.path.name}” from disk?",
            _Button.Discard | _Button.Cancel,
            _Button.Cancel,
        )
        if answer != _Button.Discard:
            return False
        session = self._load(self.path)
        if session is None:
            return False
        self._install(session, self.path)
        return True

    # -- closing ----------------------------------------------------------------------------------
    def confirm_close(self) -> bool:
        """Called by the window's closeEvent: False keeps the window open.

        With ``guard_close`` and unsaved changes, asks Save / Discard / Cancel. A close that goes
        ahead is a clean close: the recovery file is removed.
        """
        if self.guard_close and not self.maybe_save("closing"):
            return False
        self.jobs.shutdown()
        self.autosaver.shutdown()
        return True

    # -- launch and recovery ----------------------------------------------------------------------
    def launch(self, path: str | os.PathLike[str] | None = None) -> None:
        """What starting ConvStudio does: open ``path`` (if given), ask before closing with
        unsaved changes, offer to restore work a crashed ConvStudio left, start autosaving."""
        self.guard_close = True
        if path is not None:
            self.open_path(path, ask=False)
        self.offer_recovery()
        self.autosaver.start()

    def offer_recovery(self) -> bool:
        """Offer the newest recovery file whose writer is gone; True when it was restored.

        Restore opens it as modified work, bound to the file it belonged to; Discard deletes it.
        Older ones are offered at the next launch. An unreadable one is shown and set aside.
        """
        records = orphaned_records(self.autosaver.folder)
        if not records:
            return False
        record = records[0]
        if not recovery.ask_restore(self.window, record, len(records) - 1):
            record.remove()
            return False
        try:
            session = record.load()
        except SessionError as error:
            record.set_aside()
            self._error(
                "Could not restore",
                "The autosaved work could not be read; it was set aside in "
                f"{record.session_path.parent}.\n\n{error}",
            )
            return False
        self._install(session, record.original, clean=False)
        # Our own recovery file takes over before the old one goes, so a crash now loses nothing.
        if self.autosaver.save_now():
            record.remove()
        return True

    # -- drag and drop ----------------------------------------------------------------------------
    @staticmethod
    def dropped_path(event: QDragEnterEvent | QDropEvent) -> Path | None:
        """The session file a drag carries: its first local ``.convstudio`` file, if any."""
        mime = event.mimeData()
        if mime is None or not mime.hasUrls():
            return None
        for url in mime.urls():
            if url.isLocalFile() and url.toLocalFile().lower().endswith(SUFFIX):
                return Path(url.toLocalFile())
        return None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Every event of the application passes here: the first test is a type check, which
        # costs far less than reading event.type() (a Python enum made per event).
        # QDragEnterEvent and QDragMoveEvent are QDropEvents too.
        if not isinstance(event, QDropEvent):
            return False
        if not isinstance(watched, QWidget) or watched.window() is not self.window:
            return False
        path = self.dropped_path(event)
        if path is None:
            return False
        event.acceptProposedAction()
        if event.type() == QEvent.Type.Drop:
            # Opened after the drop returns: a modal prompt inside a drop handler would hold the
            # application the file was dragged from.
            QTimer.singleShot(0, self, lambda: self.open_path(path))
        return True
