"""Train the course CNN on an image set, evaluate it, classify new pictures and show what it sees."""

from __future__ import annotations

import contextlib
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
from playground.data.images import ImageDataset, described, resize_images, with_channels
from playground.device import amp_off, inference_batch, pick_device
from playground.errors import PlaygroundError
from playground.i18n import N_, _, number
from playground.models.registry import create_for_input
from playground.share import SEED_MAX, bounded, one_of
from playground.training import Callback, History, TensorData, TrainConfig, fit, seed_everything
from playground.training.engine import OPTIMIZERS
from playground.vision import familiarity
from playground.vision.preprocess import Step, preprocess, to_model_input

STYLE_OF = {"mnist": "digit", "fashion-mnist": "object"}
COURSE_INPUT = (3, 64, 64)  # the course's CNN is defined for 64×64 colour images
# At the course's input every training image is 48 KB of floats (grey is kept once and copied into three
# channels only while training); this many keeps a run, and what a session keeps of it, within about 0.5 GB.
COURSE_MAX_TRAIN = 10_000


@dataclass(frozen=True)
class ImageTrainConfig:
    """The CNN page's settings. Defaults: 30,000 MNIST images once, in about 5 s on 2 CPU cores; 98.18–98.27% on
    the test set for seeds 0–2 (the course's CNN initialised as Keras does, label smoothing 0.1, one-cycle to
    0.015, bfloat16 mixed precision where the CPU computes it natively)."""

    dataset: str = "mnist"
    arch: str = "cnn"  # any registered image model: the course CNN, lenet, vgg-small, resnet-small…
    epochs: int = bounded(1, 1, 200)
    batch_size: int = one_of(64, (16, 32, 64, 128, 256))
    lr: float = one_of(0.015, (0.0003, 0.001, 0.002, 0.004, 0.006, 0.01, 0.015, 0.03, 0.1))
    optimizer: str = one_of("adam", OPTIMIZERS)
    schedule: str = one_of("onecycle", ("onecycle", "constant"))
    augment: bool = False
    val_split: float = bounded(0.1, 0.0, 0.5)
    train_size: int = one_of(30000, (0, 1000, 5000, 10000, 20000, 30000))  # this many training images (0: all)
    input: str = one_of("native", ("native", "course"))  # the images as they come, or the course's 64×64×3
    seed: int = bounded(0, 0, SEED_MAX)
    device: str | None = None
    label_smoothing: float = bounded(0.1, 0.0, 0.5)  # train towards 1 - s for the true class: learns faster here
    # "auto": bfloat16 mixed precision on a GPU and on a CPU that computes bfloat16 natively (cpu_bfloat16);
    # "float32": everything in float32
    precision: str = one_of("auto", ("auto", "float32"))

    def train_config(self) -> TrainConfig:
        return TrainConfig(
            epochs=self.epochs,
            batch_size=self.batch_size,
            lr=self.lr,
            optimizer=self.optimizer,
            schedule=self.schedule,
            label_smoothing=self.label_smoothing,
            seed=self.seed,
            device=self.device,
            amp=self.precision == "auto",
        )


