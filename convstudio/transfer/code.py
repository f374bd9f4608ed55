"""A session as a short runnable script: NumPy (ConvStudio's engine) or PyTorch (``nn.Conv1d/2d``).

The script rebuilds the layer with the session's exact values (every float written as the
shortest text that reads back to the same float64) and leaves the result in ``output``; run as a
script it prints the output's shape. The PyTorch one sets the layer's weight and bias and its
``padding_mode``; padding that ``nn.Conv*d`` cannot spell (different before and after, other than
'same') is written as an explicit ``F.pad`` in front of an unpadded layer, which is how PyTorch
pads those layers itself.
"""

from __future__ import annotations

import sys

import numpy as np

from convstudio.session.model import Session
from convstudio.transfer.errors import TransferError
from convstudio.transfer.layer_text import torch_padding

LANGUAGES = ("numpy", "torch")
#: ``torch.nn.functional.pad``'s name for each padding mode.
TORCH_PAD_MODES = {
    "zeros": "constant",
    "reflect": "reflect",
    "replicate": "replicate",
    "circular": "circular",
}


def literal(array: np.ndarray, prefix: str = "") -> str:
    """Nested Python lists of ``array``'s values, exact (the shortest round-trip repr), with
    continuation lines aligned under the first bracket when written after ``prefix``."""
    return np.array2string(
        np.asarray(array, dtype=np.float64),
        separator=", ",
        floatmode="unique",
        threshold=sys.maxsize,
        max_line_width=99,
        prefix=prefix,
    )


def assign(name: str, call: str, array: np.ndarray, tail: str = ")") -> str:
    """``name = call(<exact literal>tail``, the literal's lines aligned."""
    head = f"{name} = {call}("
    return head + literal(array, head) + tail


def _tuple(values: tuple[object, ...]) -> str:
    return "(" + ", ".join(str(v) for v in values) + ("," if len(values) == 1 else "") + ")"


def _header(session: Session, language: str) -> list[str]:
    params = session.params
    title = session.title.replace('"""', "'''").replace("\\", "\\\\")
    uses = "ConvStudio's engine" if language == "numpy" else "PyTorch"
    return [
        f'"""{title or "A ConvStudio layer"}',
        "",
        f"Conv{params.ndim}d, {params.in_features} -> {params.out_features} features, input "
        f"{_tuple(session.input.shape)}, computed with {uses}.",
        "Written by ConvStudio from the session's exact values; the result is `output`.",
        '"""',
        "",
    ]


def numpy_script(session: Session) -> str:
    """The layer as ``convstudio.engine.convolve`` on NumPy arrays; ``output`` is an ndarray."""
    params = session.params
    bias = "bias" if params.bias else "None"
    lines = [
        *_header(session, "numpy"),
        "import numpy as np",
        "",
        "from convstudio.engine import convolve",
        "",
        f"# input: (in_features, {'L' if params.ndim == 1 else 'H, W'}) = "
        f"{_tuple(session.input.shape)}",
        assign("x", "np.array", session.input),
        "",
        f"# weight: (out_features, in_features / groups, *kernel_size) = "
        f"{_tuple(params.weight_shape)}",
        assign("weight", "np.array", session.weight),
    ]
    if params.bias:
        lines.append(assign("bias", "np.array", session.bias))
    lines += [
        "",
        "output = convolve(",
        "    x,",
        "    weight,",
        f"    {bias},",
        f"    stride={_tuple(params.stride)},",
        f"    padding={_tuple(params.padding)},",
        f"    dilation={_tuple(params.dilation)},",
        f"    groups={params.groups},",
        f"    padding_mode={params.padding_mode!r},",
        ")",
        "",
        'if __name__ == "__main__":',
        "    print(output.shape)",
        "",
    ]
    return "\n".join(lines)


def torch_script(session: Session) -> str:
    """The layer as ``torch.nn.Conv1d/Conv2d`` in float64; ``output`` is a tensor."""
    params = session.params
    kind = f"Conv{params.ndim}d"
    padding = torch_padding(params)
    explicit = padding is None
    lines = [*_header(session, "torch"), "import torch", ""]
    f64 = ", dtype=torch.float64)"
    lines += [assign("x", "torch.tensor", session.input, f64), ""]
    lines.append(assign("weight", "torch.tensor", session.weight, f64))
    if params.bias:
        lines.append(assign("bias", "torch.tensor", session.bias, f64))
    lines += [
        "",
        f"conv = torch.nn.{kind}(",
        f"    {params.in_features},",
        f"    {params.out_features},",
        f"    kernel_size={_tuple(params.kernel_size)},",
        f"    stride={_tuple(params.stride)},",
        f"    padding={_torch_padding_text(padding)},",
        f"    dilation={_tuple(params.dilation)},",
        f"    groups={params.groups},",
        f"    bias={params.bias},",
        f"    padding_mode={'zeros' if explicit else params.padding_mode!r},",
        "    dtype=torch.float64,",
        ")",
        "with torch.no_grad():",
        "    conv.weight.copy_(weight)",
    ]
    if params.bias:
        lines.append("    conv.bias.copy_(bias)")
    if explicit:
        amounts = [n for before, after in reversed(params.padding) for n in (before, after)]
        mode = TORCH_PAD_MODES[params.padding_mode]
        lines += [
            "    # Different padding before and after: padded here, as nn.Conv*d pads its input.",
            f"    x_padded = torch.nn.functional.pad(x.unsqueeze(0), {amounts}, mode={mode!r})",
            "    output = conv(x_padded).squeeze(0)",
        ]
    else:
        lines.append("    output = conv(x.unsqueeze(0)).squeeze(0)")
    lines += ["", 'if __name__ == "__main__":', "    print(tuple(output.shape))", ""]
    return "\n".join(lines)


def _torch_padding_text(padding: tuple[int, ...] | str | None) -> str:
    if padding is None:
        return "0"
    return repr(padding) if isinstance(padding, str) else _tuple(padding)


def script(session: Session, language: str = "numpy") -> str:
    """The script in ``language`` ("numpy" or "torch") for a valid session."""
    session.validate()
    if language == "numpy":
        return numpy_script(session)
    if language == "torch":
        return torch_script(session)
    raise TransferError(f"--code {language!r} is not one of {', '.join(LANGUAGES)}")


__all__ = ["LANGUAGES", "literal", "numpy_script", "script", "torch_script"]
