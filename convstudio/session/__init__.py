"""The session: what the user is working on and its file format (pure Python, no Qt).

>>> from convstudio.session import Session, dumps, loads
>>> session = Session.default()
>>> loads(dumps(session)) == session
True
"""

from convstudio.session.errors import SessionError
from convstudio.session.examples import ExampleInfo, list_examples, load_example
from convstudio.session.fileformat import FORMAT, VERSION, dumps, load, loads, save
from convstudio.session.model import Cursor, Session, blank_session

__all__ = [
    "FORMAT",
    "VERSION",
    "Cursor",
    "ExampleInfo",
    "Session",
    "SessionError",
    "blank_session",
    "dumps",
    "list_examples",
    "load",
    "load_example",
    "loads",
    "save",
]
