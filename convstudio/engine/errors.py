"""The one exception the engine raises for settings or arrays it cannot accept, and the one it
raises when the caller cancels the work."""

from collections.abc import Callable

#: ``convolve``'s ``cancel`` hook: asked between tiles and chunks; True stops the work.
CancelHook = Callable[[], bool]


class ConvError(ValueError):
    """An invalid convolution setting or array.

    A ``ValueError`` so that scripts catching the usual numpy/PyTorch error keep working. The
    message names the setting, its value and the rule it breaks: the window shows it verbatim.
    """


class Cancelled(Exception):
    """``convolve`` gave up because its ``cancel`` callable returned True.

    Not a ``ConvError``: nothing is wrong with the layer, the caller asked to stop (a newer job
    superseded this one, the window closes). Scripts that catch ``ConvError`` or ``ValueError``
    for bad input do not swallow it.
    """


def check_cancel(cancel: CancelHook | None) -> None:
    """Raise ``Cancelled`` when the caller's ``cancel`` hook says so (no hook: never)."""
    if cancel is not None and cancel():
        raise Cancelled("the convolution was cancelled")
