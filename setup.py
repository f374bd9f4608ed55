"""Build hook: copy the root `resources/` folder into the wheel as `convstudio/_resources/`.

The project metadata lives in pyproject.toml; this file only adds the hook. The resources sit at
the top of the repository (beside the package, as the design lays out), so neither package-data
(paths inside the package) nor data-files (installed outside the package, where the app cannot
find them reliably) puts them where `convstudio.resources_path.resources_dir()` looks.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SOURCE = ROOT / "resources"
TARGET = Path("convstudio") / "_resources"
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


class BuildPyWithResources(build_py):
    """build_py that also copies resources/ into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install runs from the checkout, which has resources/ already
        if not SOURCE.is_dir():
            raise FileNotFoundError(f"{SOURCE} is missing: the wheel would have no resources")
        target = Path(self.build_lib) / TARGET
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(SOURCE, target, ignore=SKIP)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        target = Path(self.build_lib) / TARGET
        if target.is_dir():
            outputs += [str(p) for p in sorted(target.rglob("*")) if p.is_file()]
        return outputs


setup(cmdclass={"build_py": BuildPyWithResources})
