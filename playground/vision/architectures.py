"""Inspect the classic architectures, train several side by side, and show why residual connections matter."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from playground.errors import PlaygroundError
from playground.i18n import N_, _
from playground.models import Summary, get_spec, models_for, summarize
from playground.models.registry import create_for_input
from playground.share import SEED_MAX, bounded, one_of
from playground.training import Callback, History, seed_everything
from playground.training.engine import BatchEvent
from playground.training.metrics import gradient_norm_ratio
from playground.vision.classifier import ImageTrainConfig, Prepared, evaluate, train

POOLS = (nn.MaxPool2d, nn.AvgPool2d)
WORDS = {"stem": N_("stem"), "classifier": N_("classifier")}  # stage names that are words, not code
STEM = ("conv1", "bn1", "relu", "maxpool")  # a ResNet's first layers
COMPARE_LR = 0.006  # the peak learning rate of the comparisons (the CNN page's default suits its own CNN)


@dataclass(frozen=True)
class ArchitecturesConfig:
    """The architectures page's settings: the model inspected, the comparison and the residual experiment."""

    inspect: str = "lenet"  # any registered image model
    channels: int = one_of(1, (1, 3))
    size: int = bounded(28, 12, 512)
    classes: int = bounded(10, 2, 1000)
    compare: tuple[str, ...] = ("lenet", "vgg-small", "resnet-small")  # models the architectures page trains
    dataset: str = one_of("mnist", ("mnist", "fashion-mnist"))
    train_size: int = bounded(5000, 500, 50_000)
    epochs: int = bounded(1, 1, 20)
    seed: int = bounded(0, 0, SEED_MAX)
    blocks: int = bounded(6, 2, 8)  # per stage, in the residual experiment
    residual_dataset: str = one_of("mnist", ("mnist", "fashion-mnist"))
    residual_train_size: int = bounded(3000, 500, 50_000)
    residual_epochs: int = bounded(1, 1, 20)
    residual_seed: int = bounded(0, 0, SEED_MAX)

    def __post_init__(self):
        if get_spec(self.inspect).task != "image":
            raise PlaygroundError(_("'{name}' is not an image model.").format(name=self.inspect))
        if unknown := [name for name in self.compare if name not in models_for("architectures")]:
            raise PlaygroundError(_("This page does not train {models}.").format(models=", ".join(unknown)))

    def comparison(self) -> ImageTrainConfig:
        return ImageTrainConfig(
            dataset=self.dataset, epochs=self.epochs, train_size=self.train_size, seed=self.seed, lr=COMPARE_LR
        )

    def residual(self) -> ImageTrainConfig:
        return ImageTrainConfig(
            dataset=self.residual_dataset,
            epochs=self.residual_epochs,
            train_size=self.residual_train_size,
            seed=self.residual_seed,
            lr=COMPARE_LR,
        )


@dataclass(frozen=True)
class Stage:
    name: str
    output_shape: tuple
    params: int
    macs: int
    receptive_field: int  # pixels of the input one output position sees
    residual: bool  # whether the stage is made of residual blocks with their skips on

    @property
    def title(self) -> str:
        """The stage's name for people: "stem", "classifier" and "block 2" translated, a module's own name (layer1)
        as it is."""
        if self.name in WORDS:
            return _(WORDS[self.name])
        if self.name.startswith("block "):
            return _("block {n}").format(n=self.name.removeprefix("block "))
        return self.name


def build(name: str, input_shape: Sequence[int], classes: int | None = None, **kwargs) -> nn.Module:
    if classes is not None:
        kwargs["num_classes"] = classes
    return create_for_input(name, tuple(input_shape), **kwargs)


