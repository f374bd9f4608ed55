"""The In/Out dialogs: File > Export..., File > Import weights, and "Layer from PyTorch...".

Each dialog only collects what the person chooses and says at once what is wrong (in the dialog,
in words naming the problem); it changes nothing itself. The controller in ``menus`` applies
the choice through the document's undoable commands, so a refusal never touches the session.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from convstudio.engine import ConvParams
from convstudio.transfer.errors import TransferError
from convstudio.transfer.export import WHATS, export_kind
from convstudio.transfer.layer_text import LayerSpec, layer_text, parse_layer
from convstudio.transfer.new_session import parse_size, size_text
from convstudio.transfer.weights import TensorInfo
from convstudio.ui.export.exporter import ExportRequest
from convstudio.ui.export.frames import DEFAULT_FRAME_MS

EXPORT_FILTER = (
    "PNG picture (*.png);;SVG picture (*.svg);;Animated GIF (*.gif);;NumPy array (*.npy);;"
    "CSV table (*.csv);;Python script (*.py);;All files (*)"
)
#: What each kind of target uses, so the dialog shows only the options that matter.
OPTIONS_FOR = {
    "png": {"scale", "arithmetic"},
    "svg": {"arithmetic"},
    "gif": {"scale", "arithmetic", "reveal", "frame_ms"},
    "frames": {"scale", "arithmetic", "reveal", "frame_ms"},
    "array": {"what"},
    "code": {"code"},
}


def _error_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setObjectName("problem")
    label.setStyleSheet("color: #B3261E;")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class ExportDialog(QDialog):
    """Where to export (the format follows the name) and the options that format takes."""

    def __init__(self, parent: QWidget | None = None, start: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.path = QLineEdit(start)
        self.path.setPlaceholderText("out.png, out.svg, out.gif, a frames folder, .npy, .csv, .py")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.scale = QDoubleSpinBox()
        self.scale.setRange(0.5, 8.0)
        self.scale.setSingleStep(0.5)
        self.scale.setValue(2.0)
        self.scale.setSuffix("×")
        self.arithmetic = QCheckBox("Show the arithmetic under the stage")
        self.reveal = QCheckBox("Reveal: output cells appear as they are reached")
        self.frame_ms = QSpinBox()
        self.frame_ms.setRange(10, 60_000)
        self.frame_ms.setValue(DEFAULT_FRAME_MS)
        self.frame_ms.setSuffix(" ms")
        self.what = QComboBox()
        self.what.addItems(WHATS)
        self.what.setCurrentText("output")
        self.code = QComboBox()
        self.code.addItem("NumPy (ConvStudio's engine)", "numpy")
        self.code.addItem("PyTorch (torch.nn)", "torch")
        form = QFormLayout()
        form.addRow("File or folder", row)
        self.rows = {
            "scale": ("Scale", self.scale),
            "arithmetic": ("", self.arithmetic),
            "reveal": ("", self.reveal),
            "frame_ms": ("Frame time", self.frame_ms),
            "what": ("Array", self.what),
            "code": ("Script", self.code),
        }
        for label, widget in self.rows.values():
            form.addRow(label, widget)
        self.form = form
        self.problem = _error_label()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.path.textChanged.connect(self._update)
        self._update()

    def _browse(self) -> None:
        chosen, _filter = QFileDialog.getSaveFileName(
            self, "Export to", self.path.text(), EXPORT_FILTER
        )
        if chosen:
            self.path.setText(chosen)

    def kind(self) -> str | None:
        text = self.path.text().strip()
        if not text:
            return None
        try:
            return export_kind(text)
        except TransferError:
            return None

    def _update(self) -> None:
        kind = self.kind()
        shown = OPTIONS_FOR.get(kind or "", set())
        for name, (_label, widget) in self.rows.items():
            self.form.setRowVisible(widget, name in shown)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(kind is not None)
        text = self.path.text().strip()
        self.problem.setText("" if kind is not None or not text else self._kind_problem(text))

    @staticmethod
    def _kind_problem(text: str) -> str:
        try:
            export_kind(text)
        except TransferError as error:
            return str(error)
        return ""

    def request(self) -> ExportRequest:
        return ExportRequest(
            path=self.path.text().strip(),
            scale=self.scale.value(),
            arithmetic=self.arithmetic.isChecked(),
            reveal=self.reveal.isChecked(),
            frame_ms=self.frame_ms.value(),
            what=self.what.currentText(),
            code=self.code.currentData(),
        )

    def _accept(self) -> None:
        if self.kind() is not None:
            self.accept()


class LayerDialog(QDialog):
    """A PyTorch layer typed or pasted; checked as it is typed, applied on OK."""

    def __init__(
        self, params: ConvParams, spatial: Sequence[int], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Layer from PyTorch")
        self.text = QLineEdit()
        self.text.setPlaceholderText("nn.Conv2d(3, 16, kernel_size=3, stride=2, padding=1)")
        try:
            self.text.setText(layer_text(params))
        except TransferError:
            self.text.setText("")
        self.size_edit = QLineEdit(size_text(spatial))
        self.size_edit.setToolTip(
            "The input's size as an array counts it: L, or HxW (height first)"
        )
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.problem = _error_label()
        form = QFormLayout()
        form.addRow("Layer", self.text)
        form.addRow("Input size", self.size_edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        note = QLabel(
            "Paste a layer as PyTorch code writes it (Conv1d or Conv2d). Values that still fit "
            "are kept; new cells start at 0."
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.resize(560, self.sizeHint().height())
        self.text.textChanged.connect(self._check)
        self.size_edit.textChanged.connect(self._check)
        self._spec: LayerSpec | None = None
        self._spatial: tuple[int, ...] | None = None
        self._check()

    def _check(self) -> None:
        self._spec = None
        try:
            spec = parse_layer(self.text.text())
            spatial = parse_size(self.size_edit.text())
            if len(spatial) != spec.params.ndim:
                raise TransferError(
                    f"input size {size_text(spatial)}: a {spec.kind} takes "
                    f"{'L' if spec.params.ndim == 1 else 'HxW'}"
                )
            out = spec.params.output_shape((spec.params.in_features, *spatial))
        except ValueError as error:
            self.problem.setText(str(error))
            self.summary.setText("")
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
            return
        self._spec, self._spatial = spec, spatial
        self.problem.setText("")
        self.summary.setText(
            f"{spec.kind}: input {(spec.params.in_features, *spatial)} → output {tuple(out)}, "
            f"weight {spec.params.weight_shape}"
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)

    def layout_choice(self) -> tuple[ConvParams, tuple[int, ...]] | None:
        """The layer and input size chosen, or None while the text is not a layer."""
        if self._spec is None or self._spatial is None:
            return None
        return self._spec.params, self._spatial

    def _accept(self) -> None:
        if self._spec is not None:
            self.accept()


class WeightsDialog(QDialog):
    """The conv-shaped tensors of a checkpoint, those that fit the layer selectable."""

    def __init__(
        self, tensors: Sequence[TensorInfo], params: ConvParams, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Weights from a checkpoint")
        self.list = QListWidget()
        fitting = 0
        for info in tensors:
            fits = info.shape == params.weight_shape
            text = f"{info.prefix}  {info.shape}  {info.dtype}"
            if not fits:
                text += f"  (the layer's weight is {params.weight_shape})"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, info.prefix)
            if not fits:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            else:
                fitting += 1
            self.list.addItem(item)
        note = QLabel(
            f"{fitting} of {len(tensors)} conv weights fit this layer "
            f"(weight {params.weight_shape}). Use Layer from PyTorch… to change the layer first."
            if tensors
            else "The file holds no conv-shaped weights (NAME.weight with 3 or 4 axes)."
        )
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.list)
        layout.addWidget(self.buttons)
        self.resize(600, 360)
        self.list.itemDoubleClicked.connect(lambda _item: self._accept())
        self.list.currentItemChanged.connect(self._selection_changed)
        for row in range(self.list.count()):
            if self.list.item(row).flags() & Qt.ItemFlag.ItemIsEnabled:
                self.list.setCurrentRow(row)
                break
        self._selection_changed()

    def _selection_changed(self, *_args: object) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(
            self.prefix() is not None
        )

    def prefix(self) -> str | None:
        item = self.list.currentItem()
        if item is None or not item.flags() & Qt.ItemFlag.ItemIsEnabled:
            return None
        name: str = item.data(Qt.ItemDataRole.UserRole)
        return name

    def _accept(self) -> None:
        if self.prefix() is not None:
            self.accept()