def cpu_bfloat16() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX-512 BF16 or AMX). There, bfloat16 mixed precision trains
    the course's CNN about 1.4 times as fast at the same accuracy; elsewhere it would be slower.
    ``$PLAYGROUND_AMP=off`` turns it off, as it does on a GPU."""
    if amp_off():
        return False
    features = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")  # private: absent from some torch builds
    return any(getattr(torch.cpu, name, lambda: False)() for name in features)


def mixed_precision(config: ImageTrainConfig) -> contextlib.AbstractContextManager:
    """bfloat16 autocast for a run on a CPU that computes it natively, with ``precision="auto"``; else nothing
    (on a GPU the engine's own mixed precision applies)."""
    if config.precision == "auto" and pick_device(config.device).type == "cpu" and cpu_bfloat16():
        # no cache of the bfloat16 weights: it would live as long as the run and keep the weights of its first step
        return torch.autocast("cpu", dtype=torch.bfloat16, cache_enabled=False)
    return contextlib.nullcontext()


@dataclass
class Prepared:
    """Normalised float tensors split into train / validation / test, and what prediction needs."""

    data: TensorData
    X_test: torch.Tensor
    y_test: torch.Tensor
    raw_test: torch.Tensor  # uint8, for showing test images
    meta: dict


def _shift_rotate(xb: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random rotations of up to ±10° and shifts of up to ±10% of the size, per image, computed in float32 even
    inside a bfloat16 autocast (whose matrix products would round the sampling grid)."""
    n = len(xb)
    angle = (torch.rand(n, generator=generator) * 2 - 1) * math.radians(10)
    shift = (torch.rand(n, 2, generator=generator) * 2 - 1) * 0.2  # grid units: 2 = the whole image
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    with torch.autocast(xb.device.type, enabled=False):
        grid = F.affine_grid(theta.to(xb.device, xb.dtype), list(xb.shape), align_corners=False)
        return F.grid_sample(xb, grid, padding_mode="border", align_corners=False)


def input_shape(shape: tuple[int, ...], input: str = "native") -> tuple[int, int, int]:
    """The (C, H, W) the model reads for images of ``shape``: theirs, or the course's 64×64×3 (``input="course"``)."""
    if input not in ("native", "course"):
        raise PlaygroundError(_("Unknown input '{name}'; choose native or course.").format(name=input))
    return COURSE_INPUT if input == "course" else tuple(shape)


def split_indices(dataset: ImageDataset, config: ImageTrainConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """Which training images train and which validate: a seeded split, then the first ``train_size``."""
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
    if config.input == "course" and len(train_idx) > COURSE_MAX_TRAIN:
        raise PlaygroundError(
            _("At the course's 64×64×3 input, train on at most {limit} images: choose fewer training images.").format(
                limit=f"{COURSE_MAX_TRAIN:,}"
            )
        )
    return train_idx, val_idx


def prepare(dataset: ImageDataset, config: ImageTrainConfig) -> Prepared:
    """Split off ``val_split`` of the training images (seeded) and normalise with training statistics.

    With ``config.input == "course"`` the images are resized to 64×64 and grey is copied into three channels
    (the copies are views of one grey tensor), so every tensor is (N, 3, 64, 64).
    """
    channels, size, _width = shape = input_shape(dataset.shape, config.input)
    train_idx, val_idx = split_indices(dataset, config)
    n_val = len(val_idx)

    def resized(X: torch.Tensor) -> torch.Tensor:
        return resize_images(X, size)

    X = resized(dataset.X_train[train_idx]).float() / 255  # only the training part: no float copy of the whole set
    mean = X.mean(dim=(0, 2, 3))
    std = X.std(dim=(0, 2, 3)).clamp_min(1e-3)
    del X

    def norm(t: torch.Tensor) -> torch.Tensor:
        x = (resized(t).float() / 255 - mean.view(1, -1, 1, 1)) / std.view(1, -1, 1, 1)
        return with_channels(x, channels)

    data = TensorData(
        norm(dataset.X_train[train_idx]),
        dataset.y_train[train_idx],
        norm(dataset.X_train[val_idx]) if n_val else None,
        dataset.y_train[val_idx] if n_val else None,
        augment=_shift_rotate if config.augment else None,
    )
    copies = channels // len(mean)  # 3 when grey is copied into RGB, else 1
    meta = {
        "task": "image",
        "dataset": dataset.name,
        "arch": config.arch,
        "classes": list(dataset.classes),
        "input": list(shape),
        "mean": mean.repeat(copies).tolist(),
        "std": std.repeat(copies).tolist(),
        "style": STYLE_OF.get(dataset.name, "photo"),
        "config": asdict(config),
    }
    if tuple(shape) != tuple(dataset.shape):
        meta["resized_from"] = list(dataset.shape)  # pictures to classify are prepared at this size, then resized
    raw_test = with_channels(resized(dataset.X_test), channels)
    return Prepared(data, norm(dataset.X_test), dataset.y_test, raw_test, meta)


@dataclass(frozen=True)
class InputSize:
    """One input size for an architecture: what it costs and what reaches its first dense layer."""

    shape: tuple[int, int, int]  # (C, H, W) the model reads
    parameters: int
    flattened: tuple[int, int, int] | None  # (H, W, C) flattened into the first dense layer (Keras' order), if any


def _flattened(model: nn.Module, shape: tuple[int, int, int]) -> tuple[int, int, int] | None:
    """(H, W, C) of what the model's first ``nn.Flatten`` receives for one input of ``shape``; None without one."""
    flatten = next((m for m in model.modules() if isinstance(m, nn.Flatten)), None)
    if flatten is None:
        return None
    seen: list[torch.Size] = []
    handle = flatten.register_forward_hook(lambda _m, inputs, _out: seen.append(inputs[0].shape))
    try:
        model(torch.zeros(1, *shape, device=next(model.parameters()).device))
    finally:
        handle.remove()
    return (seen[0][2], seen[0][3], seen[0][1]) if seen and len(seen[0]) == 4 else None


def input_sizes(arch: str, shape: tuple[int, ...], num_classes: int) -> dict[str, InputSize]:
    """``arch`` for images of ``shape`` at each ``ImageTrainConfig.input`` ("native", "course") it can take.

    Sized on PyTorch's meta device: nothing is allocated.
    """
    sizes = {}
    for input in ("native", "course"):
        model_shape = input_shape(shape, input)
        try:
            with torch.device("meta"):
                model = create_for_input(arch, model_shape, num_classes=num_classes)
                flattened = _flattened(model, model_shape)
        except PlaygroundError:
            continue  # e.g. too small for this architecture
        sizes[input] = InputSize(model_shape, sum(p.numel() for p in model.parameters()), flattened)
    return sizes


def _hwc(shape: tuple[int, int, int]) -> str:
    return "×".join(str(v) for v in shape)


def input_note(sizes: dict[str, InputSize]) -> str:
    """One sentence on why the parameter count differs between the images' own size and the course's input."""
    if set(sizes) != {"native", "course"}:
        return ""
    native, course = sizes["native"], sizes["course"]
    at = {name: _hwc((s.shape[1], s.shape[2], s.shape[0])) for name, s in sizes.items()}  # Keras' H×W×C
    if native.shape == course.shape:
        return _("These images are already {shape}, the course's input: {parameters} parameters either way.").format(
            shape=at["course"], parameters=number(course.parameters)
        )
    values = {
        "native_parameters": number(native.parameters),
        "course_parameters": number(course.parameters),
        "native_shape": at["native"],
        "course_shape": at["course"],
        "native_channels": native.shape[0],
        "course_channels": course.shape[0],
    }
    if native.flattened is None or course.flattened is None:
        return _(
            "{native_parameters} parameters at {native_shape} and {course_parameters} at {course_shape}: global "
            "pooling gives the dense layer the same number of values at any size, so only the first layer's input "
            "channels change the count."
        ).format(**values)
    values |= {
        "native_flat": _hwc(native.flattened),
        "course_flat": _hwc(course.flattened),
        "native_values": number(math.prod(native.flattened)),
        "course_values": number(math.prod(course.flattened)),
    }
    if native.shape[0] != course.shape[0]:
        return _(
            "{native_parameters} parameters at {native_shape} but {course_parameters} at {course_shape}: the "
            "flatten hands the first dense layer {native_flat} = {native_values} values at {native_shape} but "
            "{course_flat} = {course_values} at {course_shape}, and the first convolution reads {course_channels} "
            "input channels instead of {native_channels}."
        ).format(**values)
    return _(
        "{native_parameters} parameters at {native_shape} but {course_parameters} at {course_shape}: the flatten "
        "hands the first dense layer {native_flat} = {native_values} values at {native_shape} but {course_flat} = "
        "{course_values} at {course_shape}."
    ).format(**values)


def build_model(meta: dict, seed: int, arch: str | None = None) -> nn.Module:
    """A registered image model sized for the data's input and classes (``meta["arch"]`` unless named)."""
    seed_everything(seed)
    return create_for_input(arch or meta.get("arch", "cnn"), tuple(meta["input"]), num_classes=len(meta["classes"]))


# The CNN page's "best accuracy" button: the course's CNN, 3 epochs of all but 2% of the training images (1,000 kept
# to validate; 147,000 samples) with the default label smoothing, initialisation and precision: 99.02–99.10% on the
# MNIST test set (seeds 0–2) in about 24–26 s on 2 CPU cores with bfloat16 (4 epochs in batches of 128: 99.1%, 29–32 s).
BEST_ACCURACY = {
    **{"arch": "cnn", "input": "native", "epochs": 3, "batch_size": 64, "lr": 0.006, "optimizer": "adam"},
    **{"schedule": "onecycle", "augment": False, "train_size": 0, "val_split": 0.02},
}


def train(
    model: nn.Module,
    prepared: Prepared,
    config: ImageTrainConfig,
    callbacks: Sequence[Callback] = (),
    stop: threading.Event | None = None,
) -> History:
    with mixed_precision(config):
        return fit(model, prepared.data, config.train_config(), callbacks, stop)


def calibrate(model: nn.Module, prepared: Prepared) -> dict:
    """Measure what the trained model's own pictures look like (``familiarity``) and keep it in ``prepared.meta``.

    The limits come from the validation images, or the training images when there are none; the model file
    downloaded afterwards carries them, so a picture is checked the same way when the file is loaded again.
    """
    data = prepared.data
    X, source = (data.X_val, "validation") if data.has_val else (data.X_train, "training")
    prepared.meta["familiarity"] = familiarity.calibrate(model, X, source)
    return prepared.meta["familiarity"]


@torch.no_grad()
def probabilities(model: nn.Module, X: torch.Tensor, batch_size: int = 2048) -> torch.Tensor:
    """(N, K) softmax probabilities, on the CPU."""
    model.eval()
    device = next(model.parameters()).device
    size = inference_batch(device, batch_size)
    parts = [torch.softmax(model(X[i : i + size].to(device)).float(), 1).cpu() for i in range(0, len(X), size)]
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
    familiarity: familiarity.Familiarity | None = None  # None: the model file holds no limits to check against


def _resized_from(meta: dict) -> tuple[int, int, int] | None:
    """The (C, H, W) the training images had before they were resized to ``meta["input"]``, if they were."""
    shape, native = meta["input"], meta.get("resized_from")
    if not (isinstance(native, list) and len(native) == 3 and all(type(v) is int for v in native)):
        return None  # absent, or not a shape (a model file is checked only for what prediction must have)
    channels, size, width = native
    if channels not in (1, shape[0]) or size != width or not 1 <= size <= 1024 or list(native) == list(shape):
        return None
    return channels, size, width


def prepare_picture(image: Image.Image, meta: dict) -> tuple[list[Step], torch.Tensor]:
    """The steps to show and the (1, C, H, W) model input, made as the training images were.

    Images that training resized (``meta["resized_from"]``, the course's 64×64×3) are first made like the
    original data (for MNIST: a centred 28×28 digit), then resized and copied into the channels the same way.
    """
    native = _resized_from(meta)
    if native is None:
        return preprocess(image, meta)
    channels, size, _width = meta["input"]
    native_meta = meta | {"input": list(native), "mean": meta["mean"][: native[0]], "std": meta["std"][: native[0]]}
    steps, _x = preprocess(image, native_meta)
    last = torch.from_numpy(np.ascontiguousarray(steps[-1].image))
    last = last.permute(2, 0, 1) if last.ndim == 3 else last.unsqueeze(0)  # (C, h, w)
    big = with_channels(resize_images(last.unsqueeze(0), size), channels)[0]  # (C, size, size)
    note = _("grey copied into the 3 colour channels") if native[0] < channels else ""
    title = _("resized to {size}×{size}").format(size=size)
    steps.append(Step(title, big.permute(1, 2, 0).numpy().copy() if channels == 3 else big[0].numpy().copy(), note))
    return steps, to_model_input(steps, meta)


def predict(model: nn.Module, meta: dict, image: Image.Image, k: int = 5) -> Prediction:
    steps, x = prepare_picture(image, meta)
    probs = probabilities(model, x)[0]
    order = probs.argsort(descending=True)[:k].tolist()
    top = [(meta["classes"][i], float(probs[i])) for i in order]
    return Prediction(steps, x, probs.tolist(), top, familiarity.check(model, meta, x))


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
