"""Play and reveal in a real window: Space plays and pauses, the step, first and last buttons
follow the playback order, the speed control sets the pace, loop wraps, and reveal blanks the
output cells playback has not reached (and hides them again on a step back)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage

from convstudio.resources_path import resources_dir
from convstudio.session import interval_ms, load_example
from convstudio.ui.shell import app
from convstudio.ui.shell.main_window import MainWindow

from .window_driver import close_window, shortcut, show_window

EXAMPLE = "07-conv2d-two-to-three"
NO_KEYS = Qt.KeyboardModifier.NoModifier
LEFT = Qt.MouseButton.LeftButton


def cursor(window: MainWindow) -> tuple[int, tuple[int, ...]]:
    c = window.document.session.cursor
    return c.out_feature, tuple(c.position)


def shown(window: MainWindow, feature: int) -> np.ndarray:
    """The output values the grid of ``feature`` shows (NaN: a blank cell)."""
    return window.stage.output_card(feature).grid.values()


def hidden_cells(window: MainWindow, feature: int) -> set[tuple[int, int]]:
    return {(int(r), int(c)) for r, c in zip(*np.nonzero(np.isnan(shown(window, feature))))}


def test_reveal_blanks_the_cells_not_reached_and_a_step_back_hides_them_again(qtbot):
    window = show_window(qtbot, load_example(EXAMPLE))
    output = window.output
    window.document.set_cursor(1, (2, 1))
    qtbot.mouseClick(window.playback.options.reveal_button, LEFT)
    assert window.view.reveal and window.playback.menu.actions["reveal"].isChecked()
    np.testing.assert_array_equal(shown(window, 0), output[0])  # feature 0 is done
    reached = {(r, c) for r in range(5) for c in range(5) if (r, c) <= (2, 1)}
    assert hidden_cells(window, 1) == {(r, c) for r in range(5) for c in range(5)} - reached
    assert hidden_cells(window, 2) == {(r, c) for r in range(5) for c in range(5)}
    model = window.stage.output_card(1).grid.active_view().model()
    assert model.text(2, 2) == ""  # blank, not the "NaN" of an overflow
    assert model.text(2, 1) != ""
    qtbot.mouseClick(window.scrub.next_button, LEFT)
    assert cursor(window) == (1, (2, 2))
    assert shown(window, 1)[2, 2] == output[1, 2, 2]
    qtbot.mouseClick(window.scrub.prev_button, LEFT)
    qtbot.mouseClick(window.scrub.prev_button, LEFT)
    assert cursor(window) == (1, (2, 0))
    assert {(2, 1), (2, 2)} <= hidden_cells(window, 1)
    qtbot.mouseClick(window.playback.options.reveal_button, LEFT)  # off: everything shows
    np.testing.assert_array_equal(shown(window, 1), output[1])
    close_window(qtbot, window)


def test_first_last_and_the_order_option_move_in_the_playback_order(qtbot):
    window = show_window(qtbot, load_example(EXAMPLE))
    scrub, options = window.scrub, window.playback.options
    qtbot.mouseClick(scrub.last_button, LEFT)
    assert cursor(window) == (2, (4, 4))
    qtbot.mouseClick(scrub.first_button, LEFT)
    assert cursor(window) == (0, (0, 0))
    options.order_box.setCurrentIndex(options.order_box.findData("position-major"))
    assert window.view.order == "position-major"
    assert window.playback.menu.order_actions["position-major"].isChecked()
    qtbot.mouseClick(scrub.next_button, LEFT)  # every feature at a position before the next
    assert cursor(window) == (1, (0, 0))
    window.playback.menu.order_actions["feature-major"].trigger()
    assert options.order_box.currentData() == "feature-major"
    qtbot.mouseClick(scrub.next_button, LEFT)
    assert cursor(window) == (1, (0, 1))
    close_window(qtbot, window)


def test_space_plays_and_pauses_but_not_while_typing(qtbot):
    window = show_window(qtbot, load_example(EXAMPLE))
    shortcut(qtbot, window, Qt.Key.Key_Space, NO_KEYS)
    assert window.view.playing and window.scrub.is_playing()
    assert window.scrub.play_button.isChecked() and window.play_action.isChecked()
    shortcut(qtbot, window, Qt.Key.Key_Space, NO_KEYS)
    assert not window.view.playing and not window.scrub.is_playing()
    box = window.scrub.feature_box  # a text field keeps its space
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert not window.view.playing
    assert (
        "F5" in window.scrub.play_button.toolTip() and "Space" in window.scrub.play_button.toolTip()
    )
    close_window(qtbot, window)


def test_the_speed_control_sets_the_interval(qtbot):
    window = show_window(qtbot, load_example(EXAMPLE))
    box = window.playback.options.speed_box
    assert window.scrub.interval() == interval_ms(1.0)
    box.setCurrentIndex(box.findData(4.0))
    assert window.view.speed == 4.0 and window.scrub.interval() == interval_ms(4.0)
    shortcut(qtbot, window, Qt.Key.Key_BracketLeft, NO_KEYS)  # "[": one speed slower
    assert window.view.speed == 2.0 and box.currentData() == 2.0
    assert window.scrub.interval() == interval_ms(2.0) < interval_ms(1.0)
    box.setCurrentIndex(box.findData(0.25))
    assert window.scrub.interval() == interval_ms(0.25) == 4 * interval_ms(1.0)
    close_window(qtbot, window)


def test_loop_wraps_to_the_first_cell_and_without_it_playback_stops_at_the_last(qtbot):
    window = show_window(qtbot, load_example(EXAMPLE))
    scrub = window.scrub
    qtbot.mouseClick(scrub.last_button, LEFT)
    qtbot.mouseClick(scrub.play_button, LEFT)
    qtbot.waitUntil(lambda: not scrub.is_playing(), timeout=10_000)
    assert cursor(window) == (2, (4, 4)) and not window.view.playing
    qtbot.mouseClick(window.playback.options.loop_button, LEFT)
    assert window.view.loop and window.playback.menu.actions["loop"].isChecked()
    qtbot.mouseClick(scrub.play_button, LEFT)
    qtbot.waitUntil(lambda: cursor(window) == (0, (0, 0)), timeout=10_000)
    assert scrub.is_playing()
    qtbot.mouseClick(scrub.play_button, LEFT)
    assert not window.view.playing
    close_window(qtbot, window)


def test_the_playback_entries_sit_in_the_navigate_menu_with_their_keys(qtbot):
    window = show_window(qtbot, load_example(EXAMPLE))
    nav = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Navigate")
    texts = {a.text().replace("&", ""): a.shortcut().toString() for a in nav.actions()}
    assert texts["Step forward"] == "Ctrl+Right" and texts["Last cell"] == "Alt+End"
    assert texts["Reveal"] == "Alt+R" and texts["Loop"] == "Alt+L"
    shortcut(qtbot, window, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert cursor(window) == (0, (0, 1))
    close_window(qtbot, window)


def test_a_revealed_screenshot_leaves_the_cells_not_reached_blank(qtbot, tmp_path, monkeypatch):
    shot = tmp_path / "reveal.png"
    made: list[MainWindow] = []

    class Recorded(MainWindow):
        def close(self) -> bool:  # look at the window before the screenshot closes it
            made.append(self)
            return super().close()

    monkeypatch.setattr(app, "MainWindow", Recorded)
    path = str(resources_dir() / "examples" / f"{EXAMPLE}.convstudio")
    assert app.screenshot(str(shot), path, out_feature=1, position=(2, 1), reveal=True) == 0
    window = made[0]
    try:
        image = QImage(str(shot))
        assert not image.isNull()
        grid = window.stage.output_card(1).grid
        origin = grid.mapTo(window, QPoint(0, 0))

        def pixels(row: int, col: int) -> set[int]:
            rect = grid.cell_rect(row, col).adjusted(2, 2, -2, -2)
            return {
                image.pixel(origin.x() + x, origin.y() + y)
                for x in range(rect.left(), rect.right())
                for y in range(rect.top(), rect.bottom())
            }

        top, left, _rows, _cols = grid.real_rect()
        assert len(pixels(top + 3, left + 3)) == 1  # not reached: one plain colour, no number
        assert len(pixels(top + 2, left + 2)) == 1
        assert len(pixels(top + 1, left)) > 1  # reached before the cursor: its number is drawn
        assert hidden_cells(window, 1) == {
            (r, c) for r in range(5) for c in range(5) if (r, c) > (2, 1)
        }
    finally:
        made.clear()
        window.deleteLater()  # the screenshot closed it; the fixture delivers the delete
