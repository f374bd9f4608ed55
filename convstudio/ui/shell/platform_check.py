"""Before Qt starts on Linux: is every system library that Qt and its X11 plugin link to installed?

pip brings Qt but not the system libraries it links to, and a bare Debian or Ubuntu lacks them:
Qt's own modules need libglib, libGL, libEGL, fontconfig, xkbcommon (``import PySide6.QtCore``
fails with a traceback), and its xcb platform plugin needs a dozen ``libxcb-*`` more (Qt then
aborts with a page about "no Qt platform plugin could be initialized" and "reinstalling the
application", the wrong cure; from Qt 6.5 it blames ``xcb-cursor0`` whichever library is missing).
Importing Qt's widgets and loading the plugin with ``ctypes``, before the QApplication exists, makes
the dynamic loader name the missing library; ``ldd``, where it exists, names all of them at once.
The caller prints one line with the ``apt-get install`` that fixes it.
"""

from __future__ import annotations

import ctypes
import importlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

#: The Debian/Ubuntu package of each system library that Qt's modules, its xcb plugin and its X11
#: glue link to (read with ``objdump -p`` and ``ldd`` off PySide6 6.11's QtWidgets, libqxcb.so and
#: libQt6XcbQpa.so; the README's ``apt-get install`` line lists the same packages).
DEBIAN_PACKAGES: dict[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
}

#: What the dynamic loader says when a library is missing: "libfoo.so.1: cannot open shared ...".
_LOADER_MISSING = re.compile(r"([\w.+-]+\.so(?:\.\d+)*): cannot open shared object file")
_LDD_MISSING = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)

Loader = Callable[[str], object]
MissingLister = Callable[[Path], list[str]]


#: The Qt module whose import loads every Qt library the window needs (QtCore, QtGui, QtWidgets).
QT_WIDGETS = "PySide6.QtWidgets"


def load_library(path: str) -> None:
    """dlopen ``path`` as Qt will (its dependencies with it); raises OSError naming what fails."""
    ctypes.CDLL(path)


def import_module(name: str) -> None:
    """Import ``name``; an ImportError names a system library that is missing."""
    importlib.import_module(name)


def qt_module_file(name: str = QT_WIDGETS) -> Path | None:
    """The extension file of a Qt module, for ``ldd`` (None if it cannot be found)."""
    try:
        spec = importlib.util.find_spec(name)
    except ImportError:
        return None
    return Path(spec.origin) if spec is not None and spec.origin else None


def platform_is_xcb(environ: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Will Qt try its xcb plugin first? On Linux, unless QT_QPA_PLATFORM or a Wayland session
    picks another platform (Qt reads QT_QPA_PLATFORM first, then XDG_SESSION_TYPE)."""
    if not platform.startswith("linux"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        first = chosen.split(";")[0].split(":")[0].strip()
        return first == "xcb"
    return environ.get("XDG_SESSION_TYPE", "").lower() != "wayland"


def xcb_plugin() -> Path | None:
    """PySide6's xcb platform plugin, where Qt itself will look for it."""
    from PySide6.QtCore import QLibraryInfo

    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    plugin = plugins / "platforms" / "libqxcb.so"
    return plugin if plugin.is_file() else None


def ldd_missing(library: Path) -> list[str]:
    """Every library ``library`` needs that the loader cannot find, by ``ldd`` (none without it)."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    try:
        result = subprocess.run(
            [ldd, str(library)], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return list(dict.fromkeys(_LDD_MISSING.findall(result.stdout)))


def missing_libraries(
    plugin: Path, load: Loader = load_library, list_missing: MissingLister = ldd_missing
) -> list[str] | None:
    """The system libraries that keep ``plugin`` from loading ([] if it loads, None when it fails
    for a reason other than a missing library, which Qt then reports itself)."""
    try:
        load(str(plugin))
    except OSError as error:
        return _named_with_the_rest(error, plugin, list_missing)
    return []


def qt_missing_libraries(
    load_module: Loader = import_module, list_missing: MissingLister = ldd_missing
) -> list[str] | None:
    """The system libraries that keep Qt's widgets from importing ([] when they import, None when
    the import fails otherwise: the traceback then says why)."""
    try:
        load_module(QT_WIDGETS)
    except ImportError as error:
        return _named_with_the_rest(error, qt_module_file(), list_missing)
    return []


def _named_with_the_rest(
    error: Exception, library: Path | None, list_missing: MissingLister
) -> list[str] | None:
    """The library the loader's ``error`` names, then the others ``ldd`` finds missing."""
    named = _LOADER_MISSING.findall(str(error))
    if not named:
        return None
    others = list_missing(library) if library is not None else []
    return list(dict.fromkeys([*named, *others]))


def install_hint(libraries: list[str]) -> str:
    """``sudo apt-get install ...`` for the Debian/Ubuntu packages that hold ``libraries``."""
    packages = dict.fromkeys(DEBIAN_PACKAGES.get(name, name) for name in libraries)
    return "sudo apt-get install " + " ".join(packages)


def missing_library_message(libraries: list[str], needed_by: str) -> str:
    """The one line printed instead of Qt's abort or traceback."""
    names = " and ".join(libraries) if len(libraries) <= 2 else ", ".join(libraries)
    verb = "is" if len(libraries) == 1 else "are"
    return (
        f"cannot open a window: {names} {verb} missing ({needed_by} needs"
        f" {'it' if len(libraries) == 1 else 'them'}); install with: {install_hint(libraries)}"
        " (Debian, Ubuntu)"
    )


def startup_problem(
    environ: Mapping[str, str] | None = None,
    plugin: Path | None = None,
    load: Loader | None = None,
    list_missing: MissingLister | None = None,
    load_module: Loader | None = None,
) -> str | None:
    """Why Qt cannot start (its libraries, then on X11 its xcb plugin), as one line; None when
    nothing is missing that this can tell. Call before Qt is imported for the window."""
    environ = os.environ if environ is None else environ
    list_missing = list_missing or ldd_missing
    if sys.platform.startswith("linux"):
        missing = qt_missing_libraries(load_module or import_module, list_missing)
        if missing:
            return missing_library_message(missing, "Qt")
    if not platform_is_xcb(environ):
        return None
    if not environ.get("DISPLAY"):
        return (
            "cannot open a window: no X display (DISPLAY is not set); start it from a desktop"
            " session, or render without a screen: QT_QPA_PLATFORM=offscreen convstudio"
            " --screenshot PNG"
        )
    plugin = xcb_plugin() if plugin is None else plugin
    if plugin is None:
        return None  # no xcb plugin at all: Qt lists the platforms it has
    missing = missing_libraries(plugin, load or load_library, list_missing)
    if missing:
        return missing_library_message(missing, "Qt's X11 platform plugin")
    return None
