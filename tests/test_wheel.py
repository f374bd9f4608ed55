"""ConvStudio runs from an installed wheel, not only from the checkout.

The wheel is built from a source distribution (so MANIFEST.in and setup.py's resource hook are both
exercised) by ``python -m build`` with build isolation, as ``pip install .`` builds for a user: the
build gets the setuptools and wheel that pyproject.toml's build-system asks for, not whatever this
venv happens to hold (Python 3.11's venvs bundle an old setuptools without ``wheel``; 3.12+ bundle
none). It is then installed into a fresh venv outside the repository and run from a temporary
folder.
The venv reuses this interpreter's installed dependencies through a .pth line rather than
downloading PySide6 again; a plain path line does not process the .pth files of that folder, so the
editable install of the checkout stays invisible and the only convstudio importable is the wheel's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

# Building in isolation installs setuptools into two fresh build venvs, then the wheel is installed
# and run: minutes on a busy machine, so more than the suite's 120 s per test (which is for hangs).
pytestmark = pytest.mark.timeout(600)

REPO = Path(__file__).resolve().parent.parent
SKIP = shutil.ignore_patterns(
    ".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
)


def run(args: list[str | Path], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Build sdist -> wheel from a copy of the tree, install it into a fresh venv."""
    root = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    source = root / "source"
    shutil.copytree(REPO, source, ignore=SKIP)
    dist = root / "dist"
    # Without --sdist/--wheel, build makes the sdist first and then the wheel from that sdist.
    run([sys.executable, "-m", "build", "--outdir", dist, source], root, env)
    (wheel,) = dist.glob("convstudio-*.whl")
    pip = [sys.executable, "-m", "pip"]

    target = root / "venv"
    venv.create(target, with_pip=False)
    python = target / "bin" / "python"
    purelib = Path(run([python, "-c", _PURELIB], root, env).stdout.strip())
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (purelib / "_convstudio_test_deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    run([*pip, "--python", python, "install", "-q", "--no-deps", wheel], root, env)
    work = root / "work"
    work.mkdir()
    # The app keeps settings, recent files and autosaves: in a home of its own, not the tester's.
    env.update(HOME=str(work), XDG_CONFIG_HOME=str(work / ".config"), QT_QPA_PLATFORM="offscreen")
    env["PATH"] = f"{target / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return {"wheel": wheel, "python": python, "bin": target / "bin", "work": work, "env": env}


_PURELIB = "import sysconfig; print(sysconfig.get_paths()['purelib'])"


def test_wheel_carries_the_resources(installed: dict) -> None:
    names = zipfile.ZipFile(installed["wheel"]).namelist()
    shipped = {n.removeprefix("convstudio/_resources/") for n in names if "_resources/" in n}
    in_repo = {
        p.relative_to(REPO / "resources").as_posix()
        for p in (REPO / "resources").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")
    }
    assert "icons/convstudio.svg" in shipped
    assert in_repo <= shipped, f"missing from the wheel: {sorted(in_repo - shipped)}"


def test_installed_package_uses_its_own_copy(installed: dict) -> None:
    code = (
        "import convstudio, convstudio.resources_path as r; "
        "print(convstudio.__file__); print(r.resources_dir())"
    )
    out = run([installed["python"], "-c", code], installed["work"], installed["env"]).stdout
    package_file, resources = (Path(line) for line in out.split())
    venv_dir = installed["python"].parent.parent
    assert venv_dir in package_file.parents, f"imported {package_file}, not the wheel's copy"
    assert REPO not in package_file.parents
    assert resources == package_file.parent / "_resources"
    assert (resources / "icons" / "convstudio-256.png").is_file()


def test_installed_command_prints_version(installed: dict) -> None:
    from convstudio import __version__

    command = [installed["bin"] / "convstudio", "--version"]
    result = run(command, installed["work"], installed["env"])
    assert result.stdout.strip() == f"ConvStudio {__version__}"


def test_installed_command_renders_an_installed_example(installed: dict) -> None:
    from PySide6.QtGui import QImage

    code = "import convstudio.resources_path as r; print(r.resources_dir())"
    resources = Path(
        run([installed["python"], "-c", code], installed["work"], installed["env"]).stdout.strip()
    )
    examples = sorted((resources / "examples").glob("*.convstudio"))
    assert examples, f"no examples in the installed resources {resources}"
    shot = installed["work"] / "example.png"
    command = [installed["bin"] / "convstudio", "--screenshot", shot, examples[0]]
    run(command, installed["work"], installed["env"])
    image = QImage(str(shot))
    assert not image.isNull(), "the screenshot is not a readable image"
    assert image.width() >= 400 and image.height() >= 300
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 16) for y in range(0, image.height(), 16)
    }
    assert len(colours) >= 8, "the window drew (almost) nothing"
