"""The bundled examples: one per lecture step, valid, exact round trips, reproducible."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from convstudio.engine import convolve
from convstudio.session import (
    Session,
    SessionError,
    dumps,
    list_examples,
    load,
    load_example,
    save,
)
from convstudio.session import examples as examples_module
from convstudio.session.make_examples import EXAMPLES, main

EXAMPLE_FILES = sorted(examples_module.examples_dir().glob("*.convstudio"))


def test_one_example_per_lecture_step_in_order() -> None:
    infos = list_examples()
    assert [i.name for i in infos] == list(EXAMPLES)
    assert all(i.error is None and i.title and i.notes for i in infos)
    layers = [load(i.path).params for i in infos]
    steps = [(p.ndim, p.in_features, p.out_features) for p in layers]
    lecture = [(1, 1, 1), (1, 1, 3), (1, 2, 3), (2, 1, 1), (2, 1, 3), (2, 3, 1), (2, 2, 3)]
    assert steps[:7] == lecture  # SCENARIOS.md steps 1-7, in this order
    assert all(p.padding == ((1, 1), (1, 1)) for p in layers[3:7])
    assert any(p.stride == (2, 2) for p in layers)
    assert any(p.dilation == (2, 2) for p in layers)
    assert any(p.padding_mode == "reflect" for p in layers)
    assert any(p.groups == p.in_features == p.out_features > 1 for p in layers)
    assert infos[3].summary == "2D, 1 -> 1 feature, 5x5 input"


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_example_round_trips_exactly(path: Path, tmp_path: Path) -> None:
    session = load(path)
    copy = tmp_path / path.name
    save(session, copy)
    again = load(copy)
    assert again == session
    for name in ("input", "weight", "bias"):
        assert again.array(name).tobytes() == session.array(name).tobytes()
    assert copy.read_bytes() == path.read_bytes()  # a second save writes the same bytes
    save(again, copy)
    assert copy.read_bytes() == path.read_bytes()


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_example_validates_and_convolves(path: Path) -> None:
    session = load(path).validate()
    for array in (session.input, session.weight, session.bias):
        assert np.array_equal(array * 10, np.round(array * 10))  # integers or one decimal
        assert np.abs(array).max() <= 10
    output = session.compute_output()
    assert output.shape == session.output_shape
    expected = convolve(
        session.input, session.weight, session.effective_bias, **session.params.settings()
    )
    assert np.array_equal(output, expected)
    assert 2 <= session.notes.count(". ") + 1 <= 4  # a short note: two to four sentences


def test_the_committed_files_are_what_make_examples_writes(tmp_path: Path) -> None:
    assert [p.stem for p in EXAMPLE_FILES] == list(EXAMPLES)
    for name, build in EXAMPLES.items():
        committed = examples_module.examples_dir() / f"{name}.convstudio"
        assert committed.read_text(encoding="utf-8") == dumps(build()), name
    assert main(["--check"]) == 0
    assert main(["--folder", str(tmp_path)]) == 0
    (tmp_path / "01-conv1d-sliding.convstudio").write_text("{}")
    assert main(["--check", "--folder", str(tmp_path)]) == 1


def test_the_step_seven_example_is_the_default_session() -> None:
    assert load_example("07-conv2d-two-to-three") == Session.default()
    assert load_example("07-conv2d-two-to-three.convstudio") == Session.default()


def test_the_edge_detector_finds_the_square_edges() -> None:
    session = load_example("12-conv2d-edge-detector")
    picture = session.input[0]
    assert set(np.unique(picture)) == {0.0, 1.0}
    output = session.compute_output()
    assert output[0, 3, 1] > 0 and output[0, 3, 6] < 0  # left and right edges, horizontal Sobel
    assert output[0, 3, 3] == 0  # flat inside
    assert output[1, 1, 3] > 0 and output[1, 6, 3] < 0  # top and bottom edges, vertical Sobel


@pytest.mark.parametrize("name", ["no-such-example", "../07-conv2d-two-to-three", "", ".hidden"])
def test_unknown_example_names_are_refused(name: str) -> None:
    with pytest.raises(SessionError, match="example"):
        load_example(name)


def test_missing_resources_give_an_empty_list(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> Path:
        raise FileNotFoundError("ConvStudio's resources are missing")

    monkeypatch.setattr(examples_module, "examples_dir", missing)
    assert list_examples() == []
    with pytest.raises(SessionError, match="resources are missing"):
        load_example("01-conv1d-sliding")


def test_a_broken_example_is_listed_with_its_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "01-broken.convstudio").write_text("{", encoding="utf-8")
    monkeypatch.setattr(examples_module, "examples_dir", lambda: tmp_path)
    (info,) = list_examples()
    assert (info.name, info.title) == ("01-broken", "01-broken")
    assert info.error is not None and info.error.startswith("01-broken.convstudio: not JSON")
