"""A PyTorch layer as people write it, ``nn.Conv2d(3, 16, kernel_size=3, padding=1)``, read safely.

The text is parsed with ``ast`` and only a whitelist is understood: the names ``Conv1d`` and
``Conv2d`` (bare, ``nn.``, ``torch.nn.``), PyTorch's own argument names in its own order, and
literal values (whole numbers, tuples and lists of them, strings, True/False/None). Nothing is
ever evaluated, so ``__import__('os')`` is refused as text that is not a layer. Also accepted,
because people paste them: an assignment (``self.conv1 = nn.Conv2d(...)``, whose name becomes the
layer's ``name``, the prefix of its weights in a state_dict) and a line of ``print(model)``
(``(conv1): Conv2d(3, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)``).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

from convstudio.engine.errors import ConvError
from convstudio.engine.params import ConvParams
from convstudio.transfer.errors import TransferError

#: PyTorch's Conv1d/Conv2d signature, in order (``device`` and ``dtype`` are keyword-only there
#: too in effect; they are accepted and do not change the layer: ConvStudio computes in float64).
SIGNATURE = (
    "in_channels",
    "out_channels",
    "kernel_size",
    "stride",
    "padding",
    "dilation",
    "groups",
    "bias",
    "padding_mode",
)
REQUIRED = SIGNATURE[:3]
IGNORED = ("device", "dtype")
CLASSES = {"Conv1d": 1, "Conv2d": 2}
NOT_YET = (
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "Conv3d",
    "LazyConv1d",
    "LazyConv2d",
)
PREFIXES = ((), ("nn",), ("torch", "nn"))
#: Padding names PyTorch's layers take (the engine's extra "full" is not one of them).
PADDING_NAMES = ("valid", "same")
#: ``dtype=torch.float32`` and friends: accepted (and ignored) as PyTorch spells them.
DTYPES = ("float16", "float32", "float64", "half", "float", "double", "bfloat16")
MAX_TEXT = 2000

_PRINTED_NAME = re.compile(r"^\s*\((?P<name>[\w.]+)\)\s*:\s*")


@dataclass(frozen=True)
class LayerSpec:
    """A parsed layer: its settings for the engine and, when the text assigned it, its name."""

    params: ConvParams
    name: str | None = None
    kind: str = "Conv2d"

    @property
    def in_features(self) -> int:
        return self.params.in_features

    @property
    def out_features(self) -> int:
        return self.params.out_features


def _refuse(text: str) -> TransferError:
    return TransferError(text)


def _dotted(node: ast.expr) -> tuple[str, ...] | None:
    """``torch.nn.Conv2d`` as ("torch", "nn", "Conv2d"); None for anything but names and dots."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return tuple(reversed(parts))


def _literal(node: ast.expr, where: str) -> Any:
    """A whole number, string, True/False/None, or a tuple/list of them, from the syntax tree."""
    if isinstance(node, ast.Constant):
        value = node.value
        if value is None or isinstance(value, (bool, int, str)):
            return value
        if isinstance(value, float):
            raise _refuse(f"{where}={value!r} must be a whole number")
        raise _refuse(f"{where}={ast.unparse(node)} is not a value a Conv layer takes")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _literal(node.operand, where)
        if isinstance(inner, int) and not isinstance(inner, bool):
            return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, (ast.Tuple, ast.List)):
        return tuple(_literal(item, where) for item in node.elts)
    dotted = _dotted(node)
    if (
        dotted is not None
        and where == "dtype"
        and dotted[:1] == ("torch",)
        and dotted[1:] in [(d,) for d in DTYPES]
    ):
        return None
    raise _refuse(
        f"{where}={ast.unparse(node)} is not a literal value: only whole numbers, tuples, "
        "strings and True/False are read (nothing is evaluated)"
    )


def _call(tree: ast.Module) -> tuple[ast.Call, str | None]:
    """The one call the text holds, and the name it is assigned to, if any."""
    if len(tree.body) != 1:
        raise _refuse(f"expected one layer, found {len(tree.body)} statements")
    statement = tree.body[0]
    name = None
    if isinstance(statement, (ast.Assign, ast.AnnAssign)):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        dotted = _dotted(targets[0]) if len(targets) == 1 else None
        if dotted is None:
            raise _refuse("the layer may be assigned to one name (conv1 = nn.Conv2d(...)), no more")
        name = dotted[-1] if dotted[0] == "self" else ".".join(dotted)
        value = statement.value
    elif isinstance(statement, ast.Expr):
        value = statement.value
    else:
        raise _refuse("not a PyTorch layer: expected nn.Conv1d(...) or nn.Conv2d(...)")
    if not isinstance(value, ast.Call):
        raise _refuse("not a PyTorch layer: expected a call such as nn.Conv2d(3, 16, 3)")
    return value, name


