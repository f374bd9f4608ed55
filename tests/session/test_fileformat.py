"""The .convstudio file: exact round trips, every malformed file refused with a message naming the
field, sizes checked before allocation, atomic saves that leave the old file alone on failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from convstudio.engine import ConvParams
from convstudio.session import (
    Cursor,
    Session,
    SessionError,
    dumps,
    fileformat,
    limits,
    load,
    loads,
    save,
)
from convstudio.session.fileformat import FORMAT, MAX_FILE_BYTES, VERSION


def document() -> dict[str, Any]:
    """The default session as a parsed document, for tests to break."""
    return json.loads(dumps(Session.default()))


def text_of(doc: Any) -> str:
    return json.dumps(doc)  # allow_nan: the JSON module writes NaN and Infinity literals


# -- round trips -------------------------------------------------------------------------------
def test_round_trip_of_the_default_session() -> None:
    session = Session.default().with_view({"zoom": 1.5, "dock": {"left": ["input"]}})
    session = session.with_cursor(1, (2, 3)).with_text(notes="Ünïcode ∑ notes\nline two")
    text = dumps(session)
    again = loads(text)
    assert again == session
    assert dumps(again) == text
    assert json.loads(text)["format"] == FORMAT and json.loads(text)["version"] == VERSION


def test_the_file_follows_the_contract() -> None:
    doc = document()
    assert list(doc) == [
        "format", "version", "title", "notes", "params", "input", "weight", "bias", "cursor",
        "view",
    ]  # fmt: skip
    assert doc["params"] == {
        "ndim": 2, "in_features": 2, "out_features": 3, "kernel_size": [3, 3], "stride": [1, 1],
        "padding": [[1, 1], [1, 1]], "padding_mode": "zeros", "dilation": [1, 1], "groups": 1,
        "bias": True,
    }  # fmt: skip
    assert np.array(doc["input"]).shape == (2, 5, 5)
    assert np.array(doc["weight"]).shape == (3, 2, 3, 3)
    assert doc["cursor"] == {"out_feature": 0, "position": [0, 0]}
    # one row of a grid per line
    assert "\n      [1.0, 2.0, 0.0, 1.0, 3.0],\n" in dumps(Session.default())


finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=40, deadline=None)
@given(
    x=hnp.arrays(np.float64, (2, 3, 4), elements=finite),
    w=hnp.arrays(np.float64, (3, 2, 2, 2), elements=finite),
    b=hnp.arrays(np.float64, (3,), elements=finite),
    title=st.text(max_size=20),
)
def test_numbers_and_text_round_trip_exactly(x, w, b, title) -> None:
    params = ConvParams(ndim=2, in_features=2, out_features=3, kernel_size=2)
    session = Session(params, x, w, b, title=title)
    again = loads(dumps(session).encode("utf-8"))
    for a, c in ((x, again.input), (w, again.weight), (b, again.bias)):
        assert a.tobytes() == c.tobytes()  # bit for bit, -0.0 and subnormals included
    assert again.title == title


def test_integers_in_a_hand_written_file_are_read_as_numbers() -> None:
    doc = document()
    doc["bias"] = [1, -2, 3]
    assert loads(text_of(doc)).bias.tolist() == [1.0, -2.0, 3.0]


def test_optional_fields_default_and_a_cursor_outside_is_clamped() -> None:
    doc = document()
    for name in ("title", "notes", "view", "cursor"):
        del doc[name]
    session = loads(text_of(doc))
    assert (session.title, session.notes, session.view) == ("", "", {})
    assert session.cursor == Cursor(0, (0, 0))
    doc["cursor"] = {"out_feature": 7, "position": [-1, 99]}
    assert loads(text_of(doc)).cursor == Cursor(2, (0, 4))


def test_a_byte_order_mark_is_accepted() -> None:
    text = dumps(Session.default())
    assert loads(b"\xef\xbb\xbf" + text.encode()) == Session.default()


# -- malformed files ---------------------------------------------------------------------------
def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    keys = path.split(".")

    def change(doc: dict[str, Any]) -> None:
        node = doc
        for key in keys[:-1]:
            node = node[int(key)] if isinstance(node, list) else node[key]
        last = keys[-1]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    keys = path.split(".")

    def change(doc: dict[str, Any]) -> None:
        node = doc
        for key in keys[:-1]:
            node = node[key]
        del node[keys[-1]]

    return change


MALFORMED_DOCS = {
    # wrong format or version
    "format missing": (_drop("format"), "format: missing"),
    "format wrong": (_set("format", "png"), 'format: "png" is not'),
    "format null": (_set("format", None), "format: null is not"),
    "version missing": (_drop("version"), "version: missing"),
    "version newer": (_set("version", 2), "version: 2 is newer"),
    "version unknown": (_set("version", 0), "version: 0 is not a version"),
    "version text": (_set("version", "1"), 'version: expected a whole number, got "1"'),
    "version bool": (_set("version", True), "version: expected a whole number, got true"),
    # missing, null, unknown fields
    "params missing": (_drop("params"), "params: missing"),
    "input missing": (_drop("input"), "input: missing"),
    "weight missing": (_drop("weight"), "weight: missing"),
    "bias missing": (_drop("bias"), "bias: missing"),
    "params field missing": (_drop("params.stride"), "params.stride: missing"),
    "cursor field missing": (_drop("cursor.position"), "cursor.position: missing"),
    "unknown field": (_set("titel", "x"), "unknown field 'titel'"),
    "unknown params field": (_set("params.bais", True), "params: unknown field 'bais'"),
    "params null": (_set("params", None), "params: expected an object, got null"),
    "input null": (_set("input", None), "input: expected nested lists of numbers"),
    "bias null": (_set("bias", None), "bias: expected nested lists of numbers"),
    "title null": (_set("title", None), "title: expected text, got null"),
    "cursor null": (_set("cursor", None), "cursor: expected an object, got null"),
    "view null": (_set("view", None), "view: expected an object, got null"),
    # mistyped fields
    "ndim text": (_set("params.ndim", "2"), 'params.ndim: expected a whole number, got "2"'),
    "groups bool": (_set("params.groups", True), "params.groups: expected a whole number"),
    "features float": (_set("params.in_features", 2.0), "params.in_features: expected a whole"),
    "kernel float": (_set("params.kernel_size", [3, 3.0]), "params.kernel_size: expected a list"),
    "stride int": (_set("params.stride", 1), "params.stride: expected a list of whole numbers"),
    "padding ints": (_set("params.padding", [1, 1]), "params.padding: expected one [before"),
    "padding mode": (_set("params.padding_mode", 0), "params.padding_mode: expected text"),
    "bias flag text": (_set("params.bias", "yes"), 'params.bias: expected true or false, got "'),
    "title number": (_set("title", 5), "title: expected text, got 5"),
    "notes list": (_set("notes", ["a"]), "notes: expected text, got a list of 1"),
    "number as text": (_set("input.0.1.2", "1.5"), 'input[0][1][2]: expected a number, got "1.5"'),
    "bool in weight": (_set("weight.2.1.0.0", True), "weight[2][1][0][0]: expected a number, got"),
    "null in bias": (_set("bias.1", None), "bias[1]: expected a number, got null"),
    "object in input": (_set("input.1.4.4", {}), "input[1][4][4]: expected a number, got an"),
    "cursor text": (_set("cursor.out_feature", "0"), "cursor.out_feature: expected a whole"),
    "cursor position": (_set("cursor.position", [0]), "cursor.position: expected 2 whole numbers"),
    "view list": (_set("view", []), "view: expected an object, got a list"),
    # ragged lists and shapes that disagree with params
    "ragged input row": (
        _set("input.1.3", [1.0, 2.0]),
        "input[1][3]: expected a list of 5 numbers",
    ),
    "ragged input grid": (
        _set("input.1", [[0.0] * 5] * 4),
        "input[1]: expected a list of 5 numbers",
    ),
    "ragged weight": (
        _set("weight.1.0", [[1.0, 2.0, 3.0]] * 2),
        "weight[1][0]: expected a list of 3",
    ),
    "number for a row": (
        _set("input.0.2", 3.0),
        "input[0][2]: expected a list of 5 numbers, got 3.0",
    ),
    "weight 1D for 2D": (
        _set("weight", [[[0.0] * 3] * 2] * 3),
        "weight: shape (3, 2, 3) does not match params, expected (3, 2, 3, 3)",
    ),
    "bias short": (
        _set("bias", [1.0, 2.0]),
        "bias: shape (2,) does not match params, expected (3,)",
    ),
    "input features": (
        _set("params.in_features", 1),
        "input: shape (2, 5, 5) does not match params, expected (1, H, W)",
    ),
    "input empty": (_set("input", [[], []]), "input: shape (2, 0, 0) is empty"),
    "input too deep": (_set("input", [[[[1.0]]]]), "input: nested deeper than 3 levels"),
    "bias nested": (_set("bias", [[1.0], [2.0], [3.0]]), "bias: nested deeper than 1 levels"),
    # NaN and infinity
    "NaN": (_set("input.0.1.2", float("nan")), "input[0][1][2]: NaN is not a finite number"),
    "Infinity": (_set("weight.0.1.2.2", float("inf")), "weight[0][1][2][2]: Infinity is not"),
    "-Infinity": (_set("bias.2", float("-inf")), "bias[2]: -Infinity is not a finite number"),
    "NaN in view": (_set("view", {"zoom": float("nan")}), "view['zoom']: NaN is not a finite"),
    "huge integer": (_set("bias.0", 10**400), "bias[0]: a whole number of 401 digits is too large"),
    # settings the engine rejects
    "groups": (_set("params.groups", 2), "params: groups=2 does not divide out_features=3"),
    "stride 0": (_set("params.stride", [0, 1]), "params: stride=(0, 1) must be positive"),
    "mode": (_set("params.padding_mode", "mirror"), "params: padding_mode='mirror' is not one of"),
    "ndim 3": (_set("params.ndim", 3), "params: ndim=3: ConvStudio computes 1D and 2D"),
    "reflect too wide": (
        lambda d: d["params"].update(padding=[[5, 5], [5, 5]], padding_mode="reflect"),
        "params: padding_mode='reflect' needs padding smaller than the input",
    ),
    "negative padding": (_set("params.padding", [[1, -1], [1, 1]]), "params: padding="),
    # over the limits
    "features over the limit": (
        _set("params.out_features", 1000),
        "params: out_features=1000 is over the limit of 512",
    ),
    "kernel over the limit": (
        _set("params.kernel_size", [3, 65]),
        "params: kernel_size=65 is over the limit of 64",
    ),
    "weight over the limit": (
        lambda d: d["params"].update(in_features=512, out_features=512, kernel_size=[64, 64]),
        "params: weight of shape 512x512x64x64 has 1,073,741,824 values, over the limit",
    ),
}


def _nested_view(depth: int) -> dict[str, Any]:
    view: dict[str, Any] = {}
    node = view
    for _ in range(depth):
        node["a"] = {}
        node = node["a"]
    return view


MALFORMED_DOCS["view nested too deep"] = (
    _set("view", _nested_view(40)),
    "view: nested deeper than 32 levels at view['a']['a']",
)
MALFORMED_DOCS["kernel too big"] = (
    lambda d: (
        d["params"].update(padding=[[0, 0], [0, 0]], kernel_size=[3, 9])
        or d.update(weight=np.zeros((3, 2, 3, 9)).tolist())
    ),
    "params: kernel_size=9 with dilation=1 spans 9 cells along the width (dimension 1), larger "
    "than the padded input",
)


@pytest.mark.parametrize("case", list(MALFORMED_DOCS))
def test_a_malformed_document_is_refused_naming_the_field(case: str) -> None:
    change, expected = MALFORMED_DOCS[case]
    doc = document()
    change(doc)
    with pytest.raises(SessionError) as caught:
        loads(text_of(doc))
    assert str(caught.value).startswith(expected), str(caught.value)


MALFORMED_TEXTS = {
    "empty": (b"", "the file is empty"),
    "blank": (b" \n\t\r\n", "the file is empty"),
    "not JSON": (b'{"format": "convstudio-session", ', "not JSON: Expecting property name"),
    "trailing garbage": (dumps(Session.default()).encode() + b"x", "not JSON: Extra data"),
    "not UTF-8": (b'{"title": "caf\xe9"}', "not UTF-8 text: the byte 0xe9 at offset 14"),
    "UTF-16": ('{"format": 1}'.encode("utf-16"), "not UTF-8 text"),
    "top level list": (b"[1, 2, 3]", "not a ConvStudio session: the file holds a list of 3"),
    "top level number": (b"42", "not a ConvStudio session: the file holds 42"),
    "duplicate key": (
        b'{"format": "convstudio-session", "format": "x"}',
        "the field 'format' appears twice",
    ),
    "deep nesting": (b"[" * 200_000 + b"]" * 200_000, "not a ConvStudio session: the JSON nests"),
    "integer of 5000 digits": (
        b'{"bias": [' + b"1" * 5000 + b"]}",
        "not a ConvStudio session: Exceeds the limit (4300 digits)",
    ),
    "deep nesting unclosed": (b'{"input": ' + b"[" * 1_000_000, "not a ConvStudio session: the"),
    "NaN literal in params": (
        dumps(Session.default()).replace('"groups": 1', '"groups": NaN').encode(),
        "params.groups: expected a whole number, got nan",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED_TEXTS))
def test_malformed_text_is_refused(case: str) -> None:
    data, expected = MALFORMED_TEXTS[case]
    with pytest.raises(SessionError) as caught:
        loads(data)
    assert str(caught.value).startswith(expected), str(caught.value)


def test_a_lone_surrogate_in_a_title_is_refused() -> None:
    text = dumps(Session.default()).replace('"title": "', '"title": "\\ud800', 1)
    with pytest.raises(SessionError, match=r"^title: character 0 is not valid Unicode"):
        loads(text)


def test_a_huge_declared_input_is_refused_before_it_is_built() -> None:
    """512 features of 4096x4096: the first entries claim it, the rest of the file is tiny."""
    doc = document()
    doc["params"].update(in_features=512, out_features=1)
    doc["weight"] = []
    doc["bias"] = [0.0]
    doc["input"] = [[[0.0] * 4096] + [[]] * 4095] + [[]] * 511
    text = text_of(doc)
    assert len(text) < 100_000
    with pytest.raises(SessionError) as caught:
        loads(text)
    assert str(caught.value) == (
        "input of shape 512x4096x4096 has 8,589,934,592 values, over the limit of "
        f"{limits.MAX_VALUES:,}"
    )


def test_a_file_over_the_byte_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.convstudio"
    with open(path, "wb") as file:
        file.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(SessionError) as caught:
        load(path)
    assert f"over the limit of {MAX_FILE_BYTES:,} bytes" in str(caught.value)
    assert caught.value.path == str(path)
    assert MAX_FILE_BYTES == limits.MAX_VALUES * fileformat.BYTES_PER_VALUE + 16 * 2**20


def test_a_large_binary_file_is_refused_from_its_first_bytes(tmp_path: Path) -> None:
    path = tmp_path / "picture.convstudio"
    with open(path, "wb") as file:
        file.write(b"\x89PNG\r\n\x1a\n")
        file.truncate(500 * 2**20)
    with pytest.raises(SessionError, match=r"does not start with '\{'"):
        load(path)


# -- paths -------------------------------------------------------------------------------------
def test_missing_path_folder_and_special_files(tmp_path: Path) -> None:
    with pytest.raises(SessionError, match=r"no-such\.convstudio: no such file") as caught:
        load(tmp_path / "no-such.convstudio")
    assert caught.value.path == str(tmp_path / "no-such.convstudio")
    with pytest.raises(SessionError, match="no such file"):
        load(tmp_path / "no-such-folder" / "x.convstudio")
    with pytest.raises(SessionError, match="is a folder, not a session file"):
        load(tmp_path)
    fifo = tmp_path / "pipe.convstudio"
    os.mkfifo(fifo)
    with pytest.raises(SessionError, match="is not a regular file"):
        load(fifo)  # refused without blocking on the pipe


def test_load_names_the_file_and_the_field(tmp_path: Path) -> None:
    doc = document()
    doc["bias"] = [1.0]
    path = tmp_path / "lesson.convstudio"
    path.write_text(text_of(doc), encoding="utf-8")
    with pytest.raises(SessionError) as caught:
        load(path)
    assert str(caught.value) == (
        "lesson.convstudio: bias: shape (1,) does not match params, expected (3,)"
    )
    assert caught.value.path == str(path)


AS_NOBODY = """
import os, sys
from convstudio.session import Session, SessionError, load, save
folder = sys.argv[1]
if os.geteuid() == 0:  # drop root now that everything is imported
    try:
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)
    except OSError:
        print("SKIP cannot drop root privileges")
        sys.exit(0)
