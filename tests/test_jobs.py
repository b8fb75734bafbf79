import threading
import time

from playground.errors import PlaygroundError
from playground.models import create_model
from playground.training import TrainConfig, fit
from playground.training.jobs import DONE, FAILED, RUNNING, STOPPED, WAITING, Job, Slots
from tests.test_engine import make_data


def wait_for(predicate, timeout=20.0):
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def training_target(epochs=3):
    def target(ctx):
        model = create_model("mlp", in_features=2, hidden=(8,), num_classes=2)
        return fit(model, make_data(), TrainConfig(epochs=epochs, batch_size=8), [ctx], ctx.stop)

    return target


def test_job_reports_progress_and_result():
    job = Job("t", training_target(3), Slots(1)).start()
    job.join(30)
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
    assert (first.result, second.result) == ("first", "second")
    assert slots.running == 0


def test_stop_button_stops_training_and_keeps_the_model():
    gate = threading.Event()

    def target(ctx):
        model = create_model("mlp", in_features=2, hidden=(8,), num_classes=2)

        class Slow:
            def on_fit_start(self, *a):
                pass

            def on_batch_end(self, model, event):
                gate.set()
                time.sleep(0.002)

            def on_epoch_end(self, *a):
                pass

            def on_fit_end(self, *a):
                pass

        return model, fit(model, make_data(), TrainConfig(epochs=1000, batch_size=4), [ctx, Slow()], ctx.stop)

    job = Job("long", target, Slots(1)).start()
    assert gate.wait(10)
    job.stop()
    job.join(10)
    assert job.state == STOPPED
    model, history = job.result
    assert history.stopped and 1 <= len(history.epochs) < 1000


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
