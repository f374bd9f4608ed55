"""In and out: PyTorch layer text, pictures, arrays and checkpoints in; arrays and scripts out.

No Qt here (import-linter keeps it so): the command line and the window's dialogs share these
functions, and the window's picture exports (PNG, SVG, GIF) live in ``convstudio.ui.export``.

>>> from convstudio.transfer import parse_layer
>>> parse_layer("nn.Conv2d(3, 16, kernel_size=3, padding=1)").params.weight_shape
(16, 3, 3, 3)
"""

from convstudio.transfer.arrays import read_array, write_array
from convstudio.transfer.code import script
from convstudio.transfer.errors import TransferError
from convstudio.transfer.images import read_image
from convstudio.transfer.layer_text import LayerSpec, layer_text, parse_layer
from convstudio.transfer.new_session import NewLayer, build_session, parse_size
from convstudio.transfer.weights import conv_tensors, read_layer_weights

__all__ = [
    "LayerSpec",
    "NewLayer",
    "TransferError",
    "build_session",
    "conv_tensors",
    "layer_text",
    "parse_layer",
    "parse_size",
    "read_array",
    "read_image",
    "read_layer_weights",
    "script",
    "write_array",
]
