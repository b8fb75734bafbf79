"""Transfer learning without a download: a network trained here lends its feature layers, frozen, to a new head.

The source is the course CNN trained on MNIST (on the CNN page, in a model file from it, or on the spot).
Its layers up to the classifier stay fixed; a new classifier learns Fashion-MNIST or your own classes from
a few images. Beside it the same architecture learns the same images from scratch, with the same seed,
epochs and batches, and the same initial head: the only difference is where the feature layers come from.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from playground.data.decode import ClassImages
from playground.data.images import load_bundled, resize_images, with_channels
from playground.errors import PlaygroundError
from playground.i18n import N_, _, ngettext
from playground.models.registry import architecture_of, create_model, get_spec
from playground.share import SEED_MAX, bounded, one_of
from playground.training import Callback, EpochStats, TensorData, TrainConfig, fit, seed_everything
from playground.training.metrics import majority_baseline
from playground.vision.classifier import ImageTrainConfig, build_model, evaluate, own_dataset, prepare, train

HEADS = ("classifier", "fc")  # the attribute that holds a registered image model's dense head
TEST_IMAGES = 2000  # Fashion-MNIST test images each model is judged on: a standard error of about 1 point

# Where the source network came from; English, marked for the catalog: show it with ``_()``.
FROM_CNN_PAGE = N_("the CNN page's trained model")
FROM_FILE = N_("your model file")
FROM_HERE = N_("the course CNN trained here on MNIST")


@dataclass(frozen=True)
class TransferConfig:
    """One comparison: the budget both models get on the target images, and the source trained on the spot."""

    train_images: int = one_of(100, (50, 100, 200, 500, 1000))  # Fashion-MNIST training images
    epochs: int = bounded(5, 1, 100)
    batch_size: int = one_of(32, (16, 32, 64))
    lr: float = one_of(0.01, (0.0005, 0.001, 0.002, 0.005, 0.01))
    seed: int = bounded(0, 0, SEED_MAX)
    source_images: int = one_of(5000, (1000, 5000, 10000, 20000))  # MNIST images, when the source trains here
    source_epochs: int = bounded(2, 1, 10)
    device: str | None = None

    def train_config(self) -> TrainConfig:
        return TrainConfig(
            epochs=self.epochs, batch_size=self.batch_size, lr=self.lr, seed=self.seed, device=self.device
        )


@dataclass
class Source:
    """A trained image network and its ``meta`` (classes, input, mean, std), as the CNN page keeps and saves them."""

    model: nn.Module
    meta: dict
    origin: str  # one of FROM_*: English, show it with ``_()``
    accuracy: float | None = None  # on its own test set, when it was measured here


@dataclass
class TargetData:
    """The target images as the source network reads them: float (N, C, H, W), normalised with its statistics."""

    name: str  # "fashion-mnist" or "own"
    classes: list[str]
    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor


@dataclass
class Arm:
    """One of the two models: its curves (one row per epoch, ``val_*`` on the test images) and what it trained."""

    rows: list[EpochStats]
    trainable: int  # parameters the optimiser updated
    parameters: int  # all of them
    seconds: float

    @property
    def accuracy(self) -> float | None:
        """Test accuracy (0..1) after the last epoch it trained; None when it never finished a batch."""
        return self.rows[-1].val_metric if self.rows else None


@dataclass
class TransferComparison:
    """Frozen source features with a new head against the same network from scratch, on the same images."""

    source: str  # where the source came from (FROM_*)
    source_dataset: str
    source_accuracy: float | None
    classes: list[str]
    n_train: int
    n_test: int
    majority_accuracy: float
    frozen: Arm | None = None
    scratch: Arm | None = None
    stopped: bool = False
    config: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        def arm(a: Arm | None) -> dict | None:
            if a is None:
                return None
            curve = [r.val_metric for r in a.rows]
            return {"accuracy": a.accuracy, "test_accuracy_per_epoch": curve, "trainable": a.trainable}

        return {
            "source": self.source,
            "source_dataset": self.source_dataset,
            "source_accuracy": self.source_accuracy,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "majority_accuracy": self.majority_accuracy,
            "frozen": arm(self.frozen),
            "scratch": arm(self.scratch),
            "stopped": self.stopped,
        }


# ---- the source ---------------------------------------------------------------------------------


def head_of(model: nn.Module) -> str:
    """The name of the model's dense head (``classifier`` or ``fc``); one sentence when it has none."""
    for name in HEADS:
        if isinstance(getattr(model, name, None), nn.Module):
            return name
    raise PlaygroundError(_("This model has no separate classifier to replace, so it cannot lend its features."))


