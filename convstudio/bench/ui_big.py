"""Big-layer UI figures: how long the GUI thread stalls while a big layer is opened and used.

A 5 ms timer runs on the GUI thread throughout; the gap between two of its ticks is how long the
thread could not answer (a user's click or a repaint waits as long). Each phase (opening a file,
scrubbing 10 steps, stepping output features, editing a cell, changing a setting) keeps its own
gaps; a phase's p99 and worst gap are reported, and ``big_stall_p99_ms`` is the worst p99 of any
phase on any layer. ``big_open_s`` is from asking to open the file to the first tick after its
output is shown (so after the paint it caused).

The actions are posted on the event loop a little apart, never run back to back in a Python loop:
a user's steps arrive as events, and the timer must be able to tick between them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

#: The stall timer's interval, in milliseconds.
TICK_MS = 5
#: Time between two posted user actions (a fast scrub: 30 steps a second).
ACTION_SPACING_MS = 33
#: The longest one phase may take before the bench gives up on it, in seconds.
PHASE_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class BigLayer:
    """One 2D layer of the bench: features in and out, square input side, square kernel side."""

    in_features: int
    out_features: int
    size: int
    kernel: int

    @property
    def name(self) -> str:
        side = f"{self.size}x{self.size}"
        return f"{self.in_features}->{self.out_features} {side} k{self.kernel}"


#: The layers ``big_open_s`` and ``big_stall_p99_ms`` are measured on (the issue's two).
HEADLINE = (BigLayer(64, 64, 128, 3), BigLayer(3, 32, 1024, 3))
#: Looked at too (the issue's table), reported but not part of the two headline keys.
EXTRA = (BigLayer(8, 8, 512, 15),)
#: ``--quick`` (the smoke test): the same shapes, smaller, so the keys are there in seconds.
QUICK = (BigLayer(16, 16, 64, 3), BigLayer(3, 8, 256, 3))


@dataclass
class PhaseFigures:
    """The gaps (ms) between timer ticks during one phase, and how long the phase took (s)."""

    gaps: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def p99(self) -> float:
        return float(np.percentile(self.gaps, 99)) if self.gaps else 0.0

    @property
    def worst(self) -> float:
        return max(self.gaps, default=0.0)


class StallMonitor:
    """A 5 ms timer on the GUI thread that records the gaps between its ticks."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._last: float | None = None
        self._gaps: list[float] = []
        self._checks: list[Callable[[], None]] = []

    def start(self) -> None:
        self._last = None
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self._gaps.append((now - self._last) * 1e3)
        self._last = now
        for check in list(self._checks):
            check()

    def phase(self, actions: list[Callable[[], None]], done: Callable[[], bool]) -> PhaseFigures:
        """Post ``actions`` ``ACTION_SPACING_MS`` apart, then run until ``done()`` holds at a tick.

        The gaps recorded from the first action to that tick are the phase's.
        """
        from PySide6.QtCore import QEventLoop, QTimer

        loop = QEventLoop()
        remaining = len(actions)

        def run(action: Callable[[], None]) -> None:
            nonlocal remaining
            action()
            remaining -= 1

        def check() -> None:
            if remaining == 0 and done():
                loop.quit()

        self._gaps = []
        self._last = time.perf_counter()
        start = time.perf_counter()
        for number, action in enumerate(actions):
            QTimer.singleShot(number * ACTION_SPACING_MS, lambda a=action: run(a))
        self._checks.append(check)
        QTimer.singleShot(round(PHASE_TIMEOUT_S * 1000), loop.quit)
        loop.exec()
        self._checks.remove(check)
        figures = PhaseFigures(self._gaps, time.perf_counter() - start)
        if not (remaining == 0 and done()):
            raise RuntimeError(f"a bench phase did not finish within {PHASE_TIMEOUT_S:g} s")
        return figures


def big_session(layer: BigLayer, seed: int = 0):
    """The layer with 'same' padding and small integer values."""
    from convstudio.engine.params import ConvParams
    from convstudio.session.model import blank_session

    rng = np.random.default_rng(seed)
    params = ConvParams(
        ndim=2,
        in_features=layer.in_features,
        out_features=layer.out_features,
        kernel_size=layer.kernel,
        padding=layer.kernel // 2,
    )
    session = blank_session(params, (layer.size, layer.size), title=f"bench {layer.name}")
    for target in ("input", "weight", "bias"):
        shape = session.array(target).shape
        session = session.with_array(target, rng.integers(-3, 4, size=shape).astype(float))
    return session


