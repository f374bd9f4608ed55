"""The window's keyboard rules: redo on every platform's keys, undo wherever the focus is.

Why this exists: the lecturer found that Redo did nothing (two actions' worth of the same key
sequence makes Qt report "Ambiguous shortcut overload" and run neither), that Ctrl+Z did nothing
while a settings spin box had the focus (its line edit takes Ctrl+Z for its own text), and that a
stray Up arrow after typing a kernel size changed the kernel again (the spin box kept the focus).
So: the redo keys are deduplicated, settings boxes pass undo and redo on to the window, and after
Enter in the settings the keyboard goes back to the stage. A cell editor (a line edit in a grid)
keeps its own undo while it is open.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, SignalInstance
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractSpinBox, QWidget

#: Redo as Windows (Ctrl+Y) and Linux/macOS (Ctrl+Shift+Z) write it, besides the platform's own.
EXTRA_REDO_KEYS = ("Ctrl+Y", "Ctrl+Shift+Z")


def unique_sequences(*groups: list[QKeySequence] | tuple[str, ...]) -> list[QKeySequence]:
    """Every key sequence of ``groups`` once, in order: one action must not list a sequence twice,
    or Qt finds two shortcuts for one key press and runs neither."""
    seen: set[str] = set()
    out: list[QKeySequence] = []
    for group in groups:
        for item in group:
            sequence = QKeySequence(item)
            text = sequence.toString(QKeySequence.SequenceFormat.PortableText)
            if text and text not in seen:
                seen.add(text)
                out.append(sequence)
    return out


def redo_shortcuts() -> list[QKeySequence]:
    """The platform's Redo keys plus Ctrl+Y and Ctrl+Shift+Z, each once."""
    return unique_sequences(
        QKeySequence.keyBindings(QKeySequence.StandardKey.Redo), EXTRA_REDO_KEYS
    )


def is_undo_or_redo(event: QKeyEvent) -> bool:
    """True for a key press the window's Undo or Redo answers."""
    if event.matches(QKeySequence.StandardKey.Undo) or event.matches(QKeySequence.StandardKey.Redo):
        return True
    pressed = QKeySequence(event.keyCombination())
    return any(pressed == QKeySequence(keys) for keys in EXTRA_REDO_KEYS)


class UndoAnywhere(QObject):
    """Lets the window's Undo and Redo take their keys from the window's spin boxes.

    A spin box claims Ctrl+Z for the text it is editing (a ShortcutOverride it accepts); here the
    claim is refused, and the half-typed text is dropped first, so the undo acts on the layer the
    user sees and not on a value that would be committed a moment later.
    """

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(watched, QAbstractSpinBox)
            and isinstance(event, QKeyEvent)
            and is_undo_or_redo(event)
        ):
            blocked = watched.blockSignals(True)
            watched.setValue(watched.value())  # type: ignore[attr-defined]  # drops typed text
            watched.blockSignals(blocked)
            event.ignore()  # not claimed: the window's shortcut runs
            return True
        return False


def install_keyboard_rules(
    window: QWidget, redo: QAction, entry_committed: SignalInstance, stage: QWidget
) -> UndoAnywhere:
    """Redo keys without duplicates, undo from any of ``window``'s spin boxes, and the keyboard
    on ``stage`` at start and after ``entry_committed`` (an entry in the layer settings committed
    with Enter), so that a stray arrow key scrolls instead of changing a setting again."""
    redo.setShortcuts(redo_shortcuts())
    rules = UndoAnywhere(window)
    for spin in window.findChildren(QAbstractSpinBox):  # the settings and the scrub bar
        spin.installEventFilter(rules)
    entry_committed.connect(stage.setFocus)
    stage.setFocus()
    return rules
