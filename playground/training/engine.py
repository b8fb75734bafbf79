"""The one training engine every page and the CLI use.

``fit`` keeps the data as tensors on the device and slices batches out of a
shuffled copy each epoch (no per-sample DataLoader), reports batch and epoch
events to callbacks, honours a stop request between batches, and keeps both
the latest weights (in the model) and the best ones (in the History).
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from playground.device import amp_dtype, autocast, inference_batch, pick_device
from playground.errors import PlaygroundError
from playground.i18n import _
from playground.training.curves import BatchPoint, LossCurve

OPTIMIZERS = ("adam", "adamw", "sgd", "momentum", "rmsprop")


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run, apart from the model and the data."""

    epochs: int = 10
    batch_size: int = 64
    lr: float = 1e-3
    optimizer: str = "adam"  # one of OPTIMIZERS; "momentum" is SGD with momentum 0.9
    weight_decay: float = 0.0  # L2 penalty, applied by the optimiser
    l1: float = 0.0  # L1 penalty on weights (not biases), added to the loss
    loss: str = "cross_entropy"  # one of LOSSES
    label_smoothing: float = 0.0  # cross-entropy only: train towards 1 - s for the true class (losses shown stay plain)
    seed: int = 0
    device: str | None = None  # None: pick_device()
    amp: bool = True  # autocast on CUDA (bf16 where supported)
    grad_clip: float | None = None  # max global gradient norm
    schedule: str = "constant"  # or "onecycle": warm up to lr, then anneal (per batch)
    best_by: str = "loss"  # which epoch's weights History.best_state keeps: lowest "loss" or best "metric"
    eval_batch_size: int = 2048  # on a GPU; a CPU scores at most device.CPU_INFERENCE_BATCH at once

    def validate(self) -> None:
        """Raise PlaygroundError on a setting that cannot work, in one sentence."""
        if self.epochs < 1:
            raise PlaygroundError(_("Epochs must be at least 1."))
        if self.batch_size < 1:
            raise PlaygroundError(_("Batch size must be at least 1."))
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise PlaygroundError(_("The learning rate must be a positive number."))
        if self.optimizer not in OPTIMIZERS:
            raise PlaygroundError(
                _("Unknown optimiser '{name}'; choose one of {options}.").format(
                    name=self.optimizer, options=", ".join(OPTIMIZERS)
                )
            )
        if self.loss not in LOSSES:
            raise PlaygroundError(
                _("Unknown loss '{name}'; choose one of {options}.").format(name=self.loss, options=", ".join(LOSSES))
            )
        if not 0.0 <= self.label_smoothing < 1.0 or (self.label_smoothing and self.loss != "cross_entropy"):
            raise PlaygroundError(_("Label smoothing must be at least 0 and below 1, with the cross-entropy loss."))
        if self.best_by not in ("loss", "metric"):
            raise PlaygroundError(_("The best epoch is chosen by 'loss' or 'metric'."))
        if self.schedule not in ("constant", "onecycle"):
            raise PlaygroundError(_("The learning-rate schedule must be 'constant' or 'onecycle'."))
        if self.weight_decay < 0 or self.l1 < 0:
            raise PlaygroundError(_("Regularisation strengths cannot be negative."))


@dataclass
class TensorData:
    """A small data set held as tensors: X_* is (N, ...) and y_* is (N,) or (N, K).

    ``augment(X_batch, generator) -> X_batch`` is applied to training batches only.
    ``lengths`` (N,), for sequences: batches are then made of similar lengths (see ``bucket_by_length``).
    """

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_val: torch.Tensor | None = None
    y_val: torch.Tensor | None = None
    augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None
    lengths: torch.Tensor | None = None

    def __post_init__(self) -> None:
        if len(self.X_train) == 0:
            raise PlaygroundError(_("There is no training data."))
        if len(self.X_train) != len(self.y_train):
            raise PlaygroundError(_("Inputs and targets have different lengths."))
        if (self.X_val is None) != (self.y_val is None):
            raise PlaygroundError(_("Validation inputs and targets must be given together."))

    @property
    def has_val(self) -> bool:
        return self.X_val is not None and len(self.X_val) > 0

    def to(self, device: torch.device) -> TensorData:
        """The same data on ``device`` (moved once, before training)."""

        def move(t):
            return None if t is None else t.to(device, non_blocking=True)

        return TensorData(
            move(self.X_train), move(self.y_train), move(self.X_val), move(self.y_val), self.augment, self.lengths
        )


