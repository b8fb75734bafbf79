import threading

import pytest
import torch
from torch import nn

from playground.errors import PlaygroundError
from playground.models import create_model
from playground.training import Callback, TensorData, TrainConfig, fit, seed_everything
from tests.helpers import make_data


def train_once(seed, epochs=5):
    seed_everything(seed)
    model = create_model("mlp", in_features=2, hidden=(16,), num_classes=2, activation="tanh")
    history = fit(model, make_data(), TrainConfig(epochs=epochs, batch_size=16, lr=0.05, seed=seed))
    return model, history


def device_of(model):
    return next(model.parameters()).device


def weights_of(model):
    """A copy of the model's weights on the CPU, whatever device it trained on."""
    return {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}


def same_weights(model, state):
    return all(torch.equal(v.cpu(), state[k]) for k, v in model.state_dict().items())


class WeightsAtEpochEnd(Callback):
    def __init__(self):
        self.weights = {}  # epoch -> the model's weights as that epoch ended

    def on_epoch_end(self, model, stats, history):
        self.weights[stats.epoch] = weights_of(model)


def test_same_seed_same_history():
    _, a = train_once(3)
    _, b = train_once(3)
    assert a.column("train_loss") == b.column("train_loss")
    assert a.column("val_loss") == b.column("val_loss")
    _, c = train_once(4)
    assert c.column("train_loss") != a.column("train_loss")


def test_history_records_every_epoch_and_learns():
    _, history = train_once(0, epochs=30)
    assert [r.epoch for r in history.epochs] == list(range(1, 31))
    assert history.metric == "accuracy"
    assert history.epochs[-1].train_loss < history.epochs[0].train_loss * 0.7
    assert history.epochs[-1].val_metric > 0.8
    assert all(r.samples_per_s > 0 and r.seconds > 0 for r in history.epochs)
    assert history.best_epoch is not None and history.best_state is not None
    assert not history.stopped


class StopAfter(Callback):
    def __init__(self, stop, batches):
        self.stop, self.batches, self.seen = stop, batches, 0

    def on_batch_end(self, model, event):
        self.seen += 1
        if self.seen == self.batches:
            self.stop.set()


def test_stop_request_ends_run_between_batches_and_leaves_a_model():
    stop = threading.Event()
    counter = StopAfter(stop, 3)
    seed_everything(0)
    model = create_model("mlp", in_features=2, hidden=(8,), num_classes=2)
    history = fit(model, make_data(), TrainConfig(epochs=50, batch_size=16), [counter], stop)
    assert history.stopped
    assert counter.seen == 3  # no batch after the request
    assert len(history.epochs) == 1  # the partial epoch is still evaluated and recorded
    assert history.best_state is not None
    assert model(torch.zeros(1, 2, device=device_of(model))).shape == (1, 2)


def test_best_weights_are_kept_apart_from_latest():
    seed_everything(0)
    model = create_model("mlp", in_features=2, hidden=(8,), num_classes=2)
    recorder = WeightsAtEpochEnd()
    # a huge learning rate makes later epochs worse than the best one
    config = TrainConfig(epochs=15, batch_size=8, lr=3.0, optimizer="sgd")
    history = fit(model, make_data(), config, [recorder])
    val_losses = history.column("val_loss")
    best = val_losses.index(min(val_losses)) + 1
    assert history.best_epoch == best < config.epochs  # a later epoch was worse, so best and latest differ
    assert same_weights(model, recorder.weights[config.epochs])  # the model ends with the latest weights
    assert not same_weights(model, recorder.weights[best])
    history.restore_best(model)
    assert same_weights(model, recorder.weights[best])  # and the best epoch's weights, as that epoch ended


def test_regression_loss_and_mae_metric():
    X = torch.linspace(-1, 1, 64).unsqueeze(1)
    y = 3 * X.squeeze(1) + 1
    seed_everything(0)
    model = create_model("mlp", in_features=1, hidden=(), num_classes=1, activation="linear")
    history = fit(model, TensorData(X, y), TrainConfig(epochs=200, batch_size=64, lr=0.1, loss="mse"))
    assert history.metric == "mae"
    assert history.epochs[-1].train_metric < 0.05
    assert history.epochs[-1].val_loss is None


@pytest.mark.parametrize(
    "config, message",
    [
        (TrainConfig(epochs=0), "Epochs"),
        (TrainConfig(lr=-1), "learning rate"),
        (TrainConfig(optimizer="lbfgs"), "optimiser"),
        (TrainConfig(loss="hinge"), "loss"),
        (TrainConfig(label_smoothing=1.0), "Label smoothing"),
        (TrainConfig(loss="bce", label_smoothing=0.1), "Label smoothing"),
    ],
)
def test_bad_settings_give_one_sentence(config, message):
    model = create_model("mlp")
    with pytest.raises(PlaygroundError, match=message):
        fit(model, make_data(), config)


