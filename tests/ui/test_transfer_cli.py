"""`convstudio export` for pictures: PNG at scale 1 and 2, SVG with its text as text, the GIF's
75 frames for the lecture layer, numbered PNG frames with and without reveal; refusals exit 1
with a message and write nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QCoreApplication, QEvent

from convstudio import cli
from convstudio.engine import ConvParams
from convstudio.session import Session, save
from convstudio.ui.shell.main_window import MainWindow
from convstudio.ui.style.theme import theme_controller

ROOT = Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"


def small_session() -> Session:
    """1 -> 2 features, 5x5 input, 3x3 kernels, no padding: 2 x 3x3 outputs, 18 frames."""
    params = ConvParams(ndim=2, in_features=1, out_features=2, kernel_size=3)
    rng = np.random.default_rng(2)
    return Session(
        params=params,
        input=rng.integers(0, 4, (1, 5, 5)),
        weight=rng.integers(-1, 2, params.weight_shape),
        bias=np.zeros(2),
        title="small",
    ).validate()


@pytest.fixture
def lecture(tmp_path: Path) -> Path:
    path = tmp_path / "lecture.convstudio"
    save(Session.default(), path)
    return path


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.convstudio"
    save(small_session(), path)
    return path


def export(qapp, *args: str) -> int:
    return cli.main(["export", *map(str, args)])


def test_png_at_scale_two_has_twice_the_pixels(qapp, lecture: Path, tmp_path: Path) -> None:
    one, two = tmp_path / "one.png", tmp_path / "two.png"
    assert export(qapp, lecture, one) == 0
    assert export(qapp, lecture, two, "--scale", "2") == 0
    with Image.open(one) as a, Image.open(two) as b:
        assert b.size == (2 * a.size[0], 2 * a.size[1])
        # Drawn at scale, not upscaled: the 2x picture has detail (anti-aliased text edges)
        # that a pixel-doubled copy of the 1x picture lacks.
        doubled = a.convert("RGB").resize(b.size, Image.Resampling.NEAREST)
        assert np.asarray(doubled).tobytes() != np.asarray(b.convert("RGB")).tobytes()


def test_png_of_another_cell_with_the_arithmetic_in_dark(qapp, lecture, tmp_path) -> None:
    plain, other = tmp_path / "plain.png", tmp_path / "other.png"
    assert export(qapp, lecture, plain) == 0
    try:
        status = export(
            qapp,
            lecture,
            other,
            "--out-feature",
            "1",
            "--position",
            "2,3",
            "--arithmetic",
            "--theme",
            "dark",
        )
    finally:
        theme_controller(qapp).set_choice("light", persist=False)
    assert status == 0
    with Image.open(plain) as a, Image.open(other) as b:
        assert b.size[1] > a.size[1]  # the arithmetic sits under the stage
        corner = np.asarray(b.convert("RGB"))[2, 2]
        assert corner.max() < 100  # a dark background


def test_svg_is_xml_with_text_elements(qapp, lecture: Path, tmp_path: Path) -> None:
    out = tmp_path / "stage.svg"
    assert export(qapp, lecture, out) == 0
    root = ET.parse(out).getroot()
    assert root.tag == f"{SVG}svg"
    texts = ["".join(t.itertext()).strip() for t in root.iter(f"{SVG}text")]
    assert "Input features" in texts and "out 2" in texts
    assert "−11" in texts or "-11" in texts  # an output value, as text


def test_the_lecture_gif_has_75_frames(qapp, lecture: Path, tmp_path: Path) -> None:
    out = tmp_path / "lecture.gif"
    assert export(qapp, lecture, out, "--frame-ms", "250") == 0
    with Image.open(out) as gif:
        assert gif.n_frames == 75
        assert gif.info["duration"] == 250
        assert gif.info.get("loop") == 0


def test_one_output_feature_and_numbered_frames_with_reveal(qapp, small, tmp_path) -> None:
    plain, revealed = tmp_path / "plain", tmp_path / "revealed"
    assert export(qapp, small, plain) == 0
    assert export(qapp, small, revealed, "--reveal") == 0
    names = sorted(p.name for p in plain.iterdir())
    assert names == [f"frame_{i:04d}.png" for i in range(1, 19)]
    assert sorted(p.name for p in revealed.iterdir()) == names

    def pixels(path: Path) -> np.ndarray:
        with Image.open(path) as image:
            return np.asarray(image.convert("RGB"))

    # With reveal the first frame blanks every cell but the first; the last frame shows all.
    assert not np.array_equal(pixels(plain / names[0]), pixels(revealed / names[0]))
    assert np.array_equal(pixels(plain / names[-1]), pixels(revealed / names[-1]))
    gif = tmp_path / "feature1.gif"
    assert export(qapp, small, gif, "--out-feature", "1") == 0
    with Image.open(gif) as image:
        assert image.n_frames == 9


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["out.png", "--position", "9,9"], "--position 9,9 is outside"),
        (["out.gif", "--out-feature", "5"], "--out-feature 5 is outside"),
        (["out.png", "--scale", "0"], "outside (0, 8]"),
        (["out.gif", "--frame-ms", "5"], "outside 10..60000"),
        (["out.tiff"], "'.tiff'"),
    ],
)
def test_refusals_write_nothing(qapp, small, tmp_path, capsys, args, message) -> None:
    before = sorted(tmp_path.iterdir())
    assert export(qapp, small, tmp_path / args[0], *args[1:]) == 1
    assert message in capsys.readouterr().err
    assert sorted(tmp_path.iterdir()) == before


def test_a_full_folder_is_not_overwritten(qapp, small, tmp_path, capsys) -> None:
    folder = tmp_path / "frames"
    folder.mkdir()
    (folder / "mine.txt").write_text("keep")
    assert export(qapp, small, folder) == 1
    assert "not empty" in capsys.readouterr().err
    assert [p.name for p in folder.iterdir()] == ["mine.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames", "small.convstudio"]


def test_the_screenshot_option_still_works(qapp, small, tmp_path) -> None:
    shot = tmp_path / "shot.png"
    assert cli.main([str(small), "--screenshot", str(shot), "--size", "900x600"]) == 0
    # The screenshot's window is closed; in this process it is the test's to delete.
    for widget in qapp.topLevelWidgets():
        if isinstance(widget, MainWindow):
            widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    with Image.open(shot) as image:
        assert image.format == "PNG" and image.size[0] == 900  # at least the asked height


def test_the_command_itself(small: Path, tmp_path: Path) -> None:
    """`python -m convstudio export` as a person types it, in a process of its own."""
    out = tmp_path / "slide.png"
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-m", "convstudio", "export", str(small), str(out), "--scale", "2"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    with Image.open(out) as image:
        assert image.format == "PNG"
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "convstudio",
            "export",
            str(small),
            str(tmp_path / "x.png"),
            "--position",
            "7",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert bad.returncode == 1 and "--position 7 is outside" in bad.stderr
    assert not (tmp_path / "x.png").exists()
