"""Autosave and crash recovery: the recovery file, its sidecar, who counts as gone, and a real kill.

The last test runs ConvStudio in a subprocess, makes an edit, waits for the autosave, kills the
process with SIGKILL and checks that a fresh window in this process offers the work back.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from convstudio.session import fileformat
from convstudio.session import recovery as store
from convstudio.session.model import Session
from convstudio.session.recovery import orphaned_records, writer_running
from convstudio.ui.files import recovery
from convstudio.ui.files.recovery import Autosaver


class FakeDocument:
    """What the autosaver asks of the window: the session, its file, whether it is unsaved."""

    def __init__(self) -> None:
        self.session = Session.default()
        self.original: Path | None = None
        self.modified = False

    def edit(self, value: float) -> None:
        self.session = self.session.with_cells("input", (0, 0, 0), value)
        self.modified = True


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "recovery"


@pytest.fixture
def document() -> FakeDocument:
    return FakeDocument()


@pytest.fixture
def saver(qtbot, folder: Path, document: FakeDocument) -> Autosaver:
    saver = Autosaver(
        lambda: document.session,
        lambda: document.original,
        lambda: document.modified,
        folder=folder,
        interval_ms=60_000,  # the tests tick by hand
    )
    yield saver
    saver.shutdown()


def dead_pid() -> int:
    """The pid of a process that has finished (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def write_sidecar(folder: Path, stem: str, **fields) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data = {
        "format": store.SIDECAR_FORMAT,
        "version": 1,
        "pid": os.getpid(),
        "identity": store.process_identity(os.getpid()),
        "session": stem + ".convstudio",
        "original": None,
        "title": "t",
        "written": time.time(),
    }
    data.update(fields)
    path = folder / (stem + ".json")
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_nothing_is_written_while_there_is_nothing_unsaved(saver, document, folder):
    saver.mark_changed()
    saver.tick()
    saver.wait()
    assert not saver.session_path.exists()
    assert not folder.exists() or not any(folder.iterdir())


def test_an_unsaved_change_is_written_with_a_sidecar(saver, document, folder):
    document.edit(42.0)
    document.original = folder.parent / "work.convstudio"
    saver.mark_changed()
    saver.tick()
    saver.wait()
    assert fileformat.load(saver.session_path) == document.session
    sidecar = json.loads(saver.sidecar_path.read_text(encoding="utf-8"))
    assert sidecar["pid"] == os.getpid()
    assert sidecar["original"] == str(document.original)
    assert sidecar["session"] == saver.session_path.name
    # Without a new change, the next tick writes nothing.
    before = saver.session_path.stat().st_mtime_ns
    document.session = document.session.with_cells("input", (0, 0, 0), 7.0)
    saver.tick()
    saver.wait()
    assert saver.session_path.stat().st_mtime_ns == before
    assert fileformat.load(saver.session_path).input[0, 0, 0] == 42.0


def test_saved_work_and_a_clean_close_remove_the_recovery_file(saver, document):
    document.edit(1.5)
    assert saver.save_now()
    assert saver.session_path.exists() and saver.sidecar_path.exists()
    document.modified = False  # saved by the user
    saver.tick()
    assert not saver.session_path.exists() and not saver.sidecar_path.exists()
    document.edit(2.5)
    assert saver.save_now()
    saver.shutdown()
    assert not saver.session_path.exists() and not saver.sidecar_path.exists()


def test_a_write_that_finishes_after_remove_leaves_nothing(saver, document, monkeypatch):
    """A save that lands while a background autosave is still writing: the late write is undone."""
    release = threading.Event()
    started = threading.Event()
    real_save = fileformat.save

    def slow_save(session, path):
        started.set()
        release.wait(10)
        real_save(session, path)

    monkeypatch.setattr(store.fileformat, "save", slow_save)
    document.edit(3.0)
    saver.mark_changed()
    saver.tick()
    assert started.wait(10)
    assert saver.busy()
    saver.remove()
    release.set()
    saver.wait()
    assert not saver.session_path.exists() and not saver.sidecar_path.exists()


def test_a_failed_autosave_is_reported_and_retried(qtbot, tmp_path, document):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    saver = Autosaver(
        lambda: document.session,
        lambda: None,
        lambda: document.modified,
        folder=blocker / "recovery",
        interval_ms=60_000,
    )
    document.edit(1.0)
    saver.mark_changed()
    with qtbot.waitSignal(saver.failed) as blocker_signal:
        saver.tick()
        saver.wait()
    assert "Autosave failed" in blocker_signal.args[0]
    assert str(blocker) in blocker_signal.args[0]
    # The next change tries again, and the same failure is not announced twice.
    reports = []
    saver.failed.connect(reports.append)
    document.edit(2.0)
    saver.mark_changed()
    saver.tick()
    saver.wait()
    qtbot.wait(50)
    assert reports == []
    assert not saver.session_path.exists()


def test_only_files_of_writers_that_are_gone_are_offered(folder):
    # Ours (running): never offered.
    write_sidecar(folder, "autosave-live")
    (folder / "autosave-live.convstudio").write_text("{}", encoding="utf-8")
    # A finished writer, with its session file: offered.
    gone = dead_pid()
    write_sidecar(folder, "autosave-gone", pid=gone, identity=None, title="lost work")
    fileformat.save(Session.default(), folder / "autosave-gone.convstudio")
    # A finished writer whose session file never got written: tidied away.
    stray = write_sidecar(folder, "autosave-stray", pid=gone, identity=None)
    # Our pid, but another process's start time: a recycled pid, so the writer is gone.
    write_sidecar(folder, "autosave-recycled", identity="another-boot:1", written=1.0)
    fileformat.save(Session.default(), folder / "autosave-recycled.convstudio")
    # Not ours at all.
    (folder / "autosave-junk.json").write_text("[1, 2", encoding="utf-8")

    records = orphaned_records(folder)
    names = [record.session_path.name for record in records]
    expected = ["autosave-gone.convstudio"]
    if store.process_identity(os.getpid()) is not None:
        expected.append("autosave-recycled.convstudio")  # newest first: written=1.0 is older
    assert names == expected
    assert records[0].title == "lost work"
    assert records[0].load() == Session.default()
    assert not stray.exists()
    assert (folder / "autosave-junk.json").exists()
    records[0].remove()
    assert not records[0].session_path.exists() and not records[0].sidecar_path.exists()


def test_a_running_process_counts_as_running_until_it_is_killed():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        identity = store.process_identity(child.pid)
        assert writer_running(child.pid, identity)
        child.kill()
        if sys.platform != "win32":
            # Killed but not yet reaped (a zombie): it runs no more.
            deadline = time.monotonic() + 10
            while writer_running(child.pid, identity) and time.monotonic() < deadline:
                time.sleep(0.02)
        assert not writer_running(child.pid, identity)
    finally:
        child.kill()
        child.wait()
    assert not writer_running(child.pid, identity)


def test_data_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(recovery.DATA_DIR_ENV, str(tmp_path / "data"))
    assert recovery.recovery_dir() == tmp_path / "data" / "recovery"
    monkeypatch.delenv(recovery.DATA_DIR_ENV)
    assert recovery.data_dir() != tmp_path / "data"


def test_the_session_written_is_the_one_at_the_tick(saver, document):
    """The thread gets the immutable session of the moment, not whatever comes later."""
    document.edit(5.0)
    saver.mark_changed()
    saver.tick()
    document.session = document.session.with_cells("input", (0, 0, 0), 6.0)
    saver.wait()
    assert fileformat.load(saver.session_path).input[0, 0, 0] == 5.0
    assert np.all(document.session.input[0, 0, 0] == 6.0)


# -- in the window -------------------------------------------------------------------------------
@pytest.fixture
def data_dir(qapp, tmp_path, monkeypatch) -> Path:
    """The data folder for windows made in the test (``qapp``: windows need the application)."""
    folder = tmp_path / "data"
    monkeypatch.setenv(recovery.DATA_DIR_ENV, str(folder))
    return folder


@pytest.fixture
def answers(monkeypatch):
    """Answers for the restore prompt (True = Restore), and the records it was asked about."""

    answers = SimpleNamespace(queue=[], asked=[])

    def ask(_parent, record, _more):
        answers.asked.append(record)
        assert answers.queue, "unexpected restore prompt"
        return answers.queue.pop(0)

    monkeypatch.setattr(recovery, "ask_restore", ask)
    monkeypatch.setattr(QMessageBox, "question", lambda *_a: pytest.fail("unexpected question"))
    return answers


def make_window():
    from convstudio.ui.shell.main_window import MainWindow

    window = MainWindow()
    window.show()
    return window


def close_quietly(window) -> None:
    window.files.guard_close = False
    window.close()
    window.deleteLater()


def leave_orphan(folder: Path, session: Session, original: Path | None) -> store.RecoveryRecord:
    """Recovery files as a ConvStudio that was killed leaves them."""
    stem = "autosave-1-dead"
    (folder / "recovery").mkdir(parents=True, exist_ok=True)
    fileformat.save(session, folder / "recovery" / f"{stem}.convstudio")
    write_sidecar(
        folder / "recovery",
        stem,
        pid=dead_pid(),
        identity=None,
        original=str(original) if original else None,
        title=session.title,
    )
    (record,) = orphaned_records(folder / "recovery")
    return record


def test_discard_deletes_the_recovery_file_and_keeps_the_window_as_it_was(data_dir, answers):
    session = Session.default().with_cells("input", (0, 0, 0), 77.0)
    record = leave_orphan(data_dir, session, None)
    window = make_window()
    try:
        before = window.document.session
        answers.queue.append(False)
        window.files.launch()
        assert answers.asked == [record]
        assert window.document.session is before
        assert not record.session_path.exists() and not record.sidecar_path.exists()
        assert orphaned_records(data_dir / "recovery") == []
    finally:
        close_quietly(window)


def test_restoring_untitled_work_shows_it_modified(data_dir, answers):
    session = Session.default().with_cells("input", (0, 0, 0), 77.0).with_text(title="Lesson 3")
    record = leave_orphan(data_dir, session, None)
    window = make_window()
    try:
        answers.queue.append(True)
        window.files.launch()
        assert window.document.session.input[0, 0, 0] == 77.0
        assert window.document.is_modified() and window.isWindowModified()
        assert window.files.path is None
        assert window.windowTitle().startswith("Lesson 3[*]")
        # The window's own recovery file took over; the old one is gone.
        assert not record.session_path.exists()
        assert fileformat.load(window.files.autosaver.session_path).input[0, 0, 0] == 77.0
    finally:
        close_quietly(window)


def test_an_unreadable_recovery_file_is_reported_and_set_aside(data_dir, answers, monkeypatch):
    record = leave_orphan(data_dir, Session.default(), None)
    record.session_path.write_text("{ torn", encoding="utf-8")
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, title, text: warnings.append(text))
    window = make_window()
    try:
        before = window.document.session
        answers.queue.append(True)
        window.files.launch()
        assert window.document.session is before
        assert len(warnings) == 1 and "could not be read" in warnings[0]
        assert orphaned_records(data_dir / "recovery") == []
        assert list((data_dir / "recovery").glob("*.unreadable"))
    finally:
        close_quietly(window)


