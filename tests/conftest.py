"""Test-wide settings: no screen is needed, Qt renders offscreen, and every test keeps its
settings and autosave files in temp folders of its own."""

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, monkeypatch):
    """Every test gets its own empty QSettings and data folders: never the user's, never another
    test's (the data folder holds autosave and recovery files)."""
    monkeypatch.setenv("CONVSTUDIO_SETTINGS_DIR", str(tmp_path_factory.mktemp("settings")))
    monkeypatch.setenv("CONVSTUDIO_DATA_DIR", str(tmp_path_factory.mktemp("data")))
