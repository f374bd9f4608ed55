"""What ConvStudio remembers between runs: window layout, theme, last folder, recent files, welcome.

One small typed layer over QSettings so that every key, its default and its validation live in one
place. A settings file that was edited by hand or written by another version never crashes the app:
a value of the wrong type reads as the default.

Where the settings live: the platform's usual place for the organisation and application names
set by ``convstudio.ui.shell.app.application()``, unless the environment variable
``CONVSTUDIO_SETTINGS_DIR`` names a folder, in which case an INI file in that folder is used (the
tests set it to a temporary folder so they never touch a person's real settings; it also makes a
portable install possible).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QCoreApplication, QEvent, QObject, QSettings
from PySide6.QtWidgets import QMainWindow

#: Environment variable naming a folder that holds the settings file instead of the platform store.
SETTINGS_DIR_ENV = "CONVSTUDIO_SETTINGS_DIR"
#: Name of the INI file used when :data:`SETTINGS_DIR_ENV` is set.
SETTINGS_FILE = "convstudio.ini"
#: Bumped when the docks or toolbars change so much that an old saved layout would confuse.
WINDOW_STATE_VERSION = 1
#: The themes a person can choose; "system" follows the desktop's light or dark setting.
THEME_CHOICES: tuple[str, ...] = ("system", "light", "dark")
#: How many recent files are kept.
MAX_RECENT_FILES = 10

KEY_GEOMETRY = "window/geometry"
KEY_STATE = "window/state"
KEY_STATE_VERSION = "window/stateVersion"
KEY_THEME = "appearance/theme"
KEY_LAST_DIRECTORY = "files/lastDirectory"
KEY_RECENT_FILES = "files/recent"
KEY_WELCOME_DISMISSED = "welcome/dismissed"


def open_settings() -> QSettings:
    """The QSettings store: the INI file under ``$CONVSTUDIO_SETTINGS_DIR`` or the platform's."""
    folder = os.environ.get(SETTINGS_DIR_ENV)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return QSettings(str(Path(folder) / SETTINGS_FILE), QSettings.Format.IniFormat)
    organisation = QCoreApplication.organizationName() or "ConvStudio"
    application = QCoreApplication.applicationName() or "ConvStudio"
    return QSettings(
        QSettings.Format.NativeFormat, QSettings.Scope.UserScope, organisation, application
    )


def _as_bool(value: object, default: bool) -> bool:
    # INI files give strings back; native stores may give bools or ints.
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
    return default


def _as_bytes(value: object) -> QByteArray | None:
    if isinstance(value, QByteArray) and not value.isEmpty():
        return value
    if isinstance(value, (bytes, bytearray)) and value:
        return QByteArray(bytes(value))
    return None


class Preferences:
    """Typed access to ConvStudio's settings; cheap to create, each call reads or writes through."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self.settings = settings if settings is not None else open_settings()

    # -- theme ---------------------------------------------------------------------------------
    def theme(self) -> str:
        """The chosen theme, one of :data:`THEME_CHOICES` ("system" when unset or unknown)."""
        value = self.settings.value(KEY_THEME, "system")
        return value if isinstance(value, str) and value in THEME_CHOICES else "system"

    def set_theme(self, theme: str) -> None:
        if theme not in THEME_CHOICES:
            raise ValueError(f"unknown theme {theme!r}: expected one of {', '.join(THEME_CHOICES)}")
        self.settings.setValue(KEY_THEME, theme)

    # -- folders and files ---------------------------------------------------------------------
    def last_directory(self) -> str:
        """The folder a file dialog opens in: the last one used if it still exists, else home."""
        value = self.settings.value(KEY_LAST_DIRECTORY, "")
        if isinstance(value, str) and value and Path(value).is_dir():
            return value
        return str(Path.home())

    def set_last_directory(self, path: str | os.PathLike[str]) -> None:
        """Remember the folder of ``path`` (a file) or ``path`` itself (a folder)."""
        folder = Path(path)
        if not folder.is_dir():
            folder = folder.parent
        self.settings.setValue(KEY_LAST_DIRECTORY, str(folder))

    def recent_files(self) -> list[str]:
        """Recently opened or saved session files, newest first (for the File menu's owner)."""
        value = self.settings.value(KEY_RECENT_FILES, [])
        if isinstance(value, str):  # QSettings gives a one-element list back as a plain string
            value = [value] if value else []
        if not isinstance(value, list):
            return []
        files: list[str] = []
        for item in value:
            if isinstance(item, str) and item and item not in files:
                files.append(item)
        return files[:MAX_RECENT_FILES]

    def set_recent_files(self, paths: list[str]) -> None:
        """Store ``paths`` (newest first), without duplicates, at most :data:`MAX_RECENT_FILES`."""
        unique: list[str] = []
        for path in paths:
            text = str(path)
            if text and text not in unique:
                unique.append(text)
        self.settings.setValue(KEY_RECENT_FILES, unique[:MAX_RECENT_FILES])

    def add_recent_file(self, path: str | os.PathLike[str]) -> list[str]:
        """Put ``path`` first in the recent files (moving it if already there); returns the list."""
        text = str(Path(path).resolve())
        files = [text, *(p for p in self.recent_files() if p != text)]
        self.set_recent_files(files)
        return self.recent_files()

    # -- welcome -------------------------------------------------------------------------------
    def welcome_dismissed(self) -> bool:
        return _as_bool(self.settings.value(KEY_WELCOME_DISMISSED, False), False)

    def set_welcome_dismissed(self, dismissed: bool = True) -> None:
        self.settings.setValue(KEY_WELCOME_DISMISSED, bool(dismissed))

    # -- window --------------------------------------------------------------------------------
    def save_window(self, window: QMainWindow) -> None:
        """Remember the window's size and place and where its docks and toolbars are."""
        self.settings.setValue(KEY_GEOMETRY, window.saveGeometry())
        self.settings.setValue(KEY_STATE, window.saveState(WINDOW_STATE_VERSION))
        self.settings.setValue(KEY_STATE_VERSION, WINDOW_STATE_VERSION)

    def restore_window(self, window: QMainWindow) -> bool:
        """Put the window and its docks back as :meth:`save_window` left them.

        Returns False (leaving the window as built) when nothing usable was saved: the first run,
        or a layout from a version whose docks differ.
        """
        geometry = _as_bytes(self.settings.value(KEY_GEOMETRY))
        state = _as_bytes(self.settings.value(KEY_STATE))
        geometry_ok = geometry is not None and window.restoreGeometry(geometry)
        state_ok = state is not None and window.restoreState(state, WINDOW_STATE_VERSION)
        return bool(geometry_ok or state_ok)

    def sync(self) -> None:
        """Write pending changes to disk now (QSettings also does this by itself, later)."""
        self.settings.sync()


class _LayoutKeeper(QObject):
    """Saves the window layout on close (an event filter: closeEvent stays the window's own)."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setObjectName("LayoutKeeper")
        self._window = window
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.Close:
            Preferences().save_window(self._window)
        return False


def attach_window(window: QMainWindow) -> bool:
    """Restore ``window``'s saved geometry and docks now and save them when it closes.

    Called by the app's start-up for the person's window, not for ``--screenshot`` windows, whose
    size must not depend on (or change) how someone last left theirs. Returns whether a saved
    layout was restored.
    """
    restored = Preferences().restore_window(window)
    _LayoutKeeper(window)
    return restored
