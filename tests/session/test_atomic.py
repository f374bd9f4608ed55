"""Atomic writes of files and whole folders: the old content or the new, never half of either."""

from __future__ import annotations

from pathlib import Path

import pytest

from convstudio.session import SessionError
from convstudio.session.atomic import AtomicFolder, write_atomically, write_folder_atomically


def test_a_file_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_a_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    with pytest.raises(SessionError, match="cannot save"):
        write_atomically(tmp_path / "no" / "such" / "folder.bin", b"x")
    (tmp_path / "dir").mkdir()
    with pytest.raises(SessionError, match="it is a folder"):
        write_atomically(tmp_path / "dir", b"x")
    assert [p.name for p in tmp_path.iterdir()] == ["dir"]


def test_a_folder_appears_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "frames"

    def fill(folder: Path) -> None:
        (folder / "a.png").write_bytes(b"1")
        assert not target.exists()

    write_folder_atomically(target, fill)
    assert [p.name for p in target.iterdir()] == ["a.png"]


def test_a_failing_fill_leaves_nothing(tmp_path: Path) -> None:
    def fill(folder: Path) -> None:
        (folder / "a.png").write_bytes(b"1")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_folder_atomically(tmp_path / "frames", fill)
    assert list(tmp_path.iterdir()) == []


def test_an_empty_folder_may_be_filled_but_not_a_full_one(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    write_folder_atomically(tmp_path / "empty", lambda f: (f / "x").write_bytes(b""))
    assert (tmp_path / "empty" / "x").exists()
    with pytest.raises(SessionError, match="not empty"):
        AtomicFolder(tmp_path / "empty")
    (tmp_path / "file").write_text("x")
    with pytest.raises(SessionError, match="it is a file"):
        AtomicFolder(tmp_path / "file")


def test_discard_removes_the_unfinished_folder(tmp_path: Path) -> None:
    folder = AtomicFolder(tmp_path / "frames")
    assert folder.temporary is not None and folder.temporary.exists()
    folder.discard()
    assert list(tmp_path.iterdir()) == []
