"""Views that subscribe themselves: a panel bound to a document follows it and asks it for
changes, with no window between them; refused edits reach the status bar; the settings panel's
guard against its own signals is cleared even when an exception passes through."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from convstudio.engine import ConvParams
from convstudio.session import Session, ViewState
from convstudio.ui.panels.notes_bar import NotesBar
from convstudio.ui.panels.scrub_bar import ScrubBar
from convstudio.ui.panels.settings_panel import LayerSettingsPanel
from convstudio.ui.state.document import SessionDocument


def test_a_bound_notes_bar_follows_the_document_and_its_undo(qtbot):
    document = SessionDocument(Session.default().with_text(title="Before"))
    bar = NotesBar()
    qtbot.addWidget(bar)
    bar.bind(document)
    assert bar.title_label.text() == "Before"
    bar.meta_edited.emit("After", "a note")  # what the Edit Notes dialog sends
    assert document.session.title == "After"
    assert bar.title_label.text() == "After" and bar.notes_label.text() == "a note"
    document.undo_stack.undo()
    assert bar.title_label.text() == "Before"


def test_a_bound_scrub_bar_moves_the_document_cursor_and_shows_it(qtbot):
    document = SessionDocument(Session.default())  # 3 output features of 5x5
    scrub = ScrubBar()
    qtbot.addWidget(scrub)
    scrub.bind(document, ViewState())
    scrub.slider.setValue(7)  # reading order: row 1, column 2
    assert document.session.cursor.position == (1, 2)
    document.set_cursor(2, (4, 4))
    assert scrub.feature_box.value() == 2 and scrub.slider.value() == 24


def test_playing_is_view_state_that_the_play_button_sets(qtbot):
    document = SessionDocument(Session.default())
    view = ViewState()
    scrub = ScrubBar()
    qtbot.addWidget(scrub)
    scrub.bind(document, view)
    qtbot.mouseClick(scrub.play_button, Qt.MouseButton.LeftButton)
    assert view.playing and scrub.is_playing()
    view.playing = False
    assert not scrub.is_playing() and not scrub.play_button.isChecked()


def test_a_refused_edit_is_shown_in_the_status_bar(qtbot, make_window):
    window = make_window()
    window.stage.input_edited.emit((0, -1, 0), np.array([[1.0]]))
    assert "must not be negative" in window.statusBar().currentMessage()
    assert not window.document.is_modified()


def test_the_settings_guard_is_cleared_when_an_exception_passes_through(qtbot, monkeypatch):
    panel = LayerSettingsPanel()
    qtbot.addWidget(panel)
    params = ConvParams(ndim=2, in_features=2, out_features=3, kernel_size=3, padding=1)
    panel.set_layer(params, (6, 6))

    def broken(_index: int) -> None:
        raise RuntimeError("a bug while the panel sets its own controls")

    # Typing a padding sets the padding choice to "custom" while the guard is up: make that fail.
    monkeypatch.setattr(panel.padding_box, "setCurrentIndex", broken)
    with qtbot.capture_exceptions() as exceptions:
        panel.pad_spins[0][0].setValue(2)
    assert [type(e[1]) for e in exceptions] == [RuntimeError]
    monkeypatch.undo()
    with qtbot.waitSignal(panel.layer_requested, timeout=1000) as blocker:
        panel.out_spin.setValue(4)  # the user's next edit still counts
    assert blocker.args[0].out_features == 4