def check_source(model: nn.Module, meta: dict, origin: str, accuracy: float | None = None) -> Source:
    """A Source for an image model with a separate head; one sentence for anything else."""
    name, _kwargs = architecture_of(model)
    if get_spec(name).task != "image":
        raise PlaygroundError(_("This file holds a '{name}' model, which does not classify images.").format(name=name))
    head_of(model)
    return Source(model.eval(), meta, origin, accuracy)


def train_source(
    config: TransferConfig, callbacks: Sequence[Callback] = (), stop: threading.Event | None = None
) -> Source | None:
    """The course CNN trained on ``config.source_images`` bundled MNIST images; None when stopped before an epoch."""
    image_config = ImageTrainConfig(
        dataset="mnist",
        arch="cnn",
        epochs=config.source_epochs,
        train_size=config.source_images,
        val_split=0.0,
        seed=config.seed,
        device=config.device,
        # Label smoothing helps the CNN page reach 98% sooner, but it squeezes the features before the head into
        # tight clusters per digit, which lend less to new classes (Kornblith et al., 2021): without it, the frozen
        # features scored 2 to 7 points more on Fashion-MNIST here (seeds 0–2, 100 or 200 images).
        label_smoothing=0.0,
    )
    prepared = prepare(load_bundled("mnist"), image_config)
    model = build_model(prepared.meta, config.seed)
    history = train(model, prepared, image_config, callbacks, stop)
    if not history.epochs:
        return None
    return Source(model.eval(), prepared.meta, FROM_HERE, evaluate(model, prepared).accuracy)


# ---- the target ---------------------------------------------------------------------------------


def as_source_input(images: torch.Tensor, meta: dict) -> torch.Tensor:
    """uint8 (N, C, H, W) → float (N, C', S, S) as the source read its training images: its size, its channels
    (colour averaged to grey, or grey copied into three channels), normalised with its mean and std."""
    channels, size, _width = meta["input"]
    x = resize_images(images, size).float() / 255
    if x.shape[1] == 3 and channels == 1:
        x = x.mean(1, keepdim=True)
    x = with_channels(x, channels)
    mean = torch.tensor(meta["mean"], dtype=torch.float32).view(1, -1, 1, 1)
    std = torch.tensor(meta["std"], dtype=torch.float32).view(1, -1, 1, 1)
    return ((x - mean) / std).contiguous()


def fashion_target(meta: dict, train_images: int, seed: int, test_images: int = TEST_IMAGES) -> TargetData:
    """``train_images`` bundled Fashion-MNIST training images and ``test_images`` test images, drawn with ``seed``."""
    data = load_bundled("fashion-mnist")
    generator = torch.Generator().manual_seed(seed)
    train_idx = torch.randperm(len(data.X_train), generator=generator)[:train_images]
    test_idx = torch.randperm(len(data.X_test), generator=generator)[:test_images]
    return TargetData(
        "fashion-mnist",
        list(data.classes),
        as_source_input(data.X_train[train_idx], meta),
        data.y_train[train_idx],
        as_source_input(data.X_test[test_idx], meta),
        data.y_test[test_idx],
    )


