"""The status bar: the layer's input and output shapes, the busy indicator and passing messages.

It subscribes itself: the shapes follow the document's settings, the busy indicator follows the
worker, and it shows every message the rest of the window announces (an edit the document refused,
a computation that failed, a file saved), so no view needs to reach the window to say something.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget

from convstudio.session import overflow_message
from convstudio.ui.state.document import SessionDocument
from convstudio.ui.state.worker import ConvolutionRunner

#: How long a message stays, in milliseconds.
MESSAGE_MS = 6000


class StatusBar(QStatusBar):
    """Shapes on the right, the busy indicator beside them, messages on the left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shape_label = QLabel()
        self.shape_label.setToolTip("Input shape → output shape, as (features, *spatial)")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setMaximumHeight(14)
        self.busy.setToolTip("The convolution is being computed in the background")
        self.busy.setVisible(False)
        self.addPermanentWidget(self.busy)
        self.addPermanentWidget(self.shape_label)
        self._document: SessionDocument | None = None

    def bind(self, document: SessionDocument, runner: ConvolutionRunner) -> None:
        """Follow the document's shapes, the runner's work, and both their messages."""
        self._document = document
        document.changed.connect(self._document_changed)
        document.refused.connect(self.show_message)
        runner.busy_changed.connect(self.busy.setVisible)
        runner.failed.connect(self._job_failed)
        runner.result_ready.connect(self._result_ready)
        self._document_changed(frozenset({"params"}))

    def show_message(self, text: str) -> None:
        """Show ``text`` for a few seconds."""
        self.showMessage(text, MESSAGE_MS)

    def _document_changed(self, parts: frozenset[str]) -> None:
        if self._document is None or "params" not in parts:
            return
        session = self._document.session
        out_shape = session.params.output_shape_unchecked(session.input.shape)
        self.shape_label.setText(f"input {tuple(session.input.shape)} → output {tuple(out_shape)}")

    def _result_ready(self, _generation: int, output: np.ndarray) -> None:
        if overflowed := overflow_message(output):
            self.show_message(overflowed)

    def _job_failed(self, _generation: int, message: str) -> None:
        self.show_message(f"The convolution failed: {message}")


__all__ = ["MESSAGE_MS", "StatusBar"]
