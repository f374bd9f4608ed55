"""The worker thread: the newest job wins, stale results are dropped, bursts coalesce, shutdown."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest

from convstudio.engine import ConvError, ConvParams, convolve
from convstudio.ui.state.worker import ConvolutionRunner, engine_compute


def make_session(params: ConvParams, spatial: tuple[int, ...], seed: int = 0) -> SimpleNamespace:
    """What the runner reads from a session: params, input, weight and bias."""
    rng = np.random.default_rng(seed)
    return SimpleNamespace(
        params=params,
        input=rng.uniform(-1, 1, (params.in_features, *spatial)),
        weight=rng.uniform(-1, 1, params.weight_shape),
        bias=rng.uniform(-1, 1, params.bias_shape),
    )


def reference(session: SimpleNamespace) -> np.ndarray:
    bias = session.bias if session.params.bias else None
    return convolve(session.input, session.weight, bias, **session.params.settings())


class Recorder:
    """Collects what the runner emits, in order."""

    def __init__(self, runner: ConvolutionRunner) -> None:
        self.results: list[tuple[int, np.ndarray]] = []
        self.failures: list[tuple[int, str]] = []
        self.busy: list[bool] = []
        runner.result_ready.connect(lambda g, out: self.results.append((g, out)))
        runner.failed.connect(lambda g, msg: self.failures.append((g, msg)))
        runner.busy_changed.connect(self.busy.append)


class GatedCompute:
    """A slow job for tests: each call waits at a gate until the test opens it.

    ``cooperative`` jobs also give up (return None) when the runner says they are cancelled.
    """

    def __init__(self, cooperative: bool = False) -> None:
        self.cooperative = cooperative
        self.gate = threading.Event()
        self.started = threading.Event()
        self.calls: list[float] = []  # the input's first value identifies the job
        self.gave_up = 0

    def __call__(self, x, weight, bias, params, cancelled):
        self.calls.append(float(x.flat[0]))
        self.started.set()
        while not self.gate.wait(0.002):
            if self.cooperative and cancelled():
                self.gave_up += 1
                return None
        return np.full((1,), x.flat[0])


@pytest.fixture
def runners(qtbot):
    made: list[ConvolutionRunner] = []

    def make(**kwargs) -> ConvolutionRunner:
        runner = ConvolutionRunner(**kwargs)
        made.append(runner)
        return runner

    yield make
    for runner in made:
        runner.shutdown()


def tagged(value: float) -> SimpleNamespace:
    """A tiny session whose input's first value names the job."""
    params = ConvParams(ndim=1, in_features=1, out_features=1, kernel_size=1)
    return SimpleNamespace(
        params=params, input=np.full((1, 2), value), weight=np.ones((1, 1, 1)), bias=np.zeros(1)
    )


def test_result_carries_its_generation_and_equals_convolve(qtbot, runners):
    runner = runners()
    recorder = Recorder(runner)
    params = ConvParams(ndim=2, in_features=2, out_features=3, kernel_size=3, padding=1)
    session = make_session(params, (6, 5))
    with qtbot.waitSignal(runner.result_ready) as blocker:
        generation = runner.request(session)
    assert generation == 1 == runner.generation
    got_generation, output = blocker.args
    assert got_generation == generation
    np.testing.assert_array_equal(output, reference(session))
    assert recorder.busy == [True, False]
    assert not runner.busy


def test_bias_off_is_not_added(qtbot, runners):
    runner = runners()
    params = ConvParams(ndim=1, in_features=1, out_features=2, kernel_size=2, bias=False)
    session = make_session(params, (5,))
    with qtbot.waitSignal(runner.result_ready) as blocker:
        runner.request(session)
    np.testing.assert_array_equal(blocker.args[1], reference(session))
    assert not np.array_equal(blocker.args[1], reference(session) + session.bias[:, None])


