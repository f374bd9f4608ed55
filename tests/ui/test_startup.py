"""Starting from the command line: a missing X11 library is named in one line (with the
``apt-get install`` that fixes it) before Qt can abort, and ``--screenshot`` prints nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import qWarning

from convstudio import cli
from convstudio.ui.shell import platform_check, qt_messages

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 is Linux's")
LOADER_ERROR = "libxcb-cursor.so.0: cannot open shared object file: No such file or directory"


def fail_on_cursor(path: str) -> None:
    """What dlopen says on a machine without libxcb-cursor0."""
    raise OSError(LOADER_ERROR)


@pytest.mark.parametrize(
    ("environ", "platform", "xcb"),
    [
        ({}, "linux", True),
        ({"XDG_SESSION_TYPE": "x11"}, "linux", True),
        ({"XDG_SESSION_TYPE": "wayland"}, "linux", False),
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
        ({"QT_QPA_PLATFORM": "xcb", "XDG_SESSION_TYPE": "wayland"}, "linux", True),
        ({"QT_QPA_PLATFORM": "xcb:nograb;wayland"}, "linux", True),
        ({"QT_QPA_PLATFORM": "wayland;xcb"}, "linux", False),
        ({}, "darwin", False),
        ({}, "win32", False),
    ],
)
def test_the_check_runs_only_where_qt_will_use_xcb(environ, platform, xcb):
    assert platform_check.platform_is_xcb(environ, platform) is xcb


@linux_only
def test_a_missing_library_is_named_with_its_debian_package(tmp_path):
    plugin = tmp_path / "libqxcb.so"
    also = ["libxcb-cursor.so.0", "libxcb-icccm.so.4"]  # ldd names every one, the loader one
    message = platform_check.startup_problem(
        {"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":0"}, plugin, fail_on_cursor, lambda _: also
    )
    assert message is not None and "\n" not in message
    assert "libxcb-cursor.so.0 and libxcb-icccm.so.4 are missing" in message
    assert message.endswith(
        "install with: sudo apt-get install libxcb-cursor0 libxcb-icccm4 (Debian, Ubuntu)"
    )


def test_the_loader_alone_names_the_library_where_ldd_is_absent(tmp_path):
    plugin = tmp_path / "libqxcb.so"
    missing = platform_check.missing_libraries(plugin, fail_on_cursor, lambda _: [])
    assert missing == ["libxcb-cursor.so.0"]
    assert platform_check.install_hint(missing) == "sudo apt-get install libxcb-cursor0"


@linux_only
def test_a_plugin_that_loads_or_fails_otherwise_is_left_to_qt(tmp_path):
    environ = {"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":0"}
    plugin = tmp_path / "libqxcb.so"
    assert platform_check.startup_problem(environ, plugin, lambda _: None, lambda _: []) is None
    plugin.write_bytes(b"not an ELF file")  # the real loader: "invalid ELF header"
    assert platform_check.startup_problem(environ, plugin) is None


@linux_only
def test_a_library_qt_itself_needs_is_named_before_the_import_fails():
    def no_glib(name: str) -> None:
        assert name == "PySide6.QtWidgets"
        raise ImportError("libglib-2.0.so.0: cannot open shared object file: No such file")

    message = platform_check.startup_problem(
        {"QT_QPA_PLATFORM": "offscreen"},
        load_module=no_glib,
        list_missing=lambda _: ["libglib-2.0.so.0", "libGL.so.1", "libEGL.so.1"],
    )
    assert message == (
        "cannot open a window: libglib-2.0.so.0, libGL.so.1, libEGL.so.1 are missing (Qt needs"
        " them); install with: sudo apt-get install libglib2.0-0 libgl1 libegl1 (Debian, Ubuntu)"
    )


def test_other_import_errors_are_left_to_their_traceback():
    def broken(name: str) -> None:
        raise ImportError("cannot import name 'QtWidgets' from 'PySide6'")

    assert platform_check.qt_missing_libraries(broken, lambda _: []) is None
    assert platform_check.qt_missing_libraries(lambda _: None, lambda _: []) == []


@linux_only
def test_no_display_is_one_line_too():
    message = platform_check.startup_problem({"QT_QPA_PLATFORM": "xcb"})
    assert message is not None and "DISPLAY is not set" in message and "\n" not in message


@linux_only
def test_the_command_prints_one_line_instead_of_qts_abort(monkeypatch, capsys):
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(platform_check, "load_library", fail_on_cursor)
    monkeypatch.setattr(platform_check, "ldd_missing", lambda _: [])
    monkeypatch.setattr(platform_check, "xcb_plugin", lambda: Path("/qt/plugins/libqxcb.so"))
    assert cli.main([]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "convstudio: cannot open a window: libxcb-cursor.so.0 is missing (Qt's X11 platform plugin"
        " needs it); install with: sudo apt-get install libxcb-cursor0 (Debian, Ubuntu)"
    ]


def test_the_filter_drops_only_the_size_hints_message(qtlog):
    qt_messages.silence_noise()
    qWarning("This plugin does not support propagateSizeHints()")
    qWarning("a warning that matters")
    assert [record.message for record in qtlog.records] == ["a warning that matters"]


def test_a_screenshot_prints_nothing(tmp_path):
    shot = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-m", "convstudio", "--screenshot", str(shot)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert shot.stat().st_size > 0
    assert (result.stdout, result.stderr) == ("", "")
