"""Runs in worker processes: progress streams back, Stop is obeyed, the caller's model is trained.

A worker that crashes fails its run in one sentence and is replaced.
"""

import os

import torch

from playground.errors import PlaygroundError
from playground.models import create_model
from playground.training import TrainConfig, fit
from playground.training.jobs import DONE, FAILED, STOPPED, Job, Slots
from tests.helpers import make_data, wait_for


def job(name, target):
    return Job(name, target, Slots(1), process=True).start()


def test_a_run_in_a_worker_streams_progress_and_trains_the_callers_model():
    torch.manual_seed(0)
    model = create_model("mlp", in_features=2, hidden=(8,), num_classes=2)
    before = [p.detach().clone() for p in model.parameters()]

    def target(ctx, model=model):
        ctx.set_stage("training in a worker")
        ctx.publish("pid", os.getpid())
        return fit(model, make_data(), TrainConfig(epochs=3, batch_size=8), [ctx], ctx.stop)

    run = job("mlp", target)
    run.join(120)
    p = run.snapshot()
    assert p.state == DONE, p.error
    assert p.extras["pid"] != os.getpid() and p.stage == "training in a worker"
    assert [r.epoch for r in p.rows] == [1, 2, 3] and (p.epoch, p.epochs) == (3, 3)
    assert run.result.epochs[-1].epoch == 3
    # the weights trained in the worker are now the caller's
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))
    x = torch.randn(4, 2)
    assert torch.isfinite(model(x)).all()


def test_stop_reaches_the_worker():
    def target(ctx):
        model = create_model("mlp", in_features=2, hidden=(8,), num_classes=2)
        return fit(model, make_data(), TrainConfig(epochs=100_000, batch_size=4), [ctx], ctx.stop)

    run = job("long", target)
    assert wait_for(lambda: run.snapshot().batch > 0, timeout=120)
    run.stop()
    run.join(60)
    assert run.state == STOPPED and run.result.stopped
    assert 1 <= len(run.result.epochs) < 100_000


def test_a_playground_error_in_the_worker_is_the_runs_sentence():
    def target(ctx):
        raise PlaygroundError("Batch size must be at least 1.")

    run = job("bad", target)
    run.join(120)
    assert run.state == FAILED and run.snapshot().error == "Batch size must be at least 1."


def test_a_worker_that_dies_fails_its_run_in_one_sentence_and_the_next_run_works():
    def crash(ctx):
        os._exit(3)

    run = job("crash", crash)
    run.join(120)
    p = run.snapshot()
    assert p.state == FAILED and "stopped unexpectedly (exit code 3)" in p.error
    again = job("again", lambda ctx: os.getpid())
    again.join(120)
    assert again.state == DONE and again.result != os.getpid()


def test_a_target_that_cannot_travel_runs_in_the_calling_process():
    lock = __import__("threading").Lock()  # cannot be pickled

    def target(ctx, lock=lock):
        with lock:
            return os.getpid()

    run = job("local", target)
    run.join(60)
    assert run.state == DONE and run.result == os.getpid()


def test_workers_are_reused():
    first = job("a", lambda ctx: os.getpid())
    first.join(120)
    assert first.state == DONE  # its worker went back to the pool before the run ended
    second = job("b", lambda ctx: os.getpid())
    second.join(120)
    assert second.state == DONE
    assert first.result == second.result != os.getpid()
