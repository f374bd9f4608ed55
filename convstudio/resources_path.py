"""Where ConvStudio's resources (examples, icons, screenshots, style sheets) are on this machine.

One answer for every way the app runs: from a source checkout the root `resources/` folder is
used as it is, so edits show at once; from an installed wheel or a PyInstaller bundle the build
has copied that folder into the package as `convstudio/_resources/` (see setup.py and
packaging/convstudio.spec).
No Qt here: the session layer reads the examples through this module too.
"""

from __future__ import annotations

from pathlib import Path

PACKAGED_NAME = "_resources"


def _package_dir() -> Path:
    return Path(__file__).resolve().parent


def resources_dir() -> Path:
    """The folder holding examples/, icons/, screenshots/ and stylesheets/.

    A checkout is recognised by `pyproject.toml` beside `resources/`, so a stray top-level
    `resources` folder that some other package dropped into site-packages is never taken for ours.
    Raises FileNotFoundError naming both places looked at when neither exists (a broken install).
    """
    package = _package_dir()
    root = package.parent
    checkout = root / "resources"
    if checkout.is_dir() and (root / "pyproject.toml").is_file():
        return checkout
    packaged = package / PACKAGED_NAME
    if packaged.is_dir():
        return packaged
    raise FileNotFoundError(
        f"ConvStudio's resources are missing: neither {checkout} (a source checkout) nor "
        f"{packaged} (an installed copy) exists; reinstall ConvStudio"
    )
