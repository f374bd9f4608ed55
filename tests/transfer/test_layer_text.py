"""PyTorch layer text: every argument of Conv1d and Conv2d, as PyTorch takes them, and refusals
that name what is wrong; nothing is ever evaluated."""

from __future__ import annotations

import pytest

from convstudio.engine import ConvParams
from convstudio.transfer import TransferError, layer_text, parse_layer
from tests.torch_oracle import require_torch


def test_conv2d_with_keywords() -> None:
    spec = parse_layer("nn.Conv2d(3, 16, kernel_size=3, stride=2, padding=1)")
    assert spec.params == ConvParams(
        ndim=2, in_features=3, out_features=16, kernel_size=3, stride=2, padding=1
    )
    assert spec.kind == "Conv2d" and spec.name is None


def test_conv1d_with_every_argument_by_keyword() -> None:
    spec = parse_layer(
        "torch.nn.Conv1d(in_channels=4, out_channels=6, kernel_size=(3,), stride=(2,), "
        "padding=(1,), dilation=2, groups=2, bias=False, padding_mode='reflect', "
        "device='cpu', dtype=torch.float64)"
    )
    assert spec.params == ConvParams(
        ndim=1,
        in_features=4,
        out_features=6,
        kernel_size=3,
        stride=2,
        padding=1,
        dilation=2,
        groups=2,
        bias=False,
        padding_mode="reflect",
    )


def test_every_argument_by_position_in_pytorchs_order() -> None:
    spec = parse_layer("Conv2d(4, 8, (3, 5), (1, 2), (1, 2), (2, 1), 4, False, 'circular')")
    params = spec.params
    assert params.kernel_size == (3, 5)
    assert params.stride == (1, 2)
    assert params.padding == ((1, 1), (2, 2))
    assert params.dilation == (2, 1)
    assert params.groups == 4
    assert params.bias is False
    assert params.padding_mode == "circular"


def test_the_issues_conv1d_with_same_padding() -> None:
    spec = parse_layer(
        "torch.nn.Conv1d(2, 4, 5, padding='same', padding_mode='circular', bias=False)"
    )
    assert spec.params.padding == ((2, 2),)
    assert spec.params.padding_mode == "circular"
    assert spec.params.bias is False


def test_lists_and_valid_padding() -> None:
    params = parse_layer("nn.Conv2d(1, 1, kernel_size=[2, 3], padding='valid')").params
    assert params.kernel_size == (2, 3) and params.padding == ((0, 0), (0, 0))


def test_an_assignment_names_the_layer() -> None:
    spec = parse_layer("self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3)")
    assert spec.name == "conv1"
    assert parse_layer("model.stem = nn.Conv2d(3, 8, 3)").name == "model.stem"


def test_a_line_of_print_model() -> None:
    spec = parse_layer(
        "(conv1): Conv2d(3, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)"
    )
    assert spec.name == "conv1"
    assert spec.params.kernel_size == (7, 7) and spec.params.bias is False


@pytest.mark.parametrize(
    "text",
    [
        "nn.Conv2d(3, 16, kernel_size=3, stride=2, padding=1)",
        "nn.Conv1d(2, 4, kernel_size=5, padding=2, bias=False, padding_mode='circular')",
        "conv = nn.Conv2d(4, 8, kernel_size=(3, 5), stride=(1, 2), dilation=2, groups=4)",
        "nn.Conv2d(1, 2, kernel_size=4, padding='same')",
    ],
)
def test_layer_text_reads_back_to_the_same_settings(text: str) -> None:
    spec = parse_layer(text)
    again = parse_layer(layer_text(spec.params, spec.name))
    assert again.params == spec.params and again.name == spec.name


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("__import__('os').system('ls')", "__import__"),
        ("os.system('rm -rf /')", "os.system"),
        ("nn.Linear(3, 4)", "nn.Linear"),
        ("keras.layers.Conv2D(3, 4)", "keras.layers.Conv2D"),
        ("nn.Conv2d(3, 16, 3, foo=1)", "'foo'"),
        ("nn.Conv2d(3, 16, 3, padding_mod='zeros')", "'padding_mod'"),
        ("nn.Conv2d(3, 16, kernel_size='3')", "kernel_size='3'"),
        ("nn.Conv2d(3, 16, 2.5)", "kernel_size=2.5"),
        ("nn.Conv2d(3.0, 16, 3)", "in_channels=3.0"),
        ("nn.Conv2d(True, 16, 3)", "in_channels=True"),
        ("nn.Conv2d(3, 16, 3, bias=1)", "bias=1"),
        ("nn.Conv2d(3, 16, 3, padding='full')", "padding='full'"),
        ("nn.Conv2d(3, 16, 3, padding_mode='wrap')", "padding_mode='wrap'"),
        ("nn.Conv2d(3, 16, (3, 3, 3))", "3 entries"),
        ("nn.Conv2d(3, 16, 3, stride=x)", "stride=x"),
        ("nn.Conv2d(3, 16, 3, stride=1 + 1)", "stride=1 + 1"),
        ("nn.Conv2d(3, 16)", "missing kernel_size"),
        ("nn.Conv2d(3, 16, 3, kernel_size=3)", "given twice"),
        ("nn.Conv2d(*args)", "*args"),
        ("nn.Conv2d(4, 6, 3, groups=4)", "groups=4"),
        ("nn.Conv2d(3, 16, 3, stride=2, padding='same')", "padding='same'"),
        ("nn.Conv2d(3, 16, 3, 1, 0, 1, 1, True, 'zeros', 'cpu')", "at most 9"),
        ("nn.ConvTranspose2d(16, 3, 3)", "ConvTranspose2d is not supported yet"),
        ("nn.Conv3d(1, 1, 3)", "Conv3d is not supported yet"),
        ("nn.Conv2d(3, 16, 3", "not a PyTorch layer"),
        ("nn.Conv2d", "expected a call"),
        ("", "empty"),
        ("a = b = nn.Conv2d(1, 1, 1)", "one name"),
        ("nn.Conv2d(1, 1, 1); nn.Conv2d(1, 1, 1)", "2 statements"),
        ("lambda: nn.Conv2d(1, 1, 1)", "expected a call"),
        ("nn.Conv2d(1, 1, 1, dtype=torch.complex64)", "dtype=torch.complex64"),
    ],
)
def test_refusals_name_the_problem(text: str, named: str) -> None:
    with pytest.raises(TransferError, match=None) as caught:
        parse_layer(text)
    assert named in str(caught.value), str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_a_huge_text_is_refused() -> None:
    with pytest.raises(TransferError, match="characters"):
        parse_layer("nn.Conv2d(1, 1, 1" + " " * 5000 + ")")


def test_settings_agree_with_torchs_own_layer() -> None:
    torch = require_torch()
    for text in (
        "nn.Conv2d(4, 8, (3, 5), (1, 2), (1, 2), (2, 1), 4, False, 'circular')",
        "nn.Conv1d(2, 4, 5, padding='same', padding_mode='circular', bias=False)",
        "nn.Conv2d(3, 16, kernel_size=3, stride=2, padding=1)",
    ):
        params = parse_layer(text).params
        layer = eval(text, {"nn": torch.nn})  # the oracle only: torch builds the same text
        assert tuple(layer.weight.shape) == params.weight_shape
        assert (layer.bias is not None) == params.bias
        assert tuple(layer.stride) == params.stride
        assert tuple(layer.dilation) == params.dilation
        assert layer.padding_mode == params.padding_mode
