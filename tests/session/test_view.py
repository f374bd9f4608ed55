"""The view state: Qt-free, each field announces its own changes, and saving keeps what it does
not know."""

from __future__ import annotations

import pytest

from convstudio.session import DISPLAY_MODES, Session, ViewState, dumps, loads


def test_a_field_announces_a_change_once_with_the_new_and_old_value():
    view = ViewState()
    seen: list[tuple[str, str]] = []
    view.events.display_mode.connect(lambda new, old: seen.append((new, old)))
    view.set_display_mode("colours")
    view.set_display_mode("colours")  # the same value again: nothing to announce
    assert seen == [("colours", "auto")]


def test_a_mode_that_does_not_exist_is_refused_by_name():
    view = ViewState()
    with pytest.raises(ValueError, match="'pictures' is not one of auto, numbers, colours"):
        view.set_display_mode("pictures")
    assert view.display_mode == "auto"
    assert DISPLAY_MODES == ("auto", "numbers", "colours")


def test_saving_writes_the_saved_fields_and_keeps_the_others():
    view = ViewState(display_mode="numbers", playing=True)
    session = Session.default().with_view({"from_a_newer_version": [1, 2]})
    saved = loads(dumps(session.with_view(view.saved(session.view))))
    assert saved.view == {
        "from_a_newer_version": [1, 2],
        "display_mode": "numbers",
        "playback_speed": 1.0,
        "playback_loop": False,
        "playback_order": "feature-major",
        "reveal": False,
    }
    assert session.view == {"from_a_newer_version": [1, 2]}  # a copy: the session is unchanged


def test_restoring_takes_known_values_and_ignores_bad_ones():
    view = ViewState()
    view.restore({"display_mode": "colours"})
    assert view.display_mode == "colours"
    for bad in ({"display_mode": "sepia"}, {"display_mode": 3}, {}):
        view.restore(bad)
        assert view.display_mode == "colours"
