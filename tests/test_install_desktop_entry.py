"""packaging/install-desktop-entry puts the menu entry, icons and file type where desktops look.

Run into a temporary prefix, both as from a checkout (the entry runs `convstudio` from PATH) and as
from a bundle (the script sits beside the executable and the entry runs that by absolute path).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGING = REPO / "packaging"
SCRIPT = PACKAGING / "install-desktop-entry"
APP_ID = "io.github.convstudio.ConvStudio"
SIZES = (16, 32, 48, 64, 128, 256, 512)


def install(*args: str | Path, script: Path = SCRIPT, home: Path) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home)}
    return subprocess.run(
        ["bash", str(script), *map(str, args)], env=env, capture_output=True, text=True, timeout=60
    )


def entry_lines(share: Path) -> dict[str, str]:
    text = (share / "applications" / f"{APP_ID}.desktop").read_text()
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def installed_files(share: Path) -> list[Path]:
    files = [
        share / "applications" / f"{APP_ID}.desktop",
        share / "mime" / "packages" / f"{APP_ID}.xml",
        share / "metainfo" / f"{APP_ID}.metainfo.xml",
        share / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg",
    ]
    return files + [
        share / "icons" / "hicolor" / f"{s}x{s}" / "apps" / f"{APP_ID}.png" for s in SIZES
    ]


def test_checkout_install_and_uninstall_in_a_prefix(tmp_path: Path) -> None:
    result = install("--prefix", tmp_path / "prefix", home=tmp_path)
    assert result.returncode == 0, result.stderr
    share = tmp_path / "prefix" / "share"
    for path in installed_files(share):
        assert path.is_file(), f"{path} was not installed"
    png = share / "icons" / "hicolor" / "48x48" / "apps" / f"{APP_ID}.png"
    assert png.read_bytes() == (REPO / "resources" / "icons" / "convstudio-48.png").read_bytes()
    entry = entry_lines(share)
    assert entry["Exec"] == "convstudio %f"
    assert entry["Icon"] == APP_ID
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(
            ["desktop-file-validate", share / "applications" / f"{APP_ID}.desktop"],
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stdout + check.stderr
    if shutil.which("update-mime-database"):
        globs = (share / "mime" / "globs2").read_text()
        assert "application/x-convstudio-session:*.convstudio" in globs

    result = install("--uninstall", "--prefix", tmp_path / "prefix", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not [p for p in installed_files(share) if p.exists()]


def test_default_target_is_the_users_data_folder(tmp_path: Path) -> None:
    result = install(home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / ".local" / "share" / "applications" / f"{APP_ID}.desktop").is_file()


def fake_bundle(root: Path) -> Path:
    """The layout packaging/build leaves in dist/convstudio (an executable stands in)."""
    bundle = root / "Conv Studio"  # a space, which the Exec line must quote
    icons = bundle / "_internal" / "convstudio" / "_resources" / "icons"
    shutil.copytree(REPO / "resources" / "icons", icons)
    for name in (f"{APP_ID}.desktop", f"{APP_ID}.mime.xml", f"{APP_ID}.metainfo.xml"):
        shutil.copy(PACKAGING / name, bundle / name)
    shutil.copy(SCRIPT, bundle / SCRIPT.name)
    exe = bundle / "convstudio"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    return bundle


def test_bundle_install_runs_the_bundles_executable(tmp_path: Path) -> None:
    bundle = fake_bundle(tmp_path)
    result = install("--prefix", tmp_path / "p", script=bundle / SCRIPT.name, home=tmp_path)
    assert result.returncode == 0, result.stderr
    entry = entry_lines(tmp_path / "p" / "share")
    assert entry["Exec"] == f'"{bundle / "convstudio"}" %f'
    assert entry["TryExec"] == str(bundle / "convstudio")
    for path in installed_files(tmp_path / "p" / "share"):
        assert path.is_file(), f"{path} was not installed"


@pytest.mark.parametrize(
    ("exec_path", "problem"),
    [("relative/convstudio", "absolute path"), ('/opt/a"b/convstudio', "plainer path")],
)
def test_unsafe_exec_paths_are_refused(tmp_path: Path, exec_path: str, problem: str) -> None:
    result = install("--prefix", tmp_path / "p", "--exec", exec_path, home=tmp_path)
    assert result.returncode != 0
    assert problem in result.stderr
    assert not (tmp_path / "p" / "share" / "applications").exists()


def test_unknown_option_is_named(tmp_path: Path) -> None:
    result = install("--prefixx", "x", home=tmp_path)
    assert result.returncode != 0
    assert "--prefixx" in result.stderr
