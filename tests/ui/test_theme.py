"""Themes: View > Theme switches the application palette, the grids follow, the choice persists."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPalette
from PySide6.QtWidgets import QApplication

from convstudio.ui import theme as theme_module
from convstudio.ui.grids.numbers_view import NumbersView
from convstudio.ui.main_window import MainWindow
from convstudio.ui.palette import role_color, theme_of
from convstudio.ui.preferences import Preferences
from convstudio.ui.theme import dark_palette, light_palette, theme_controller


def _luminance(color) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(color.redF())
        + 0.7152 * channel(color.greenF())
        + 0.0722 * channel(color.blueF())
    )


def _contrast(a, b) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _mean_lightness(widget) -> float:
    """Mean lightness (0 black .. 1 white) of the widget as rendered now."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), np.uint8, count=stride * height)
    pixels = data.reshape(height, stride)[:, : width * 3].reshape(height, width, 3)
    return float(pixels.mean() / 255.0)


@pytest.fixture
def controller(qapp):
    ctl = theme_controller(qapp)
    yield ctl
    ctl.set_choice("system", persist=False)  # leave the application as other tests expect it


@pytest.fixture
def window(qtbot, controller):
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.mark.parametrize("make", [light_palette, dark_palette])
def test_text_reads_well_on_every_background(make):
    palette = make()
    role = QPalette.ColorRole
    for text, back in (
        (role.WindowText, role.Window),
        (role.Text, role.Base),
        (role.Text, role.AlternateBase),
        (role.ButtonText, role.Button),
        (role.HighlightedText, role.Highlight),
        (role.ToolTipText, role.ToolTipBase),
    ):
        assert _contrast(palette.color(text), palette.color(back)) >= 4.5, (text, back)
    # Mid is used as a text colour for captions on the stage: it must stay legible too.
    assert _contrast(palette.color(role.Mid), palette.color(role.Window)) >= 3.0


def test_view_theme_dark_switches_palette_grids_and_persists(qtbot, window, controller):
    actions = window.theme_actions
    assert actions["system"].isChecked()
    with qtbot.waitSignal(controller.theme_changed) as blocker:
        actions["dark"].trigger()
    assert blocker.args == ["dark"]
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightnessF() < 0.5
    assert theme_of(window) == "dark"
    assert actions["dark"].isChecked()
    # The grids repaint in the new colours (what the person sees, not only the palette).
    grids = window.findChildren(NumbersView)
    assert grids
    assert max(_mean_lightness(g) for g in grids) < 0.35
    assert Preferences().theme() == "dark"

    second = MainWindow()
    qtbot.addWidget(second)
    assert second.theme_actions["dark"].isChecked()

    actions["light"].trigger()
    assert theme_of(window) == "light"
    assert min(_mean_lightness(g) for g in grids) > 0.65
    assert Preferences().theme() == "light"
    assert second.theme_actions["light"].isChecked()


def test_saved_theme_is_applied_at_start(qapp, controller):
    Preferences().set_theme("dark")
    assert controller.load() == "dark"
    assert theme_of() == "dark"
    assert controller.choice() == "dark"


def test_system_choice_follows_the_desktop(monkeypatch, controller):
    controller.set_choice("system", persist=False)
    assert controller.theme() == "light"  # the offscreen platform reports no dark scheme
    monkeypatch.setattr(theme_module, "system_theme", lambda: "dark")
    QGuiApplication.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert controller.theme() == "dark"
    assert theme_of() == "dark"
    controller.set_choice("light", persist=False)  # an explicit choice ignores the desktop
    QGuiApplication.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert theme_of() == "light"


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_highlight_borders_stand_out_from_the_cells(theme):
    base = (light_palette() if theme == "light" else dark_palette()).color(QPalette.ColorRole.Base)
    for role in ("receptive", "kernel", "output", "hover"):
        assert _contrast(role_color(role, theme), base) >= 2.0, role
