"""Themes: View > Theme switches the application palette, the grids follow, the choice persists."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPalette
from PySide6.QtWidgets import QApplication

from convstudio.ui.grids.numbers_view import NumbersView
from convstudio.ui.shell.main_window import MainWindow
from convstudio.ui.state.preferences import Preferences
from convstudio.ui.style import theme as theme_module
from convstudio.ui.style.palette import role_color, theme_of
from convstudio.ui.style.theme import dark_palette, light_palette, theme_controller


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


# Machado, Oliveira & Fernandes (2009), full-severity dichromacy, applied to linear RGB.
_DICHROMACY = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
}  # fmt: skip


def _lab(color, matrix) -> np.ndarray:
    """CIELAB (D65) of ``color`` as a person with the given dichromacy sees it."""
    srgb = np.array([color.redF(), color.greenF(), color.blueF()])
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    linear = np.clip(np.asarray(matrix) @ linear, 0.0, 1.0)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    t = (xyz @ linear) / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > 216 / 24389, np.cbrt(t), (24389 / 27 * t + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("kind", sorted(_DICHROMACY))
def test_highlight_roles_stay_apart_under_colour_blindness(theme, kind):
    """The roles the stage draws stay far apart (CIELAB distance; 2.3 is just noticeable)."""
    roles = ("receptive", "kernel", "output", "hover")
    labs = {role: _lab(role_color(role, theme), _DICHROMACY[kind]) for role in roles}
    for i, a in enumerate(roles):
        for b in roles[i + 1 :]:
            assert np.linalg.norm(labs[a] - labs[b]) >= 12.0, (a, b)
