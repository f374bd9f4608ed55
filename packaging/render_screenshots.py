"""Render the screenshots the README and the AppStream metainfo show.

Run from the repository: `python packaging/render_screenshots.py`. Each picture is the real window
(`convstudio --screenshot`, offscreen) on a bundled example, with the first-run welcome banner
dismissed in a settings folder of its own (but for the first-run picture, which shows it), so the
user's settings are neither read nor changed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "resources" / "examples"
OUT = ROOT / "resources" / "screenshots"

#: (file name, example, extra arguments): the lecture's 2D step 7 and 1D step 3, mid-scrub.
SHOTS = (
    (
        "main-2d.png",
        "07-conv2d-two-to-three.convstudio",
        ["--out-feature", "1", "--position", "1,2"],
    ),
    ("conv1d.png", "03-conv1d-two-to-three.convstudio", ["--out-feature", "1", "--position", "2"]),
    ("padding-2d.png", "04-conv2d-padding.convstudio", ["--position", "0,4"]),
)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as settings:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CONVSTUDIO_SETTINGS_DIR=settings)
        # First: what a person sees on the very first launch (welcome tips, lecture step 1).
        first = [sys.executable, "-m", "convstudio", "--screenshot", str(OUT / "first-run.png")]
        subprocess.run([*first, "--size", "1440x900", "--position", "1"], env=env, check=True)
        print(f"wrote {OUT / 'first-run.png'}")
        dismiss = (
            "from convstudio.ui.shell.app import application; application();"
            "from convstudio.ui.state.preferences import Preferences;"
            "p = Preferences(); p.set_welcome_dismissed(True); p.sync()"
        )
        subprocess.run([sys.executable, "-c", dismiss], env=env, check=True)
        for name, example, extra in SHOTS:
            command = [sys.executable, "-m", "convstudio", str(EXAMPLES / example)]
            command += ["--screenshot", str(OUT / name), "--size", "1440x900", *extra]
            subprocess.run(command, env=env, check=True)
            print(f"wrote {OUT / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
