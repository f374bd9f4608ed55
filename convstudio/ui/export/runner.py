"""An export run from the window: pictures and data at once, frames in slices with a progress
dialog that can be cancelled, the GIF encoded off the GUI thread.

Drawing must happen on the GUI thread (widgets paint there), so a frame export renders one frame
per timer tick: the window stays responsive between frames, and the progress dialog (shown only
when the export takes more than half a second) can cancel it. Encoding the GIF, which is Pillow
work on finished frames, runs in a worker thread (superqt's ``create_worker``); the file is
written atomically when it is done, and nothing at all is written when the run is cancelled or
fails.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog
from superqt.utils import create_worker

from convstudio.ui.export.exporter import ExportRequest, check_request, export_now, frame_job

if TYPE_CHECKING:
    from convstudio.ui.export.frames import FrameJob
    from convstudio.ui.shell.main_window import MainWindow

#: The progress dialog appears once an export has run this long (ms).
PROGRESS_AFTER_MS = 500


class ExportRun(QObject):
    """One export from the window. ``finished(path)`` or ``failed(message)`` ends it, once;
    ``cancel()`` (the progress dialog's button) ends it with ``failed("cancelled")`` and nothing
    written."""

    finished = Signal(str)
    failed = Signal(str)

    def __init__(self, window: MainWindow, request: ExportRequest) -> None:
        super().__init__(window)
        self.window = window
        self.request = request
        self.job: FrameJob | None = None
        self.progress: QProgressDialog | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._step)
        self._worker: object | None = None  # the GIF encoder's thread worker, kept alive
        self._over = False

    def start(self) -> None:
        """Begin; pictures, arrays and scripts are written before this returns."""
        try:
            kind = check_request(self.window, self.request)
            if kind not in ("gif", "frames"):
                export_now(self.window, self.request)
                self._end(None)
                return
            self.job = frame_job(self.window, self.request)
        except ValueError as error:
            self._end(str(error))
            return
        progress = QProgressDialog(
            f"Drawing {self.job.total} frames…", "Cancel", 0, self.job.total, self.window
        )
        progress.setWindowTitle("Export")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(PROGRESS_AFTER_MS)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.canceled.connect(self.cancel)
        self.progress = progress
        self._timer.start()

    def _step(self) -> None:
        job = self.job
        assert job is not None
        try:
            more = job.step()
        except (ValueError, OSError) as error:
            job.cancel()
            self._end(str(error))
            return
        if self.progress is not None:
            self.progress.setValue(job.done)
        if more:
            return
        self._timer.stop()
        if job.kind == "frames":
            self._write(None)
            return
        if self.progress is not None:
            self.progress.setLabelText("Writing the GIF…")
        worker = create_worker(job.encoded, _start_thread=False)
        worker.returned.connect(self._write)
        worker.errored.connect(lambda error: self._end(f"the GIF could not be made: {error}"))
        self._worker = worker
        worker.start()

    def _write(self, data: bytes | None) -> None:
        if self._over or self.job is None:
            return
        try:
            self.job.finish(data)
        except (ValueError, OSError) as error:
            self.job.cancel()
            self._end(str(error))
            return
        self._end(None)

    def cancel(self) -> None:
        """Stop now; nothing is written and the cursor goes back."""
        if self._over:
            return
        self._timer.stop()
        if self.job is not None:
            self.job.cancel()
        self._end("cancelled")

    def is_running(self) -> bool:
        return not self._over

    def _end(self, error: str | None) -> None:
        if self._over:
            return
        self._over = True
        self._timer.stop()
        if self.progress is not None:
            self.progress.canceled.disconnect(self.cancel)
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None
        if error is None:
            self.finished.emit(self.request.path)
        else:
            self.failed.emit(error)
