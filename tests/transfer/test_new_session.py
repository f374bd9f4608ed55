"""New sessions from layer text, an input (picture, array or size) and a checkpoint; and the
`convstudio new` / data-only `convstudio export` commands, which refuse with exit status 1, a
message naming the problem, and nothing written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from safetensors.numpy import save_file

from convstudio import cli
from convstudio.session import Session, load, save
from convstudio.transfer import build_session, parse_size, read_array


def picture(folder: Path, size: tuple[int, int] = (20, 30), name: str = "cat.png") -> Path:
    height, width = size
    pixels = np.zeros((height, width, 3), dtype=np.uint8)
    pixels[..., 0] = np.linspace(0, 255, width).astype(np.uint8)[None, :]
    pixels[height // 2 :, :, 1] = 200
    path = folder / name
    Image.fromarray(pixels).save(path)
    return path


def test_parse_size_counts_height_first() -> None:
    assert parse_size("28x14") == (28, 14)
    assert parse_size("100") == (100,)
    for bad in ("28x", "0x3", "axb", "1x2x3"):
        with pytest.raises(ValueError, match="input size"):
            parse_size(bad)


def test_a_layer_on_zeros(tmp_path: Path) -> None:
    session = build_session("nn.Conv1d(2, 3, 5, padding=2)", input_size=(16,))
    assert session.input.shape == (2, 16) and not session.input.any()
    assert session.weight.shape == (3, 2, 5) and session.weight.any()  # seeded random kernels
    assert session.output_shape == (3, 16)


def test_the_lecture_layer_from_a_picture(tmp_path: Path) -> None:
    session = build_session(
        "nn.Conv2d(3, 3, kernel_size=3, padding=1)", input_size=(5, 5), input_path=picture(tmp_path)
    )
    assert session.input.shape == (3, 5, 5)
    assert session.input.min() >= 0 and session.input.max() <= 1
    grey = build_session("nn.Conv2d(1, 2, 3)", input_path=picture(tmp_path), image_mode="gray")
    assert grey.input.shape == (1, 20, 30)  # the picture's own size


def test_an_array_input_and_weights_from_a_checkpoint(tmp_path: Path) -> None:
    signal = np.sin(np.linspace(0, 6, 40))[None].repeat(2, axis=0)
    np.save(tmp_path / "signal.npy", signal)
    weight = np.arange(24, dtype=np.float32).reshape(4, 2, 3)
    save_file(
        {"enc.conv.weight": weight, "enc.conv.bias": np.ones(4, np.float32)},
        str(tmp_path / "m.safetensors"),
    )
    session = build_session(
        "self.conv = nn.Conv1d(2, 4, 3)",
        input_path=tmp_path / "signal.npy",
        weights_path=tmp_path / "m.safetensors",
        prefix="enc.conv",
    )
    np.testing.assert_array_equal(session.input, signal)
    np.testing.assert_array_equal(session.weight, weight)
    np.testing.assert_array_equal(session.bias, np.ones(4))
    # The only conv weight of the layer's shape is found without --prefix.
    again = build_session(
        "nn.Conv1d(2, 4, 3)", input_size=(9,), weights_path=tmp_path / "m.safetensors"
    )
    np.testing.assert_array_equal(again.weight, weight)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"layer": "nn.Conv2d(3, 4, 3)"}, "--input-size"),
        ({"layer": "nn.Conv2d(3, 4, 3)", "input_size": (9,)}, "takes HxW"),
        ({"layer": "nn.Conv2d(3, 4, 7)", "input_size": (5, 5)}, "kernel_size=7"),
        ({"layer": "nn.Conv2d(2, 4, 3)", "input_path": "PIC"}, "takes 2"),
        ({"layer": "nn.Conv2d(3, 4, 3)", "input_path": "PIC", "image_mode": "gray"}, "--gray"),
        ({"layer": "nn.Conv1d(1, 4, 3)", "input_path": "PIC"}, "Conv1d"),
        ({"layer": "nn.Conv2d(3, 4, 3)", "input_size": (5, 5), "prefix": "c"}, "--weights"),
        ({"layer": "nn.Conv2d(3, 4, 3)", "input_path": "NOTES"}, "a picture"),
        ({"layer": "nn.Conv2d(1, 4, 3)", "input_path": "GRID", "input_size": (3, 3)}, "resized"),
        ({"layer": "nn.Conv2d(1, 4, 3)", "input_size": (5, 5), "weights_path": "W"}, "--prefix"),
    ],
)
def test_refusals_name_the_problem(tmp_path: Path, kwargs: dict, message: str) -> None:
    files = {
        "PIC": picture(tmp_path),
        "NOTES": tmp_path / "notes.txt",
        "GRID": tmp_path / "grid.csv",
        "W": tmp_path / "w.npz",
    }
    files["NOTES"].write_text("hello")
    files["GRID"].write_text("1,2,3,4\n5,6,7,8\n")
    np.savez(files["W"], **{"a.weight": np.zeros((4, 1, 3, 3)), "b.weight": np.zeros((4, 1, 3, 3))})
    for key in ("input_path", "weights_path"):
        if key in kwargs:
            kwargs[key] = files[kwargs[key]]
    with pytest.raises(ValueError, match=message):
        build_session(**kwargs)


# -- the command line -------------------------------------------------------------------------
def test_convstudio_new_writes_a_session(tmp_path: Path, capsys) -> None:
    out = tmp_path / "cat.convstudio"
    status = cli.main(
        [
            "new",
            str(out),
            "--layer",
            "nn.Conv2d(3, 3, kernel_size=3, padding=1)",
            "--input-size",
            "5x5",
            "--input",
            str(picture(tmp_path)),
            "--rgb",
        ]
    )
    assert status == 0, capsys.readouterr().err
    session = load(out)
    assert session.input.shape == (3, 5, 5) and session.params.padding == ((1, 1), (1, 1))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--layer", "__import__('os')", "--input-size", "5x5"], "__import__"),
        (["--layer", "nn.Conv2d(3, 3, 3)", "--input-size", "5x"], "input size"),
        (["--layer", "nn.Conv2d(3, 3, 3)", "--input", "missing.png"], "no such file"),
        (
            [
                "--layer",
                "nn.Conv2d(1, 3, 3)",
                "--input-size",
                "5x5",
                "--weights",
                "no.npz",
                "--prefix",
                "c",
            ],
            "no such file",
        ),
        (["--input-size", "5x5"], "--layer"),
    ],
)
def test_convstudio_new_refuses_and_writes_nothing(tmp_path: Path, capsys, args, message) -> None:
    out = tmp_path / "new.convstudio"
    status = cli.main(["new", str(out), *args])
    assert status == 1
    assert message in capsys.readouterr().err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_convstudio_new_keeps_an_existing_file_on_refusal(tmp_path: Path, capsys) -> None:
    out = tmp_path / "keep.convstudio"
    save(Session.default(), out)
    before = out.read_bytes()
    assert cli.main(["new", str(out), "--layer", "nn.Linear(3, 4)", "--input-size", "5"]) == 1
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.convstudio"]


@pytest.fixture
def session_file(tmp_path: Path) -> Path:
    path = tmp_path / "lecture.convstudio"
    save(Session.default(), path)
    return path


@pytest.mark.parametrize("what", ["input", "weight", "bias", "output"])
@pytest.mark.parametrize("suffix", [".npy", ".csv"])
def test_convstudio_export_arrays(session_file: Path, tmp_path: Path, what: str, suffix: str):
    out = tmp_path / f"{what}{suffix}"
    assert cli.main(["export", str(session_file), str(out), "--what", what]) == 0
    session = Session.default()
    expected = session.compute_output() if what == "output" else session.array(what)
    assert read_array(out).tobytes() == expected.tobytes()


def test_convstudio_export_refusals(session_file: Path, tmp_path: Path, capsys) -> None:
    before = sorted(tmp_path.iterdir())
    assert cli.main(["export", str(session_file), str(tmp_path / "x.docx")]) == 1
    assert "'.docx'" in capsys.readouterr().err
    assert cli.main(["export", str(tmp_path / "none.convstudio"), str(tmp_path / "o.npy")]) == 1
    assert "no such file" in capsys.readouterr().err
    assert cli.main(["export", str(session_file), str(tmp_path / "o.py"), "--code", "jax"]) == 1
    assert "invalid choice" in capsys.readouterr().err
    assert sorted(tmp_path.iterdir()) == before


def test_convstudio_export_code(session_file: Path, tmp_path: Path) -> None:
    for code in ("numpy", "torch"):
        out = tmp_path / f"layer_{code}.py"
        assert cli.main(["export", str(session_file), str(out), "--code", code]) == 0
        assert "output = " in out.read_text()
