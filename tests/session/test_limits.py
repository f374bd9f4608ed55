"""The window's and the loader's limits: refused with a message naming the limit, and only there
(the engine's ConvParams accepts every layer torch accepts)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from convstudio.engine import ConvError, ConvParams
from convstudio.session import Session, limits


def params(**changes: object) -> ConvParams:
    settings = {"ndim": 2, "in_features": 2, "out_features": 4, "kernel_size": 3, **changes}
    return ConvParams(**settings)  # type: ignore[arg-type]


def layer(input_shape: tuple[int, ...], **changes: object) -> Callable[[], None]:
    def call() -> None:
        p = params(in_features=input_shape[0], **changes)
        limits.check_layer(p, input_shape)

    return call


def settings(**changes: object) -> Callable[[], None]:
    return lambda: limits.check_params(params(**changes))


CASES: list[tuple[str, Callable[[], None], str]] = [
    ("in features", settings(in_features=513), r"^in_features=513 is over the limit of 512$"),
    ("out features", settings(out_features=513), r"^out_features=513 is over the limit of 512$"),
    ("kernel side", settings(kernel_size=(3, 65)), r"^kernel_size=65 is over the limit of 64$"),
    ("stride", settings(stride=4097), r"^stride=4097 is over the limit of 4,096$"),
    ("dilation", settings(dilation=4097), r"^dilation=4097 is over the limit of 4,096$"),
    ("padding amount", settings(padding=4097), r"^padding=4097 is over the limit of 4,096$"),
    (
        "weight values",
        settings(in_features=512, out_features=512, kernel_size=64),
        r"^weight of shape 512x512x64x64 has 1,073,741,824 values, over the limit",
    ),
    (
        "2D size",
        layer((1, 4097, 10)),
        r"^input size 4097x10 is over the limit of 4,096 per side$",
    ),
    (
        "1D size",
        layer((1, 1_000_001), ndim=1),
        r"^input size 1000001 is over the limit of 1,000,000 per side$",
    ),
    (
        "input values",
        layer((4, 4096, 4096)),
        r"^input of shape 4x4096x4096 has 67,108,864 values, over the limit of 64,000,000$",
    ),
    (
        "padded input values",
        layer((1, 4000, 4000), padding=2100),
        r"^padded input of shape 1x8200x8200 has 67,240,000 values, over the limit of 64,000,000",
    ),
    (
        "output values",
        layer((1, 4096, 4096), out_features=8, kernel_size=1),
        r"^output of shape 8x4096x4096 has 134,217,728 values, over the limit of 64,000,000$",
    ),
]


@pytest.mark.parametrize(("name", "call", "message"), CASES, ids=[c[0] for c in CASES])
def test_over_a_limit_the_message_names_the_limit(
    name: str, call: Callable[[], None], message: str
) -> None:
    with pytest.raises(ConvError, match=message):
        call()


def test_a_layer_within_the_limits_passes() -> None:
    limits.check_layer(params(in_features=512, kernel_size=64, padding=32), (512, 100, 100))


def test_the_engine_itself_accepts_what_only_the_window_refuses() -> None:
    big = params(in_features=600, out_features=600, kernel_size=(65, 1), padding=5000)
    assert big.kernel_size == (65, 1)
    assert big.output_shape((600, 4097, 2)) == (600, 4097 + 10000 - 64, 2 + 10000)


def test_a_session_resized_over_a_limit_is_refused() -> None:
    session = Session.default()
    with pytest.raises(ConvError, match=r"^kernel_size=65 is over the limit of 64$"):
        session.resized(session.params.replace(kernel_size=65), (100, 100))
    with pytest.raises(ConvError, match=r"^input size 5000x5 is over the limit"):
        session.resized(session.params, (5000, 5))
