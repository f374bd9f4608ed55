"""Connecting the Qt-free view state's signals to widgets, for as long as the widget lives.

psygnal holds a bound method weakly, but a widget's Python wrapper can outlive its C++ object (Qt
deletes children with their parent): a signal emitted then would call into a deleted widget. So a
widget that follows the view state connects through ``follow``, which disconnects the slot when
the widget is destroyed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from psygnal import SignalInstance
from PySide6.QtCore import QObject


def follow(signal: SignalInstance, receiver: QObject, slot: Callable[..., Any]) -> None:
    """Call ``slot`` on every emission of ``signal`` until ``receiver`` is destroyed."""
    signal.connect(slot)
    receiver.destroyed.connect(lambda *_: signal.disconnect(slot, missing_ok=True))


__all__ = ["follow"]
