"""Real weights: a small checkpoint written by the test (safetensors through its numpy API, and
.npz), read by state_dict names, checked against the layer; refusals name the tensor."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from convstudio.transfer import TransferError, conv_tensors, parse_layer, read_layer_weights
from convstudio.transfer.weights import list_tensors

RNG = np.random.default_rng(11)


def checkpoint() -> dict[str, np.ndarray]:
    """A tiny model's state_dict: two convolutions (one without bias), a norm and a linear."""
    return {
        "features.0.weight": RNG.standard_normal((8, 3, 3, 3)).astype(np.float32),
        "features.0.bias": RNG.standard_normal(8).astype(np.float32),
        "features.2.weight": RNG.standard_normal((4, 8, 5)).astype(np.float32),
        "bn.weight": np.ones(8, dtype=np.float32),
        "fc.weight": RNG.standard_normal((10, 4)).astype(np.float32),
    }


@pytest.fixture(params=[".safetensors", ".npz"])
def weights_file(request, tmp_path: Path) -> Path:
    path = tmp_path / f"model{request.param}"
    if request.param == ".safetensors":
        save_file(checkpoint(), str(path))
    else:
        np.savez(path, **checkpoint())
    return path


def test_conv_shaped_tensors_are_listed(weights_file: Path) -> None:
    found = {t.name: t.shape for t in conv_tensors(weights_file)}
    assert found == {"features.0.weight": (8, 3, 3, 3), "features.2.weight": (4, 8, 5)}
    assert [t.prefix for t in conv_tensors(weights_file)] == ["features.0", "features.2"]
    assert len(list_tensors(weights_file)) == 5


def test_weight_and_bias_are_read_exactly(weights_file: Path) -> None:
    params = parse_layer("nn.Conv2d(3, 8, kernel_size=3)").params
    weight, bias = read_layer_weights(weights_file, "features.0", params)
    assert weight.dtype == np.float64 and weight.shape == (8, 3, 3, 3)
    assert bias is not None and bias.shape == (8,)
    with np.load(weights_file) if weights_file.suffix == ".npz" else _safe(weights_file) as raw:
        np.testing.assert_array_equal(weight, raw["features.0.weight"].astype(np.float64))
        np.testing.assert_array_equal(bias, raw["features.0.bias"].astype(np.float64))


def test_a_layer_without_bias(weights_file: Path) -> None:
    params = parse_layer("nn.Conv1d(8, 4, 5, bias=False)").params
    weight, bias = read_layer_weights(weights_file, "features.2.weight", params)
    assert weight.shape == (4, 8, 5) and bias is None


@pytest.mark.parametrize(
    ("layer", "prefix", "message"),
    [
        ("nn.Conv2d(3, 8, 3)", "features.1", "no tensor 'features.1.weight'"),
        ("nn.Conv2d(3, 8, 5)", "features.0", r"shape \(8, 3, 3, 3\) does not match"),
        ("nn.Conv2d(3, 8, 3, bias=False)", "features.0", "bias=False"),
        ("nn.Conv1d(8, 4, 5)", "features.2", "no tensor 'features.2.bias'"),
        ("nn.Conv2d(3, 4, 3)", "features.0", r"expected \(4, 3, 3, 3\)"),
    ],
)
def test_refusals_name_the_tensor(weights_file: Path, layer: str, prefix: str, message: str):
    with pytest.raises(TransferError, match=message):
        read_layer_weights(weights_file, prefix, parse_layer(layer).params)


def test_a_missing_tensor_lists_what_is_there(weights_file: Path) -> None:
    with pytest.raises(TransferError, match=r"features\.0, features\.2"):
        read_layer_weights(weights_file, "conv1", parse_layer("nn.Conv2d(3, 8, 3)").params)


def test_non_finite_weights_are_refused(tmp_path: Path) -> None:
    state = {"c.weight": np.full((1, 1, 3), np.nan, dtype=np.float32)}
    save_file(state, str(tmp_path / "nan.safetensors"))
    with pytest.raises(ValueError, match=r"c\.weight\[0\]\[0\]\[0\]: NaN"):
        read_layer_weights(
            tmp_path / "nan.safetensors", "c", parse_layer("nn.Conv1d(1, 1, 3, bias=False)").params
        )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("bad.safetensors", b"\x08\x00\x00\x00\x00\x00\x00\x00{broken}", "not a readable"),
        ("bad.npz", b"not a zip", "not a readable"),
        ("model.pt", b"", r"\.safetensors or \.npz"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    (tmp_path / name).write_bytes(data)
    with pytest.raises(TransferError, match=message):
        conv_tensors(tmp_path / name)


def test_a_pickled_npz_member_is_not_loaded(tmp_path: Path) -> None:
    path = tmp_path / "p.npz"
    np.savez(path, **{"c.weight": np.array([[[{"x": 1}]]], dtype=object)})
    with pytest.raises(TransferError, match=r"cannot read c\.weight"):
        read_layer_weights(path, "c", parse_layer("nn.Conv1d(1, 1, 1, bias=False)").params)


class _safe:
    """``safe_open`` as a mapping, for comparing with what was written."""

    def __init__(self, path: Path) -> None:
        from safetensors import safe_open

        self._file = safe_open(str(path), framework="np")

    def __enter__(self):
        self._handle = self._file.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._file.__exit__(*exc)

    def __getitem__(self, name: str) -> np.ndarray:
        return self._handle.get_tensor(name)