for action in ("load", "save"):
    try:
        if action == "load":
            load(os.path.join(folder, "locked.convstudio"))
        else:
            save(Session.default(), os.path.join(folder, "readonly", "new.convstudio"))
        print(action, "no error")
    except SessionError as error:
        print(action, error)
"""


def test_permission_denied(tmp_path: Path) -> None:
    """Reading a file without permission, and saving into a folder without permission.

    As root permissions do not apply, so the check runs in a child process that becomes 'nobody'
    once it has imported ConvStudio (the interpreter itself may lie where nobody cannot read).
    """
    folder = Path(tempfile.mkdtemp(prefix="convstudio-perm-"))
    try:
        os.chmod(folder, 0o755)
        locked = folder / "locked.convstudio"
        save(Session.default(), locked)
        os.chmod(locked, 0o000)
        readonly = folder / "readonly"
        readonly.mkdir(mode=0o555)
        os.chmod(readonly, 0o555)
        command = [sys.executable, "-c", AS_NOBODY, str(folder)]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        if lines and lines[0].startswith("SKIP"):
            pytest.skip(lines[0])
        assert lines[0] == f"load {locked}: permission denied, cannot read it"
        assert lines[1].startswith(f"save cannot save {readonly / 'new.convstudio'}: Permission")
        assert list(readonly.iterdir()) == []
    finally:
        os.chmod(folder / "readonly", 0o755)
        for path in sorted(folder.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        folder.rmdir()


# -- saving ------------------------------------------------------------------------------------
def test_save_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "work.convstudio"
    save(Session.default(), path)
    os.chmod(path, 0o640)
    edited = Session.default().with_cells("bias", (0,), 9.5)
    save(edited, str(path))
    assert load(path) == edited
    assert os.listdir(tmp_path) == ["work.convstudio"]
    assert path.stat().st_mode & 0o777 == 0o640  # an existing file keeps its permissions
    assert path.read_bytes() == dumps(edited).encode("utf-8")


def test_save_follows_a_symbolic_link(tmp_path: Path) -> None:
    real = tmp_path / "real.convstudio"
    save(Session.default(), real)
    link = tmp_path / "link.convstudio"
    link.symlink_to(real)
    edited = Session.default().with_text(title="via link")
    save(edited, link)
    assert link.is_symlink() and load(real).title == "via link"


def test_save_into_a_path_that_is_not_a_folder(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    target = not_a_folder / "work.convstudio"
    with pytest.raises(SessionError) as caught:
        save(Session.default(), target)
    assert str(caught.value).startswith(f"cannot save {target}: Not a directory")
    assert caught.value.path == str(target)
    with pytest.raises(SessionError, match="it is a folder"):
        save(Session.default(), tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["file"]


def test_an_invalid_session_is_never_written(tmp_path: Path) -> None:
    path = tmp_path / "work.convstudio"
    save(Session.default(), path)
    before = path.read_bytes()
    bad = Session.default().replace(bias=np.zeros(2))
    with pytest.raises(SessionError, match=r"cannot save .*: bias: shape \(2,\) does not match"):
        save(bad, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["work.convstudio"]


FAILING_SAVE = """
import resource, signal, sys
import numpy as np
from convstudio.engine import ConvParams
from convstudio.session import Session, SessionError, save
params = ConvParams(ndim=2, in_features=1, out_features=1, kernel_size=3)
rng = np.random.default_rng(0)
big = Session(params, rng.standard_normal((1, 200, 200)), np.ones((1, 1, 3, 3)), [0.0])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
try:
    save(big, sys.argv[1])
