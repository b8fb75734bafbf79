"""The course's pretrained ResNet-50: ImageNet classes for a photo, and its features for transfer learning.

Weights come from torchvision's weights file (IMAGENET1K_V2, or V1 if that is the one a program
already downloaded), looked for first in torchvision's own cache (``torch.hub.get_dir()/checkpoints``,
which honours ``TORCH_HOME``), downloaded there once otherwise, or from a .pth file the user supplies.
Every file is read with ``torch.load(weights_only=True)``. The class names ship inside torchvision, so
they need no network. Offline, the one sentence says which file is needed, its size and checksum, and
the command that fetches it (``python -m playground fetch-weights resnet50``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from playground.data.decode import ClassImages
from playground.data.images import ImageDataset, online
from playground.errors import PlaygroundError
from playground.i18n import N_, _
from playground.models import create_model
from playground.models.io import read_tensors
from playground.training import Callback, TensorData, TrainConfig, fit, seed_everything
from playground.training.metrics import majority_baseline
from playground.vision.classifier import ImageTrainConfig, build_model, evaluate, own_dataset, prepare, train
from playground.vision.weights import (
    CACHED,
    FETCH_COMMAND,
    HOST,
    WeightsFile,
    _weights_enum,
    fetch,
    find_cached,
    offline_message,
    weights_file,
)

MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
INPUT = 224


def categories() -> list[str]:
    """The 1000 ImageNet class names, from torchvision's weight metadata (no download)."""
    return list(_weights_enum().meta["categories"])


def fetch_weights() -> dict:
    """Download the ImageNet weights into torchvision's cache and read them (the app's download)."""
    return _state_dict_of(read_tensors(fetch(check_online=lambda host: True).path, "weights file"))


def _state_dict_of(payload) -> dict:
    if isinstance(payload, dict) and isinstance(payload.get("state_dict"), dict):
        payload = payload["state_dict"]  # the playground's own files, and common checkpoints
    if not isinstance(payload, dict) or not all(isinstance(v, torch.Tensor) for v in payload.values()):
        raise PlaygroundError(_("This file holds no ResNet-50 weights (a state_dict of tensors was expected)."))
    return {k.removeprefix("module."): v for k, v in payload.items()}  # saved from DataParallel


def _with_weights(state: dict) -> nn.Module:
    model = create_model("resnet50")
    try:
        model.load_state_dict(state)
    except RuntimeError:
        raise PlaygroundError(
            _("The weights in this file are not a ResNet-50's (their names or shapes differ).")
        ) from None
    return model.eval()


def _from_cache(found: WeightsFile) -> nn.Module:
    """The cached file, loaded; a file there that is not ResNet-50 weights gets one sentence naming it."""
    try:
        return _with_weights(_state_dict_of(read_tensors(found.path, "weights file")))
    except PlaygroundError as exc:
        raise PlaygroundError(
            _(
                "The file {path} in torchvision's cache cannot be used ({reason}); delete it and run `{command}` again."
            ).format(path=found.path, reason=str(exc).rstrip(".。"), command=FETCH_COMMAND)
        ) from None


def load_resnet50(weights: bytes | str | Path | None = None, check_online=None) -> tuple[nn.Module, str]:
    """(ResNet-50 in eval mode with ImageNet weights, where they came from).

    ``weights`` is the user's file; without it, torchvision's cache is looked in first (no network), and the
    file is downloaded there only when it is not. Where they came from is English, marked for the catalog:
    show it with ``_()``.
    """
    if weights is not None:
        return _with_weights(_state_dict_of(read_tensors(weights, "weights file"))), N_("your weights file")
    found = find_cached()
    if found is not None:
        return _from_cache(found), CACHED[found.tag]
    if not (check_online or online)(HOST):
        raise PlaygroundError(offline_message(weights_file()))
    return _with_weights(fetch_weights()), N_("torchvision's IMAGENET1K_V2 (downloaded)")


def to_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 3, H, W) → normalised float (N, 3, 224, 224), ImageNet's statistics."""
    x = images.float() / 255
    if x.shape[-1] != INPUT or x.shape[-2] != INPUT:
        x = F.interpolate(x, size=(INPUT, INPUT), mode="bilinear", antialias=True, align_corners=False)
    return (x - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)


def photo_tensor(image: Image.Image) -> torch.Tensor:
    """A photo as ImageNet evaluation sees it: shorter side 232, centre crop 224, as uint8 (1, 3, 224, 224)."""
    rgb = image.convert("RGB")
    scale = 232 / min(rgb.size)
    rgb = rgb.resize((max(INPUT, round(rgb.width * scale)), max(INPUT, round(rgb.height * scale))), Image.BILINEAR)
    left, top = (rgb.width - INPUT) // 2, (rgb.height - INPUT) // 2
    crop = np.asarray(rgb.crop((left, top, left + INPUT, top + INPUT)))
    return torch.from_numpy(crop.copy()).permute(2, 0, 1).unsqueeze(0)