def test_a_clean_close_and_a_save_remove_the_recovery_file(
    data_dir, answers, tmp_path, monkeypatch
):
    window = make_window()
    try:
        window.files.launch()
        autosaver = window.files.autosaver
        window.document.set_cells("input", (0, 0, 0), 5.0)
        assert autosaver.save_now() and autosaver.session_path.exists()
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a: (str(tmp_path / "s"), ""))
        assert window.files.save()
        assert not autosaver.session_path.exists() and not autosaver.sidecar_path.exists()
        window.document.set_cells("input", (0, 0, 0), 6.0)
        assert autosaver.save_now()
        sidecar = json.loads(autosaver.sidecar_path.read_text(encoding="utf-8"))
        assert sidecar["original"] == str(tmp_path / "s.convstudio")
        monkeypatch.setattr(QMessageBox, "question", lambda *_a: QMessageBox.StandardButton.Discard)
        assert window.close()
        assert not autosaver.session_path.exists() and not autosaver.sidecar_path.exists()
    finally:
        close_quietly(window)


def test_the_real_restore_prompt_answers_restore(qtbot, tmp_path):
    """The one modal box of its own: clicked through as a user would, by a timer."""
    record = leave_orphan(tmp_path, Session.default(), tmp_path / "work.convstudio")
    seen = []

    def click(button_text: str) -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, lambda: click(button_text))
            return
        seen.append(box.informativeText())
        (button,) = [b for b in box.buttons() if b.text().replace("&", "") == button_text]
        button.click()

    QTimer.singleShot(0, lambda: click("Restore"))
    assert recovery.ask_restore(None, record, 0) is True
    QTimer.singleShot(0, lambda: click("Discard"))
    assert recovery.ask_restore(None, record, 2) is False
    assert "work.convstudio" in seen[0] and "2 more" in seen[1]


