"""The View menu's entry for the previous position's receptive field (issue 10, the reverse
view's "stride made visible"): one checkable action that follows and sets the view state."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from convstudio.session import ViewState
from convstudio.ui.state.binding import follow


def install_previous_field_action(menu: QMenu, view: ViewState, owner: QWidget) -> QAction:
    """Add "Show the previous position's field" to ``menu``; it mirrors ``view.show_previous``.

    Why an option: the current field alone does not show the stride; with the previous one
    drawn faintly beside it, the step between the two is the stride (and dilation's gaps show
    in both).
    """
    action = QAction("Show the &previous position's field", owner, checkable=True)
    action.setStatusTip(
        "Draw the receptive field of the position before the cursor faintly (dotted): "
        "the step between the two fields is the stride"
    )
    action.setChecked(view.show_previous)

    def show(on: bool) -> None:
        view.show_previous = on

    def check(on: bool) -> None:  # psygnal cannot inspect a Qt built-in method
        action.setChecked(on)

    action.toggled.connect(show)
    follow(view.events.show_previous, action, check)
    menu.addAction(action)
    return action


__all__ = ["install_previous_field_action"]
