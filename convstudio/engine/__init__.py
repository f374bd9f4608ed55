"""The convolution engine: numpy only, PyTorch's conv1d/conv2d and conv_transpose1d/2d
semantics, a public scripting API.

>>> import numpy as np
>>> from convstudio.engine import conv_transpose, convolve
>>> convolve(np.arange(5.0)[None], np.ones((1, 1, 3))).tolist()
[[3.0, 6.0, 9.0]]
>>> conv_transpose(np.array([[1.0, 2.0]]), np.ones((1, 1, 2))).tolist()
[[1.0, 3.0, 2.0]]
"""

from convstudio.engine.convolve import convolve
from convstudio.engine.errors import Cancelled, ConvError
from convstudio.engine.explain import Explanation, Term, explain
from convstudio.engine.explain_transpose import (
    TransposeExplanation,
    TransposeTerm,
    explain_transpose,
)
from convstudio.engine.geometry import output_shape, projective_field, receptive_field
from convstudio.engine.params import PADDING_MODES, ConvParams
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
    "explain_transpose",
    "output_shape",
    "projective_field",
    "receptive_field",
]
