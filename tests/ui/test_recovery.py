"""Autosave and crash recovery: the recovery file, its sidecar, who counts as gone, and a real kill.

The last test runs ConvStudio in a subprocess, makes an edit, waits for the autosave, kills the
process with SIGKILL and checks that a fresh window in this process offers the work back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from convstudio.session import fileformat
from convstudio.session.model import Session
from convstudio.ui import recovery
from convstudio.ui.recovery import Autosaver, orphaned_records, writer_running


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
        "format": recovery.SIDECAR_FORMAT,
        "version": 1,
        "pid": os.getpid(),
        "identity": recovery.process_identity(os.getpid()),
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

    monkeypatch.setattr(recovery.fileformat, "save", slow_save)
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
    assert saver._changed  # the next tick tries again


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
    if recovery.process_identity(os.getpid()) is not None:
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
        identity = recovery.process_identity(child.pid)
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
