import threading
import time

import pytest

from playground.errors import PlaygroundError
from playground.models import create_model
from playground.training import TrainConfig, fit, jobs
from playground.training.jobs import DONE, FAILED, RUNNING, STOPPED, WAITING, Job, Slots
from tests.helpers import make_data, wait_for


class FakeClock:
    """Stands in for the ``time`` module inside jobs.py: ``perf_counter`` moves only when the test says so."""

    def __init__(self):
        self.now = 1000.0

    def perf_counter(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds

    def __getattr__(self, name):
        return getattr(time, name)


def training_target(epochs=3):
    def target(ctx):
        model = create_model("mlp", in_features=2, hidden=(8,), num_classes=2)
        return fit(model, make_data(), TrainConfig(epochs=epochs, batch_size=8), [ctx], ctx.stop)

    return target


def test_job_reports_progress_and_result():
    job = Job("t", training_target(3), Slots(1)).start()
    job.join(30)
    assert job.finished
    p = job.snapshot()
    assert p.state == DONE and job.finished
    assert [r.epoch for r in p.rows] == [1, 2, 3]
    assert (p.epoch, p.epochs) == (3, 3) and p.batch == p.batches
    assert p.fraction == 1.0 and p.samples_per_s > 0
    assert job.result.epochs[-1].epoch == 3


def test_slots_queue_runs_in_order_and_stop_leaves_the_queue():
    slots = Slots(1)
    gate = threading.Event()

    def blocker(ctx):
        gate.wait(10)
        return "first"

    first = Job("first", blocker, slots).start()
    assert wait_for(lambda: first.state == RUNNING)
    second = Job("second", lambda ctx: "second", slots).start()
    third = Job("third", lambda ctx: "third", slots).start()
    assert wait_for(lambda: third.snapshot().queue_position == 2)
    assert second.state == WAITING and second.snapshot().queue_position == 1
    third.stop()  # leaves the queue without running
    assert wait_for(lambda: third.state == STOPPED)
    assert third.result is None
    gate.set()
    second.join(10)
    first.join(10)
    assert first.state == second.state == DONE
    assert (first.result, second.result) == ("first", "second")
    assert slots.running == 0


def test_stop_button_stops_training_and_keeps_the_model():
    training = threading.Event()

    def target(ctx):
        model = create_model("mlp", in_features=2, hidden=(8,), num_classes=2)

        class HoldFirstBatch:
            """After the first batch, the run waits until Stop is pressed: it cannot end on its own first."""

            def on_fit_start(self, *a):
                pass

            def on_batch_end(self, model, event):
                training.set()
                ctx.stop.wait(10)

            def on_epoch_end(self, *a):
                pass

            def on_fit_end(self, *a):
                pass

        return model, fit(model, make_data(), TrainConfig(epochs=1000, batch_size=4), [ctx, HoldFirstBatch()], ctx.stop)

    job = Job("long", target, Slots(1)).start()
    assert training.wait(10)
    job.stop()
    job.join(10)
    assert job.state == STOPPED and job.snapshot().error is None
    model, history = job.result
    assert history.stopped and len(history.epochs) == 1  # the partial first epoch
    assert (job.snapshot().epoch, job.snapshot().batch) == (1, 1)  # no batch after the stop


def test_failures_become_one_sentence():
    def bad_settings(ctx):
        raise PlaygroundError("Batch size must be at least 1.")

    def bug(ctx):
        return {}["missing"]

    slots = Slots(1)
    a = Job("a", bad_settings, slots).start()
    b = Job("b", bug, slots).start()
    a.join(5)
    b.join(5)
    assert a.state == FAILED and a.snapshot().error == "Batch size must be at least 1."
    assert b.state == FAILED and "KeyError" in b.snapshot().error
    assert slots.running == 0


def blocking_target(gate, result="done"):
    """A run that lasts until ``gate`` opens or it is stopped."""

    def target(ctx):
        while not (gate.wait(0.01) or ctx.stop.is_set()):
            pass
        return result

    return target


def test_waiting_runs_see_their_place_and_an_estimated_wait(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(jobs, "time", clock)
    slots = Slots(1)
    teacher = Job("cnn", lambda ctx: clock.advance(0.3), slots).start()  # teaches the slots: a "cnn" run takes 0.3 s
    teacher.join(10)
    assert teacher.state == DONE
    gate = threading.Event()
    first = Job("cnn", blocking_target(gate), slots).start()
    assert wait_for(lambda: first.state == RUNNING)
    second = Job("cnn", blocking_target(gate), slots).start()
    third = Job("cnn", blocking_target(gate), slots).start()
    assert wait_for(lambda: third.snapshot().queue_position == 2)
    p2, p3 = second.snapshot(), third.snapshot()
    assert p2.queue_position == 1
    # the first run has just started and should take 0.3 s; each run ahead of the third adds 0.3 s more
    assert p2.wait_s == pytest.approx(0.3) and p3.wait_s == pytest.approx(0.6)
    clock.advance(0.1)
    assert second.snapshot().wait_s == pytest.approx(0.2) and third.snapshot().wait_s == pytest.approx(0.5)
    clock.advance(1.0)  # the first run is late: the next could start any moment
    assert second.snapshot().wait_s == 0 and third.snapshot().wait_s == pytest.approx(0.3)
    gate.set()
    for job in (first, second, third):
        job.join(10)
        assert job.state == DONE
    assert second.snapshot().wait_s is None  # no longer waiting


def test_the_wait_is_unknown_until_a_run_of_some_kind_has_finished():
    slots = Slots(1)
    gate = threading.Event()
    first = Job("a", blocking_target(gate), slots).start()
    assert wait_for(lambda: first.state == RUNNING)
    second = Job("b", blocking_target(gate), slots).start()
    assert wait_for(lambda: second.snapshot().queue_position == 1)
    assert second.snapshot().wait_s is None
    gate.set()
    second.join(10)


def test_an_owner_keeps_one_run_queued_or_running():
    slots = Slots(1)
    gate = threading.Event()
    first = Job("cnn", blocking_target(gate), slots, owner="session-1").start()
    with pytest.raises(PlaygroundError, match="already have a run"):
        Job("forecast", blocking_target(gate), slots, owner="session-1").start()
    other = Job("forecast", blocking_target(gate), slots, owner="session-2").start()  # another student may queue
    gate.set()
    first.join(10)
    other.join(10)
    again = Job("forecast", lambda ctx: "again", slots, owner="session-1").start()  # the first has finished
    again.join(10)
    assert again.result == "again"


def test_a_run_nobody_watches_is_stopped_and_logged(caplog):
    slots = Slots(1)
    never = threading.Event()
    with caplog.at_level("WARNING", logger="playground.training.jobs"):
        job = Job("cnn", blocking_target(never), slots, owner="gone", connected=lambda: False, abandon_s=0.3)
        job.start()
        assert wait_for(lambda: job.finished, timeout=10)
    p = job.snapshot()
    assert p.state == STOPPED and p.abandoned and p.started
    assert slots.running == 0
    assert any("abandoned" in r.message and "'cnn'" in r.message for r in caplog.records)


def test_a_queued_run_nobody_watches_leaves_the_queue():
    slots = Slots(1)
    gate = threading.Event()
    first = Job("first", blocking_target(gate), slots, connected=lambda: True, abandon_s=0.3).start()
    assert wait_for(lambda: first.state == RUNNING)
    queued = Job("next", blocking_target(gate), slots, connected=lambda: False, abandon_s=0.3).start()
    assert wait_for(lambda: queued.finished, timeout=10)
    q = queued.snapshot()
    assert q.state == STOPPED and q.abandoned and not q.started  # it never trained
    assert first.state == RUNNING
    gate.set()
    first.join(10)


def test_a_watched_or_connected_run_is_not_stopped():
    slots = Slots(3)
    gate = threading.Event()
    connected = Job("a", blocking_target(gate), slots, connected=lambda: True, abandon_s=1.0).start()
    polled = Job("b", blocking_target(gate), slots, connected=lambda: False, abandon_s=1.0).start()
    # made last, so the reaper finds it unwatched for less time than the others would be
    unwatched = Job("c", blocking_target(gate), slots, connected=lambda: False, abandon_s=1.0).start()
    # a page polls its run until the reaper has stopped the one nobody watches
    assert wait_for(lambda: polled.snapshot() is not None and unwatched.finished, timeout=30)
    assert unwatched.state == STOPPED and unwatched.snapshot().abandoned
    assert connected.state == RUNNING and polled.state == RUNNING
    gate.set()
    connected.join(10)
    polled.join(10)
    assert connected.state == DONE and polled.state == DONE


def test_a_finished_run_collects_garbage_once(monkeypatch):
    import gc

    calls = []
    monkeypatch.setattr(gc, "collect", lambda *a: calls.append(a) or 0)
    Job("a", lambda ctx: "x", Slots(1)).start().join(10)
    assert len(calls) == 1


def test_a_run_leaves_a_core_to_the_server_while_others_wait(monkeypatch):
    import torch

    from playground.training import jobs

    monkeypatch.setattr(jobs, "ALL_THREADS", 4)
    slots = Slots(1)
    gate = threading.Event()

    def threads(ctx):
        gate.wait(10)
        return torch.get_num_threads()

    first = Job("first", threads, slots).start()
    assert wait_for(lambda: first.state == RUNNING)
    second = Job("second", threads, slots).start()
    assert wait_for(lambda: second.snapshot().queue_position == 1)
    # the first took its slot alone; the second takes it with nobody behind it
    gate.set()
    first.join(10)
    second.join(10)
    assert second.result == 4
    slots = Slots(1)
    gate.clear()
    busy = Job("busy", threads, slots).start()
    assert wait_for(lambda: busy.state == RUNNING)
    waiting = [Job(f"w{i}", threads, slots).start() for i in range(2)]
    assert wait_for(lambda: waiting[1].snapshot().queue_position == 2)
    gate.set()
    for job in (busy, *waiting):
        job.join(10)
    assert waiting[0].result == 3  # someone was still waiting when it started
    assert waiting[1].result == 4


class HoldAt:
    """Holds the run after batch ``batch`` of the first epoch until ``release`` is set; ``held`` says it is there."""

    def __init__(self, batch):
        self.batch, self.held, self.release = batch, threading.Event(), threading.Event()

    def on_fit_start(self, *a):
        pass

    def on_batch_end(self, model, event):
        if (event.epoch, event.batch) == (1, self.batch):
            self.held.set()
            self.release.wait(10)

    def on_epoch_end(self, *a):
        pass

    def on_fit_end(self, *a):
        pass


def test_a_one_epoch_run_draws_its_loss_batch_by_batch_while_it_trains(monkeypatch):
    from playground.figures.training import history_figure
    from playground.training.curves import RunCurve

    monkeypatch.setattr(jobs, "READ_LOSSES_S", 0.0)  # read the losses after every batch
    hold = HoldAt(12)

    def target(ctx):
        model = create_model("mlp", in_features=2, hidden=(8,), num_classes=2)
        return fit(model, make_data(), TrainConfig(epochs=1, batch_size=8), [ctx, hold], ctx.stop)

    job = Job("one epoch", target, Slots(1)).start()
    assert hold.held.wait(20)
    p = job.snapshot()  # half way through the only epoch: no epoch row yet, but a curve
    assert p.rows == () and len(p.curves) == 1
    assert list(p.curves[0].x) == pytest.approx([b / 24 for b in range(1, 13)])
    live = history_figure(p.rows, curve=p.curves[0])
    assert len(next(t for t in live.data if t.name == "train (smoothed)").x) == 12
    hold.release.set()
    job.join(30)
    p = job.snapshot()
    curve = p.curves[0]
    assert p.epochs == 1 and len(curve.x) == 24 > p.epochs and curve.x[-1] == pytest.approx(1.0)
    assert any(0 < x < 1 for x in curve.x) and curve.rows == p.rows
    # what the page showed live is what the finished run's own rows draw
    assert curve.smoothed == pytest.approx(RunCurve.from_rows(job.result.epochs).smoothed)


def test_a_job_training_several_models_keeps_one_curve_each():
    def target(ctx):
        for name in ("first", "second"):
            ctx.set_stage(name)
            model = create_model("mlp", in_features=2, hidden=(4,), num_classes=2)
            fit(model, make_data(), TrainConfig(epochs=2, batch_size=16), [ctx], ctx.stop)

    job = Job("two models", target, Slots(1)).start()
    job.join(30)
    curves = job.snapshot().curves
    assert [c.label for c in curves] == ["first", "second"]
    assert all(len(c.x) == 24 and len(c.rows) == 2 for c in curves)  # 12 batches of 16 per epoch
