"""The layer settings panel, driven with the keyboard as a user would."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox

from convstudio.engine import ConvParams
from convstudio.ui.panels.settings_panel import LayerSettingsPanel

DEFAULT = ConvParams(ndim=2, in_features=2, out_features=3, kernel_size=3, padding=1)


@pytest.fixture
def panel(qtbot):
    widget = LayerSettingsPanel()
    qtbot.addWidget(widget)
    widget.set_layer(DEFAULT, (6, 6))
    widget.lock_box.setChecked(False)  # these tests type one axis at a time
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def type_into(qtbot, spin, text: str) -> None:
    """Select what the spin box shows, type ``text`` and press Enter."""
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key.Key_Return)


def choose(qtbot, combo: QComboBox, text: str) -> None:
    """Pick an entry of a combo box as a mouse pick from its list does (one index change)."""
    index = combo.findText(text)
    assert index >= 0, f"{text!r} is not in the combo box"
    combo.setCurrentIndex(index)


def test_set_layout_shows_the_settings_without_emitting(qtbot, panel):
    params = ConvParams(
        ndim=2, in_features=4, out_features=2, kernel_size=(3, 5), stride=(1, 2), groups=2
    )
    with qtbot.assertNotEmitted(panel.layer_requested):
        panel.set_layer(params, (9, 11))
    assert [s.value() for s in panel.size_spins] == [9, 11]
    assert [s.value() for s in panel.kernel_spins] == [3, 5]
    assert [s.value() for s in panel.stride_spins] == [1, 2]
    assert panel.groups_spin.value() == 2
    assert panel.padding_box.currentText() == "valid"
    assert panel.params == params and panel.spatial == (9, 11)


def test_typing_a_valid_value_emits_the_layout(qtbot, panel):
    with qtbot.waitSignal(panel.layer_requested) as blocker:
        type_into(qtbot, panel.out_spin, "5")
    params, spatial = blocker.args
    assert params == DEFAULT.replace(out_features=5)
    assert spatial == (6, 6)
    assert panel.error == ""
    assert not panel.message_label.isVisible()


def test_keystrokes_alone_do_not_emit(qtbot, panel):
    with qtbot.assertNotEmitted(panel.layer_requested):
        panel.in_spin.setFocus()
        qtbot.keyClick(panel.in_spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(panel.in_spin, "12")
    with qtbot.waitSignal(panel.layer_requested) as blocker:
        qtbot.keyClick(panel.in_spin, Qt.Key.Key_Return)
    assert blocker.args[0].in_features == 12


def test_groups_that_do_not_divide_are_refused_in_place(qtbot, panel):
    with qtbot.assertNotEmitted(panel.layer_requested):
        type_into(qtbot, panel.groups_spin, "4")
    assert panel.message_label.isVisible()
    assert panel.message_label.text() == "groups=4 does not divide in_features=2"
    assert panel.error == panel.message_label.text()
    assert panel.groups_spin.property("invalid") is True
    assert panel.revert_button.isVisible()
    assert panel.params == DEFAULT  # the last valid settings are kept
    # Escape brings the last valid settings back.
    with qtbot.assertNotEmitted(panel.layer_requested):
        qtbot.keyClick(panel.groups_spin, Qt.Key.Key_Escape)
    assert panel.groups_spin.value() == 1
    assert panel.groups_spin.property("invalid") is False
    assert not panel.message_label.isVisible()


def test_fixing_another_control_clears_the_refusal(qtbot, panel):
    type_into(qtbot, panel.groups_spin, "4")
    assert panel.error
    type_into(qtbot, panel.in_spin, "8")
    assert panel.error  # 4 divides 8, but not the 3 output features
    assert "out_features=3" in panel.message_label.text()
    with qtbot.waitSignal(panel.layer_requested) as blocker:
        type_into(qtbot, panel.out_spin, "4")
    assert blocker.args[0] == DEFAULT.replace(in_features=8, out_features=4, groups=4)
    assert not panel.message_label.isVisible()
    assert panel.groups_spin.property("invalid") is False


def test_revert_button(qtbot, panel):
    choose(qtbot, panel.padding_box, "custom")
    type_into(qtbot, panel.kernel_spins[0], "9")  # 9 > 6 + 1 + 1
    assert "larger than the padded input" in panel.error
    qtbot.mouseClick(panel.revert_button, Qt.MouseButton.LeftButton)
    assert panel.kernel_spins[0].value() == 3
    assert panel.error == ""


def test_same_padding_re_resolves_when_the_kernel_changes(qtbot, panel):
    assert panel.padding_box.currentText() == "same"  # (1, 1) for a 3x3 kernel is 'same'
    with qtbot.waitSignal(panel.layer_requested) as blocker:
        type_into(qtbot, panel.kernel_spins[0], "5")
    assert blocker.args[0].padding == ((2, 2), (1, 1))
    assert [s.value() for s in panel.pad_spins[0]] == [2, 2]
    assert panel.padding_choice == "same"
    with qtbot.waitSignal(panel.layer_requested) as blocker:
        type_into(qtbot, panel.dilation_spins[1], "2")
    assert blocker.args[0].padding == ((2, 2), (2, 2))
    # An even kernel: PyTorch puts the odd cell after.
    with qtbot.waitSignal(panel.layer_requested) as blocker:
        type_into(qtbot, panel.kernel_spins[0], "4")
    assert blocker.args[0].padding[0] == (1, 2)


def test_custom_padding_stays_when_the_kernel_changes(qtbot, panel):
    choose(qtbot, panel.padding_box, "custom")
    with qtbot.waitSignal(panel.layer_requested) as blocker:
        type_into(qtbot, panel.kernel_spins[0], "5")
    assert blocker.args[0].padding == ((1, 1), (1, 1))
    assert panel.padding_choice == "custom"


def test_full_and_valid(qtbot, panel):
    with qtbot.waitSignal(panel.layer_requested) as blocker:
        choose(qtbot, panel.padding_box, "full")
    assert blocker.args[0].padding == ((2, 2), (2, 2))
    with qtbot.waitSignal(panel.layer_requested) as blocker:
        choose(qtbot, panel.padding_box, "valid")
    assert blocker.args[0].padding == ((0, 0), (0, 0))


def test_same_with_stride_is_refused_with_the_engine_message(qtbot, panel):
    with qtbot.assertNotEmitted(panel.layer_requested):
        type_into(qtbot, panel.stride_spins[0], "2")
    assert panel.error.startswith("padding='same' needs stride=1")
    assert panel.stride_spins[0].property("invalid") is True


def test_typing_one_side_with_the_symmetric_lock(qtbot, panel):
    assert panel.symmetric_box.isChecked()
    with qtbot.waitSignal(panel.layer_requested) as blocker:
        type_into(qtbot, panel.pad_spins[1][0], "2")
    assert blocker.args[0].padding == ((1, 1), (2, 2))
    assert panel.padding_choice == "custom"
    assert panel.padding_box.currentText() == "custom"
    qtbot.mouseClick(panel.symmetric_box, Qt.MouseButton.LeftButton)
    assert not panel.symmetric_box.isChecked()
    with qtbot.waitSignal(panel.layer_requested) as blocker:
        type_into(qtbot, panel.pad_spins[0][1], "0")
    assert blocker.args[0].padding == ((1, 0), (2, 2))


def test_formula_shows_the_numbers(qtbot, panel):
    lines = panel.formula_label.text().splitlines()
    assert lines == [
        "H_out = ⌊(6 + 1 + 1 − 1·(3 − 1) − 1) / 1⌋ + 1 = 6",
        "W_out = ⌊(6 + 1 + 1 − 1·(3 − 1) − 1) / 1⌋ + 1 = 6",
    ]
    choose(qtbot, panel.padding_box, "custom")
    type_into(qtbot, panel.size_spins[1], "11")
    type_into(qtbot, panel.stride_spins[1], "2")
    type_into(qtbot, panel.dilation_spins[1], "2")
    assert panel.formula_label.text().splitlines()[1] == (
        "W_out = ⌊(11 + 1 + 1 − 2·(3 − 1) − 1) / 2⌋ + 1 = 5"
    )
    assert panel.params.output_shape((2, 6, 11)) == (3, 6, 5)


def test_switching_to_1d(qtbot, panel):
    with qtbot.waitSignal(panel.layer_requested) as blocker:
        choose(qtbot, panel.ndim_box, "1D (a row of cells)")
    params, spatial = blocker.args
    assert params == ConvParams(ndim=1, in_features=2, out_features=3, kernel_size=3, padding=1)
    assert spatial == (6,)
    assert not panel.size_spins[1].isVisible()
    assert not panel.pad_spins[1][0].isVisible()
    assert panel.formula_label.text() == "L_out = ⌊(6 + 1 + 1 − 1·(3 − 1) − 1) / 1⌋ + 1 = 6"
    with qtbot.waitSignal(panel.layer_requested) as blocker:
        type_into(qtbot, panel.size_spins[0], "100000")  # over the 2D limit, fine in 1D
    assert blocker.args[1] == (100000,)


def test_bias_and_padding_mode(qtbot, panel):
    with qtbot.waitSignal(panel.layer_requested) as blocker:
        qtbot.mouseClick(panel.bias_box, Qt.MouseButton.LeftButton)
    assert blocker.args[0].bias is False
    with qtbot.waitSignal(panel.layer_requested) as blocker:
        choose(qtbot, panel.padding_mode_box, "reflect")
    assert blocker.args[0].padding_mode == "reflect"


def test_an_over_limit_input_is_refused(qtbot, panel):
    type_into(qtbot, panel.in_spin, "512")
    type_into(qtbot, panel.size_spins[0], "4096")
    with qtbot.assertNotEmitted(panel.layer_requested):
        type_into(qtbot, panel.size_spins[1], "4096")
    assert "over the limit" in panel.error


def test_undo_from_outside_clears_a_refusal(qtbot, panel):
    type_into(qtbot, panel.groups_spin, "4")
    assert panel.error
    panel.set_layer(DEFAULT.replace(out_features=2), (5, 5))
    assert panel.error == ""
    assert panel.groups_spin.value() == 1
    assert panel.out_spin.value() == 2


def test_every_control_has_a_tooltip(panel):
    controls = [
        w
        for w in panel.findChildren(QAbstractSpinBox)
        + panel.findChildren(QComboBox)
        + panel.findChildren(QAbstractButton)
    ]
    assert len(controls) >= 20
    missing = [w.accessibleName() or w.text() for w in controls if not w.toolTip()]
    assert missing == []


def test_spin_ranges_come_from_the_limits(panel):
    from convstudio.session import limits

    assert panel.in_spin.maximum() == limits.MAX_FEATURES
    assert panel.kernel_spins[0].maximum() == limits.MAX_KERNEL
    assert panel.size_spins[0].maximum() == limits.MAX_SIZE_2D
    assert panel.size_spins[0].minimum() == 1
    assert all(not s.keyboardTracking() for s in panel.findChildren(QAbstractSpinBox))