def parse_layer(text: str) -> LayerSpec:
    """Read ``nn.Conv1d(...)`` or ``nn.Conv2d(...)`` with PyTorch's arguments; never evaluated.

    Raises ``TransferError`` naming the unknown name, the unknown or repeated argument, or the
    value of the wrong type; the engine's ``ConvError`` for settings that break its rules (groups
    that do not divide the features, padding='same' with a stride) comes back as a
    ``TransferError`` naming the layer.
    """
    if not isinstance(text, str):
        raise _refuse(f"expected the text of a layer, got {type(text).__name__}")
    source = text.strip()
    if not source:
        raise _refuse("the layer text is empty: write e.g. nn.Conv2d(3, 16, kernel_size=3)")
    if len(source) > MAX_TEXT:
        raise _refuse(f"the layer text has {len(source):,} characters, over {MAX_TEXT:,}")
    printed = _PRINTED_NAME.match(source)
    printed_name = printed.group("name") if printed else None
    if printed:
        source = source[printed.end() :]
    try:
        tree = ast.parse(source, mode="exec")
    except SyntaxError as error:
        raise _refuse(
            f"not a PyTorch layer: {error.msg} at column {error.offset or 0} of {source!r}"
        ) from None
    call, name = _call(tree)
    dotted = _dotted(call.func)
    if dotted is None:
        raise _refuse(f"not a PyTorch layer: {ast.unparse(call.func)!r} is not a layer's name")
    kind, prefix = dotted[-1], dotted[:-1]
    shown = ".".join(dotted)
    if kind in NOT_YET and prefix in PREFIXES:
        raise _refuse(
            f"{shown}: ConvStudio reads Conv1d and Conv2d layers; {kind} is not supported yet"
        )
    if kind not in CLASSES or prefix not in PREFIXES:
        raise _refuse(
            f"unknown name {shown!r}: expected Conv1d or Conv2d, as nn.Conv2d or torch.nn.Conv2d"
        )
    ndim = CLASSES[kind]
    if any(isinstance(arg, ast.Starred) for arg in call.args) or any(
        kw.arg is None for kw in call.keywords
    ):
        raise _refuse(f"{kind}: *args and **kwargs cannot be read; write the arguments out")
    if len(call.args) > len(SIGNATURE):
        raise _refuse(
            f"{kind} takes at most {len(SIGNATURE)} positional arguments "
            f"({', '.join(SIGNATURE)}), got {len(call.args)}"
        )
    values: dict[str, Any] = {}
    for arg_name, node in zip(SIGNATURE, call.args):
        values[arg_name] = _literal(node, arg_name)
    for keyword in call.keywords:
        assert keyword.arg is not None  # **kwargs was refused above
        arg_name = keyword.arg
        if arg_name not in SIGNATURE and arg_name not in IGNORED:
            raise _refuse(
                f"{kind}: unknown argument {arg_name!r} (PyTorch's are "
                f"{', '.join(SIGNATURE + IGNORED)})"
            )
        if arg_name in values:
            raise _refuse(f"{kind}: {arg_name} is given twice")
        values[arg_name] = _literal(keyword.value, arg_name)
    missing = [n for n in REQUIRED if n not in values]
    if missing:
        raise _refuse(f"{kind}: missing {', '.join(missing)} (it needs {', '.join(REQUIRED)})")
    device = values.pop("device", None)
    if device is not None and not isinstance(device, str):
        raise _refuse(f"{kind}: device={device!r} must be a name such as 'cpu'")
    values.pop("dtype", None)
    params = _params(kind, ndim, values)
    return LayerSpec(params=params, name=name or printed_name, kind=kind)


