"""Which layer a session's notes were written for, so the window can say when they no longer fit.

Why: the examples' notes describe their layer ("a 3x3 kernel ..."); after the lecturer made the
kernel 5 wide the notes still said 3x3 and nothing warned. The session's free-form ``view`` keeps
the settings the notes were written for under :data:`NOTES_LAYER_KEY` (plain JSON, so old files
load as before and a file saved with it loads anywhere). A session without the record is taken to
have notes that match its layer: the record is written the first time the layer changes, and again
whenever the notes are edited.
"""

from __future__ import annotations

from typing import Any

from convstudio.engine.params import ConvParams
from convstudio.session.model import Session

#: The key in ``Session.view``.
NOTES_LAYER_KEY = "notes_layer"

#: How each setting is named in the hint, in the order the settings panel lists them.
_NAMES = {
    "ndim": "dimensions",
    "in_features": "input features",
    "out_features": "output features",
    "groups": "groups",
    "kernel_size": "kernel size",
    "stride": "stride",
    "dilation": "dilation",
    "padding": "padding",
    "padding_mode": "padding mode",
    "bias": "bias",
}


def _plain(value: Any) -> Any:
    """Tuples as lists, recursively: the record compares equal before and after a save."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def layer_record(params: ConvParams) -> dict[str, Any]:
    """The settings as JSON data (what the view stores)."""
    return {name: _plain(getattr(params, name)) for name in _NAMES}


def with_notes_layer(session: Session) -> Session:
    """``session`` whose view says its notes describe its own layer as it is now."""
    return set_notes_layer(session, layer_record(session.params))


def set_notes_layer(session: Session, record: dict[str, Any] | None) -> Session:
    """``session`` whose view records ``record`` as the notes' layer (None: no record)."""
    if session.view.get(NOTES_LAYER_KEY) == record:
        return session
    view = dict(session.view)
    if record is None:
        view.pop(NOTES_LAYER_KEY, None)
    else:
        view[NOTES_LAYER_KEY] = record
    return session.with_view(view)


def notes_layer(session: Session) -> dict[str, Any] | None:
    """The recorded layer the notes describe, or None when there is no record."""
    record = session.view.get(NOTES_LAYER_KEY)
    return record if isinstance(record, dict) else None


def notes_outdated(session: Session) -> bool:
    """True when the session has notes and they were written for other settings."""
    record = notes_layer(session)
    return bool(session.notes) and record is not None and record != layer_record(session.params)


def _show(name: str, value: Any) -> str:
    if name == "ndim":
        return f"{value}D"
    if name == "padding" and isinstance(value, list):
        return "×".join(f"{a}/{b}" if a != b else str(a) for a, b in value)
    if isinstance(value, list):
        return "×".join(str(v) for v in value)
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def outdated_text(session: Session) -> str:
    """The hint the notes bar shows ("" when the notes match): what changed since they were
    written, e.g. "The notes describe an earlier layer: kernel size 3×3, now 5×5"."""
    if not notes_outdated(session):
        return ""
    record = notes_layer(session) or {}
    now = layer_record(session.params)
    changes = [
        f"{label} {_show(name, record.get(name))}, now {_show(name, now[name])}"
        for name, label in _NAMES.items()
        if record.get(name) != now[name]
    ]
    return "The notes describe an earlier layer: " + "; ".join(changes)


__all__ = [
    "NOTES_LAYER_KEY",
    "layer_record",
    "notes_layer",
    "notes_outdated",
    "outdated_text",
    "set_notes_layer",
    "with_notes_layer",
]