@torch.no_grad()
def classify(model: nn.Module, image: Image.Image, k: int = 5) -> list[tuple[str, float]]:
    """The top-k ImageNet classes and their probabilities."""
    probabilities = model(to_input(photo_tensor(image))).softmax(1)[0]
    top = probabilities.topk(k)
    names = categories()
    return [(names[i], float(p)) for p, i in zip(top.values, top.indices, strict=True)]


@torch.no_grad()
def features(
    model: nn.Module, images: torch.Tensor, batch_size: int = 32, stop: threading.Event | None = None
) -> torch.Tensor | None:
    """``include_top=False`` with average pooling: 2048 numbers per image (N, 2048), the frozen backbone's view.

    None when ``stop`` is set before every image has been through the network.
    """
    device = next(model.parameters()).device
    out = []
    for i in range(0, len(images), batch_size):
        if stop is not None and stop.is_set():
            return None
        out.append(model.features(to_input(images[i : i + batch_size]).to(device)).float().cpu())
    return torch.cat(out)


@dataclass
class TransferResult:
    """Test accuracies (0..1) of the two ways to learn the user's classes, and of always guessing the largest class.

    A stopped run (``stopped``) keeps what it got to: the accuracy of a part that never trained is None, one
    stopped while training is that of its partly trained model. The seconds are what each part took, until then.
    """

    classes: list[str]
    n_train: int
    n_test: int
    transfer_accuracy: float | None
    scratch_accuracy: float | None
    transfer_seconds: float
    scratch_seconds: float
    majority_accuracy: float
    stopped: bool = False


def _stopped(stop: threading.Event | None) -> bool:
    return stop is not None and stop.is_set()


def _head_accuracy(
    backbone: nn.Module,
    data224: ImageDataset,
    seed: int,
    stop: threading.Event | None,
    set_stage: Callable[[str], None],
) -> float | None:
    """Test accuracy of a new linear head on the frozen backbone's features; None if stopped before it trained."""
    set_stage(_("ResNet-50 features of your images"))
    backbone.eval()
    train_features = features(backbone, data224.X_train, stop=stop)
    test_features = None if train_features is None else features(backbone, data224.X_test, stop=stop)
    if test_features is None:
        return None
    set_stage(_("a new head on the frozen features"))
    seed_everything(seed)
    head = nn.Linear(train_features.shape[1], len(data224.classes))
    history = fit(
        head,
        TensorData(train_features, data224.y_train),
        TrainConfig(epochs=100, batch_size=64, lr=1e-3, weight_decay=1e-4, seed=seed, device="cpu"),
        stop=stop,
    )
    if not history.epochs:
        return None
    with torch.no_grad():
        return float((head(test_features).argmax(1) == data224.y_test).float().mean())


def _scratch_accuracy(
    images: ClassImages,
    seed: int,
    epochs: int,
    callbacks: Sequence[Callback],
    stop: threading.Event | None,
    set_stage: Callable[[str], None],
) -> float | None:
    """Test accuracy of the course CNN trained from scratch on 64×64 copies; None if stopped before it trained."""
    set_stage(_("the course CNN from scratch"))
    data64 = own_dataset(images, size=64, seed=seed)  # the same split: the permutation depends only on the seed
    config = ImageTrainConfig(dataset="own", epochs=epochs, lr=0.002, val_split=0.0, seed=seed)
    prepared = prepare(data64, config)
    model = build_model(prepared.meta, seed)
    history = train(model, prepared, config, callbacks, stop)
    return evaluate(model, prepared).accuracy if history.epochs else None


def transfer(
    backbone: nn.Module,
    images: ClassImages,
    seed: int = 0,
    scratch_epochs: int = 30,
    callbacks: Sequence[Callback] = (),
    stop: threading.Event | None = None,
    set_stage: Callable[[str], None] = lambda text: None,
) -> TransferResult:
    """A new Dense head on the frozen ResNet-50's pooled features, against the course CNN trained from scratch
    on the same images, split the same way (per class, seeded).

    Setting ``stop`` ends the run early with what it has (see TransferResult), as a stopped ``fit`` does.
    """
    data224 = own_dataset(images, size=INPUT, seed=seed)
    result = TransferResult(
        classes=list(data224.classes),
        n_train=len(data224.y_train),
        n_test=len(data224.y_test),
        transfer_accuracy=None,
        scratch_accuracy=None,
        transfer_seconds=0.0,
        scratch_seconds=0.0,
        majority_accuracy=majority_baseline(data224.y_test),
    )
    start = time.perf_counter()
    result.transfer_accuracy = _head_accuracy(backbone, data224, seed, stop, set_stage)
    result.transfer_seconds = time.perf_counter() - start
    if not _stopped(stop):
        start = time.perf_counter()
        result.scratch_accuracy = _scratch_accuracy(images, seed, scratch_epochs, callbacks, stop, set_stage)
        result.scratch_seconds = time.perf_counter() - start
    result.stopped = _stopped(stop)
    return result