# -- a real kill ---------------------------------------------------------------------------------
CHILD = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from convstudio.ui.shell import app as ui_app
    from convstudio.ui.shell.main_window import MainWindow

    def edit():
        (window,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        window.document.set_cells("input", (0, 1, 2), 123.25)

    ui_app.application()
    QTimer.singleShot(0, edit)
    sys.exit(ui_app.run(sys.argv[1]))
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_work_comes_back_after_the_process_is_killed(tmp_path, data_dir, answers):
    original = tmp_path / "lecture.convstudio"
    fileformat.save(Session.default(), original)
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        CONVSTUDIO_DATA_DIR=str(data_dir),
        CONVSTUDIO_SETTINGS_DIR=str(tmp_path / "child-settings"),
    )
    log = tmp_path / "child.log"  # a file, not a pipe nobody drains while we wait
    with open(log, "wb") as output:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(original)], env=env, stdout=output, stderr=output
        )
    folder = data_dir / "recovery"
    try:
        deadline = time.monotonic() + 60
        while not list(folder.glob("autosave-*.convstudio")):
            assert child.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, "no autosave within a minute"
            time.sleep(0.05)
        # While it runs, its recovery file is not offered to anyone else.
        assert orphaned_records(folder) == []
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        child.kill()
        child.wait()
    assert child.returncode == -signal.SIGKILL

    window = make_window()
    try:
        answers.queue.append(True)
        window.files.launch()
        (record,) = answers.asked
        assert record.original == original
        session = window.document.session
        assert session.input[0, 1, 2] == 123.25
        assert window.document.is_modified() and window.isWindowModified()
        assert window.files.path == original
        assert window.windowTitle().startswith("lecture.convstudio[*]")
        assert fileformat.load(original).input[0, 1, 2] != 123.25  # the file itself is untouched
    finally:
        close_quietly(window)
