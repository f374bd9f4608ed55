"""The window's In/Out menus, driven as a person does: File > Export… in every format, File >
Import… of pictures, arrays and checkpoint weights, Layer from PyTorch…, Edit > Copy as Image /
Code and Paste Image as Input. Every change is one undo step; every refusal names the problem
and leaves the session (and the undo history) as it was, with nothing written."""

from __future__ import annotations

import runpy
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QMessageBox, QPushButton
from safetensors.numpy import save_file

from convstudio.session import Session
from convstudio.transfer import read_array, read_image
from convstudio.ui.export.dialogs import ExportDialog, LayerDialog, WeightsDialog
from convstudio.ui.export.exporter import ExportRequest
from convstudio.ui.shell.main_window import MainWindow


@pytest.fixture
def window(qtbot, warnings):
    """The window on the lecture layer; its warning boxes never block (see ``warnings``)."""
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(win.output_is_current, timeout=20_000)
    yield win
    if win.transfer.run is not None and win.transfer.run.is_running():
        win.transfer.run.cancel()
    win.close()


@pytest.fixture
def warnings(monkeypatch) -> list[str]:
    """What the window said in its warning boxes (answered at once, as OK)."""
    said: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", lambda _parent, _title, text, *a, **k: said.append(text)
    )
    return said


def menu_texts(menu) -> list[str]:
    return [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]


def ok_button(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def rgb_png(folder: Path, name: str = "photo.png", size=(30, 40)) -> Path:
    height, width = size
    pixels = np.zeros((height, width, 3), dtype=np.uint8)
    pixels[..., 0] = np.linspace(0, 255, width).astype(np.uint8)[None, :]
    pixels[..., 2] = 90
    path = folder / name
    Image.fromarray(pixels).save(path)
    return path


def set_layer(qtbot, window: MainWindow, text: str, size: str | None = None) -> None:
    window.transfer.layer_action.trigger()
    dialog = window.transfer.dialog
    assert isinstance(dialog, LayerDialog)
    dialog.text.clear()
    qtbot.keyClicks(dialog.text, text)
    if size is not None:
        dialog.size_edit.clear()
        qtbot.keyClicks(dialog.size_edit, size)
    assert ok_button(dialog).isEnabled(), dialog.problem.text()
    qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    assert window.transfer.dialog is None


def export_through_dialog(qtbot, window: MainWindow, path: Path, **options) -> None:
    window.transfer.export_action.trigger()
    dialog = window.transfer.dialog
    assert isinstance(dialog, ExportDialog)
    dialog.path.clear()  # it offers the last export's name
    qtbot.keyClicks(dialog.path, str(path))
    if "scale" in options:
        dialog.scale.setValue(options["scale"])
    if options.get("reveal"):
        dialog.reveal.setChecked(True)
    if "what" in options:
        dialog.what.setCurrentText(options["what"])
    if "code" in options:
        dialog.code.setCurrentIndex(dialog.code.findData(options["code"]))
    qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)


def test_the_menus_hold_the_new_entries(window: MainWindow) -> None:
    file_menu = menu_texts(window.file_menu)
    assert {"Import…", "Layer from PyTorch…", "Export…"} <= set(file_menu)
    assert file_menu[-1] == "Quit"
    edit = menu_texts(window.edit_menu)
    assert {"Copy as Image", "Copy as Code (NumPy)", "Copy as Code (PyTorch)"} <= set(edit)


# -- export ---------------------------------------------------------------------------------------
def test_export_png_and_svg_from_the_menu(qtbot, window: MainWindow, tmp_path: Path) -> None:
    export_through_dialog(qtbot, window, tmp_path / "slide.png", scale=2.0)
    export_through_dialog(qtbot, window, tmp_path / "slide.svg")
    with Image.open(tmp_path / "slide.png") as image:
        assert image.format == "PNG" and image.size[0] > 1000
    texts = [
        "".join(t.itertext())
        for t in ET.parse(tmp_path / "slide.svg").getroot().iter("{http://www.w3.org/2000/svg}text")
    ]
    assert "Output features" in texts


@pytest.mark.parametrize(
    ("name", "options"),
    [("out.npy", {}), ("weight.csv", {"what": "weight"}), ("input.npy", {"what": "input"})],
)
def test_export_arrays_from_the_menu(qtbot, window, tmp_path, name, options) -> None:
    export_through_dialog(qtbot, window, tmp_path / name, **options)
    what = options.get("what", "output")
    session = window.document.session
    expected = session.compute_output() if what == "output" else session.array(what)
    assert read_array(tmp_path / name).tobytes() == expected.tobytes()


