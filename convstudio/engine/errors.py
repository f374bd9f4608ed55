"""The one exception the engine raises for settings or arrays it cannot accept."""


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
