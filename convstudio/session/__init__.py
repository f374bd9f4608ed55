"""The session: what the user is working on, how it is shown, and its files (pure Python, no Qt).

The window imports only the names below (an import-linter contract checks it), so the modules
behind them can change without the UI noticing.

>>> from convstudio.session import Session, dumps, loads
>>> session = Session.default()
>>> loads(dumps(session)) == session
True
"""

from convstudio.session.atomic import AtomicFolder, write_atomically, write_folder_atomically
from convstudio.session.errors import SessionError
from convstudio.session.examples import (
    ExampleInfo,
    examples_dir,
    is_bundled,
    list_examples,
    load_example,
)
from convstudio.session.fileformat import (
    FORMAT,
    SUFFIX,
    VERSION,
    dumps,
    load,
    loads,
    save,
    with_suffix,
)
from convstudio.session.fills import FILL_LABELS, available_fills, fill_values
from convstudio.session.model import TARGETS, Cursor, Session, blank_session
from convstudio.session.notes_record import (
    layer_record,
    notes_layer,
    notes_outdated,
    outdated_text,
    set_notes_layer,
    with_notes_layer,
)
from convstudio.session.overflow import overflow_message
from convstudio.session.playback import ORDERS as PLAYBACK_ORDERS
from convstudio.session.playback import SPEEDS as PLAYBACK_SPEEDS
from convstudio.session.playback import (
    cell_at,
    interval_ms,
    last_cell,
    playback_order,
    revealed,
    stepped,
)
from convstudio.session.recovery import (
    RecoveryFiles,
    RecoveryRecord,
    orphaned_records,
    process_identity,
    writer_running,
)
from convstudio.session.reverse import (
    Feeds,
    cell_text,
    describe_feeds,
    feeds,
    ghost_text,
    previous_position,
    selection_fits,
)
from convstudio.session.view import DISPLAY_MODES, ViewState

__all__ = [
    "DISPLAY_MODES",
    "FILL_LABELS",
    "FORMAT",
    "PLAYBACK_ORDERS",
    "PLAYBACK_SPEEDS",
    "SUFFIX",
    "TARGETS",
    "VERSION",
    "AtomicFolder",
    "Cursor",
    "ExampleInfo",
    "Feeds",
    "RecoveryFiles",
    "RecoveryRecord",
    "Session",
    "SessionError",
    "ViewState",
    "available_fills",
    "blank_session",
    "cell_at",
    "cell_text",
    "describe_feeds",
    "dumps",
    "examples_dir",
    "feeds",
    "fill_values",
    "ghost_text",
    "interval_ms",
    "is_bundled",
    "last_cell",
    "layer_record",
    "list_examples",
    "load",
    "load_example",
    "loads",
    "notes_layer",
    "notes_outdated",
    "orphaned_records",
    "outdated_text",
    "overflow_message",
    "playback_order",
    "previous_position",
    "process_identity",
    "revealed",
    "save",
    "selection_fits",
    "set_notes_layer",
    "stepped",
    "with_notes_layer",
    "with_suffix",
    "write_atomically",
    "write_folder_atomically",
    "writer_running",
]
