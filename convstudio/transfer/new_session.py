"""A new session from what people bring: a PyTorch layer's text, an input (a picture, a signal or
grid from an array file, or just a size) and optionally the layer's real weights.

``convstudio new`` and the window's "Layer from PyTorch..." and Import dialogs all build their
sessions here, so a layer read on the command line is the layer the window shows.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from convstudio.engine.params import ConvParams
from convstudio.session.fills import fill_values
from convstudio.session.model import Session
from convstudio.transfer import arrays, images, weights
from convstudio.transfer.errors import TransferError
from convstudio.transfer.layer_text import LayerSpec, parse_layer

#: Without a weights file the kernels start random (seeded, one decimal) so the output shows
#: something; with zeros every output would be the bias.
WEIGHT_SEED = 0


def size_text(size: Sequence[int]) -> str:
    return "x".join(str(n) for n in size)


def parse_size(text: str) -> tuple[int, ...]:
    """``--input-size``: ``L`` for 1D or ``HxW`` for 2D (height first, as arrays count)."""
    parts = text.lower().replace(" ", "").split("x")
    try:
        size = tuple(int(part) for part in parts)
    except ValueError:
        raise TransferError(f"input size {text!r} is not L or HxW (e.g. 28x28)") from None
    if not 1 <= len(size) <= 2 or min(size) < 1:
        raise TransferError(f"input size {text!r} is not L or HxW of positive whole numbers")
    return size


def read_input(
    path: str | os.PathLike[str],
    params: ConvParams,
    size: Sequence[int] | None = None,
    mode: str | None = None,
) -> np.ndarray:
    """The layer's input ``(in_features, *spatial)`` from a picture or an array file.

    A picture is resized to ``size`` (its own size when None) as ``mode`` ("gray" or "rgb",
    chosen from the layer's input features when None); an array keeps its size, which must then
    equal ``size`` if given.
    """
    where = os.fspath(path)
    if images.is_image_path(where):
        if params.ndim != 2:
            raise TransferError(f"{where}: a picture is a 2D input, but the layer is Conv1d")
        mode = mode or images.mode_for(params.in_features)
        if images.MODES[mode] != params.in_features:
            raise TransferError(
                f"{where}: --{'gray' if mode == 'gray' else 'rgb'} gives "
                f"{images.MODES[mode]} feature{'s' if mode == 'rgb' else ''}, but the layer takes "
                f"{params.in_features}"
            )
        return images.read_image(where, size, mode)
    if mode is not None:
        raise TransferError(f"{where}: --gray and --rgb are for pictures, not array files")
    if not arrays.is_array_path(where):
        raise TransferError(
            f"{where}: an input is a picture ({', '.join(images.IMAGE_SUFFIXES)}) or an array "
            f"({', '.join(arrays.ARRAY_SUFFIXES)})"
        )
    array = arrays.as_input(arrays.read_array(where), params, Path(where).name)
    if size is not None and tuple(size) != array.shape[1:]:
        raise TransferError(
            f"{where}: the array's size is {size_text(array.shape[1:])} but the input size "
            f"asked for is {size_text(size)} (arrays are not resized)"
        )
    return array


@dataclass(frozen=True)
class NewLayer:
    """What ``convstudio new`` and the dialogs ask for; ``build()`` makes the session."""

    layer: str
    input_size: tuple[int, ...] | None = None
    input_path: str | None = None
    image_mode: str | None = None
    weights_path: str | None = None
    prefix: str | None = None

    def build(self) -> Session:
        return build_session(
            self.layer,
            input_size=self.input_size,
            input_path=self.input_path,
            image_mode=self.image_mode,
            weights_path=self.weights_path,
            prefix=self.prefix,
        )


def pick_prefix(path: str | os.PathLike[str], spec: LayerSpec, prefix: str | None) -> str:
    """The state_dict name to read: the one given, else the layer's own name (``conv1 = ...``),
    else the file's only conv weight of the layer's shape."""
    if prefix:
        return prefix
    if spec.name:
        return spec.name
    fitting = [t for t in weights.conv_tensors(path) if t.shape == spec.params.weight_shape]
    if len(fitting) == 1:
        return fitting[0].prefix
    names = ", ".join(t.prefix for t in weights.conv_tensors(path)[:8]) or "none"
    raise TransferError(
        f"{os.fspath(path)}: say which layer to read with --prefix NAME (conv-shaped weights in "
        f"it: {names})"
    )


def build_session(
    layer: str,
    *,
    input_size: Sequence[int] | None = None,
    input_path: str | os.PathLike[str] | None = None,
    image_mode: str | None = None,
    weights_path: str | os.PathLike[str] | None = None,
    prefix: str | None = None,
) -> Session:
    """A validated session for the layer text with its input and weights.

    Without ``input_path`` the input is zeros of ``input_size`` (then required); without
    ``weights_path`` the kernels are random (seeded) and the biases zero. Every problem raises a
    ``ValueError`` (``TransferError``, the session's ``SessionError`` or the engine's
    ``ConvError``) naming it.
    """
    spec = parse_layer(layer)
    params = spec.params
    if input_size is not None:
        input_size = tuple(int(n) for n in input_size)
        if len(input_size) != params.ndim:
            wanted = "L" if params.ndim == 1 else "HxW"
            raise TransferError(
                f"input size {size_text(input_size)} has {len(input_size)} dimension"
                f"{'s' if len(input_size) > 1 else ''}; a {spec.kind} takes {wanted}"
            )
    if input_path is not None:
        x = read_input(input_path, params, input_size, image_mode)
        source = Path(os.fspath(input_path)).name
    else:
        if image_mode is not None:
            raise TransferError("--gray and --rgb need a picture given with --input")
        if input_size is None:
            raise TransferError("give the input's size (--input-size L or HxW) or an --input file")
        params.check_input_shape((params.in_features, *input_size))
        x = np.zeros((params.in_features, *input_size))
        source = f"zeros {size_text(input_size)}"
    params.check_input_shape(x.shape)
    if weights_path is not None:
        name = pick_prefix(weights_path, spec, prefix)
        weight, bias = weights.read_layer_weights(weights_path, name, params)
        if bias is None:
            bias = np.zeros(params.bias_shape)
        origin = f"weights {name} from {Path(os.fspath(weights_path)).name}"
    else:
        if prefix is not None:
            raise TransferError("--prefix names a layer in a --weights file; give the file too")
        weight = fill_values("random", "weight", (), params.weight_shape, params, seed=WEIGHT_SEED)
        bias = np.zeros(params.bias_shape)
        origin = f"random weights (seed {WEIGHT_SEED})"
    text = " ".join(layer.split())
    session = Session(
        params=params,
        input=x,
        weight=weight,
        bias=bias,
        title=f"{spec.name or spec.kind} on {source}",
        notes=f"{text}, input {source}, {origin}.",
    )
    return session.validate()


__all__ = ["NewLayer", "build_session", "parse_size", "pick_prefix", "read_input"]
