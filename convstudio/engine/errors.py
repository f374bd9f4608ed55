"""The one exception the engine raises for settings or arrays it cannot accept."""


class ConvError(ValueError):
    """An invalid convolution setting or array.

    A ``ValueError`` so that scripts catching the usual numpy/PyTorch error keep working. The
    message names the setting, its value and the rule it breaks: the window shows it verbatim.
    """