def test_slow_job_superseded_delivers_only_the_newer_result(qtbot, runners):
    compute = GatedCompute(cooperative=False)  # finishes its stale job anyway: the runner drops it
    runner = runners(compute=compute)
    recorder = Recorder(runner)
    first = runner.request(tagged(1.0))
    qtbot.waitUntil(compute.started.is_set)
    second = runner.request(tagged(2.0))
    compute.gate.set()
    with qtbot.waitSignal(runner.result_ready) as blocker:
        pass
    qtbot.waitUntil(lambda: len(compute.calls) == 2)
    assert (first, second) == (1, 2)
    assert blocker.args[0] == second
    assert compute.calls == [1.0, 2.0]
    # Give any stale emission a chance to arrive; it must have been dropped.
    qtbot.wait(20)
    assert [(g, float(out[0])) for g, out in recorder.results] == [(2, 2.0)]
    assert recorder.busy == [True, False]


def test_cooperative_stale_job_is_abandoned(qtbot, runners):
    compute = GatedCompute(cooperative=True)
    runner = runners(compute=compute)
    recorder = Recorder(runner)
    runner.request(tagged(1.0))
    qtbot.waitUntil(compute.started.is_set)
    runner.request(tagged(2.0))
    qtbot.waitUntil(lambda: compute.gave_up == 1)
    compute.gate.set()
    qtbot.waitUntil(lambda: bool(recorder.results))
    assert compute.calls == [1.0, 2.0]
    assert [g for g, _ in recorder.results] == [2]


def test_a_burst_coalesces_into_one_computation(qtbot, runners):
    compute = GatedCompute(cooperative=False)
    runner = runners(compute=compute)
    recorder = Recorder(runner)
    runner.request(tagged(0.0))
    qtbot.waitUntil(compute.started.is_set)
    for value in range(1, 21):
        runner.request(tagged(float(value)))
    compute.gate.set()
    qtbot.waitUntil(lambda: bool(recorder.results))
    qtbot.wait(20)
    # The job that was running, then only the newest of the twenty that queued up behind it.
    assert compute.calls == [0.0, 20.0]
    assert [(g, float(out[0])) for g, out in recorder.results] == [(21, 20.0)]


def test_shutdown_mid_job_stops_the_thread(qtbot, runners):
    compute = GatedCompute(cooperative=True)
    runner = runners(compute=compute)
    recorder = Recorder(runner)
    runner.request(tagged(1.0))
    qtbot.waitUntil(compute.started.is_set)
    runner.shutdown()
    assert runner.worker_thread.isFinished()
    assert compute.gave_up == 1  # the job saw the cancel and stopped at once
    assert recorder.busy == [True, False]
    runner.shutdown()  # a second call is harmless
    generation = runner.request(tagged(2.0))  # after shutdown nothing runs
    qtbot.wait(20)
    assert generation == 2
    assert compute.calls == [1.0]
    assert recorder.results == []


def test_real_job_is_abandoned_on_shutdown(qtbot, runners):
    # About 400 million multiply-adds: several of the engine's tiles, each ending in a question.
    started = threading.Event()
    checks: list[bool] = []
    outputs: list[object] = []

    def held_after_two_tiles(x, weight, bias, params, cancelled):
        def check() -> bool:
            # Before the third tile the job waits until the runner cancels it: it is still
            # running when shutdown comes, however fast the machine.
            if len(checks) == 2:
                started.set()
                while not cancelled():
                    time.sleep(0.001)
            checks.append(cancelled())
            return checks[-1]

        outputs.append(engine_compute(x, weight, bias, params, check))
        return outputs[-1]

    runner = runners(compute=held_after_two_tiles)
    params = ConvParams(ndim=1, in_features=1, out_features=64, kernel_size=64)
    runner.request(make_session(params, (100_000,)))
    qtbot.waitUntil(started.is_set)
    runner.shutdown()
    assert runner.worker_thread.isFinished()
    assert checks == [False, False, True], "two tiles computed, then the job saw the cancel"
    assert [out is None for out in outputs] == [True], "the abandoned job returned no output"


