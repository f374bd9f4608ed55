"""The layer settings panel: every control validates through the engine before anything changes.

Why it asks rather than acts: the panel never touches the session. When the user settles on a
combination the engine accepts (``ConvParams`` and ``check_input_shape``, the same rules the engine
and the file loader use) it emits ``layer_requested(params, spatial)``, which ``bind`` turns
into one undoable step on the document. A combination the engine refuses is refused in place:
the control that caused it gets a red frame, the engine's message is shown, nothing is emitted,
and Escape or "Revert" brings back the last valid settings. The padding *choice* (valid, same,
full, custom) is panel state: the session stores only ``(before, after)`` pairs, so the panel
remembers that the user asked for 'same' and re-resolves it when the kernel size or dilation
changes. A session that replaces the current one (open, new, an example) reads its choice afresh
from its own padding, so a choice never carries over from one file to the next. The "Keep H = W"
lock is panel state too: on for square layers when a session opens, it makes typing one axis of
the kernel size, stride, dilation or padding set the other.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from convstudio.engine import PADDING_MODES, ConvError, ConvParams, resolve_padding
from convstudio.session import limits
from convstudio.ui.state.document import SessionDocument

PADDING_CHOICES = ("valid", "same", "full", "custom")

_CHOICE_TIPS = {
    "valid": "valid: no padding; the kernel only visits positions where it fits inside the input",
    "same": "same: pad so the output keeps the input's size (stride 1 only); the odd cell goes "
    "after, as in PyTorch. Re-resolved when the kernel size or dilation changes.",
    "full": "full: pad dilation·(kernel − 1) on each side, so every input cell meets every "
    "kernel cell. Re-resolved when the kernel size or dilation changes.",
    "custom": "custom: the amounts typed below, per side",
}

_ERROR_STYLE = '*[invalid="true"] { border: 2px solid #d32f2f; border-radius: 3px; }'


def _spin(low: int, high: int, tip: str, name: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setKeyboardTracking(False)  # one valueChanged on Enter / focus out, not per keystroke
    spin.setAccelerated(True)
    spin.setToolTip(tip)
    spin.setAccessibleName(name)
    return spin


def output_formula(params: ConvParams, spatial: Sequence[int]) -> list[str]:
    """The output-size formula per dimension with the numbers filled in.

    ``out = ⌊(n + before + after − dilation·(kernel − 1) − 1) / stride⌋ + 1``, as PyTorch documents
    it for Conv1d/Conv2d.
    """
    names = ("L_out",) if params.ndim == 1 else ("H_out", "W_out")
    out = params.output_shape_unchecked((params.in_features, *spatial))[1:]
    lines = []
    for name, n, (before, after), k, d, s, o in zip(
        names, spatial, params.padding, params.kernel_size, params.dilation, params.stride, out
    ):
        lines.append(f"{name} = ⌊({n} + {before} + {after} − {d}·({k} − 1) − 1) / {s}⌋ + 1 = {o}")
    return lines


def is_square(params: ConvParams) -> bool:
    """True for a 2D layer whose kernel size, stride, dilation and padding are the same along
    the height and the width."""
    if params.ndim != 2:
        return False
    return all(
        pair[0] == pair[1]
        for pair in (params.kernel_size, params.stride, params.dilation, params.padding)
    )


class LayerSettingsPanel(QWidget):
    """Shows and edits the layer's settings; asks for a new layer only when the engine accepts it.

    Signal ``layer_requested(ConvParams, tuple)``: the user settled on valid settings that differ
    from the current ones. ``set_layer(params, spatial)`` shows settings without emitting.
    """

    layer_requested = Signal(object, object)
    #: The user committed an accepted entry with Enter: the keyboard can go back to the stage, so
    #: that a stray arrow key does not change the setting again.
    editing_done = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LayerSettingsPanel")
        self.setStyleSheet(_ERROR_STYLE)
        self._updating = False
        self._params = ConvParams(ndim=2, in_features=1, out_features=1, kernel_size=3)
        self._spatial: tuple[int, ...] = (5, 5)
        self._choice = "valid"
        self._error = ""
        self._invalid: QWidget | None = None
        self._document: SessionDocument | None = None
        self._build()
        self._connect()
        self.set_layer(self._params, self._spatial, fresh=True)

    # -- construction ----------------------------------------------------------------------------
    def _build(self) -> None:
        self.ndim_box = QComboBox()
        self.ndim_box.addItem("1D (a row of cells)", 1)
        self.ndim_box.addItem("2D (a grid of cells)", 2)
        self.ndim_box.setToolTip("Conv1d slides the kernel along one axis; Conv2d along two")
        self.ndim_box.setAccessibleName("Dimensions")

        max_2d = limits.max_size(2)
        self.size_spins = [
            _spin(1, max_2d, "Input height: rows of every input grid", "Input height"),
            _spin(1, max_2d, "Input width: columns of every input grid", "Input width"),
        ]
        self.in_spin = _spin(
            1,
            limits.MAX_FEATURES,
            "Input features (channels): one input grid each",
            "Input features",
        )
        self.out_spin = _spin(
            1,
            limits.MAX_FEATURES,
            "Output features (channels): one output grid, one kernel and one bias each",
            "Output features",
        )
        self.groups_spin = _spin(
            1,
            limits.MAX_FEATURES,
            "Groups: split input and output features into this many groups; each output "
            "feature reads only the input features of its group. Must divide both counts.",
            "Groups",
        )
        self.kernel_spins = [
            _spin(1, limits.MAX_KERNEL, f"Kernel {what}", f"Kernel {what}")
            for what in ("height", "width")
        ]
        self.stride_spins = [
            _spin(1, limits.MAX_STRIDE, f"Stride along the {what}: how far the kernel jumps", w)
            for what, w in (("rows", "Stride rows"), ("columns", "Stride columns"))
        ]
        self.dilation_spins = [
            _spin(
                1,
                limits.MAX_DILATION,
                f"Dilation along the {what}: the spacing between the input cells the kernel "
                "reads (1 = adjacent)",
                w,
            )
            for what, w in (("rows", "Dilation rows"), ("columns", "Dilation columns"))
        ]
        self.lock_box = QCheckBox("Keep H = W")
        self.lock_box.setToolTip(
            "Keep height and width equal for the kernel size, stride, dilation and padding: "
            "typing one sets the other (on for square layers)"
        )
        self.padding_box = QComboBox()
        for choice in PADDING_CHOICES:
            self.padding_box.addItem(choice, choice)
            self.padding_box.setItemData(
                self.padding_box.count() - 1, _CHOICE_TIPS[choice], Qt.ItemDataRole.ToolTipRole
            )
        self.padding_box.setToolTip(
            "How much border to add around the input: " + "; ".join(_CHOICE_TIPS.values())
        )
        self.padding_box.setAccessibleName("Padding")
        self.symmetric_box = QCheckBox("Symmetric")
        self.symmetric_box.setChecked(True)
        self.symmetric_box.setToolTip(
            "Keep the padding the same on both sides of each axis: editing one side sets the other"
        )
        self.pad_spins = [
            [
                _spin(0, limits.MAX_PADDING, f"Padding {side}: cells added {where}", f"Pad {side}")
                for side, where in pair
            ]
            for pair in (
                (("top", "above the input"), ("bottom", "below the input")),
                (("left", "left of the input"), ("right", "right of the input")),
            )
        ]
        self.padding_mode_box = QComboBox()
        mode_tips = {
            "zeros": "zeros: padding cells hold 0",
            "reflect": "reflect: mirror the input without repeating the edge cell",
            "replicate": "replicate: repeat the edge cell",
            "circular": "circular: wrap around to the opposite edge",
        }
        for mode in PADDING_MODES:
            self.padding_mode_box.addItem(mode, mode)
            self.padding_mode_box.setItemData(
                self.padding_mode_box.count() - 1, mode_tips[mode], Qt.ItemDataRole.ToolTipRole
            )
        self.padding_mode_box.setToolTip(
            "What the padding cells hold: " + "; ".join(mode_tips[m] for m in PADDING_MODES)
        )
        self.padding_mode_box.setAccessibleName("Padding mode")
        self.bias_box = QCheckBox("Add a bias per output feature")
        self.bias_box.setToolTip("On: each output value gets its feature's bias added")

        self.formula_label = QLabel()
        self.formula_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.formula_label.setToolTip(
            "Output size per axis: ⌊(input + pad before + pad after − dilation·(kernel − 1) − 1)"
            " / stride⌋ + 1"
        )
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet("color: #d32f2f;")
        self.message_label.setToolTip(
            "Why the engine refuses these settings; the grids keep the last valid settings"
        )
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.revert_button = QPushButton("Revert")
        self.revert_button.setToolTip("Bring back the last valid settings (Escape)")

        grid = QGridLayout()
        grid.setColumnStretch(3, 1)
        self._dim1_widgets: list[QWidget] = []
        self._axis_labels: list[QLabel] = []
        row = 0

        def add(title: str, widgets: Sequence[QWidget], two_axes: bool = False) -> QLabel:
            nonlocal row
            label = QLabel(title)
            label.setBuddy(widgets[0])
            grid.addWidget(label, row, 0)
            for col, widget in enumerate(widgets, start=1):
                grid.addWidget(widget, row, col)
            if two_axes:
                self._dim1_widgets.append(widgets[1])
            row += 1
            return label

        add("Layer", [self.ndim_box])
        self._lock_label = add("Square", [self.lock_box])
        self._size_label = add("Input size", self.size_spins, two_axes=True)
        add("Input features", [self.in_spin])
        add("Output features", [self.out_spin])
        add("Groups", [self.groups_spin])
        self._kernel_label = add("Kernel size", self.kernel_spins, two_axes=True)
        add("Stride", self.stride_spins, two_axes=True)
        add("Dilation", self.dilation_spins, two_axes=True)
        add("Padding", [self.padding_box, self.symmetric_box])
        self._pad_labels = [
            add("  top / bottom", self.pad_spins[0]),
            add("  left / right", self.pad_spins[1]),
        ]
        add("Padding mode", [self.padding_mode_box])
        add("Bias", [self.bias_box])

        error_row = QHBoxLayout()
        error_row.addWidget(self.message_label, 1)
        error_row.addWidget(self.revert_button, 0, Qt.AlignmentFlag.AlignTop)
        outer = QVBoxLayout(self)
        outer.addLayout(grid)
        outer.addWidget(self.formula_label)
        outer.addLayout(error_row)
        outer.addStretch(1)

        self._revert_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        self._revert_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def _connect(self) -> None:
        self.ndim_box.currentIndexChanged.connect(lambda: self._ndim_changed())
        spins = [
            *self.size_spins,
            self.in_spin,
            self.out_spin,
            self.groups_spin,
            *self.kernel_spins,
            *self.stride_spins,
            *self.dilation_spins,
        ]
        for group in (self.kernel_spins, self.stride_spins, self.dilation_spins):
            for axis, spin in enumerate(group):
                # Connected first, so the other axis is set before the layout is checked.
                spin.valueChanged.connect(lambda _=0, g=group, a=axis: self._mirror(g, a))
        for spin in spins:
            spin.valueChanged.connect(lambda _=0, s=spin: self._changed(s))
        for dim, pair in enumerate(self.pad_spins):
            for side, spin in enumerate(pair):
                spin.valueChanged.connect(lambda _=0, d=dim, i=side: self._pad_changed(d, i))
        for spin in [*spins, *self.pad_spins[0], *self.pad_spins[1]]:
            spin.editingFinished.connect(lambda s=spin: self._entry_done(s))
        self.padding_box.currentIndexChanged.connect(lambda: self._choice_changed())
        self.symmetric_box.toggled.connect(self._symmetric_toggled)
        self.lock_box.toggled.connect(self._lock_toggled)
        self.padding_mode_box.currentIndexChanged.connect(
            lambda: self._changed(self.padding_mode_box)
        )
        self.bias_box.toggled.connect(lambda: self._changed(self.bias_box))
        self.revert_button.clicked.connect(self.revert)
        self._revert_shortcut.activated.connect(self.revert)

    # -- public API ------------------------------------------------------------------------------
    @property
    def params(self) -> ConvParams:
        """The last valid settings (the ones the grids show)."""
        return self._params

    @property
    def spatial(self) -> tuple[int, ...]:
        """The last valid input size."""
        return self._spatial

    @property
    def padding_choice(self) -> str:
        """'valid', 'same', 'full' or 'custom': how the user asked for the padding."""
        return self._choice

    @property
    def error(self) -> str:
        """The engine's message for the refused settings on screen, or '' when they are valid."""
        return self._error

    def set_layer(
        self,
        params: ConvParams,
        spatial: Sequence[int],
        padding_choice: str | None = None,
        *,
        fresh: bool = False,
    ) -> None:
        """Show these settings without emitting (undo, redo, open). Clears a refused edit.

        ``padding_choice`` (e.g. from the session's view state) wins when it resolves to these
        pairs; otherwise the remembered choice is kept if it still does, else the first of valid,
        same, full that matches, else custom. ``fresh`` (a session that replaces the current one)
        forgets the remembered choice and sets the H = W lock to whether the layer is square.
        """
        spatial = tuple(int(n) for n in spatial)
        self._params, self._spatial = params, spatial
        self._choice = self._infer_choice(params, padding_choice, remembered=not fresh)
        if fresh or not is_square(params):
            self._set_lock(is_square(params))
        self._show(params, spatial)
        self._clear_error()

    def revert(self) -> None:
        """Bring back the last valid settings (after a refused edit)."""
        self.set_layer(self._params, self._spatial, self._choice)

    def bind(self, document: SessionDocument) -> None:
        """Show the document's layer from now on and ask it for the layers the user settles on.

        A layer the document refuses is announced through its ``refused`` signal and the panel
        goes back to the document's layer.
        """
        self._document = document
        document.changed.connect(self._document_changed)
        self.layer_requested.connect(self._layer_requested)
        self._document_changed(frozenset({"params"}))

    def _document_changed(self, parts: frozenset[str]) -> None:
        if "params" in parts and self._document is not None:
            session = self._document.session
            # A change that also names "meta" replaced the whole session (open, new, an example):
            # its padding choice and lock are read afresh, never carried over from the last file.
            self.set_layer(session.params, session.spatial, fresh="meta" in parts)

    def _layer_requested(self, params: ConvParams, spatial: tuple[int, ...]) -> None:
        document = self._document
        if document is None:
            return
        try:
            document.set_layer(params, spatial)
        except ConvError as error:
            document.refuse(str(error))
            self.set_layer(document.session.params, document.session.spatial)

    # -- showing ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _updating_controls(self) -> Iterator[None]:
        """Set controls from code: their change signals do not count as the user's edits.

        A context manager, so that the flag is cleared even when an exception passes through
        (a stuck flag would ignore every later edit), and restored, not cleared, when nested.
        """
        outer, self._updating = self._updating, True
        try:
            yield
        finally:
            self._updating = outer

    def _infer_choice(
        self, params: ConvParams, preferred: str | None, *, remembered: bool = True
    ) -> str:
        def matches(choice: str) -> bool:
            if choice == "custom":
                return True
            try:
                resolved = resolve_padding(
                    choice, params.kernel_size, params.dilation, params.stride
                )
            except ConvError:
                return False
            return resolved == params.padding

        for choice in (preferred, self._choice if remembered else None):
            if choice in PADDING_CHOICES and matches(choice):
                return choice
        return next(c for c in PADDING_CHOICES if matches(c))

    def _show(self, params: ConvParams, spatial: tuple[int, ...]) -> None:
        with self._updating_controls():
            nd = params.ndim
            self.ndim_box.setCurrentIndex(self.ndim_box.findData(nd))
            for d in range(nd):
                self.size_spins[d].setMaximum(limits.max_size(nd))
                self.size_spins[d].setValue(spatial[d])
                self.kernel_spins[d].setValue(params.kernel_size[d])
                self.stride_spins[d].setValue(params.stride[d])
                self.dilation_spins[d].setValue(params.dilation[d])
                self.pad_spins[d][0].setValue(params.padding[d][0])
                self.pad_spins[d][1].setValue(params.padding[d][1])
            self.in_spin.setValue(params.in_features)
            self.out_spin.setValue(params.out_features)
            self.groups_spin.setValue(params.groups)
            self.padding_box.setCurrentIndex(PADDING_CHOICES.index(self._choice))
            if any(b != a for b, a in params.padding):
                self.symmetric_box.setChecked(False)
            self.padding_mode_box.setCurrentIndex(PADDING_MODES.index(params.padding_mode))
            self.bias_box.setChecked(params.bias)
            self._show_axes(nd)
            self.formula_label.setText("\n".join(output_formula(params, spatial)))

    def _show_axes(self, nd: int) -> None:
        for widget in self._dim1_widgets:
            widget.setVisible(nd == 2)
        self.lock_box.setVisible(nd == 2)
        self._lock_label.setVisible(nd == 2)
        self._pad_labels[1].setVisible(nd == 2)
        for spin in self.pad_spins[1]:
            spin.setVisible(nd == 2)
        self._size_label.setText("Input length" if nd == 1 else "Input size (H × W)")
        self._kernel_label.setText("Kernel width" if nd == 1 else "Kernel size (H × W)")
        self._pad_labels[0].setText("  before / after" if nd == 1 else "  top / bottom")
        first = "length" if nd == 1 else "height"
        self.size_spins[0].setToolTip(
            f"Input {first}: {'cells in' if nd == 1 else 'rows of'} every input "
            f"{'row' if nd == 1 else 'grid'}"
        )
        sides = ("before", "after") if nd == 1 else ("top", "bottom")
        for spin, side in zip(self.pad_spins[0], sides):
            spin.setToolTip(f"Padding {side}: cells added {side} the input along its first axis")

    def _set_error(self, widget: QWidget, message: str) -> None:
        if self._invalid is not None and self._invalid is not widget:
            self._mark(self._invalid, False)
        self._invalid = widget
        self._mark(widget, True)
        self._error = message
        self.message_label.setText(message)
        self.message_label.setVisible(True)
        self.revert_button.setVisible(True)

    def _clear_error(self) -> None:
        if self._invalid is not None:
            self._mark(self._invalid, False)
        self._invalid = None
        self._error = ""
        self.message_label.clear()
        self.message_label.setVisible(False)
        self.revert_button.setVisible(False)

    @staticmethod
    def _mark(widget: QWidget, invalid: bool) -> None:
        widget.setProperty("invalid", invalid)
        widget.style().unpolish(widget)
        widget.style().polish(widget)

    # -- reacting to the user --------------------------------------------------------------------
    def _ndim_changed(self) -> None:
        if self._updating:
            return
        nd = self.ndim_box.currentData()
        if nd == 2:
            # A 1D layer becoming 2D: start square, from the one axis it had.
            with self._updating_controls():
                for spins in (self.size_spins, self.kernel_spins, self.stride_spins):
                    spins[1].setValue(spins[0].value())
                self.dilation_spins[1].setValue(self.dilation_spins[0].value())
                for side in (0, 1):
                    self.pad_spins[1][side].setValue(self.pad_spins[0][side].value())
            self._set_lock(True)
        for spin in self.size_spins:
            spin.setMaximum(limits.max_size(nd))
        self._show_axes(nd)
        self._changed(self.ndim_box)

    def _entry_done(self, spin: QSpinBox) -> None:
        # editingFinished also comes on focus out; only Enter (the box still has the focus) on
        # an accepted entry hands the keyboard back. A refused entry keeps it, to be corrected.
        if spin.hasFocus() and not self._error:
            self.editing_done.emit()

    def _pad_changed(self, dim: int, side: int) -> None:
        if self._updating:
            return
        spin = self.pad_spins[dim][side]
        with self._updating_controls():
            if self.symmetric_box.isChecked():
                self.pad_spins[dim][1 - side].setValue(spin.value())
            if self._locked():
                for s in (0, 1):
                    self.pad_spins[1 - dim][s].setValue(self.pad_spins[dim][s].value())
            self._choice = "custom"
            self.padding_box.setCurrentIndex(PADDING_CHOICES.index("custom"))
        self._changed(spin)

    def _choice_changed(self) -> None:
        if self._updating:
            return
        self._choice = self.padding_box.currentData()
        self._changed(self.padding_box)

    def _locked(self) -> bool:
        return self.lock_box.isChecked() and self.ndim_box.currentData() == 2

    def _set_lock(self, on: bool) -> None:
        blocked = self.lock_box.blockSignals(True)
        self.lock_box.setChecked(on)
        self.lock_box.blockSignals(blocked)

    def _mirror(self, group: Sequence[QSpinBox], axis: int) -> None:
        """With the lock on, typing one axis of a setting sets the other to the same value."""
        if self._updating or not self._locked():
            return
        with self._updating_controls():
            group[1 - axis].setValue(group[axis].value())

    def _lock_toggled(self, on: bool) -> None:
        if self._updating or not on or self.ndim_box.currentData() != 2:
            return
        # Locking makes the width follow the height.
        with self._updating_controls():
            for group in (self.kernel_spins, self.stride_spins, self.dilation_spins):
                group[1].setValue(group[0].value())
            for side in (0, 1):
                self.pad_spins[1][side].setValue(self.pad_spins[0][side].value())
        self._changed(self.lock_box)

    def _symmetric_toggled(self, on: bool) -> None:
        if self._updating or not on:
            return
        # Locking makes each axis symmetric by its larger side.
        with self._updating_controls():
            for pair in self.pad_spins:
                larger = max(pair[0].value(), pair[1].value())
                pair[0].setValue(larger)
                pair[1].setValue(larger)
        if self.padding_box.currentData() == "custom":
            self._changed(self.symmetric_box)

    def _candidate(self) -> tuple[ConvParams, tuple[int, ...]]:
        """The settings the controls show now, validated by the engine (raises ConvError)."""
        nd = self.ndim_box.currentData()
        axes = range(nd)
        choice = self.padding_box.currentData()
        if choice == "custom":
            padding: str | tuple[tuple[int, int], ...] = tuple(
                (self.pad_spins[d][0].value(), self.pad_spins[d][1].value()) for d in axes
            )
        else:
            padding = choice
        params = ConvParams(
            ndim=nd,
            in_features=self.in_spin.value(),
            out_features=self.out_spin.value(),
            kernel_size=tuple(self.kernel_spins[d].value() for d in axes),
            stride=tuple(self.stride_spins[d].value() for d in axes),
            padding=padding,
            padding_mode=self.padding_mode_box.currentData(),
            dilation=tuple(self.dilation_spins[d].value() for d in axes),
            groups=self.groups_spin.value(),
            bias=self.bias_box.isChecked(),
        )
        spatial = tuple(self.size_spins[d].value() for d in axes)
        limits.check_layer(params, (params.in_features, *spatial))
        params.check_input_shape((params.in_features, *spatial))
        return params, spatial

    def _changed(self, source: QWidget) -> None:
        if self._updating:
            return
        try:
            params, spatial = self._candidate()
        except ConvError as exc:
            self._set_error(source, str(exc))
            return
        self._clear_error()
        self._choice = self.padding_box.currentData()
        # Show the resolved padding ('same' and 'full' follow the kernel) and the new formula.
        with self._updating_controls():
            for d in range(params.ndim):
                self.pad_spins[d][0].setValue(params.padding[d][0])
                self.pad_spins[d][1].setValue(params.padding[d][1])
        self.formula_label.setText("\n".join(output_formula(params, spatial)))
        if (params, spatial) == (self._params, self._spatial):
            return
        self._params, self._spatial = params, spatial
        self.layer_requested.emit(params, spatial)
