"""One picture per output cell, in the playback order: an animated GIF or a folder of PNGs.

A ``FrameJob`` moves the window's cursor through the playback order one frame per ``step()``
(so the window can run it in slices between events, with a progress dialog, and the command line
in a plain loop), and puts the cursor back when it ends. GIF frames share one palette, taken from
the first frame, so colours do not flicker from frame to frame; they are kept in memory as
palette images (a byte a pixel) and encoded by ``encode_gif``, which uses Pillow only and can run
off the GUI thread. PNG frames are written one by one into a temporary folder that becomes the
target only when the last one is written: a cancelled or failed job leaves nothing.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from convstudio.session import AtomicFolder, Cursor, playback_order, write_atomically
from convstudio.transfer.errors import TransferError
from convstudio.ui.export.render import png_bytes, render_image, to_pil

if TYPE_CHECKING:
    from convstudio.ui.shell.main_window import MainWindow

#: A playback longer than this is refused (one output feature can be exported on its own).
MAX_FRAMES = 5000
DEFAULT_FRAME_MS = 400


@dataclass(frozen=True)
class FrameOptions:
    """How the frames look: pixel scale, the arithmetic under the stage, reveal, frame time."""

    scale: float = 1.0
    arithmetic: bool = False
    reveal: bool = False
    frame_ms: int = DEFAULT_FRAME_MS
    order: str = "feature-major"
    out_feature: int | None = None  # only this output feature's positions


def frame_name(index: int, total: int) -> str:
    """``frame_0007.png``: numbered from 1, zero-padded so the files sort in order."""
    return f"frame_{index + 1:0{max(4, len(str(total)))}d}.png"


def encode_gif(frames: list[Image.Image], frame_ms: int) -> bytes:
    """The frames as one looping animated GIF (Pillow only: safe off the GUI thread)."""
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=frame_ms,
        loop=0,
        optimize=False,
    )
    return buffer.getvalue()


class FrameJob:
    """Render the playback, frame by frame, for ``kind`` "gif" or "frames" at ``path``.

    ``step()`` renders the next frame and returns False once all are done; then ``finish()``
    writes the result (for a GIF, ``encoded()`` may be called on another thread first and its
    bytes handed to ``finish``). ``cancel()`` stops and leaves nothing. Either way the window's
    cursor goes back to where it was.
    """

    def __init__(
        self, window: MainWindow, kind: str, path: str | os.PathLike[str], options: FrameOptions
    ) -> None:
        if kind not in ("gif", "frames"):
            raise TransferError(f"a frame export is a GIF or a folder of frames, not {kind!r}")
        if options.frame_ms < 10 or options.frame_ms > 60_000:
            raise TransferError(f"frame time {options.frame_ms} ms is outside 10..60000 ms")
        self.window = window
        self.kind = kind
        self.path = os.fspath(path)
        self.options = options
        session = window.document.session
        out_shape = session.output_shape
        steps = list(playback_order(session.params, session.input.shape, options.order))
        if options.out_feature is not None:
            if not 0 <= options.out_feature < out_shape[0]:
                raise TransferError(
                    f"--out-feature {options.out_feature} is outside 0..{out_shape[0] - 1}"
                )
            steps = [s for s in steps if s[0] == options.out_feature]
        if len(steps) > MAX_FRAMES:
            raise TransferError(
                f"the playback has {len(steps):,} frames, over the limit of {MAX_FRAMES:,}: "
                "export one output feature (--out-feature N)"
            )
        self.steps = steps
        self.done = 0
        self._cursor: Cursor = session.cursor
        self._reached = np.ones(out_shape, dtype=bool)
        if options.reveal:
            for feature, position in steps:
                self._reached[(feature, *position)] = False
        self._frames: list[Image.Image] = []
        self._palette: Image.Image | None = None
        self._folder = AtomicFolder(self.path) if kind == "frames" else None

    @property
    def total(self) -> int:
        return len(self.steps)

    def step(self) -> bool:
        """Render the next frame; False when there is none left."""
        if self.done >= self.total:
            return False
        feature, position = self.steps[self.done]
        self.window.document.set_cursor(feature, position)
        reached = None
        if self.options.reveal:
            self._reached[(feature, *position)] = True
            reached = self._reached
        image = render_image(
            self.window,
            scale=self.options.scale,
            arithmetic=self.options.arithmetic,
            reached=reached,
        )
        if self._folder is not None:
            assert self._folder.temporary is not None
            name = frame_name(self.done, self.total)
            (self._folder.temporary / name).write_bytes(png_bytes(image))
        else:
            frame = to_pil(image)
            if self._palette is None:
                self._palette = frame.quantize(colors=256, method=Image.Quantize.MEDIANCUT)
            self._frames.append(frame.quantize(palette=self._palette, dither=Image.Dither.NONE))
        self.done += 1
        if self.done == self.total:
            self._restore()
        return self.done < self.total

    def encoded(self) -> bytes:
        """The GIF's bytes (Pillow only: may run on another thread once every step is done)."""
        return encode_gif(self._frames, self.options.frame_ms)

    def finish(self, data: bytes | None = None) -> None:
        """Write the result in place (atomically); ``data`` is ``encoded()`` when already made."""
        self._restore()
        if self._folder is not None:
            self._folder.commit()
        else:
            write_atomically(self.path, data if data is not None else self.encoded())
        self._frames.clear()

    def cancel(self) -> None:
        """Stop: nothing is written, the cursor goes back."""
        self._restore()
        if self._folder is not None:
            self._folder.discard()
        self._frames.clear()

    def run(self) -> None:
        """Every step and the write, in one go (the command line)."""
        try:
            while self.step():
                pass
            self.finish()
        except BaseException:
            self.cancel()
            raise

    def _restore(self) -> None:
        cursor = self._cursor
        self.window.document.set_cursor(cursor.out_feature, cursor.position)