def stages(model: nn.Module, summary: Summary) -> list[Stage]:
    """The model's stages in order, with the feature-map size and the receptive field after each.

    A stage is a top-level child (a ResNet's stem layers and layer1…4), or inside a ``features``
    Sequential the layers up to and including each pooling layer. The receptive field follows the main
    path (rf += (k − 1)·jump; jump ·= stride); the 1×1 shortcut projections do not widen it.
    """
    modules = dict(model.named_modules())
    groups: list[tuple[str, list]] = []
    block = 1
    for row in summary.rows:
        top = row.name.split(".")[0]
        if top == "features":
            key = f"block {block}"
            if isinstance(modules[row.name], POOLS):
                block += 1
        else:
            key = "stem" if top in STEM else top
        if not groups or groups[-1][0] != key:
            groups.append((key, []))
        groups[-1][1].append(row)
    rf, jump, out = 1, 1, []
    for key, rows in groups:
        for row in rows:
            if "downsample" in row.name:
                continue
            module = modules[row.name]
            if isinstance(module, (nn.Conv2d, *POOLS)):
                k = module.kernel_size if isinstance(module.kernel_size, int) else module.kernel_size[0]
                s = module.stride if isinstance(module.stride, int) else module.stride[0]
                rf += (k - 1) * jump
                jump *= s
        shape = summary.module_shapes.get(key) or next((r.output_shape for r in reversed(rows) if r.output_shape), ())
        residual = any(getattr(modules[r.name.rsplit(".", 1)[0]], "skip", False) for r in rows if "." in r.name)
        out.append(
            Stage(
                key,
                shape,
                sum(r.params for r in rows),
                sum(r.macs for r in rows),
                rf if len(shape) == 3 else 0,
                residual,
            )
        )
    return out


# ---- training side by side ------------------------------------------------------------------------


def estimated_memory(summary: Summary, batch_size: int) -> int:
    """Bytes a training step needs on the CPU, estimated: weights, gradients and Adam's two moments (4 copies
    of the parameters), plus every layer's output for the batch, kept for the backward pass and its gradient."""
    activations = sum(int(np.prod(r.output_shape)) for r in summary.rows if r.output_shape)
    return 4 * (4 * summary.total_params + 2 * batch_size * activations)


@dataclass
class Contender:
    name: str
    params: int
    macs: int
    history: History
    test_accuracy: float
    seconds_per_epoch: float
    samples_per_s: float
    peak_memory: int  # bytes
    memory_measured: bool  # True on CUDA (max_memory_allocated); False: estimated

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "parameters": self.params,
            "macs": self.macs,
            "seconds_per_epoch": self.seconds_per_epoch,
            "samples_per_s": self.samples_per_s,
            "peak_memory_bytes": self.peak_memory,
            "memory_measured": self.memory_measured,
            "test_accuracy": self.test_accuracy,
            "history": self.history.as_dict()["epochs"],
        }


def compare(
    names: Sequence[str],
    prepared: Prepared,
    config: ImageTrainConfig,
    callbacks: Sequence[Callback] = (),
    stop: threading.Event | None = None,
    on_model: Callable[[str, int, int], None] | None = None,
) -> list[Contender]:
    """Train each architecture on the same data, seed and budget; one Contender each, in order."""
    if not names:
        raise PlaygroundError(_("Choose at least one architecture to train."))
    shape, classes = tuple(prepared.meta["input"]), len(prepared.meta["classes"])
    device = torch.device(config.device) if config.device else None
    results = []
    for i, name in enumerate(names):
        if stop is not None and stop.is_set():
            break
        if on_model is not None:
            on_model(name, i + 1, len(names))
        seed_everything(config.seed)
        model = build(name, shape, classes)
        summary = summarize(model, torch.zeros(1, *shape))
        cuda = torch.cuda.is_available() and (device is None or device.type == "cuda")
        if cuda:
            torch.cuda.reset_peak_memory_stats()
        history = train(model, prepared, config, callbacks, stop)
        memory = torch.cuda.max_memory_allocated() if cuda else estimated_memory(summary, config.batch_size)
        evaluation = evaluate(model, prepared)
        epochs = history.epochs
        results.append(
            Contender(
                name=name,
                params=summary.total_params,
                macs=summary.total_macs,
                history=history,
                test_accuracy=evaluation.accuracy,
                seconds_per_epoch=float(np.mean([e.seconds for e in epochs])) if epochs else 0.0,
                samples_per_s=float(np.mean([e.samples_per_s for e in epochs])) if epochs else 0.0,
                peak_memory=int(memory),
                memory_measured=cuda,
            )
        )
    return results