@pytest.mark.parametrize("code", ["numpy", "torch"])
def test_export_code_from_the_menu(qtbot, window, tmp_path, code) -> None:
    if code == "torch":
        from tests.torch_oracle import require_torch

        require_torch()
    export_through_dialog(qtbot, window, tmp_path / "layer.py", code=code)
    output = runpy.run_path(str(tmp_path / "layer.py"))["output"]
    output = output.detach().numpy() if hasattr(output, "detach") else output
    np.testing.assert_allclose(output, window.document.session.compute_output(), atol=1e-12)


def test_export_gif_from_the_menu_puts_the_cursor_back(qtbot, window, tmp_path) -> None:
    window.document.set_cursor(1, (2, 3))
    export_through_dialog(qtbot, window, tmp_path / "play.gif", scale=1.0, reveal=True)
    run = window.transfer.run
    assert run is not None
    qtbot.waitUntil(lambda: not run.is_running(), timeout=120_000)
    with Image.open(tmp_path / "play.gif") as gif:
        assert gif.n_frames == 75
    cursor = window.document.session.cursor
    assert (cursor.out_feature, cursor.position) == (1, (2, 3))
    assert "Exported" in window.statusBar().currentMessage()


def test_export_frames_folder_from_the_menu(qtbot, window, tmp_path) -> None:
    with qtbot.waitSignal(window.runner.result_ready, timeout=20_000):
        window.transfer.apply_layer(window.document.session.params.replace(out_features=1), (4, 4))
    export_through_dialog(qtbot, window, tmp_path / "frames", scale=1.0)
    run = window.transfer.run
    qtbot.waitUntil(lambda: not run.is_running(), timeout=60_000)
    assert len(list((tmp_path / "frames").glob("frame_*.png"))) == 16


def test_a_cancelled_export_writes_nothing(qtbot, window, tmp_path) -> None:
    window.document.set_cursor(2, (1, 1))
    run = window.transfer.export(ExportRequest(path=str(tmp_path / "play.gif")))
    # The progress dialog shows once the export has run half a second; its Cancel stops it.
    qtbot.waitUntil(lambda: run.progress is not None and run.progress.isVisible(), timeout=60_000)
    assert 0 < run.job.done < run.job.total
    cancel = run.progress.findChild(QPushButton)
    assert cancel.text() == "Cancel"
    with qtbot.waitSignal(run.failed) as failed:
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert failed.args == ["cancelled"]
    assert list(tmp_path.iterdir()) == []
    cursor = window.document.session.cursor
    assert (cursor.out_feature, cursor.position) == (2, (1, 1))
    assert "nothing was written" in window.statusBar().currentMessage()


def test_export_refusals_are_shown_and_write_nothing(qtbot, window, tmp_path, warnings) -> None:
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("x")
    window.transfer.export(ExportRequest(path=str(full)))
    assert warnings and "not empty" in warnings[-1]
    window.transfer.export_action.trigger()
    dialog = window.transfer.dialog
    qtbot.keyClicks(dialog.path, str(tmp_path / "slide.pptx"))
    assert not ok_button(dialog).isEnabled()
    assert "'.pptx'" in dialog.problem.text()
    dialog.reject()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]


# -- import ---------------------------------------------------------------------------------------
def test_import_a_picture_as_the_input(qtbot, window, tmp_path, monkeypatch, warnings) -> None:
    picture = rgb_png(tmp_path)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(picture), ""))
    before = window.document.session
    window.transfer.import_action.trigger()  # the lecture layer has 2 input features: refused
    assert warnings and "takes 2" in warnings[-1]
    assert window.document.session == before
    set_layer(qtbot, window, "nn.Conv2d(3, 3, kernel_size=3, padding=1)", "6x8")
    steps = window.document.undo_stack.count()
    layered = window.document.session
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"no picture")
    assert not window.transfer.import_path(fake)
    assert "fake.png: not an image" in warnings[-1]
    assert window.document.session == layered
    window.transfer.import_action.trigger()
    session = window.document.session
    np.testing.assert_array_equal(session.input, read_image(picture, (6, 8), "rgb"))
    assert window.document.undo_stack.count() == steps + 1
    window.document.undo_stack.undo()
    assert window.document.session == layered


def test_import_an_array_of_another_size_is_one_undo_step(qtbot, window, tmp_path) -> None:
    values = np.arange(2 * 7 * 6, dtype=np.float64).reshape(2, 7, 6) / 10
    np.save(tmp_path / "grid.npy", values)
    before = window.document.session
    assert window.transfer.import_path(tmp_path / "grid.npy")
    session = window.document.session
    assert session.input.tobytes() == values.tobytes()
    assert session.output_shape == (3, 7, 6)
    window.document.undo_stack.undo()
    assert window.document.session == before


