"""Train the course CNN on an image set, evaluate it, classify new pictures and show what it sees."""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from playground.data.decode import ClassImages
from playground.data.images import ImageDataset, described
from playground.errors import PlaygroundError
from playground.i18n import N_, _
from playground.models.registry import create_for_input
from playground.share import SEED_MAX, bounded, one_of
from playground.training import Callback, History, TensorData, TrainConfig, fit, seed_everything
from playground.training.engine import OPTIMIZERS
from playground.vision.preprocess import Step, preprocess

STYLE_OF = {"mnist": "digit", "fashion-mnist": "object"}


@dataclass(frozen=True)
class ImageTrainConfig:
    """The CNN page's settings. Defaults reach ≥ 98% on MNIST in about 12 s on 2 CPU cores."""

    dataset: str = "mnist"
    arch: str = "cnn"  # any registered image model: the course CNN, lenet, vgg-small, resnet-small…
    epochs: int = bounded(1, 1, 200)
    batch_size: int = one_of(64, (16, 32, 64, 128, 256))
    lr: float = one_of(0.006, (0.0003, 0.001, 0.002, 0.004, 0.006, 0.01, 0.03, 0.1))
    optimizer: str = one_of("adam", OPTIMIZERS)
    schedule: str = one_of("onecycle", ("onecycle", "constant"))
    augment: bool = False
    val_split: float = bounded(0.1, 0.0, 0.5)
    train_size: int = one_of(0, (0, 1000, 5000, 10000, 20000))  # this many training images (0: all)
    seed: int = bounded(0, 0, SEED_MAX)
    device: str | None = None

    def train_config(self) -> TrainConfig:
        return TrainConfig(
            epochs=self.epochs,
            batch_size=self.batch_size,
            lr=self.lr,
            optimizer=self.optimizer,
            schedule=self.schedule,
            seed=self.seed,
            device=self.device,
        )


@dataclass
class Prepared:
    """Normalised float tensors split into train / validation / test, and what prediction needs."""

    data: TensorData
    X_test: torch.Tensor
    y_test: torch.Tensor
    raw_test: torch.Tensor  # uint8, for showing test images
    meta: dict


