"""The engine's API documentation: every example runs, and help() shows what a user needs.

Issue 8: ``help(output_shape)``, ``receptive_field``, ``projective_field`` and ``conv_transpose``
show real types (not Any) and document every padding form, every padding mode, the dtype rule
and ConvError, with an example.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
import pydoc
from collections.abc import Callable

import pytest

import convstudio.engine
from convstudio.engine import (
    PADDING_MODES,
    conv_transpose,
    explain,
    explain_transpose,
    output_shape,
    projective_field,
    receptive_field,
)

MODULES = ["convstudio.engine"] + [
    f"convstudio.engine.{m.name}" for m in pkgutil.iter_modules(convstudio.engine.__path__)
]


@pytest.mark.parametrize("name", MODULES)
def test_the_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    failed, _ = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failed == 0


DOCUMENTED: list[Callable[..., object]] = [
    output_shape,
    receptive_field,
    projective_field,
    conv_transpose,
    explain,
    explain_transpose,
]


@pytest.mark.parametrize("function", DOCUMENTED, ids=lambda f: f.__name__)
def test_help_documents_the_settings(function: Callable[..., object]) -> None:
    text = pydoc.render_doc(function, renderer=pydoc.plaintext)
    for form in ("an int", "one int per dimension", "(before, after)", "valid", "same", "full"):
        assert form in text, form
    for mode in PADDING_MODES:
        assert f'"{mode}"' in text, mode
    assert "float32" in text and "float64" in text
    assert "ConvError" in text
    assert ">>> " in text
    assert "{settings}" not in text


@pytest.mark.parametrize("function", DOCUMENTED, ids=lambda f: f.__name__)
def test_help_shows_real_types(function: Callable[..., object]) -> None:
    signature = inspect.signature(function)
    for name, parameter in signature.parameters.items():
        annotation = parameter.annotation
        assert annotation is not inspect.Parameter.empty, name
        assert not isinstance(annotation, str), f"{name}: {annotation!r} is not evaluated"
        assert "Any" not in str(annotation), f"{name}: {annotation}"
    assert "Any" not in str(signature.return_annotation)
    shown = pydoc.render_doc(function, renderer=pydoc.plaintext)
    assert "stride: int | collections.abc.Sequence[int] | numpy.ndarray = 1" in shown