class Rows(Callback):
    def __init__(self):
        self.rows = []

    def on_epoch_end(self, model, stats, history):
        self.rows.append(stats)


def test_divergence_is_reported_not_trained_on():
    X = torch.randn(64, 1) * 1e3
    seed_everything(0)
    model = create_model("mlp", in_features=1, hidden=(32, 32), num_classes=1, activation="relu")
    rows = Rows()
    config = TrainConfig(epochs=20, lr=10.0, optimizer="sgd", loss="mse")
    with pytest.raises(PlaygroundError, match="NaN"):
        fit(model, TensorData(X, X.squeeze(1) ** 3), config, [rows])
    # the run ends at the first epoch whose loss is not finite: no such epoch is recorded, none follows it
    assert len(rows.rows) < config.epochs
    assert all(torch.isfinite(torch.tensor(r.train_loss)) for r in rows.rows)


def test_mismatched_data_is_refused():
    with pytest.raises(PlaygroundError):
        TensorData(torch.zeros(4, 2), torch.zeros(3))
    with pytest.raises(PlaygroundError):
        TensorData(torch.zeros(0, 2), torch.zeros(0))


def test_bucketing_keeps_every_sample_once_and_groups_similar_lengths():
    from playground.training.engine import bucket_by_length

    generator = torch.Generator().manual_seed(0)
    lengths = torch.randint(1, 200, (1000,), generator=generator)
    perm = torch.randperm(1000, generator=generator)
    order = bucket_by_length(perm, lengths, 64, torch.Generator().manual_seed(1), pool=5)
    assert sorted(order.tolist()) == list(range(1000))
    batches = order.split(64)
    assert len(batches[-1]) == 1000 % 64  # the partial batch comes last, where fit expects it
    spread = [int(lengths[b].max() - lengths[b].min()) for b in batches[:-1]]
    random_spread = [int(lengths[b].max() - lengths[b].min()) for b in perm.split(64)[:-1]]
    assert sum(spread) < 0.4 * sum(random_spread)
    again = bucket_by_length(perm, lengths, 64, torch.Generator().manual_seed(1), pool=5)
    assert torch.equal(order, again)


class SamplesSeen(Callback):
    """The training inputs of every batch, epoch by epoch: ``augment`` sees each batch and leaves it as it is."""

    def __init__(self):
        self.epochs, self._batches = [], []

    def augment(self, xb, generator):
        self._batches.append(xb.detach().cpu())
        return xb

    def on_epoch_end(self, model, stats, history):
        self.epochs.append(torch.cat(self._batches))
        self._batches = []


def test_fit_with_lengths_sees_every_sample_each_epoch():
    seed_everything(0)
    X = torch.randn(300, 4)  # rows are all different, so a row tells which sample it is
    y = (X[:, 0] > 0).float()
    seen = SamplesSeen()
    data = TensorData(X, y, augment=seen.augment, lengths=torch.randint(1, 50, (300,)))
    history = fit(nn.Linear(4, 1), data, TrainConfig(epochs=3, batch_size=32, loss="bce", lr=0.05), [seen])
    assert len(history.epochs) == len(seen.epochs) == 3 and history.epochs[-1].train_metric > 0.8
    for rows in seen.epochs:
        matches = (rows[:, None, :] == X[None, :, :]).all(dim=-1)  # (rows seen, samples)
        assert matches.sum(dim=1).eq(1).all()  # each row seen is one of the samples
        assert matches.sum(dim=0).eq(1).all()  # and each sample is seen exactly once
    assert not torch.equal(seen.epochs[0], seen.epochs[1])  # in a new order each epoch


def test_label_smoothing_changes_training_but_the_loss_shown_stays_plain():
    """The smoothed targets move the weights differently; the reported loss is the plain cross-entropy."""

    def run(smoothing, lr):
        seed_everything(0)
        model = create_model("mlp", in_features=2, hidden=(16,), num_classes=2, activation="tanh")
        start = {k: v.clone() for k, v in model.state_dict().items()}
        config = TrainConfig(epochs=1, batch_size=192, lr=lr, optimizer="sgd", label_smoothing=smoothing)
        return model, start, fit(model, make_data(), config)

    smoothed, start, history = run(0.4, 1e-12)  # a step too small to change the loss: the initial loss
    data = make_data()
    with torch.no_grad():
        smoothed.load_state_dict(start)
        logits = smoothed(data.X_train)
    plain = torch.nn.functional.cross_entropy(logits, data.y_train).item()
    assert history.last.train_loss == pytest.approx(plain, rel=1e-5)
    assert plain != pytest.approx(torch.nn.functional.cross_entropy(logits, data.y_train, label_smoothing=0.4).item())
    moved, _start, _history = run(0.4, 0.5)
    unsmoothed, _start, _history = run(0.0, 0.5)
    assert not torch.allclose(moved.state_dict()["net.0.weight"], unsmoothed.state_dict()["net.0.weight"])
