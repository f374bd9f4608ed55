"""The convolution engine: numpy only, PyTorch's conv1d/conv2d and conv_transpose1d/2d
semantics, a public scripting API.

>>> import numpy as np
>>> from convstudio.engine import conv_transpose, convolve
>>> convolve(np.arange(5.0)[None], np.ones((1, 1, 3))).tolist()
[[3.0, 6.0, 9.0]]
>>> conv_transpose(np.array([[1.0, 2.0]]), np.ones((1, 1, 2))).tolist()
[[1.0, 3.0, 2.0]]
"""

from convstudio.engine.convolve import convolve, pad_input
from convstudio.engine.errors import Cancelled, ConvError
from convstudio.engine.explain import Explanation, Term, explain, explain_checked
from convstudio.engine.explain_transpose import (
    TransposeExplanation,
    TransposeTerm,
    explain_transpose,
)
from convstudio.engine.geometry import (
    output_shape,
    padded_taps,
    projective_field,
    receptive_field,
    source_maps,
)
from convstudio.engine.params import PADDING_MODES, ConvParams, resolve_padding
from convstudio.engine.params import _is_int as is_whole_number  # the one whole-number check
from convstudio.engine.transpose import conv_transpose

__all__ = [
    "PADDING_MODES",
    "Cancelled",
    "ConvError",
    "ConvParams",
    "Explanation",
    "Term",
    "TransposeExplanation",
    "TransposeTerm",
    "conv_transpose",
    "convolve",
    "explain",
    "explain_checked",
    "explain_transpose",
    "is_whole_number",
    "output_shape",
    "pad_input",
    "padded_taps",
    "projective_field",
    "receptive_field",
    "resolve_padding",
    "source_maps",
]
