"""resources_dir(): the checkout's resources, else the installed copy; both named when lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from convstudio import resources_path

REPO = Path(__file__).resolve().parent.parent


def test_checkout_uses_the_root_resources_folder() -> None:
    assert resources_path.resources_dir() == REPO / "resources"
    assert (resources_path.resources_dir() / "icons" / "convstudio.svg").is_file()


def fake_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    package = tmp_path / "site-packages" / "convstudio"
    package.mkdir(parents=True)
    monkeypatch.setattr(resources_path, "_package_dir", lambda: package)
    return package


def test_installed_copy_wins_over_a_stray_resources_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = fake_install(tmp_path, monkeypatch)
    (package.parent / "resources").mkdir()  # another package's folder, no pyproject.toml beside it
    (package / "_resources").mkdir()
    assert resources_path.resources_dir() == package / "_resources"


def test_missing_resources_name_both_places(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = fake_install(tmp_path, monkeypatch)
    with pytest.raises(FileNotFoundError) as caught:
        resources_path.resources_dir()
    assert str(package.parent / "resources") in str(caught.value)
    assert str(package / "_resources") in str(caught.value)
