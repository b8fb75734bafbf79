"""Learning curves within an epoch: the batch curve's smoothing, its bound, and what the figures draw from it."""

import numpy as np
import pandas as pd
import pytest

from playground.figures.architectures import comparison_figure
from playground.figures.training import history_figure, runs_figure
from playground.models import create_model
from playground.training import TrainConfig, fit
from playground.training.curves import LossCurve, RunCurve
from playground.vision.architectures import Contender
from tests.helpers import make_data


def test_the_smoothed_loss_is_the_debiased_moving_average_of_every_batch():
    losses = np.random.default_rng(0).uniform(0.2, 2.0, 60)
    curve = LossCurve(batches=20, epochs=3)
    points = curve.add(1, 1, losses[:7]) + curve.add(1, 8, losses[7:20]) + curve.add(2, 1, losses[20:])
    # pandas' adjusted EWM is the same average written another way: weights (1 − α)^i, normalised
    reference = pd.Series(losses).ewm(alpha=1 - curve.weight, adjust=True).mean().to_numpy()
    assert np.allclose([p.smoothed for _epoch, p in points], reference)
    assert [p.loss for _epoch, p in points] == pytest.approx(list(losses))
    x = [epoch - 1 + p.at for epoch, p in points]
    assert x[0] == pytest.approx(0.05) and x[19] == pytest.approx(1.0) and x[-1] == pytest.approx(3.0)
    assert 0 < curve.weight < 1


def test_a_long_run_keeps_a_bounded_number_of_points_each_the_mean_of_its_batches():
    losses = np.arange(1.0, 10_001.0)  # 100 epochs of 100 batches
    curve = LossCurve(batches=100, epochs=100, max_points=1000)
    points = [p for epoch in range(100) for p in curve.add(epoch + 1, 1, losses[epoch * 100 : (epoch + 1) * 100])]
    assert len(points) == 1000 and curve.block == 10
    assert points[0][1].loss == pytest.approx(np.mean(losses[:10]))  # batches 1…10
    assert points[-1][0] == 100 and points[-1][1].at == pytest.approx(1.0)
    # a run stopped inside a block keeps that block's batches as a last point
    stopped = LossCurve(batches=100, epochs=100, max_points=1000)
    assert stopped.add(1, 1, [4.0, 2.0, 3.0]) == [] and stopped.close()[0][1].loss == pytest.approx(3.0)


def test_fit_records_each_epochs_batch_curve_and_keeps_it_out_of_the_json():
    model = create_model("mlp", in_features=2, hidden=(8,), num_classes=2)
    history = fit(model, make_data(), TrainConfig(epochs=2, batch_size=8))
    assert [len(r.curve) for r in history.epochs] == [24, 24]  # 192 training samples, batches of 8
    run = RunCurve.from_rows(history.epochs)
    assert run.x[0] == pytest.approx(1 / 24) and run.x[23] == pytest.approx(1.0) and run.x[-1] == pytest.approx(2.0)
    # the epoch's mean training loss is the mean of its batch losses (all batches are full here)
    assert np.mean([p.loss for p in history.epochs[0].curve]) == pytest.approx(history.epochs[0].train_loss, rel=1e-5)
    assert "curve" not in history.as_dict()["epochs"][0]


def test_the_history_figure_draws_a_one_epoch_run_as_a_smoothed_curve_in_epochs():
    model = create_model("mlp", in_features=2, hidden=(8,), num_classes=2)
    history = fit(model, make_data(), TrainConfig(epochs=1, batch_size=8))
    fig = history_figure(history.epochs)
    smoothed = next(t for t in fig.data if t.name == "train (smoothed)")
    assert smoothed.mode == "lines" and len(smoothed.x) == 24 and 0 < min(smoothed.x) < max(smoothed.x) == 1.0
    validation = next(t for t in fig.data if t.name == "validation" and t.xaxis == "x")
    assert list(validation.x) == [1]  # the validation point at the epoch's end
    assert tuple(fig.layout.xaxis.range) == pytest.approx((0, 1.02))
    accuracy = [t for t in fig.data if t.xaxis == "x2"]  # a lone point on a 0-1 axis says little: its value is written
    last = history.epochs[-1]
    assert [t.text for t in accuracy] == [(f"{last.train_metric:.1%}",), (f"{last.val_metric:.1%}",)]
    assert "text" in accuracy[0].mode
    higher = 0 if last.train_metric > last.val_metric else 1  # its value over its point, the other's under
    assert accuracy[higher].textposition == ("top left",) and accuracy[1 - higher].textposition == ("bottom left",)
    long = fit(create_model("mlp", in_features=2, hidden=(8,), num_classes=2), make_data(), TrainConfig(epochs=4))
    assert not any(t.text for t in history_figure(long.epochs).data)  # a curve speaks for itself


def test_side_by_side_runs_get_one_smoothed_curve_each():
    contenders = []
    for name, hidden in (("small", (4,)), ("wide", (32,))):
        model = create_model("mlp", in_features=2, hidden=hidden, num_classes=2)
        history = fit(model, make_data(), TrainConfig(epochs=1, batch_size=8))
        contenders.append(Contender(name, 0, 0, history, 0.5, 1.0, 1.0, 0, False))
    fig = comparison_figure(contenders, str.upper)
    lines = [t for t in fig.data if t.name and "smoothed" in t.name]
    assert [t.name for t in lines] == ["SMALL train (smoothed)", "WIDE train (smoothed)"]
    assert all(len(t.x) == 24 for t in lines) and lines[0].line.color != lines[1].line.color
    assert len(runs_figure([]).data) == 0


def test_a_run_in_a_worker_process_streams_its_batch_curve():
    from playground.training.jobs import DONE, Job, Slots

    def target(ctx):
        model = create_model("mlp", in_features=2, hidden=(8,), num_classes=2)
        return fit(model, make_data(), TrainConfig(epochs=1, batch_size=8), [ctx], ctx.stop)

    job = Job("in a worker", target, Slots(1), process=True).start()
    job.join(120)
    p = job.snapshot()
    assert p.state == DONE, p.error
    (curve,) = p.curves
    assert len(curve.x) == 24 and curve.x[-1] == pytest.approx(1.0)
    assert curve.smoothed == pytest.approx(RunCurve.from_rows(job.result.epochs).smoothed)


def test_a_stopped_epoch_keeps_its_curve_up_to_the_stop():
    import threading

    from playground.training import Callback

    stop = threading.Event()

    class StopAfterFive(Callback):
        def on_batch_end(self, model, event):
            if event.batch == 5:
                stop.set()

    model = create_model("mlp", in_features=2, hidden=(8,), num_classes=2)
    history = fit(model, make_data(), TrainConfig(epochs=3, batch_size=8), [StopAfterFive()], stop)
    assert history.stopped and len(history.epochs) == 1
    run = RunCurve.from_rows(history.epochs)
    assert len(run.x) == 5 and run.x[-1] == pytest.approx(5 / 24)  # x in epochs: where it stopped