@dataclass
class LayerFigures:
    """Everything measured on one layer."""

    layer: BigLayer
    built_s: float  # a window on the session in memory: construction to its first tick
    shown_s: float  # ... to the first tick after its output is shown
    phases: dict[str, PhaseFigures]

    @property
    def open_s(self) -> float:
        return self.phases["open"].seconds

    @property
    def stall_p99_ms(self) -> float:
        return max(phase.p99 for phase in self.phases.values())


def painted(window) -> bool:
    """The output is the session's and every grid on view has been built (and so painted at the
    tick this is checked on)."""
    return window.output_is_current() and not window.stage.on_view.pending()


def measure_layer(layer: BigLayer, folder: Path) -> LayerFigures:
    """Build a window on the layer, open it from a file in a second window, then use it."""
    from PySide6.QtCore import QTimer

    from convstudio.session import fileformat
    from convstudio.ui.shell.app import application
    from convstudio.ui.shell.main_window import MainWindow

    app = application()
    session = big_session(layer)
    path = folder / f"bench-{layer.in_features}-{layer.out_features}-{layer.size}.convstudio"
    fileformat.save(session, path)
    monitor = StallMonitor()
    monitor.start()

    # The table: a window built on the session in memory, then its output shown.
    holder: dict[str, MainWindow] = {}
    ticked: list[float] = []

    def build() -> None:
        window = holder["window"] = MainWindow(session)
        window.show()
        # The next turn of the event loop, after the paints the show posted.
        QTimer.singleShot(0, lambda: ticked.append(time.perf_counter()))

    start = time.perf_counter()
    monitor.phase([build], lambda: bool(ticked))
    built_s = ticked[0] - start
    monitor.phase([], lambda: painted(holder["window"]))
    shown_s = time.perf_counter() - start
    holder["window"].close()
    holder["window"].deleteLater()
    app.processEvents()

    # Opening the file in a window that shows the default layer, as File > Open does.
    window = MainWindow()
    window.show()
    monitor.phase([], window.output_is_current)
    phases: dict[str, PhaseFigures] = {}
    title = session.title

    def opened() -> bool:
        return window.document.session.title == title and painted(window)

    phases["open"] = monitor.phase([lambda: window.files.open_path(path, ask=False)], opened)
    document = window.document
    params = document.session.params
    rows, cols = params.output_shape_unchecked(document.session.input.shape)[1:]
    steps = [
        (lambda n=n: document.set_cursor(0, (rows // 2, (cols // 2 + n) % cols)))
        for n in range(1, 11)
    ]
    phases["scrub"] = monitor.phase(steps, lambda: painted(window))
    features = [
        (lambda f=f: document.set_cursor(f % params.out_features, (rows // 2, cols // 2)))
        for f in range(1, 6)
    ]
    phases["features"] = monitor.phase(features, lambda: painted(window))
    cell = (0, layer.size // 3, layer.size // 3)
    value = float(document.session.input[cell]) + 1.0
    phases["edit"] = monitor.phase(
        [lambda: document.set_cells("input", cell, np.array([[[value]]]))],
        lambda: painted(window),
    )
    wider = params.replace(padding=params.padding[0][0] + 1)
    phases["settings"] = monitor.phase(
        [lambda: document.set_layer(wider, document.session.spatial)],
        lambda: document.session.params == wider and painted(window),
    )
    monitor.stop()
    window.close()
    window.deleteLater()
    app.processEvents()
    return LayerFigures(layer, built_s, shown_s, phases)


def run(folder: Path, layers: tuple[BigLayer, ...] = HEADLINE + EXTRA) -> list[LayerFigures]:
    return [measure_layer(layer, folder) for layer in layers]


def headline(figures: list[LayerFigures]) -> dict[str, float]:
    """``big_open_s`` (the slowest headline layer's open) and ``big_stall_p99_ms``."""
    main = [f for f in figures if f.layer not in EXTRA]
    return {
        "big_open_s": round(max(f.open_s for f in main), 3),
        "big_stall_p99_ms": round(max(f.stall_p99_ms for f in main), 1),
    }


def report(figures: list[LayerFigures]) -> list[str]:
    """Human-readable lines: the issue's table, then each phase's p99 and worst gap."""
    lines = [
        "  big layers (5 ms timer on the GUI thread; a gap between ticks is a stall):",
        "    layer                     built   shown   10 steps worst  edit worst",
    ]
    for f in figures:
        lines.append(
            f"    {f.layer.name:<24} {f.built_s:6.2f}s {f.shown_s:6.2f}s "
            f"{f.phases['scrub'].worst:10.0f} ms {f.phases['edit'].worst:8.0f} ms"
        )
    for f in figures:
        parts = ", ".join(
            f"{name} p99 {phase.p99:.0f}/worst {phase.worst:.0f} ms"
            for name, phase in f.phases.items()
        )
        lines.append(f"    {f.layer.name}: open {f.open_s:.2f} s; {parts}")
    return lines
