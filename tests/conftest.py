"""Test-wide settings: no screen is needed, Qt renders offscreen, settings go to a temp folder."""

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, monkeypatch):
    """Every test gets its own empty QSettings folder: never the user's, never another test's."""
    monkeypatch.setenv("CONVSTUDIO_SETTINGS_DIR", str(tmp_path_factory.mktemp("settings")))