def _whole(kind: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _refuse(f"{kind}: {name}={value!r} must be a whole number")
    return value


def _per_dim(kind: str, name: str, value: Any, ndim: int) -> Any:
    if isinstance(value, tuple):
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            raise _refuse(f"{kind}: {name}={value!r} must hold whole numbers")
        if len(value) == 1 and ndim == 1:
            return value
        if len(value) != ndim:
            raise _refuse(f"{kind}: {name}={value!r} has {len(value)} entries; {kind} needs {ndim}")
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise _refuse(
            f"{kind}: {name}={value!r} must be a whole number or a tuple of {ndim} whole numbers"
        )
    return value


def _params(kind: str, ndim: int, values: dict[str, Any]) -> ConvParams:
    settings: dict[str, Any] = {
        "ndim": ndim,
        "in_features": _whole(kind, "in_channels", values["in_channels"]),
        "out_features": _whole(kind, "out_channels", values["out_channels"]),
        "kernel_size": _per_dim(kind, "kernel_size", values["kernel_size"], ndim),
    }
    for name in ("stride", "dilation"):
        if name in values:
            settings[name] = _per_dim(kind, name, values[name], ndim)
    if "padding" in values:
        padding = values["padding"]
        if isinstance(padding, str):
            if padding not in PADDING_NAMES:
                raise _refuse(
                    f"{kind}: padding={padding!r} is not one of 'valid', 'same' or whole numbers"
                )
            settings["padding"] = padding
        else:
            settings["padding"] = _per_dim(kind, "padding", padding, ndim)
    if "groups" in values:
        settings["groups"] = _whole(kind, "groups", values["groups"])
    if "bias" in values:
        if not isinstance(values["bias"], bool):
            raise _refuse(f"{kind}: bias={values['bias']!r} must be True or False")
        settings["bias"] = values["bias"]
    if "padding_mode" in values:
        mode = values["padding_mode"]
        if not isinstance(mode, str):
            raise _refuse(f"{kind}: padding_mode={mode!r} must be a name such as 'zeros'")
        settings["padding_mode"] = mode
    try:
        return ConvParams(**settings)
    except ConvError as error:
        raise _refuse(f"{kind}: {error}") from None


def layer_text(params: ConvParams, name: str | None = None) -> str:
    """The PyTorch spelling of ``params`` (what ``parse_layer`` reads back to the same settings).

    Padding that PyTorch's layers cannot spell (different before and after, other than 'same') is
    refused: the window's "Layer from PyTorch..." box shows the current layer this way.
    """
    kind = f"Conv{params.ndim}d"
    args = [str(params.in_features), str(params.out_features)]
    args.append(f"kernel_size={_tuple_text(params.kernel_size)}")
    if any(s != 1 for s in params.stride):
        args.append(f"stride={_tuple_text(params.stride)}")
    padding = torch_padding(params)
    if padding is None:
        raise _refuse(
            f"padding {params.padding} differs before and after: a PyTorch {kind} cannot spell it"
        )
    if padding != "valid":
        args.append(
            f"padding={padding!r}"
            if isinstance(padding, str)
            else f"padding={_tuple_text(padding)}"
        )
    if any(d != 1 for d in params.dilation):
        args.append(f"dilation={_tuple_text(params.dilation)}")
    if params.groups != 1:
        args.append(f"groups={params.groups}")
    if not params.bias:
        args.append("bias=False")
    if params.padding_mode != "zeros":
        args.append(f"padding_mode={params.padding_mode!r}")
    text = f"nn.{kind}({', '.join(args)})"
    return f"{name} = {text}" if name else text


def _tuple_text(values: tuple[int, ...]) -> str:
    if len(set(values)) == 1:
        return str(values[0])
    return "(" + ", ".join(str(v) for v in values) + ")"


def torch_padding(params: ConvParams) -> tuple[int, ...] | str | None:
    """The padding as a PyTorch layer takes it: per-dimension amounts, "valid", "same", or None
    when the amounts differ before and after in a way only ``F.pad`` can write."""
    if all(before == after for before, after in params.padding):
        amounts = tuple(before for before, _ in params.padding)
        return "valid" if not any(amounts) else amounts
    if all(s == 1 for s in params.stride):
        extents = [d * (k - 1) for k, d in zip(params.kernel_size, params.dilation)]
        same = tuple((e // 2, e - e // 2) for e in extents)
        if tuple(params.padding) == same:
            return "same"
    return None


__all__ = ["LayerSpec", "TransferError", "layer_text", "parse_layer", "torch_padding"]