def bucket_by_length(
    perm: torch.Tensor, lengths: torch.Tensor, batch_size: int, generator: torch.Generator, pool: int = 50
) -> torch.Tensor:
    """Reorder a shuffled permutation so that each batch holds sequences of similar length.

    Pools of ``pool`` batches are sorted by length and cut into batches; the full batches are then
    shuffled and the one partial batch, if any, goes last (where ``fit`` expects it). A recurrent
    network then runs each batch only as long as its longest sequence: far fewer padded steps.
    """
    batches = []
    for chunk in perm.split(batch_size * pool):
        chunk = chunk[torch.argsort(lengths[chunk], stable=True)]
        batches += list(chunk.split(batch_size))
    full = [b for b in batches if len(b) == batch_size]
    partial = [b for b in batches if len(b) < batch_size]
    order = torch.randperm(len(full), generator=generator)
    partial_tail = [torch.cat(partial)] if partial else []
    return torch.cat([full[i] for i in order] + partial_tail)


# ---- losses and metrics: (outputs, targets) -> scalar tensor ------------------------------


def _bce(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(y_hat.reshape(y.shape), y.float())


def _mse(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.mse_loss(y_hat.reshape(y.shape).float(), y.float())


# Per batch the engine keeps only the detached outputs (no computation); ``keep`` turns the epoch's outputs
# into cheap per-sample values and the metric is computed once per epoch, which keeps the loop at plain-loop speed.


def _argmax(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return y_hat.argmax(dim=-1)


def _detached(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return y_hat.detach().reshape(y.shape)


def _accuracy_multiclass(predicted: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return predicted.eq(y).float().mean()


def _accuracy_binary(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return ((logits > 0) == (y > 0.5)).float().mean()


def _mae(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (y_hat.float() - y.float()).abs().mean()


@dataclass(frozen=True)
class Loss:
    fn: Callable  # (outputs, targets) -> mean loss
    metric: str  # the metric's name
    keep: Callable  # (outputs, targets) -> per-sample values, from the epoch's outputs
    score: Callable  # (kept values, targets) -> the metric


LOSSES: dict[str, Loss] = {
    "cross_entropy": Loss(F.cross_entropy, "accuracy", _argmax, _accuracy_multiclass),
    "bce": Loss(_bce, "accuracy", _detached, _accuracy_binary),
    "mse": Loss(_mse, "mae", _detached, _mae),
}


# ---- events and history -------------------------------------------------------------------


@dataclass(frozen=True)
class BatchEvent:
    """Sent after each optimiser step. ``loss`` is a device tensor: call .item() sparingly."""

    epoch: int  # 1-based
    epochs: int
    batch: int  # 1-based, within the epoch
    batches: int
    loss: torch.Tensor
    samples_seen: int  # in this epoch
    epoch_seconds: float  # since this epoch began


@dataclass(frozen=True)
class EpochStats:
    """One row of the history; val_* are None when there is no validation data."""

    epoch: int
    train_loss: float
    train_metric: float
    val_loss: float | None
    val_metric: float | None
    seconds: float  # the whole epoch, evaluation included
    samples_per_s: float  # training samples per second of training time
    # the epoch's batch losses, smoothed and bounded (playground.training.curves); not in as_dict
    curve: tuple[BatchPoint, ...] = field(default=(), repr=False, compare=False)

    def as_dict(self) -> dict:
        """Plain JSON-ready numbers, without the batch curve."""
        return {k: v for k, v in asdict(self).items() if k != "curve"}


@dataclass
class History:
    """What ``fit`` returns: per-epoch statistics plus the best weights seen."""

    metric: str  # "accuracy" or "mae"
    epochs: list[EpochStats] = field(default_factory=list)
    best_epoch: int | None = None
    best_state: dict[str, torch.Tensor] | None = field(default=None, repr=False)
    stopped: bool = False  # True when a stop request ended the run early
    seconds: float = 0.0

    @property
    def last(self) -> EpochStats | None:
        return self.epochs[-1] if self.epochs else None

    def column(self, name: str) -> list:
        return [getattr(row, name) for row in self.epochs]

    def restore_best(self, model: nn.Module) -> None:
        """Load the best weights seen into ``model`` (a no-op before the first epoch)."""
        if self.best_state is not None:
            model.load_state_dict(self.best_state)

    def as_dict(self) -> dict:
        """Plain JSON-ready data (no tensors)."""
        mean_rate = [r.samples_per_s for r in self.epochs]
        return {
            "metric": self.metric,
            "epochs": [row.as_dict() for row in self.epochs],
            "best_epoch": self.best_epoch,
            "stopped": self.stopped,
            "seconds": round(self.seconds, 4),
            "samples_per_s": round(sum(mean_rate) / len(mean_rate), 1) if mean_rate else 0.0,
        }


class Callback:
    """Override what you need; the engine calls these from the training thread."""

    def on_fit_start(self, model: nn.Module, config: TrainConfig, batches: int) -> None:
        pass

    def on_batch_end(self, model: nn.Module, event: BatchEvent) -> None:
        pass

    def on_epoch_end(self, model: nn.Module, stats: EpochStats, history: History) -> None:
        pass

    def on_fit_end(self, model: nn.Module, history: History) -> None:
        pass


# ---- the engine ---------------------------------------------------------------------------


FUSED_DEVICES = ("cuda", "cpu")  # where PyTorch has fused Adam, AdamW and SGD


def make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise PlaygroundError(_("The model has no trainable parameters."))
    kind, lr, wd = config.optimizer, config.lr, config.weight_decay
    # One fused kernel updates every parameter: on a GPU small models' steps are otherwise launch-bound, and on a
    # CPU it takes a quarter off a small MLP's batch (spiral, 2 cores: 337 µs against 451 µs for PyTorch's default).
    fused = {"fused": True} if all(p.device.type in FUSED_DEVICES and p.is_floating_point() for p in params) else {}
    if kind == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=wd, **fused)
    if kind == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=wd, **fused)
    if kind == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, weight_decay=wd)
    momentum = 0.9 if kind == "momentum" else 0.0
    return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=wd, **fused)


def _l1_penalty(model: nn.Module) -> torch.Tensor:
    weights = [p for name, p in model.named_parameters() if p.requires_grad and "bias" not in name]
    return sum(w.abs().sum() for w in weights)


@torch.inference_mode()
def evaluate(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    config: TrainConfig,
) -> tuple[float, float]:
    """Mean loss and metric of ``model`` on (X, y), in eval mode, batch by batch."""
    loss = LOSSES[config.loss]
    device = X.device
    use_amp = config.amp and device.type == "cuda"
    was_training = model.training
    model.eval()
    total_loss = torch.zeros((), device=device)
    kept = []
    size = inference_batch(device, config.eval_batch_size)
    for start in range(0, len(X), size):
        xb, yb = X[start : start + size], y[start : start + size]
        with autocast(device) if use_amp else contextlib.nullcontext():
            y_hat = model(xb)
        y_hat = y_hat.float()
        total_loss += loss.fn(y_hat, yb) * len(xb)
        kept.append(loss.keep(y_hat, yb))
    model.train(was_training)
    metric = loss.score(torch.cat(kept), y)
    return (total_loss / len(X)).item(), metric.item()


class _BestEpoch:
    """Keeps in the History the weights of the best epoch so far.

    An epoch's score is its validation loss (training loss without validation data), or with
    ``best_by="metric"`` its validation metric (training metric), turned so that lower is better.
    """

    def __init__(self, best_by: str, metric: str):
        self.best_by, self.metric = best_by, metric
        self.score = math.inf

    def score_of(self, stats: EpochStats) -> float:
        if self.best_by == "metric":  # higher is better for accuracy, lower for MAE
            metric = stats.val_metric if stats.val_metric is not None else stats.train_metric
            return -metric if self.metric == "accuracy" else metric
        return stats.val_loss if stats.val_loss is not None else stats.train_loss

    def update(self, history: History, model: nn.Module, stats: EpochStats) -> None:
        score = self.score_of(stats)
        if score < self.score:
            self.score = score
            history.best_epoch = stats.epoch
            history.best_state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}


class _Training:
    """One ``fit`` call's moving parts: the data on the device, the optimiser and its helpers, the shuffling."""

    def __init__(
        self,
        model: nn.Module,
        data: TensorData,
        config: TrainConfig,
        callbacks: Sequence[Callback],
        stop: threading.Event | None,
    ):
        self.model, self.config, self.callbacks, self.stop = model, config, callbacks, stop
        self.device = device = pick_device(config.device)
        model.to(device)
        self.data = data = data.to(device)
        self.images = data.X_train.ndim == 4
        if self.images:  # channels-last convolutions are much faster on CPU and GPU
            model.to(memory_format=torch.channels_last)
            data.X_train = data.X_train.contiguous(memory_format=torch.channels_last)
        self.loss_spec = LOSSES[config.loss]
        self.optimizer = make_optimizer(model, config)
        self.use_amp = config.amp and device.type == "cuda"
        float16 = self.use_amp and amp_dtype(device) == torch.float16
        self.scaler = torch.amp.GradScaler("cuda") if float16 else None  # float16 autocast needs loss scaling
        self.generator = torch.Generator().manual_seed(config.seed)
        self.n = len(data.X_train)
        self.batches = math.ceil(self.n / config.batch_size)
        self.curve = LossCurve(self.batches, config.epochs)
        self.scheduler = None
        if config.schedule == "onecycle":
            total_steps = config.epochs * self.batches
            self.scheduler = torch.optim.lr_scheduler.OneCycleLR(self.optimizer, config.lr, total_steps=total_steps)

    def stop_requested(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def finish(self) -> None:
        if self.images:  # hand back the standard layout, as a loaded copy of the model has
            self.model.to(memory_format=torch.contiguous_format)

    def epoch_order(self) -> torch.Tensor:
        """A fresh permutation of the training samples (N,), on the device; bucketed by length for sequences."""
        perm = torch.randperm(self.n, generator=self.generator)
        if self.data.lengths is not None:
            perm = bucket_by_length(perm, self.data.lengths.cpu(), self.config.batch_size, self.generator)
        return perm.to(self.device)

    def step(self, xb: torch.Tensor, yb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One optimiser step on a batch; returns (the detached batch loss, the outputs)."""
        if self.use_amp:
            with autocast(self.device):
                y_hat = self.model(xb).float()
        else:
            y_hat = self.model(xb)
        smoothing = self.config.label_smoothing
        if smoothing:  # train on the smoothed targets, report the plain loss (comparable with validation)
            objective = F.cross_entropy(y_hat, yb, label_smoothing=smoothing)
            loss = self.loss_spec.fn(y_hat.detach(), yb)
        else:
            objective = loss = self.loss_spec.fn(y_hat, yb)
        objective = objective + self.config.l1 * _l1_penalty(self.model) if self.config.l1 else objective
        self.optimizer.zero_grad(set_to_none=True)
        clip = self.config.grad_clip
        if self.scaler is None:
            objective.backward()
            if clip:
                nn.utils.clip_grad_norm_(self.model.parameters(), clip)
            self.optimizer.step()
        else:
            self.scaler.scale(objective).backward()
            if clip:
                self.scaler.unscale_(self.optimizer)
                nn.utils.clip_grad_norm_(self.model.parameters(), clip)
            self.scaler.step(self.optimizer)
            self.scaler.update()
        if self.scheduler is not None:
            self.scheduler.step()
        return loss.detach(), y_hat

    def train_epoch(self, epoch: int) -> tuple[EpochStats, bool]:
        """Train one epoch, batch by batch, then evaluate it; (its statistics, whether a stop cut it short)."""
        self.model.train()
        epoch_start = time.perf_counter()
        perm = self.epoch_order()
        size = self.config.batch_size
        batch_losses, kept = [], []
        seen, stopped = 0, False
        for b in range(self.batches):
            idx = perm[b * size : (b + 1) * size]
            xb, yb = self.data.X_train[idx], self.data.y_train[idx]
            if self.data.augment is not None:
                xb = self.data.augment(xb, self.generator)
            loss, y_hat = self.step(xb, yb)
            batch_losses.append(loss)  # no host sync here: read once per epoch
            kept.append(y_hat.detach())  # turned into the epoch's metric once, at its end
            seen += len(xb)
            if self.callbacks:
                elapsed = time.perf_counter() - epoch_start
                event = BatchEvent(epoch, self.config.epochs, b + 1, self.batches, loss, seen, elapsed)
                for cb in self.callbacks:
                    cb.on_batch_end(self.model, event)
            if self.stop_requested():
                stopped = True
                break
        last = stopped or epoch == self.config.epochs
        return self.epoch_stats(epoch, epoch_start, batch_losses, kept, perm[:seen], last), stopped

    def epoch_stats(
        self,
        epoch: int,
        epoch_start: float,
        batch_losses: list[torch.Tensor],
        kept: list[torch.Tensor],
        seen_idx: torch.Tensor,
        last: bool = False,
    ) -> EpochStats:
        """The epoch's row: mean training loss and metric over the samples seen (``seen_idx``), then validation,
        and its batch curve (``last``: the run's last epoch, which closes the curve)."""
        seen, size = len(seen_idx), self.config.batch_size
        sizes = torch.full((len(batch_losses),), float(size))
        sizes[-1] = seen - size * (len(batch_losses) - 1)
        losses = torch.stack(batch_losses).float().cpu()  # the epoch's host sync
        train_loss = (losses @ sizes / seen).item()
        points = self.curve.add(epoch, 1, losses.tolist()) + (self.curve.close() if last else [])
        y_seen = self.data.y_train[seen_idx]
        train_metric = self.loss_spec.score(self.loss_spec.keep(torch.cat(kept), y_seen), y_seen).item()
        train_seconds = time.perf_counter() - epoch_start
        if not math.isfinite(train_loss):
            raise PlaygroundError(_("The loss became infinite or NaN; lower the learning rate and train again."))
        val_loss = val_metric = None
        if self.data.has_val:
            val_loss, val_metric = evaluate(self.model, self.data.X_val, self.data.y_val, self.config)
        return EpochStats(
            epoch=epoch,
            train_loss=train_loss,
            train_metric=train_metric,
            val_loss=val_loss,
            val_metric=val_metric,
            seconds=time.perf_counter() - epoch_start,
            samples_per_s=seen / max(train_seconds, 1e-9),
            curve=tuple(point for _epoch, point in points),
        )


def fit(
    model: nn.Module,
    data: TensorData,
    config: TrainConfig,
    callbacks: Sequence[Callback] = (),
    stop: threading.Event | None = None,
) -> History:
    """Train ``model`` in place on ``data`` and return the History.

    The model ends with the latest weights; ``history.best_state`` holds the
    weights of the epoch with the lowest validation loss (training loss when
    there is no validation data), or the best validation metric with
    ``best_by="metric"``. Setting ``stop`` ends the run after the
    current batch; the history then has ``stopped=True`` and a partial last epoch
    is evaluated and recorded, so a stopped run still leaves a usable model.
    """
    config.validate()
    training = _Training(model, data, config, callbacks, stop)
    history = History(metric=training.loss_spec.metric)
    best = _BestEpoch(config.best_by, history.metric)
    for cb in callbacks:
        cb.on_fit_start(model, config, training.batches)
    fit_start = time.perf_counter()

    for epoch in range(1, config.epochs + 1):
        if training.stop_requested():
            history.stopped = True
            break
        stats, history.stopped = training.train_epoch(epoch)
        history.epochs.append(stats)
        best.update(history, model, stats)
        for cb in callbacks:
            cb.on_epoch_end(model, stats, history)
        if history.stopped:
            break

    history.seconds = time.perf_counter() - fit_start
    training.finish()
    for cb in callbacks:
        cb.on_fit_end(model, history)
    return history