def own_target(images: ClassImages, meta: dict, seed: int) -> TargetData:
    """Your classes, split per class (a fifth for testing, seeded), as the source reads images."""
    data = own_dataset(images, size=meta["input"][1], seed=seed)
    X_train, X_test = as_source_input(data.X_train, meta), as_source_input(data.X_test, meta)
    return TargetData("own", list(data.classes), X_train, data.y_train, X_test, data.y_test)


# ---- the two models -----------------------------------------------------------------------------


class FrozenFeatures(nn.Module):
    """``network`` with every layer but its head frozen: no gradients, and always in evaluation mode, so
    BatchNorm statistics and dropout stay as the source left them. Only the head learns."""

    def __init__(self, network: nn.Module, head: str):
        super().__init__()
        self.network, self.head = network, head
        for name, child in network.named_children():
            if name != head:
                child.requires_grad_(False)

    def train(self, mode: bool = True) -> FrozenFeatures:
        super().train(mode)
        for name, child in self.network.named_children():
            if name != self.head:
                child.eval()
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, H, W) -> (B, classes) logits
        return self.network(x)


def fresh_network(source: nn.Module, num_classes: int, seed: int) -> nn.Module:
    """The source's architecture with ``num_classes`` outputs, initialised from ``seed``."""
    name, kwargs = architecture_of(source)
    seed_everything(seed)
    return create_model(name, **(kwargs | {"num_classes": num_classes}))


def frozen_network(source: nn.Module, num_classes: int, seed: int) -> FrozenFeatures:
    """``fresh_network`` (so the same initial head as from scratch) with the source's feature layers, frozen."""
    network = fresh_network(source, num_classes, seed)
    head = head_of(network)
    features = {k: v for k, v in source.state_dict().items() if not k.startswith(f"{head}.")}
    missing, unexpected = network.load_state_dict(features, strict=False)  # the head keeps its fresh weights
    if unexpected or any(not k.startswith(f"{head}.") for k in missing):
        raise PlaygroundError(
            _("The source's weights do not fit its own architecture, so it cannot lend its features.")
        )
    return FrozenFeatures(network, head)


def _train_arm(
    model: nn.Module,
    data: TargetData,
    config: TransferConfig,
    callbacks: Sequence[Callback],
    stop: threading.Event | None,
) -> Arm:
    start = time.perf_counter()
    tensors = TensorData(data.X_train, data.y_train, data.X_test, data.y_test)
    history = fit(model, tensors, config.train_config(), callbacks, stop)
    return Arm(
        rows=list(history.epochs),
        trainable=sum(p.numel() for p in model.parameters() if p.requires_grad),
        parameters=sum(p.numel() for p in model.parameters()),
        seconds=time.perf_counter() - start,
    )


def compare(
    source: Source,
    data: TargetData,
    config: TransferConfig,
    callbacks: Sequence[Callback] = (),
    stop: threading.Event | None = None,
    set_stage: Callable[[str], None] = lambda text: None,
) -> TransferComparison:
    """Train a new head on the source's frozen features, then the same network from scratch, on ``data``.

    Both get ``config``'s epochs, batches, learning rate and seed; their accuracy on the test images is
    recorded after every epoch. Setting ``stop`` ends the run with what it has (an arm that never trained is None).
    """
    result = TransferComparison(
        source=source.origin,
        source_dataset=str(source.meta.get("dataset", "")),
        source_accuracy=source.accuracy,
        classes=data.classes,
        n_train=len(data.y_train),
        n_test=len(data.y_test),
        majority_accuracy=majority_baseline(data.y_test),
        config={"epochs": config.epochs, "batch_size": config.batch_size, "lr": config.lr, "seed": config.seed},
    )

    def stopped() -> bool:
        return stop is not None and stop.is_set()

    set_stage(_("a new head on the frozen features"))
    result.frozen = _train_arm(
        frozen_network(source.model, len(data.classes), config.seed), data, config, callbacks, stop
    )
    if not stopped():
        set_stage(_("the same network from scratch"))
        scratch = fresh_network(source.model, len(data.classes), config.seed)
        result.scratch = _train_arm(scratch, data, config, callbacks, stop)
    result.stopped = stopped()
    return result


