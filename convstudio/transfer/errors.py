"""The one exception the transfer package raises for something it cannot read, parse or write."""

from __future__ import annotations


class TransferError(ValueError):
    """A layer text, image, array, weights file or export target that cannot be used.

    The message names the file or text and the problem ("conv1.weight: shape (16, 3, 5, 5) does
    not match the layer, expected (16, 3, 3, 3)"); the window and the command line show it
    verbatim. A ``ValueError`` like the engine's ``ConvError`` and the session's ``SessionError``
    (which this package lets through unchanged), so one ``except ValueError`` catches all three.
    """