@pytest.mark.parametrize(
    ("name", "write", "message"),
    [
        ("nan.npy", lambda p: np.save(p, np.full((2, 5, 5), np.nan)), "NaN"),
        ("one.csv", lambda p: p.write_text("1,2\n3,4\n"), "takes 2 input features"),
        ("photo.png", lambda p: rgb_png(p.parent), "photo.png: an image gives 1 (grey) or 3"),
        ("model.pt", lambda p: p.write_bytes(b""), "import takes"),
        ("w.npz", lambda p: p.write_bytes(b"not a zip"), "not a readable"),
    ],
)
def test_import_refusals_leave_the_session(window, tmp_path, warnings, name, write, message):
    path = tmp_path / name
    write(path)
    before = window.document.session
    steps = window.document.undo_stack.count()
    assert not window.transfer.import_path(path)
    assert warnings and message in warnings[-1]
    assert window.document.session == before
    assert window.document.undo_stack.count() == steps


def test_weights_from_a_checkpoint(qtbot, window, tmp_path) -> None:
    rng = np.random.default_rng(4)
    weight = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
    bias = rng.standard_normal(3).astype(np.float32)
    path = tmp_path / "model.safetensors"
    save_file(
        {"stem.weight": weight, "stem.bias": bias, "deep.weight": np.zeros((8, 3, 3, 3), "f4")},
        str(path),
    )
    before = window.document.session
    assert window.transfer.import_path(path)
    dialog = window.transfer.dialog
    assert isinstance(dialog, WeightsDialog)
    items = [dialog.list.item(i) for i in range(dialog.list.count())]
    enabled = [bool(item.flags() & Qt.ItemFlag.ItemIsEnabled) for item in items]
    assert enabled == [False, True] or enabled == [True, False]
    assert dialog.prefix() == "stem"
    qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    session = window.document.session
    np.testing.assert_array_equal(session.weight, weight.astype(np.float64))
    np.testing.assert_array_equal(session.bias, bias.astype(np.float64))
    window.document.undo_stack.undo()
    assert window.document.session == before


# -- the layer ------------------------------------------------------------------------------------
def test_layer_from_pytorch(qtbot, window: MainWindow) -> None:
    window.transfer.layer_action.trigger()
    dialog = window.transfer.dialog
    assert dialog.text.text() == "nn.Conv2d(2, 3, kernel_size=3, padding=1)"
    dialog.text.clear()
    qtbot.keyClicks(dialog.text, "nn.Conv2d(2, 3, kernel_size=3, foo=1)")
    assert not ok_button(dialog).isEnabled() and "'foo'" in dialog.problem.text()
    dialog.text.clear()
    qtbot.keyClicks(dialog.text, "nn.Conv2d(2, 4, kernel_size=3, stride=2, padding_mode='reflect')")
    assert ok_button(dialog).isEnabled()
    assert "output (4, 2, 2)" in dialog.summary.text()
    before = window.document.session
    qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    params = window.document.session.params
    assert params.out_features == 4 and params.stride == (2, 2)
    assert params.padding_mode == "reflect"
    assert window.document.session.input.tobytes() == before.input.tobytes()  # values kept
    window.document.undo_stack.undo()
    assert window.document.session == before


def test_a_layer_that_does_not_fit_the_input_is_refused_in_the_dialog(qtbot, window) -> None:
    window.transfer.layer_action.trigger()
    dialog = window.transfer.dialog
    dialog.text.clear()
    qtbot.keyClicks(dialog.text, "nn.Conv2d(2, 3, kernel_size=9)")
    assert not ok_button(dialog).isEnabled()
    assert "kernel_size=9" in dialog.problem.text()
    dialog.reject()
    assert window.document.session == Session.default().clamp_cursor()


# -- the clipboard --------------------------------------------------------------------------------
def test_copy_as_image_and_code(window: MainWindow) -> None:
    window.transfer.copy_image_action.trigger()
    image = QGuiApplication.clipboard().image()
    assert not image.isNull() and image.width() > 500
    window.transfer.copy_code_action.trigger()
    namespace: dict = {}
    exec(QGuiApplication.clipboard().text(), namespace)  # the script the window wrote
    assert namespace["output"].tobytes() == window.document.session.compute_output().tobytes()


def test_paste_image_as_input(qtbot, window: MainWindow, warnings) -> None:
    QGuiApplication.clipboard().setText("not a picture")
    before = window.document.session
    window.transfer.paste_image_action.trigger()
    assert warnings and "no picture" in warnings[-1]
    assert window.document.session == before
    set_layer(qtbot, window, "nn.Conv2d(1, 2, 3)", "4x4")
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.white)
    QGuiApplication.clipboard().setImage(image)
    window.transfer.paste_image_action.trigger()
    np.testing.assert_allclose(window.document.session.input, np.ones((1, 4, 4)))
