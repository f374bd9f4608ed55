"""The session file describes forward layers only (format version 1): a transposed layer is
refused on save with a message, never written without its transposed flag."""

from __future__ import annotations

import numpy as np
import pytest

from convstudio.engine import ConvParams
from convstudio.session import Session, SessionError, dumps


def test_a_transposed_layer_is_refused_on_save_not_written_as_a_forward_one() -> None:
    params = ConvParams(
        ndim=1, in_features=2, out_features=2, kernel_size=3, stride=2, transposed=True
    )
    session = Session(
        params=params,
        input=np.zeros((2, 4)),
        weight=np.zeros(params.weight_shape),
        bias=np.zeros(2),
    )
    with pytest.raises(SessionError, match=r"^params: a transposed layer cannot be saved yet"):
        dumps(session)