def test_errors_arrive_via_failed(qtbot, runners):
    def broken(x, weight, bias, params, cancelled):
        raise ConvError("kernel_size=9 spans 9 cells, larger than the padded input")

    runner = runners(compute=broken)
    recorder = Recorder(runner)
    with qtbot.waitSignal(runner.failed) as blocker:
        generation = runner.request(tagged(1.0))
    assert blocker.args == [generation, "kernel_size=9 spans 9 cells, larger than the padded input"]
    assert recorder.results == []
    assert recorder.busy == [True, False]


def test_unexpected_errors_become_messages_and_the_thread_survives(qtbot, runners):
    calls: list[int] = []

    def buggy_once(x, weight, bias, params, cancelled):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return x.copy()

    runner = runners(compute=buggy_once)
    with qtbot.waitSignal(runner.failed) as blocker:
        runner.request(tagged(1.0))
    assert "boom" in blocker.args[1]
    with qtbot.waitSignal(runner.result_ready) as blocker:
        generation = runner.request(tagged(3.0))
    assert blocker.args[0] == generation
    np.testing.assert_array_equal(blocker.args[1], np.full((1, 2), 3.0))


@pytest.mark.parametrize(
    "settings",
    [
        {"ndim": 2, "kernel_size": 3, "padding": 1},
        {"ndim": 2, "kernel_size": (3, 2), "stride": (2, 1), "padding": ((2, 1), (0, 1))},
        {"ndim": 2, "kernel_size": 3, "dilation": (2, 1), "padding": 2, "padding_mode": "reflect"},
        {"ndim": 2, "kernel_size": 2, "stride": 3, "padding": 1, "padding_mode": "circular"},
        {"ndim": 2, "kernel_size": 3, "padding": "same", "padding_mode": "replicate", "groups": 2},
        {"ndim": 1, "kernel_size": 4, "stride": 2, "dilation": 2, "padding": ((3, 1),)},
        {"ndim": 1, "kernel_size": 3, "padding": "full", "bias": False, "groups": 2},
    ],
)
def test_the_worker_gives_the_engine_values(settings):
    params = ConvParams(in_features=2, out_features=4, **settings)
    session = make_session(params, (9, 8)[: params.ndim], seed=3)
    bias = session.bias if params.bias else None
    out = engine_compute(session.input, session.weight, bias, params, lambda: False)
    np.testing.assert_allclose(out, reference(session), rtol=1e-12, atol=1e-12)


def test_the_worker_gives_up_when_cancelled():
    params = ConvParams(ndim=2, in_features=1, out_features=1, kernel_size=3)
    session = make_session(params, (10, 10))
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return True

    out = engine_compute(session.input, session.weight, None, params, cancelled)
    assert out is None
    assert asked


def test_a_runner_deleted_with_its_parent_stops_its_thread(qtbot):
    from PySide6.QtCore import QObject

    compute = GatedCompute(cooperative=True)
    parent = QObject()
    runner = ConvolutionRunner(parent, compute=compute)
    thread = runner.worker_thread
    runner.request(tagged(1.0))
    qtbot.waitUntil(compute.started.is_set)
    del runner
    parent.deleteLater()
    qtbot.waitUntil(lambda: compute.gave_up == 1)
    assert thread.isFinished()


def test_a_real_session_gives_its_output(qtbot, runners):
    from convstudio.session.model import Session

    session = Session.default()
    runner = runners()
    with qtbot.waitSignal(runner.result_ready) as blocker:
        runner.request(session)
    np.testing.assert_array_equal(blocker.args[1], session.compute_output())
    no_bias = session.resized(session.params.replace(bias=False), session.spatial)
    with qtbot.waitSignal(runner.result_ready) as blocker:
        runner.request(no_bias)
    np.testing.assert_array_equal(blocker.args[1], no_bias.compute_output())
