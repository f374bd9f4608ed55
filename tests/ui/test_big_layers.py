"""Big layers: only the grids on view are widgets, and big files open and save in the background.

Nothing here is timed (speed is `python -m convstudio.bench ui`'s job): a slow loader is a stand-in
that blocks on an event the test releases, so "the window is usable while it loads" and "Cancel
stops it" are checked deterministically.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox

from convstudio.bench.ui_big import BigLayer, big_session
from convstudio.session import fileformat
from convstudio.ui.files.background import JobCancelled
from convstudio.ui.shell.main_window import MainWindow
from convstudio.ui.stage.feature_card import FeatureCard


@pytest.fixture
def make_window(qtbot):
    windows: list[MainWindow] = []

    def make(session=None) -> MainWindow:
        window = MainWindow(session)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        qtbot.waitUntil(window.output_is_current, timeout=60_000)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.files.jobs.shutdown()
        window.close()


def settle_cards(qtbot, window: MainWindow) -> None:
    """Wait until the builder has built every card on view (it builds a few per turn)."""
    qtbot.waitUntil(lambda: not window.stage.on_view.pending(), timeout=20_000)


def built_cards(widget) -> list[FeatureCard]:
    return widget.findChildren(FeatureCard)


# -- only what is on view ------------------------------------------------------------------------
def test_a_64_to_64_layer_builds_only_the_grids_on_view(qtbot, make_window):
    window = make_window(big_session(BigLayer(64, 64, 128, 3)))
    settle_cards(qtbot, window)
    stage = window.stage
    cards = built_cards(stage)
    assert cards, "the grids on view are shown"
    slots = stage.slots()
    built = [slot for slot in slots if slot.card is not None]
    assert len(cards) == len(built) < len(slots) < 64
    assert all(stage.on_view.on_view(slot) for slot in built), "every built card is on view"
    # The kernel bank: 12 kernels of 12 slices each in its window, only those on view built.
    bank = window.kernel_bank
    qtbot.waitUntil(lambda: not bank.on_view.pending(), timeout=20_000)
    bank_built = [slot for slot in bank._slots.values() if slot.card is not None]
    assert len(built_cards(bank)) == len(bank_built) < len(bank._slots) == 12 * 12
    assert all(bank.on_view.on_view(slot) for slot in bank_built)
    # What is on view is what users see: the output the cursor is on, its values and highlight.
    out = stage.output_card(0)
    np.testing.assert_array_equal(out.grid.values(), window.output[0])
    assert out.grid.highlight("output") is not None
    assert stage.input_card(0).grid.highlight("receptive") is not None


def test_scrolling_the_stage_builds_the_grids_that_come_into_view(qtbot, make_window):
    window = make_window(big_session(BigLayer(16, 16, 64, 3)))
    settle_cards(qtbot, window)
    stage = window.stage
    before = {id(card) for card in built_cards(stage)}
    bar = stage.scroll_area.verticalScrollBar()
    assert bar.maximum() > 0, "the features do not all fit the window"
    bar.setValue(bar.maximum())
    settle_cards(qtbot, window)
    on_view = [slot for slot in stage.slots() if stage.on_view.on_view(slot)]
    assert on_view and all(slot.card is not None for slot in on_view)
    assert {id(card) for card in built_cards(stage)} > before
    # A card built now shows the same as one built at the start: values and colour range.
    last = max(i for i, slot in stage._in_slots.items() if slot in on_view)
    assert last > 0
    card = stage.input_card(last)
    np.testing.assert_array_equal(card.grid.values(), window.document.session.input[last])
    assert card.grid.colour_range() == stage.input_card(0).grid.colour_range()
    assert card.grid.highlight("receptive") is not None


def test_showing_the_kernel_bank_builds_its_slices_on_view(qtbot, make_window):
    window = make_window(big_session(BigLayer(16, 16, 32, 3)))
    window.docks["kernels"].hide()  # View > Kernels unticked (or the bank behind its tab)
    qtbot.waitUntil(lambda: not window.kernel_bank.isVisible())
    before = set(built_cards(window.kernel_bank))
    window.document.set_layer(  # new kernels while the bank is behind its tab
        window.document.session.params.replace(out_features=14, kernel_size=5, padding=2),
        (32, 32),
    )
    qtbot.wait(50)  # the builder's turns run: they must build nothing that is not shown
    assert set(built_cards(window.kernel_bank)) <= before, "nothing is built while hidden"
    window.docks["kernels"].show()
    qtbot.waitUntil(window.kernel_bank.isVisible)

    def new_cards() -> list[FeatureCard]:
        return [card for card in built_cards(window.kernel_bank) if card not in before]

    qtbot.waitUntil(lambda: bool(new_cards()) and not window.kernel_bank.on_view.pending())
    cards = new_cards()
    assert 0 < len(cards) < 14 * 12
    assert window.kernel_bank.card(0, 0).is_current()
    np.testing.assert_array_equal(
        window.kernel_bank.card(0, 0).grid.values(), window.document.session.weight[0, 0]
    )


def test_a_settings_change_keeps_the_grids_and_refills_them(qtbot, make_window):
    window = make_window(big_session(BigLayer(8, 8, 64, 3)))
    settle_cards(qtbot, window)
    cards = built_cards(window.stage)
    params = window.document.session.params
    window.document.set_layer(params.replace(padding=2), window.document.session.spatial)
    qtbot.waitUntil(window.output_is_current, timeout=60_000)
    assert built_cards(window.stage) == cards, "the same features on view: no new grids"
    grid = window.stage.input_card(0).grid
    assert grid.padded_values().shape == (68, 68)
    np.testing.assert_array_equal(window.stage.output_card(0).grid.values(), window.output[0])


# -- opening and saving in the background ---------------------------------------------------------
class SlowLoader:
    """A load task that waits for the test to release it (or for Cancel), then reads the file."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = threading.Event()
        self.finished = threading.Event()

    def __call__(self, path):
        def task(cancelled):
            self.started.set()
            try:
                while not self.release.wait(0.01):
                    if cancelled():
                        raise JobCancelled
                return fileformat.load(path)
            finally:
                self.finished.set()

        return task


