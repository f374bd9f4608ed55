"""Real weights in: a layer's kernels and biases from a ``.safetensors`` or ``.npz`` checkpoint.

Tensors are found by the names PyTorch's ``state_dict`` gives them: ``NAME.weight`` and
``NAME.bias`` for the layer called NAME (``conv1``, ``features.0``). Neither format can run code
(safetensors is read through its numpy API, no torch and no pickle; ``.npz`` with
``allow_pickle=False``), and shapes are read from the headers first, so a file can be listed and
its tensors checked against the layer before any of them is loaded.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from convstudio.engine.params import ConvParams
from convstudio.session.model import check_finite
from convstudio.transfer.errors import TransferError

WEIGHT_SUFFIXES = (".safetensors", ".npz")


@dataclass(frozen=True)
class TensorInfo:
    """One tensor of a checkpoint, as its header describes it (nothing loaded)."""

    name: str
    shape: tuple[int, ...]
    dtype: str

    @property
    def prefix(self) -> str:
        """The layer's name in the state_dict: ``conv1`` for ``conv1.weight``."""
        return self.name.removesuffix(".weight")


def _path(path: str | os.PathLike[str]) -> tuple[Path, str]:
    where = Path(os.fspath(path))
    suffix = where.suffix.lower()
    if suffix not in WEIGHT_SUFFIXES:
        raise TransferError(f"{where}: a weights file is .safetensors or .npz")
    if where.is_dir():
        raise TransferError(f"{where}: is a folder, not a weights file")
    if not where.exists():
        raise TransferError(f"{where}: no such file")
    return where, suffix


def list_tensors(path: str | os.PathLike[str]) -> list[TensorInfo]:
    """Every tensor in the file with its shape and type, in the file's order."""
    where, suffix = _path(path)
    try:
        if suffix == ".safetensors":
            from safetensors import safe_open

            with safe_open(str(where), framework="np") as file:
                infos = []
                for name in file.keys():  # noqa: SIM118 (a safetensors handle, not a dict)
                    tensor = file.get_slice(name)
                    infos.append(TensorInfo(name, tuple(tensor.get_shape()), tensor.get_dtype()))
                return infos
        with zipfile.ZipFile(where) as archive:
            infos = []
            for member in archive.namelist():
                if not member.endswith(".npy"):
                    continue
                with archive.open(member) as file:
                    version = np.lib.format.read_magic(file)
                    read = (
                        np.lib.format.read_array_header_1_0
                        if version == (1, 0)
                        else np.lib.format.read_array_header_2_0
                    )
                    shape, _fortran, dtype = read(file)
                infos.append(TensorInfo(member.removesuffix(".npy"), tuple(shape), str(dtype)))
            return infos
    except TransferError:
        raise
    except PermissionError:
        raise TransferError(f"{where}: permission denied, cannot read it") from None
    except Exception as error:  # safetensors raises its own SafetensorError; zip its BadZipFile
        raise TransferError(f"{where}: not a readable {suffix} file: {error}") from None


def conv_tensors(path: str | os.PathLike[str]) -> list[TensorInfo]:
    """The tensors that can be a Conv1d/Conv2d layer's weight: ``*.weight`` with 3 or 4 axes."""
    return [t for t in list_tensors(path) if t.name.endswith(".weight") and len(t.shape) in (3, 4)]


def _load(where: Path, suffix: str, name: str) -> np.ndarray:
    try:
        if suffix == ".safetensors":
            from safetensors import safe_open

            with safe_open(str(where), framework="np") as file:
                array = file.get_tensor(name)
        else:
            with np.load(where, allow_pickle=False) as archive:
                array = archive[name]
    except Exception as error:  # bfloat16 has no numpy type; a damaged file; a pickled array
        raise TransferError(f"{where}: cannot read {name}: {error}") from None
    if array.dtype.kind not in "biuf":
        raise TransferError(f"{where}: {name} holds values of type {array.dtype}, not numbers")
    return np.asarray(array, dtype=np.float64)


def read_layer_weights(
    path: str | os.PathLike[str], prefix: str, params: ConvParams
) -> tuple[np.ndarray, np.ndarray | None]:
    """``(weight, bias)`` of the layer ``prefix`` in the file, checked against ``params``.

    The weight must have ``params.weight_shape``; the bias ``(out_features,)``. As PyTorch's
    ``load_state_dict`` does, a bias must be there exactly when the layer has one (``bias=True``);
    the message says which is missing or extra. Non-finite values are refused.
    """
    where, suffix = _path(path)
    infos = {t.name: t for t in list_tensors(where)}
    prefix = prefix.removesuffix(".weight").removesuffix(".")
    weight_name, bias_name = f"{prefix}.weight", f"{prefix}.bias"
    if weight_name not in infos:
        found = [t.prefix for t in conv_tensors(where)]
        hint = f" (conv-shaped weights in it: {', '.join(found[:8])})" if found else ""
        raise TransferError(f"{where}: there is no tensor {weight_name!r}{hint}")
    shape = infos[weight_name].shape
    if shape != params.weight_shape:
        raise TransferError(
            f"{weight_name}: shape {shape} does not match the layer, expected "
            f"{params.weight_shape} (out_channels, in_channels/groups, *kernel_size)"
        )
    bias = None
    if bias_name in infos:
        if not params.bias:
            raise TransferError(
                f"{bias_name} is in the file but the layer has bias=False (write bias=True)"
            )
        if infos[bias_name].shape != params.bias_shape:
            raise TransferError(
                f"{bias_name}: shape {infos[bias_name].shape} does not match the layer, "
                f"expected {params.bias_shape}"
            )
        bias = _load(where, suffix, bias_name)
        check_finite(bias_name, bias)
    elif params.bias:
        raise TransferError(
            f"{where}: there is no tensor {bias_name!r}, but the layer has bias=True "
            "(write bias=False for a layer without one)"
        )
    weight = _load(where, suffix, weight_name)
    check_finite(weight_name, weight)
    return weight, bias


__all__ = ["WEIGHT_SUFFIXES", "TensorInfo", "conv_tensors", "list_tensors", "read_layer_weights"]