def run(
    config: TransferConfig,
    source: Source | None,
    target: Callable[[dict], TargetData],
    callbacks: Sequence[Callback] = (),
    stop: threading.Event | None = None,
    set_stage: Callable[[str], None] = lambda text: None,
) -> TransferComparison | None:
    """The whole run: train the source here when none is given, make the target data for it, then ``compare``.

    ``target(meta)`` makes the target images for the source's input. None when stopped while the source trained.
    """
    if source is None:
        set_stage(_("the course CNN on MNIST, the source of the features"))
        source = train_source(config, callbacks, stop)
        if source is None or (stop is not None and stop.is_set()):
            return None
    return compare(source, target(source.meta), config, callbacks, stop, set_stage)


# ---- the lesson, in words -----------------------------------------------------------------------


def lesson(result: TransferComparison) -> str:
    """What the two numbers say, whichever way they came out, with the numbers."""
    frozen, scratch = result.frozen, result.scratch
    if frozen is None or scratch is None or frozen.accuracy is None or scratch.accuracy is None:
        return _("The run was stopped before both models trained, so there is nothing to compare yet.")
    epochs = len(frozen.rows)
    values = {
        "n": result.n_train,
        "epochs": epochs,
        "frozen": f"{frozen.accuracy:.1%}",
        "scratch": f"{scratch.accuracy:.1%}",
        "difference": f"{100 * abs(frozen.accuracy - scratch.accuracy):.1f}",
        "trainable": f"{frozen.trainable:,}",
        "parameters": f"{frozen.parameters:,}",
    }
    if max(frozen.accuracy, scratch.accuracy) < result.majority_accuracy + 0.05:
        return _(
            "Neither model has learned much yet ({frozen} with frozen features, {scratch} from scratch, {majority} "
            "for always answering the largest class): give them more epochs or more images."
        ).format(majority=f"{result.majority_accuracy:.1%}", **values)
    if frozen.accuracy - scratch.accuracy >= 0.01:
        text = ngettext(
            "With {n} training images and {epochs} epoch the frozen features win: {frozen} against {scratch} from "
            "scratch ({difference} points), training only {trainable} of {parameters} parameters. Features learned "
            "on other images give the new head a start that so few images cannot give a whole network.",
            "With {n} training images and {epochs} epochs the frozen features win: {frozen} against {scratch} from "
            "scratch ({difference} points), training only {trainable} of {parameters} parameters. Features learned "
            "on other images give the new head a start that so few images cannot give a whole network.",
            epochs,
        )
    elif scratch.accuracy - frozen.accuracy >= 0.01:
        text = ngettext(
            "With {n} training images and {epochs} epoch the frozen features lose: {frozen} against {scratch} from "
            "scratch ({difference} points). Features learned on other images help only where they fit the new "
            "ones; here the whole network learned better ones from the new images themselves.",
            "With {n} training images and {epochs} epochs the frozen features lose: {frozen} against {scratch} from "
            "scratch ({difference} points). Features learned on other images help only where they fit the new "
            "ones; here the whole network learned better ones from the new images themselves.",
            epochs,
        )
    else:
        text = ngettext(
            "With {n} training images and {epochs} epoch the two end level: {frozen} with frozen features against "
            "{scratch} from scratch, although the frozen network trained only {trainable} of {parameters} "
            "parameters.",
            "With {n} training images and {epochs} epochs the two end level: {frozen} with frozen features against "
            "{scratch} from scratch, although the frozen network trained only {trainable} of {parameters} "
            "parameters.",
            epochs,
        )
    text = text.format(**values)
    if epochs > 1 and scratch.rows:
        text += " " + _("After the first epoch: {frozen} with frozen features against {scratch} from scratch.").format(
            frozen=f"{frozen.rows[0].val_metric:.1%}", scratch=f"{scratch.rows[0].val_metric:.1%}"
        )
    return text