@pytest.fixture
def big_file(tmp_path):
    session = big_session(BigLayer(4, 4, 32, 3))
    path = tmp_path / "big.convstudio"
    fileformat.save(session, path)
    return path, session


def start_open(window: MainWindow, path) -> list[bool]:
    """File > Open posted on the event loop (it returns when the job has ended)."""
    answers: list[bool] = []
    QTimer.singleShot(0, lambda: answers.append(window.files.open_path(path, ask=False)))
    return answers


def slow_window(make_window) -> tuple[MainWindow, SlowLoader]:
    window = make_window()
    jobs = window.files.jobs
    loader = SlowLoader()
    jobs.load_task = loader
    jobs.load_threshold = 0  # every file goes to the background
    jobs.show_after_ms = 0
    return window, loader


def when(condition, action) -> QTimer:
    """Run ``action`` once ``condition()`` holds, checked on the event loop: what a user does
    while File > Open runs (the test's own code waits until the open returns)."""
    timer = QTimer()
    timer.setInterval(10)

    def check() -> None:
        if condition():
            timer.stop()
            action()

    timer.timeout.connect(check)
    timer.start()
    return timer


@pytest.mark.parametrize("how", ["button", "escape"])
def test_opening_a_big_file_shows_progress_and_cancel_keeps_the_session(
    qtbot, make_window, big_file, how
):
    window, loader = slow_window(make_window)
    path, _session = big_file
    before = window.document.session
    progress = window.files.jobs.progress
    seen: dict[str, object] = {}

    def user() -> None:
        seen["label"] = progress.label.text()
        seen["cancel shown"] = progress.cancel_button.isVisible()
        # The window answers while the file loads: the cursor moves and the stage follows.
        window.document.set_cursor(1, (2, 2))
        seen["stage follows"] = window.stage.output_card(1).is_current()
        if how == "button":
            qtbot.mouseClick(progress.cancel_button, Qt.MouseButton.LeftButton)
        else:
            qtbot.keyClick(window, Qt.Key.Key_Escape)

    timer = when(progress.isVisible, user)
    answers = start_open(window, path)
    qtbot.waitUntil(lambda: answers == [False], timeout=20_000)
    timer.stop()
    assert path.name in str(seen["label"])
    assert seen["cancel shown"] and seen["stage follows"]
    assert not progress.isVisible()
    session = window.document.session
    assert session.params == before.params and session.title == before.title
    np.testing.assert_array_equal(session.input, before.input)
    assert session.cursor.out_feature == 1
    assert window.files.path is None
    assert "cancelled" in window.statusBar().currentMessage()
    qtbot.waitUntil(loader.finished.is_set)  # the job saw the cancel and stopped
    qtbot.waitUntil(lambda: not window.files.jobs._threads)
    assert not loader.release.is_set()


def test_a_big_file_opened_in_the_background_replaces_the_session(qtbot, make_window, big_file):
    window, loader = slow_window(make_window)
    path, session = big_file
    busy: list[bool] = []
    timer = when(
        loader.started.is_set, lambda: (busy.append(window.files.jobs.busy()), loader.release.set())
    )
    answers = start_open(window, path)
    qtbot.waitUntil(lambda: answers == [True], timeout=20_000)
    timer.stop()
    assert busy == [True]
    assert not window.files.jobs.busy()
    assert window.files.path == path.absolute()
    np.testing.assert_array_equal(window.document.session.input, session.input)
    qtbot.waitUntil(window.output_is_current, timeout=60_000)


def test_the_child_process_reads_and_writes_big_files(qtbot, make_window, big_file, tmp_path):
    window = make_window()
    jobs = window.files.jobs
    jobs.load_threshold = 0
    jobs.save_threshold = 0
    path, session = big_file
    assert window.files.open_path(path, ask=False)
    np.testing.assert_array_equal(window.document.session.input, session.input)
    np.testing.assert_array_equal(window.document.session.weight, session.weight)
    window.document.set_cells("input", (0, 1, 1), np.array([[[42.0]]]))
    copy = tmp_path / "copy.convstudio"
    assert window.files.save_to(copy)
    assert not window.document.is_modified()
    assert fileformat.load(copy).input[0, 1, 1] == 42.0


def test_a_bad_big_file_is_refused_and_the_session_stays(qtbot, make_window, tmp_path, monkeypatch):
    window = make_window()
    window.files.jobs.load_threshold = 0
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _w, _t, text, *a, **k: shown.append(text))
    bad = tmp_path / "bad.convstudio"
    bad.write_text('{"format": "convstudio-session", "version": 1, "params": 3}')
    before = window.document.session
    assert not window.files.open_path(bad, ask=False)
    assert window.document.session is before
    assert len(shown) == 1 and "bad.convstudio" in shown[0] and "params" in shown[0]