def _shift_rotate(xb: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random rotations of up to ±10° and shifts of up to ±10% of the size, per image."""
    n = len(xb)
    angle = (torch.rand(n, generator=generator) * 2 - 1) * math.radians(10)
    shift = (torch.rand(n, 2, generator=generator) * 2 - 1) * 0.2  # grid units: 2 = the whole image
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta.to(xb.device, xb.dtype), list(xb.shape), align_corners=False)
    return F.grid_sample(xb, grid, padding_mode="border", align_corners=False)


def prepare(dataset: ImageDataset, config: ImageTrainConfig) -> Prepared:
    """Split off ``val_split`` of the training images (seeded) and normalise with training statistics."""
    if not 0.0 <= config.val_split <= 0.5:
        raise PlaygroundError(_("The validation share must be between 0% and 50%."))
    n = len(dataset.X_train)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(config.seed))
    n_val = int(n * config.val_split)
    val_idx, train_idx = order[:n_val], order[n_val:]
    if config.train_size:
        if config.train_size < 10:
            raise PlaygroundError(_("Use at least 10 training images."))
        train_idx = train_idx[: config.train_size]
    X = dataset.X_train[train_idx].float() / 255  # only the training part: no float copy of the whole set
    mean = X.mean(dim=(0, 2, 3))
    std = X.std(dim=(0, 2, 3)).clamp_min(1e-3)
    del X

    def norm(t: torch.Tensor) -> torch.Tensor:
        return (t.float() / 255 - mean.view(1, -1, 1, 1)) / std.view(1, -1, 1, 1)

    data = TensorData(
        norm(dataset.X_train[train_idx]),
        dataset.y_train[train_idx],
        norm(dataset.X_train[val_idx]) if n_val else None,
        dataset.y_train[val_idx] if n_val else None,
        augment=_shift_rotate if config.augment else None,
    )
    channels, size, _width = dataset.shape
    meta = {
        "task": "image",
        "dataset": dataset.name,
        "arch": config.arch,
        "classes": list(dataset.classes),
        "input": [channels, size, size],
        "mean": mean.tolist(),
        "std": std.tolist(),
        "style": STYLE_OF.get(dataset.name, "photo"),
        "config": asdict(config),
    }
    return Prepared(data, norm(dataset.X_test), dataset.y_test, dataset.X_test, meta)


def build_model(meta: dict, seed: int, arch: str | None = None) -> nn.Module:
    """A registered image model sized for the data's input and classes (``meta["arch"]`` unless named)."""
    seed_everything(seed)
    return create_for_input(arch or meta.get("arch", "cnn"), tuple(meta["input"]), num_classes=len(meta["classes"]))


def train(
    model: nn.Module,
    prepared: Prepared,
    config: ImageTrainConfig,
    callbacks: Sequence[Callback] = (),
    stop: threading.Event | None = None,
) -> History:
    return fit(model, prepared.data, config.train_config(), callbacks, stop)


@torch.no_grad()
def probabilities(model: nn.Module, X: torch.Tensor, batch_size: int = 2048) -> torch.Tensor:
    """(N, K) softmax probabilities, on the CPU."""
    model.eval()
    device = next(model.parameters()).device
    parts = [
        torch.softmax(model(X[i : i + batch_size].to(device)).float(), 1).cpu() for i in range(0, len(X), batch_size)
    ]
    return torch.cat(parts)


@dataclass(frozen=True)
class Evaluation:
    accuracy: float
    per_class: list[float]  # accuracy of each true class
    confusion: np.ndarray  # (K, K): rows are true classes, columns predicted
    predicted: np.ndarray  # (N,)
    confidence: np.ndarray  # (N,) probability of the predicted class
    mistakes: list[int]  # test indices of wrong predictions, most confident first

    def as_dict(self) -> dict:
        return {
            "accuracy": self.accuracy,
            "per_class_accuracy": self.per_class,
            "confusion_matrix": self.confusion.tolist(),
        }


def evaluate(model: nn.Module, prepared: Prepared) -> Evaluation:
    probs = probabilities(model, prepared.X_test)
    confidence, predicted = probs.max(1)
    y = prepared.y_test.numpy()
    predicted, confidence = predicted.numpy(), confidence.numpy()
    k = len(prepared.meta["classes"])
    confusion = np.zeros((k, k), np.int64)
    np.add.at(confusion, (y, predicted), 1)
    per_class = (np.diag(confusion) / np.maximum(confusion.sum(1), 1)).tolist()
    wrong = np.nonzero(predicted != y)[0]
    mistakes = wrong[np.argsort(-confidence[wrong])].tolist()
    return Evaluation(float((predicted == y).mean()), per_class, confusion, predicted, confidence, mistakes)


@dataclass(frozen=True)
class Prediction:
    steps: list[Step]
    x: torch.Tensor  # (1, C, H, W) the model's input
    probabilities: list[float]
    top: list[tuple[str, float]]  # (class, probability), best first


def predict(model: nn.Module, meta: dict, image: Image.Image, k: int = 5) -> Prediction:
    steps, x = preprocess(image, meta)
    probs = probabilities(model, x)[0]
    order = probs.argsort(descending=True)[:k].tolist()
    return Prediction(steps, x, probs.tolist(), [(meta["classes"][i], float(probs[i])) for i in order])


# ---- what the network sees -------------------------------------------------------------


ACTIVATIONS = (nn.ReLU, nn.Tanh, nn.Sigmoid, nn.LeakyReLU, nn.GELU)


def first_layer_filters(model: nn.Module) -> np.ndarray:
    """(F, kh, kw) first-layer kernels (averaged over input channels), each scaled to [0, 1]."""
    first = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    w = first.weight.detach().float().cpu().mean(1)
    lo, hi = w.amin((1, 2), keepdim=True), w.amax((1, 2), keepdim=True)
    return ((w - lo) / (hi - lo).clamp_min(1e-8)).numpy()


def seen_layers(model: nn.Module) -> list[nn.Module]:
    """The layers whose outputs are the feature maps shown: each activation of a ``features`` stack
    (the course CNN, LeNet, VGG), or a ResNet's stem activation and the output of each stage."""
    features = getattr(model, "features", None)
    if isinstance(features, nn.Module):
        return [m for m in features.modules() if isinstance(m, ACTIVATIONS)]
    return [m for name, m in model.named_children() if name == "relu" or name.startswith("layer")]


def _capture(model: nn.Module, x: torch.Tensor, layers: list[nn.Module]) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """The logits for ``x`` and the outputs of ``layers``, in the order they ran."""
    outputs: list[torch.Tensor] = []
    handles = [m.register_forward_hook(lambda _m, _i, out: outputs.append(out)) for m in layers]
    try:
        logits = model(x.to(next(model.parameters()).device))
    finally:
        for handle in handles:
            handle.remove()
    return logits, outputs


@torch.no_grad()
def feature_maps(model: nn.Module, x: torch.Tensor) -> list[np.ndarray]:
    """After each activation (or ResNet stage): a list of (channels, H, W) arrays for one input (1, C, H, W)."""
    model.eval()
    _logits, outputs = _capture(model, x, seen_layers(model))
    return [a[0].float().cpu().numpy().copy() for a in outputs if a.dim() == 4]


def grad_cam(model: nn.Module, x: torch.Tensor, class_index: int) -> np.ndarray:
    """Grad-CAM on the last feature maps: an (H, W) map in [0, 1] at the input's size."""
    model.eval()
    with torch.enable_grad():
        logits, outputs = _capture(model, x, seen_layers(model)[-1:])
        (a,) = outputs
        (grads,) = torch.autograd.grad(logits[0, class_index], a)
    weights = grads.mean(dim=(2, 3), keepdim=True)  # (1, C, 1, 1)
    cam = torch.relu((weights * a).sum(1, keepdim=True))
    cam = F.interpolate(cam, size=x.shape[-2:], mode="bilinear", align_corners=False)[0, 0]
    cam = cam / cam.max().clamp_min(1e-8)
    return cam.detach().cpu().numpy()


# ---- the user's own classes -------------------------------------------------------------


def own_dataset(classes: ClassImages, size: int = 64, test_share: float = 0.2, seed: int = 0) -> ImageDataset:
    """The user's images as an RGB ``size``×``size`` ImageDataset, with a seeded, per-class test split."""
    classes.validate()
    names = classes.classes
    rng = np.random.default_rng(seed)
    train_x, train_y, test_x, test_y = [], [], [], []
    for label, name in enumerate(names):
        arrays = []
        for image in classes.images[name]:
            rgb = image.convert("RGB")
            w, h = rgb.size
            side = min(w, h)
            rgb = rgb.crop(((w - side) // 2, (h - side) // 2, (w - side) // 2 + side, (h - side) // 2 + side))
            arrays.append(np.asarray(rgb.resize((size, size), Image.Resampling.LANCZOS)))
        order = rng.permutation(len(arrays))
        n_test = max(1, int(round(len(arrays) * test_share)))
        for rank, i in enumerate(order):
            (test_x if rank < n_test else train_x).append(arrays[i])
            (test_y if rank < n_test else train_y).append(label)

    def stack(xs):
        return torch.from_numpy(np.stack(xs)).permute(0, 3, 1, 2).contiguous()

    source = described(
        N_("your {classes} classes: {train} training and {test} test images"),
        classes=len(names),
        train=len(train_x),
        test=len(test_x),
    )
    return ImageDataset(
        "own", stack(train_x), torch.tensor(train_y), stack(test_x), torch.tensor(test_y), tuple(names), **source
    )
