"""File > Export…, File > Import…, File > Layer from PyTorch…, Edit > Copy as Image / as Code and
Edit > Paste Image as Input: the window's side of ``convstudio.transfer``.

Installed by one call, ``install_transfer_menus(window)``. Every change to the open session goes
through the document's undoable commands (``set_cells``, ``set_layout``; an import that changes
the input's size and its values is one undo step, a macro of both); a refusal shows its message
and leaves the session exactly as it was. Dialogs open window-modal with ``open()`` (never a
nested event loop) and are kept in ``dialog`` while they are up, so tests drive them as a person
would; file choosers are Qt's static calls, which tests answer by monkeypatching.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image
from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from convstudio.engine import ConvParams
from convstudio.transfer import arrays, images, weights
from convstudio.transfer.code import script
from convstudio.transfer.errors import TransferError
from convstudio.ui.export.dialogs import ExportDialog, LayerDialog, WeightsDialog
from convstudio.ui.export.exporter import ExportRequest
from convstudio.ui.export.render import render_image, to_pil
from convstudio.ui.export.runner import ExportRun

if TYPE_CHECKING:
    from convstudio.ui.shell.main_window import MainWindow

IMPORT_FILTER = (
    "Inputs and weights (*.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp *.npy *.csv *.tsv "
    "*.safetensors *.npz);;Pictures (*.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp);;"
    "Arrays (*.npy *.csv *.tsv);;Checkpoints (*.safetensors *.npz);;All files (*)"
)


class TransferMenus(QObject):
    """The In/Out actions of one window. Public: the actions, ``dialog`` (the one open, if any),
    ``run`` (the export running, if any), and the methods the actions call."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.document = window.document
        self.dialog: QDialog | None = None
        self.run: ExportRun | None = None
        self.last_export = ""
        self.export_action = self._action(
            "&Export…", self.export_dialog, "Ctrl+E", "Pictures, animations, arrays or a script"
        )
        self.import_action = self._action(
            "&Import…",
            self.import_dialog,
            "Ctrl+I",
            "An input from a picture or an array file, or weights from a checkpoint",
        )
        self.layer_action = self._action(
            "&Layer from PyTorch…",
            self.layer_dialog,
            None,
            "Set the layer from PyTorch code such as nn.Conv2d(3, 16, kernel_size=3)",
        )
        self.copy_image_action = self._action(
            "Copy as &Image", self.copy_image, None, "The stage as a picture, for slides"
        )
        self.copy_code_action = self._action(
            "Copy as &Code (NumPy)", lambda: self.copy_code("numpy"), None, "A runnable script"
        )
        self.copy_torch_action = self._action(
            "Copy as Code (&PyTorch)", lambda: self.copy_code("torch"), None, "A runnable script"
        )
        self.paste_image_action = self._action(
            "Paste Image as &Input",
            self.paste_image,
            None,
            "The picture on the clipboard as the input (grey or RGB, resized to the input)",
        )
        menu = window.file_menu
        before = window.files.quit_action
        for action in (self.import_action, self.layer_action, self.export_action):
            menu.insertAction(before, action)
        menu.insertSeparator(before)
        edit = window.edit_menu
        edit.addSeparator()
        for action in (
            self.copy_image_action,
            self.copy_code_action,
            self.copy_torch_action,
            self.paste_image_action,
        ):
            edit.addAction(action)

    def _action(
        self, text: str, slot: Callable[[], object], shortcut: str | None, tip: str
    ) -> QAction:
        action = QAction(text, self.window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    # -- messages -------------------------------------------------------------------------------
    def _refuse(self, title: str, error: object) -> bool:
        QMessageBox.warning(self.window, title, str(error))
        return False

    def _open(self, dialog: QDialog, on_accept: Callable[[Any], object]) -> QDialog:
        self.dialog = dialog

        def done(result: int) -> None:
            self.dialog = None
            dialog.deleteLater()
            if result == QDialog.DialogCode.Accepted:
                on_accept(dialog)

        dialog.finished.connect(done)
        dialog.open()
        return dialog

    # -- export ---------------------------------------------------------------------------------
    def export_dialog(self) -> QDialog:
        return self._open(
            ExportDialog(self.window, self.last_export), lambda d: self.export(d.request())
        )

    def export(self, request: ExportRequest) -> ExportRun:
        """Export the open session as ``request`` asks; pictures of the cell the cursor is on."""
        self.last_export = request.path
        run = ExportRun(self.window, request)
        run.finished.connect(lambda path: self.window.show_message(f"Exported {path}"))
        run.failed.connect(self._export_failed)
        self.run = run
        run.start()
        return run

    def _export_failed(self, message: str) -> None:
        if message == "cancelled":
            self.window.show_message("Export cancelled: nothing was written")
        else:
            self._refuse("Export", f"Nothing was exported: {message}")

    # -- the clipboard --------------------------------------------------------------------------
    def copy_image(self) -> None:
        image = render_image(self.window, scale=max(1.0, self.window.devicePixelRatioF()))
        QGuiApplication.clipboard().setImage(image)
        self.window.show_message("The stage is on the clipboard as a picture")

    def copy_code(self, language: str) -> None:
        try:
            text = script(self.document.session, language)
        except ValueError as error:
            self._refuse("Copy as Code", error)
            return
        QGuiApplication.clipboard().setText(text)
        self.window.show_message(f"A {language} script of the layer is on the clipboard")

    def paste_image(self) -> bool:
        image = QGuiApplication.clipboard().image()
        if image.isNull():
            return self._refuse("Paste Image", "The clipboard holds no picture")
        return self.import_picture(to_pil(image), "the pasted picture")

    # -- import ---------------------------------------------------------------------------------
    def import_dialog(self) -> bool:
        chosen, _filter = QFileDialog.getOpenFileName(
            self.window, "Import an input or weights", "", IMPORT_FILTER
        )
        return self.import_path(chosen) if chosen else False

    def import_path(self, path: str | os.PathLike[str]) -> bool:
        """Import by the file's kind: a picture or array as the input, a checkpoint's weights."""
        where = os.fspath(path)
        if images.is_image_path(where):
            return self.import_picture(where, Path(where).name)
        if arrays.is_array_path(where):
            return self.import_array(where)
        if where.lower().endswith(weights.WEIGHT_SUFFIXES):
            return self.weights_dialog(where)
        return self._refuse(
            "Import",
            f"{where}: import takes a picture, an array (.npy, .csv, .tsv) or weights "
            "(.safetensors, .npz)",
        )

    def import_picture(self, source: str | Image.Image, name: str) -> bool:
        """The picture as the input, resized to the input's size (one undo step)."""
        session = self.document.session
        params = session.params
        try:
            if params.ndim != 2:
                raise TransferError(f"{name}: a picture is a 2D input, but the layer is 1D")
            try:
                mode = images.mode_for(params.in_features)
            except TransferError as error:
                raise TransferError(f"{name}: {error}") from None
            values = images.read_image(source, session.spatial, mode, name=name)
            self.document.set_cells("input", (0,) * session.input.ndim, values)
        except ValueError as error:
            return self._refuse("Import", error)
        self.window.show_message(f"Input from {name}")
        return True

    def import_array(self, path: str) -> bool:
        """The array as the input; a new size changes the layout too (one undo step)."""
        session = self.document.session
        try:
            values = arrays.as_input(arrays.read_array(path), session.params, Path(path).name)
            spatial = tuple(values.shape[1:])
            session.params.check_input_shape(values.shape)
        except ValueError as error:
            return self._refuse("Import", error)
        stack = self.document.undo_stack
        stack.beginMacro(f"Import input from {Path(path).name}")
        try:
            self.document.set_layer(session.params, spatial)
            self.document.set_cells("input", (0,) * values.ndim, values)
        finally:
            stack.endMacro()
        self.window.show_message(f"Input from {Path(path).name}")
        return True

    def weights_dialog(self, path: str) -> bool:
        try:
            found = weights.conv_tensors(path)
        except ValueError as error:
            return self._refuse("Import", error)
        params = self.document.session.params
        self._open(
            WeightsDialog(found, params, self.window),
            lambda d: self.apply_weights(path, d.prefix()),
        )
        return True

    def apply_weights(self, path: str, prefix: str | None) -> bool:
        """The checkpoint's ``prefix.weight`` (and ``.bias``) as the kernels (one undo step)."""
        session = self.document.session
        if prefix is None:
            return False
        try:
            weight, bias = weights.read_layer_weights(path, prefix, session.params)
        except ValueError as error:
            return self._refuse("Import", error)
        stack = self.document.undo_stack
        stack.beginMacro(f"Weights of {prefix} from {Path(path).name}")
        try:
            self.document.set_cells("weight", (0,) * weight.ndim, weight)
            if bias is not None:
                self.document.set_cells("bias", (0,), bias)
        finally:
            stack.endMacro()
        self.window.show_message(f"Weights of {prefix} from {Path(path).name}")
        return True

    # -- the layer ------------------------------------------------------------------------------
    def layer_dialog(self) -> QDialog:
        session = self.document.session
        return self._open(
            LayerDialog(session.params, session.spatial, self.window),
            lambda d: self.apply_layer(*d.layout_choice()),
        )

    def apply_layer(self, params: ConvParams, spatial: tuple[int, ...]) -> bool:
        """New settings and input size (one undo step; values that fit are kept)."""
        try:
            self.document.set_layer(params, spatial)
        except ValueError as error:
            return self._refuse("Layer from PyTorch", error)
        return True


def install_transfer_menus(window: MainWindow) -> TransferMenus:
    """Add the In/Out actions to the window's File and Edit menus; keep the returned object."""
    return TransferMenus(window)


__all__ = ["TransferMenus", "install_transfer_menus"]