except SessionError as error:
    print(error)
    sys.exit(0)
sys.exit(3)
"""


def test_a_save_that_fails_half_way_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "work.convstudio"
    save(Session.default(), path)
    before = path.read_bytes()
    result = subprocess.run(
        [sys.executable, "-c", FAILING_SAVE, str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == f"cannot save {path}: File too large"
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["work.convstudio"]


# -- migrations --------------------------------------------------------------------------------
def test_an_older_version_is_migrated_before_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    def version_0_to_1(doc: dict[str, Any]) -> dict[str, Any]:
        doc["weight"] = doc.pop("kernels")  # pretend version 0 called the weight "kernels"
        doc["title"] = doc.pop("name")
        return doc

    monkeypatch.setitem(fileformat.MIGRATIONS, 0, version_0_to_1)
    old = document()
    old["version"] = 0
    old["kernels"] = old.pop("weight")
    old["name"] = old.pop("title")
    session = loads(text_of(old))
    assert session == Session.default()
    assert json.loads(dumps(session))["version"] == VERSION  # saved in the current version

    del old["name"]
    with pytest.raises(
        SessionError, match=r"^version: cannot bring this version 0 file up to date"
    ):
        loads(text_of(old))


def test_migrations_step_one_version_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    steps: list[int] = []

    def step(n: int) -> Callable[[dict[str, Any]], dict[str, Any]]:
        def migrate(doc: dict[str, Any]) -> dict[str, Any]:
            assert doc["version"] == n
            steps.append(n)
            return doc

        return migrate

    monkeypatch.setattr(fileformat, "VERSION", 3)
    monkeypatch.setattr(fileformat, "MIGRATIONS", {1: step(1), 2: step(2)})
    doc = fileformat.migrate({"version": 1})
    assert steps == [1, 2] and doc["version"] == 3
    with pytest.raises(SessionError, match="version: 0 is not a version ConvStudio knows"):
        fileformat.migrate({"version": 0})


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('"format": "something-else"', 'format: "something-else" is not'),
        ('"format": "convstudio-session", "version": 9', "version: 9 is newer"),
        (
            '"format": "convstudio-session", "version": 1, "params": {"ndim": 2, '
            '"in_features": 600, "out_features": 1, "kernel_size": [3, 3], "stride": [1, 1], '
            '"padding": [[0, 0], [0, 0]], "padding_mode": "zeros", "dilation": [1, 1], '
            '"groups": 1, "bias": true}',
            "params: in_features=600 is over the limit of 512",
        ),
    ],
)
def test_the_header_is_checked_before_the_arrays_are_parsed(header: str, expected: str) -> None:
    """The arrays after a bad header are cut off mid-number: had the loader parsed them, the
    message would be about broken JSON instead."""
    text = "{" + header + ', "input": [[[0.0, 1.0, 2.'
    with pytest.raises(SessionError) as caught:
        loads(text)
    assert str(caught.value).startswith(expected), str(caught.value)