# ---- why residual connections ---------------------------------------------------------------------


class GradientNorms(Callback):
    """Each convolution's weight-gradient norm, averaged over the batches of the run (input side first)."""

    def __init__(self):
        self.names: list[str] = []
        self.sums: np.ndarray | None = None
        self.batches = 0

    def on_batch_end(self, model: nn.Module, event: BatchEvent) -> None:
        convs = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Conv2d) and "downsample" not in n]
        norms = np.array([m.weight.grad.norm().item() if m.weight.grad is not None else 0.0 for _, m in convs])
        if self.sums is None:
            self.names, self.sums = [n for n, _ in convs], np.zeros(len(convs))
        self.sums += norms
        self.batches += 1

    @property
    def means(self) -> np.ndarray:
        return self.sums / max(self.batches, 1) if self.sums is not None else np.zeros(0)


class BatchLosses(Callback):
    def __init__(self):
        self.losses: list[float] = []

    def on_batch_end(self, model: nn.Module, event: BatchEvent) -> None:
        self.losses.append(float(event.loss))


@dataclass
class ResidualRun:
    skip: bool
    history: History
    test_accuracy: float
    layer_names: list[str]
    gradient_norms: np.ndarray  # per convolution, input side first
    seconds: float
    depth: int  # weighted layers
    batch_losses: list[float] = field(default_factory=list)

    @property
    def gradient_balance(self) -> float:
        """The first convolution's gradient norm over the last's: far from 1, layers learn at very different speeds."""
        return gradient_norm_ratio(self.gradient_norms)


def residual_experiment(
    prepared: Prepared,
    config: ImageTrainConfig,
    blocks_per_stage: int = 6,
    callbacks: Sequence[Callback] = (),
    stop: threading.Event | None = None,
    on_model: Callable[[str, int, int], None] | None = None,
) -> list[ResidualRun]:
    """The same deep network (3 stages × ``blocks_per_stage`` blocks of two convolutions) trained with and
    without its skip connections, same seed, same data, same budget."""
    shape, classes = tuple(prepared.meta["input"]), len(prepared.meta["classes"])
    runs = []
    for i, skip in enumerate((True, False)):
        if stop is not None and stop.is_set():
            break
        if on_model is not None:
            on_model(_("with skips") if skip else _("plain (no skips)"), i + 1, 2)
        seed_everything(config.seed)
        model = build("deep-net", shape, classes, layers=(blocks_per_stage,) * 3, skip=skip)
        norms, losses = GradientNorms(), BatchLosses()
        start = time.perf_counter()
        history = train(model, prepared, config, [norms, losses, *callbacks], stop)
        depth = sum(isinstance(m, nn.Conv2d | nn.Linear) for n, m in model.named_modules() if "downsample" not in n)
        runs.append(
            ResidualRun(
                skip,
                history,
                evaluate(model, prepared).accuracy,
                norms.names,
                norms.means,
                time.perf_counter() - start,
                depth,
                losses.losses,
            )
        )
    return runs


@dataclass(frozen=True)
class WeightedLayers:
    """The layers a network's depth counts: convolutions and fully connected layers (no batch norm, pooling,
    activations)."""

    convolutions: int
    dense: int
    shortcuts: int  # of the convolutions, the 1×1 projections on skip connections

    @property
    def total(self) -> int:
        return self.convolutions + self.dense


def weighted_layers(summary: Summary) -> WeightedLayers:
    """Count ``summary``'s convolutions, dense layers and skip projections (ResNet's ``downsample``, 4 in
    ResNet-50: 53 convolutions + 1 dense = 54, and 50 without the projections)."""
    convs = [r for r in summary.rows if r.type == "Conv2d"]
    return WeightedLayers(
        convolutions=len(convs),
        dense=sum(r.type == "Linear" for r in summary.rows),
        shortcuts=sum("downsample" in r.name for r in convs),
    )
