"""One export, whatever its format: the command line and File > Export... both come here.

Arrays and scripts are written by ``convstudio.transfer.export`` (no Qt); pictures and frames are
drawn from the window (``render``, ``frames``). Every target is written atomically, so a refusal
or a failure leaves nothing behind.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from convstudio.session import write_atomically
from convstudio.transfer.errors import TransferError
from convstudio.transfer.export import export_data, export_kind
from convstudio.ui.export.frames import DEFAULT_FRAME_MS, FrameJob, FrameOptions
from convstudio.ui.export.render import MAX_SCALE, png_bytes, render_image, svg_bytes

if TYPE_CHECKING:
    from convstudio.ui.shell.main_window import MainWindow


@dataclass(frozen=True)
class ExportRequest:
    """What to export and how (the command line's options; the dialog fills the same)."""

    path: str
    out_feature: int | None = None
    position: tuple[int, ...] | None = None
    scale: float = 1.0
    code: str = "numpy"
    what: str = "output"
    reveal: bool = False
    frame_ms: int = DEFAULT_FRAME_MS
    arithmetic: bool = False

    @property
    def kind(self) -> str:
        return export_kind(self.path)

    def frame_options(self) -> FrameOptions:
        return FrameOptions(
            scale=self.scale,
            arithmetic=self.arithmetic,
            reveal=self.reveal,
            frame_ms=self.frame_ms,
            out_feature=self.out_feature,
        )


def check_request(window: MainWindow, request: ExportRequest) -> str:
    """Refuse a request that cannot be met, before anything is drawn; returns its kind."""
    kind = request.kind
    if not 0 < request.scale <= MAX_SCALE:
        raise TransferError(f"--scale {request.scale:g} is outside (0, {MAX_SCALE:g}]")
    session = window.document.session
    out_shape = session.output_shape
    if request.out_feature is not None and not 0 <= request.out_feature < out_shape[0]:
        raise TransferError(f"--out-feature {request.out_feature} is outside 0..{out_shape[0] - 1}")
    if request.position is not None:
        spatial = out_shape[1:]
        if len(request.position) != len(spatial) or not all(
            0 <= p < n for p, n in zip(request.position, spatial)
        ):
            raise TransferError(
                f"--position {','.join(map(str, request.position))} is outside the output of "
                f"size {'x'.join(map(str, spatial))}"
            )
    return kind


def place_cursor(window: MainWindow, request: ExportRequest) -> None:
    """Put the cursor where the request asks (a picture of another cell)."""
    cursor = window.document.session.cursor
    window.document.set_cursor(
        cursor.out_feature if request.out_feature is None else request.out_feature,
        cursor.position if request.position is None else request.position,
    )


def frame_job(window: MainWindow, request: ExportRequest) -> FrameJob:
    return FrameJob(window, request.kind, request.path, request.frame_options())


def export_now(window: MainWindow, request: ExportRequest) -> str:
    """Write ``request`` from ``window`` in one go (frames included); returns the kind.

    Raises ``ValueError`` (``TransferError``, ``SessionError``) naming the problem; nothing is
    written then.
    """
    kind = check_request(window, request)
    session = window.document.session
    if kind in ("array", "code"):
        return export_data(session, request.path, what=request.what, code=request.code)
    if kind in ("gif", "frames"):
        frame_job(window, request).run()
        return kind
    place_cursor(window, request)
    if kind == "png":
        image = render_image(window, scale=request.scale, arithmetic=request.arithmetic)
        data = png_bytes(image)
    else:
        data = svg_bytes(window, arithmetic=request.arithmetic, title=session.title)
    write_atomically(os.fspath(request.path), data)
    return kind
