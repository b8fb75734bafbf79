"""The CNN page's run as a plain PyTorch script, with the page's images beside it in a .npz file.

The script reproduces the page's training step by step: the same images (split and chosen as
``classifier.prepare`` does), normalisation with the training images' statistics, initial weights
drawn right after seeding torch, the engine's batch order (a generator seeded with the run's seed),
optimiser, one-cycle schedule, label smoothing, augmentation, bfloat16 mixed precision where the
hardware computes it natively, and the test on the last epoch's weights. The pieces (model classes,
data file, training and test cells) are shared with the architectures page's export.
"""

from __future__ import annotations

import inspect
import io
import json
from collections.abc import Sequence
from string import Template

import numpy as np
import torch

from playground.data.images import ImageDataset, load_bundled, resize_images
from playground.device import amp_off
from playground.errors import PlaygroundError
from playground.export import CELL, RESULT, Export, exporter
from playground.i18n import _, ngettext
from playground.models import get_spec
from playground.models.registry import create_for_input
from playground.vision.classifier import ImageTrainConfig, _shift_rotate, input_shape, split_indices

TOLERANCE = 1.0  # percentage points: the script's test accuracy against the page's, on a CPU (tests check it)

# ---- the models, as plain PyTorch ---------------------------------------------------------------
# Each class builds its layers in the same order as playground/models, so after the same
# torch.manual_seed it starts from the very same weights (tests/test_export_images.py checks each one).

CLASSES = {
    "CourseCNN": '''
class CourseCNN(nn.Module):
    """The course's CNN: three blocks of Conv 3×3 ('valid') + ReLU + MaxPool 2×2, then Dense(64, ReLU), Dense."""

    def __init__(self, in_channels, image_size, num_classes, widths=(32, 64, 64), dense=64):
        super().__init__()
        blocks, channels, size = [], in_channels, image_size
        for width in widths:
            blocks.append(nn.Sequential(nn.Conv2d(channels, width, 3), nn.ReLU(), nn.MaxPool2d(2)))
            channels, size = width, (size - 2) // 2  # a valid 3×3 convolution takes 2 pixels, pooling halves
        self.features = nn.Sequential(*blocks)
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(channels * size * size, dense), nn.ReLU(), nn.Linear(dense, num_classes)
        )

        for module in self.modules():  # initialised as Keras does: Glorot-uniform weights, zero biases
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(module.weight)
                nn.init.zeros_(module.bias)

    def forward(self, x):  # (B, C, H, W) -> (B, classes) logits
        return self.classifier(self.features(x))
''',
    "LeNet5": '''
class LeNet5(nn.Module):
    """LeNet-5: Conv(6, 5×5, tanh) → AvgPool 2 → Conv(16, 5×5, tanh) → AvgPool 2 → Dense 120 → 84 → classes."""

    def __init__(self, in_channels, image_size, num_classes):
        super().__init__()
        size = ((image_size - 4) // 2 - 4) // 2  # two valid 5×5 convolutions, each followed by pooling
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5),
            nn.Tanh(),
            nn.AvgPool2d(2),
            nn.Conv2d(6, 16, 5),
            nn.Tanh(),
            nn.AvgPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * size * size, 120),
            nn.Tanh(),
            nn.Linear(120, 84),
            nn.Tanh(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x):  # (B, C, H, W) -> (B, classes) logits
        return self.classifier(self.features(x))
''',
    "VGG": '''
class VGG(nn.Module):
    """Blocks of 3×3 'same' convolutions with ReLU, each ending in MaxPool 2×2; then a dense head (dropout 0: none)."""

    def __init__(self, blocks, head, in_channels, image_size, num_classes, dropout=0.5):
        super().__init__()
        layers, channels, size = [], in_channels, image_size
        for convs, width in blocks:  # (convolutions, width) per block
            for _ in range(convs):
                layers += [nn.Conv2d(channels, width, 3, padding=1), nn.ReLU(inplace=True)]
                channels = width
            layers.append(nn.MaxPool2d(2))
            size //= 2
        self.features = nn.Sequential(*layers)
        dense, flat = [nn.Flatten()], channels * size * size
        for width in head:
            dense += [nn.Linear(flat, width), nn.ReLU(inplace=True)] + ([nn.Dropout(dropout)] if dropout else [])
            flat = width
        dense.append(nn.Linear(flat, num_classes))
        self.classifier = nn.Sequential(*dense)

    def forward(self, x):  # (B, C, H, W) -> (B, classes) logits
        return self.classifier(self.features(x))
''',
    "BasicBlock": '''
class BasicBlock(nn.Module):
    """Two 3×3 convolutions with batch norm; the block's input is added back (the residual connection)."""

    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        # where the shape changes, a 1×1 projection makes the input fit; elsewhere it is added as it is
        reshape = stride != 1 or inplanes != planes
        self.downsample = (
            nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))
            if reshape
            else None
        )

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return self.relu(out + shortcut)
''',
    "ResNet": '''
class ResNet(nn.Module):
    """A 3×3 stem, stages of residual blocks (each after the first halves the size), global average pool, Dense."""

    def __init__(self, layers, widths, in_channels, num_classes):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        inplanes = widths[0]
        for i, (count, width) in enumerate(zip(layers, widths)):
            blocks = []
            for j in range(count):
                blocks.append(BasicBlock(inplanes, width, 2 if i > 0 and j == 0 else 1))
                inplanes = width
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))  # layer1, layer2, … as torchvision names them
        self.stages = len(layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(inplanes, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):  # (B, C, H, W) -> (B, classes) logits
        x = self.relu(self.bn1(self.conv1(x)))
        for i in range(self.stages):
            x = getattr(self, f"layer{i + 1}")(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))
''',
}

# registered name -> (the classes it needs, in order; how it is built for (channels, size, classes))
ARCHITECTURES = {
    "cnn": (("CourseCNN",), "CourseCNN(in_channels={channels}, image_size={size}, num_classes={classes})"),
    "lenet": (("LeNet5",), "LeNet5(in_channels={channels}, image_size={size}, num_classes={classes})"),
    "vgg-small": (
        ("VGG",),
        "VGG(blocks=((2, 16), (2, 32)), head=(128,), in_channels={channels}, image_size={size}, num_classes={classes})",
    ),
    "vgg-course": (
        ("VGG",),
        "VGG(blocks=((2, 64),), head=(4096,), in_channels={channels}, image_size={size}, num_classes={classes}, "
        "dropout=0.0)",
    ),
    "resnet-small": (
        ("BasicBlock", "ResNet"),
        "ResNet(layers=(1, 1, 1), widths=(16, 32, 64), in_channels={channels}, num_classes={classes})",
    ),
}

OPTIMIZERS = {
    "adam": "torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)",
    "adamw": "torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE)",
    "sgd": "torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)",
    "momentum": "torch.optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=0.9)",
    "rmsprop": "torch.optim.RMSprop(model.parameters(), lr=LEARNING_RATE)",
}


def model_code(names: Sequence[str], shape: Sequence[int], classes: int) -> tuple[str, dict[str, str]]:
    """The class definitions ``names`` need (each once) and, per name, the expression that builds it."""
    missing = [name for name in names if name not in ARCHITECTURES]
    if missing:
        raise PlaygroundError(
            _("{models} cannot be written as a script yet; choose another architecture.").format(
                models=", ".join(missing)
            )
        )
    channels, size = int(shape[0]), int(shape[1])
    needed: list[str] = []
    for name in names:
        needed += [c for c in ARCHITECTURES[name][0] if c not in needed]
    source = "\n\n".join(CLASSES[c].strip("\n") for c in needed)
    calls = {name: ARCHITECTURES[name][1].format(channels=channels, size=size, classes=classes) for name in names}
    return source, calls


def parameter_count(name: str, shape: Sequence[int], classes: int) -> int:
    """The registered model's parameters for inputs of ``shape`` (PlaygroundError when it cannot take them)."""
    model = create_for_input(name, tuple(shape), num_classes=classes)
    return sum(p.numel() for p in model.parameters())


# ---- the data -----------------------------------------------------------------------------------


def page_images(dataset: ImageDataset, config: ImageTrainConfig) -> dict[str, np.ndarray]:
    """The images the page trains, validates and tests on, chosen (and resized) as ``classifier.prepare`` does.

    X_* are (N, C, H, W) uint8 at the size the model reads, grey kept in one channel; y_* (N,) int64;
    ``classes`` the class names.
    """
    _channels, size, _width = input_shape(dataset.shape, config.input)
    train_idx, val_idx = split_indices(dataset, config)

    def images(X: torch.Tensor) -> np.ndarray:
        return resize_images(X, size).numpy()

    def labels(y: torch.Tensor) -> np.ndarray:
        return y.numpy().astype(np.int64)

    return {
        "X_train": images(dataset.X_train[train_idx]),
        "y_train": labels(dataset.y_train[train_idx]),
        "X_val": images(dataset.X_train[val_idx]),
        "y_val": labels(dataset.y_train[val_idx]),
        "X_test": images(dataset.X_test),
        "y_test": labels(dataset.y_test),
        "classes": np.array([str(c) for c in dataset.classes]),
    }


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def images_for(config: ImageTrainConfig, data: ImageDataset | None) -> ImageDataset:
    """The page's data set: the one given (own classes, a download), else the bundled ``config.dataset``."""
    return data if data is not None else load_bundled(config.dataset)


# ---- cells --------------------------------------------------------------------------------------


def markdown(text: str) -> str:
    """A markdown cell: each line of ``text`` behind ``# ``."""
    return "\n".join([CELL + " [markdown]"] + [("# " + line).rstrip() for line in text.strip("\n").splitlines()])


def code(text: str, **values: str) -> str:
    """A code cell from a template whose ``$name`` lines are filled in; a line left empty is dropped."""
    filled = Template(text.strip("\n")).substitute(values) if values else text.strip("\n")
    return CELL + "\n" + "\n".join(line for line in filled.splitlines() if line == "" or line.strip())


def settings_table(rows: Sequence[tuple[str, object]]) -> str:
    lines = ["| " + _("setting") + " | " + _("value") + " |", "| --- | --- |"]
    return "\n".join(lines + [f"| {label} | `{value}` |" for label, value in rows])


def training_settings(config: ImageTrainConfig, images: dict[str, np.ndarray]) -> list[tuple[str, object]]:
    return [
        (_("epochs"), config.epochs),
        (_("batch size"), config.batch_size),
        (_("learning rate"), config.lr),
        (_("optimiser"), config.optimizer),
        (_("learning-rate schedule"), config.schedule),
        (_("augmentation (shifts, rotations)"), config.augment),
        (_("label smoothing"), config.label_smoothing),
        (_("precision"), _("bfloat16 where native") if config.precision == "auto" else "float32"),
        (_("validation share"), config.val_split),
        (_("training images"), len(images["X_train"])),
        (_("seed"), config.seed),
    ]


IMPORTS = """
import json
import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

SEED = $seed
EPOCHS = $epochs
BATCH_SIZE = $batch_size
LEARNING_RATE = $lr
LABEL_SMOOTHING = $label_smoothing  # train towards 1 - this for the true class (0: plain cross-entropy)
MIXED_PRECISION = $mixed_precision  # bfloat16 where the hardware computes it natively, float32 elsewhere
DATA_FILE = $data_file
DEVICE = $device  # None: the best present (cuda, then mps, then cpu); or "cpu", "cuda", "mps"

if DEVICE:
    device = torch.device(DEVICE)
elif torch.cuda.is_available():
    device = torch.device("cuda")
elif torch.backends.mps.is_available():
    device = torch.device("mps")
else:
    device = torch.device("cpu")


def cpu_has(feature):  # torch.cpu's helpers are private: False where this torch lacks them
    return bool(getattr(torch.cpu, f"_is_{feature}_supported", lambda: False)())


if device.type == "cuda":
    AMP = MIXED_PRECISION and torch.cuda.is_bf16_supported()  # a recent GPU
else:  # a CPU that computes bfloat16 natively: AVX-512 BF16 or AMX; elsewhere it would be slower
    AMP = MIXED_PRECISION and device.type == "cpu" and (cpu_has("avx512_bf16") or cpu_has("amx_tile"))
print("bfloat16 mixed precision:", AMP)
print("device:", device)
"""

DATA = """
data = np.load(DATA_FILE)
classes = [str(name) for name in data["classes"]]
X_train_raw, y_train = torch.from_numpy(data["X_train"]), torch.from_numpy(data["y_train"])  # (N, C, H, W) uint8
X_val_raw, y_val = torch.from_numpy(data["X_val"]), torch.from_numpy(data["y_val"])
X_test_raw, y_test = torch.from_numpy(data["X_test"]), torch.from_numpy(data["y_test"])
print(f"{len(X_train_raw)} training, {len(X_val_raw)} validation and {len(X_test_raw)} test images")
print("image shape (C, H, W):", tuple(X_train_raw.shape[1:]), "classes:", classes)

# each channel's mean and standard deviation, from the training images only
pixels = X_train_raw.float() / 255
mean = pixels.mean(dim=(0, 2, 3))
std = pixels.std(dim=(0, 2, 3)).clamp_min(1e-3)
del pixels


def normalise(X_raw):
    X = (X_raw.float() / 255 - mean.view(1, -1, 1, 1)) / std.view(1, -1, 1, 1)
    $expand
    return X


X_train, X_val, X_test = normalise(X_train_raw), normalise(X_val_raw), normalise(X_test_raw)
print("mean", mean.tolist(), "std", std.tolist())
"""

TRAIN = """
@torch.no_grad()
def evaluate(model, X, y, batch_size=2048):
    \"\"\"Mean cross-entropy and accuracy on (X, y) in eval mode: dropout off, batch norm's running statistics.\"\"\"
    model.eval()
    loss_sum, correct = 0.0, 0
    for start in range(0, len(X), batch_size):
        xb, yb = X[start : start + batch_size], y[start : start + batch_size]
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=AMP):
            logits = model(xb).float()
        loss_sum += F.cross_entropy(logits, yb).item() * len(xb)
        correct += (logits.argmax(1) == yb).sum().item()
    model.train()
    return loss_sum / len(X), correct / len(X)


def train(model):
    \"\"\"Train ``model`` in place; returns the weights of the epoch with the lowest validation loss.\"\"\"
    model.to(device, memory_format=torch.channels_last)  # channels-last convolutions are faster
    X, y = X_train.to(device).contiguous(memory_format=torch.channels_last), y_train.to(device)
    X_v, y_v = X_val.to(device), y_val.to(device)
    optimizer = $optimizer
    batches = math.ceil(len(X) / BATCH_SIZE)
    $scheduler
    generator = torch.Generator().manual_seed(SEED)  # the batch order$augmented has its own generator
    best_loss, best_state = math.inf, None
    for epoch in range(1, EPOCHS + 1):
        model.train()
        start = time.perf_counter()
        order = torch.randperm(len(X), generator=generator).to(device)
        loss_sum = torch.zeros((), device=device)
        correct = torch.zeros((), device=device)
        for b in range(batches):
            idx = order[b * BATCH_SIZE : (b + 1) * BATCH_SIZE]
            xb, yb = X[idx], y[idx]
            $augment
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=AMP):
                logits = model(xb).float()  # (B, classes)
            loss = F.cross_entropy(logits, yb, label_smoothing=LABEL_SMOOTHING)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            $step
            loss_sum += F.cross_entropy(logits.detach(), yb) * len(xb)  # the plain loss, as validation's
            correct += (logits.argmax(1) == yb).sum()
        train_loss, train_accuracy = loss_sum.item() / len(X), correct.item() / len(X)
        line = f"epoch {epoch}/{EPOCHS}  loss {train_loss:.4f}  accuracy {train_accuracy:.4f}"
        score = train_loss  # without validation images, the best epoch is the one with the lowest training loss
        if len(X_v):
            val_loss, val_accuracy = evaluate(model, X_v, y_v)
            line += f"  val loss {val_loss:.4f}  val accuracy {val_accuracy:.4f}"
            score = val_loss
        print(f"{line}  ({time.perf_counter() - start:.1f} s)")
        if score < best_loss:
            best_loss = score
            best_state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
    model.to(memory_format=torch.contiguous_format)
    return best_state


@torch.no_grad()
def predict(model, X, batch_size=2048):
    \"\"\"The class with the highest logit for each image of X (N,), in float32.\"\"\"
    model.eval()
    return torch.cat([model(X[i : i + batch_size].to(device)).argmax(1).cpu() for i in range(0, len(X), batch_size)])
"""


def precision_note(config: ImageTrainConfig) -> str:
    """What the training cell says about label smoothing and mixed precision."""
    smoothing = (
        _(
            "Training uses label smoothing {smoothing}: the target gives the true class 1 − {smoothing} and "
            "shares {smoothing} among all classes, which makes the network learn faster here. The losses printed "
            "are the plain cross-entropy, comparable with the validation loss."
        ).format(smoothing=config.label_smoothing)
        if config.label_smoothing
        else ""
    )
    precision = (
        _(
            "The forward pass runs in bfloat16 mixed precision where the hardware computes it natively (a recent "
            "GPU, or a CPU with AVX-512 BF16 or AMX), as on the page; elsewhere it is all float32."
        )
        if config.precision == "auto"
        else _("Everything runs in float32, as on the page.")
    )
    return (smoothing + " " + precision).strip()


def training_cells(config: ImageTrainConfig) -> list[str]:
    """The markdown and code cells of the augmentation (when on) and of the training and test functions."""
    cells = []
    if config.augment:
        cells.append(
            markdown(
                _(
                    "## Data augmentation\n\nEach training batch is rotated by up to ±10° and shifted by up to 10% "
                    "of the image size, image by image, with random numbers from the training generator. "
                    "Validation and test images are left as they are."
                )
            )
        )
        source = inspect.getsource(_shift_rotate).replace("def _shift_rotate", "def shift_rotate")
        cells.append(code(source))
    schedule = (
        _("The one-cycle schedule warms the learning rate up to {lr} and then anneals it, batch by batch.")
        if config.schedule == "onecycle"
        else _("The learning rate stays at {lr}.")
    )
    cells.append(
        markdown(
            _(
                "## Training\n\nEach epoch shuffles the training images with a generator seeded with {seed} and "
                "takes them {batch_size} at a time; the loss is cross-entropy on the logits. After each epoch the "
                "validation loss is measured, and the weights of the epoch with the lowest one are returned, as "
                "the page keeps them; the test below uses the last epoch's weights, as the page does."
            ).format(seed=config.seed, batch_size=config.batch_size)
            + "\n\n"
            + schedule.format(lr=config.lr)
            + "\n\n"
            + precision_note(config)
        )
    )
    onecycle = config.schedule == "onecycle"
    cells.append(
        code(
            TRAIN,
            optimizer=OPTIMIZERS[config.optimizer],
            scheduler=(
                "scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, LEARNING_RATE, "
                "total_steps=EPOCHS * batches)"
                if onecycle
                else ""
            ),
            step="scheduler.step()" if onecycle else "",
            augment="xb = shift_rotate(xb, generator)" if config.augment else "",
            augmented=" (and the augmentation)" if config.augment else "",
        )
    )
    return cells


EXPAND = "X = X.expand(-1, 3, -1, -1)  # grey copied into the three channels the model reads"


def setup_cells(config: ImageTrainConfig, data_file: str, grey_to_colour: bool = False) -> list[str]:
    """The imports and settings, and the data with its normalisation (grey copied into 3 channels if asked)."""
    resized = (
        "\n\n"
        + _(
            "The page resized these images to the course's 64×64 input (bilinear, antialiased) before anything "
            "else, and so does the file."
        )
        if config.input == "course"
        else ""
    )
    return [
        code(
            IMPORTS,
            seed=repr(config.seed),
            epochs=repr(config.epochs),
            batch_size=repr(config.batch_size),
            lr=repr(config.lr),
            label_smoothing=repr(config.label_smoothing),
            mixed_precision=repr(config.precision == "auto" and not amp_off()),  # as the app ran
            data_file=json.dumps(data_file),
            device=json.dumps(config.device) if config.device else "None",
        ),
        markdown(
            _(
                "## The data\n\n`{file}` holds the page's images as uint8 arrays (N, channels, height, width): "
                "the training images it trained on, after its seeded validation split and its choice of training "
                "images, the validation images it watched, and the whole test set. Each channel is normalised with "
                "the mean and standard deviation of the training images only, so nothing about the validation or "
                "test images leaks into training."
            ).format(file=data_file)
            + resized
        ),
        code(DATA, expand=EXPAND if grey_to_colour else ""),
    ]


def closing_cell() -> str:
    tolerance = ngettext(
        "## How close to the page\n\nOn a CPU this script's test accuracy is within {points} percentage point "
        "of the page's run with the same settings: the same images, initial weights, batch order and schedule "
        "(the playground's tests check it). On a GPU, kernels that are not deterministic can move it a "
        "little further.",
        "## How close to the page\n\nOn a CPU this script's test accuracy is within {points} percentage points "
        "of the page's run with the same settings: the same images, initial weights, batch order and schedule "
        "(the playground's tests check it). On a GPU, kernels that are not deterministic can move it a "
        "little further.",
        int(TOLERANCE),
    )
    return markdown(tolerance.format(points=f"{TOLERANCE:g}"))


def result_line(value: str) -> str:
    """The script's last line: ``RESULT {"metric": "test_accuracy", "value": …}``."""
    return f'print({json.dumps(RESULT)} + json.dumps({{"metric": "test_accuracy", "value": {value}}}))'


def assemble(cells: Sequence[str]) -> str:
    return "\n\n\n".join(cells) + "\n"


@exporter("cnn")
def export_cnn(config: ImageTrainConfig, data: ImageDataset | None = None) -> Export:
    """The CNN page's run (``config`` on ``data``, else the bundled ``config.dataset``) as a script and its images."""
    dataset = images_for(config, data)
    images = page_images(dataset, config)
    shape, n_classes = input_shape(dataset.shape, config.input), len(dataset.classes)
    parameters = parameter_count(config.arch, shape, n_classes)
    classes_source, calls = model_code([config.arch], shape, n_classes)
    data_file = f"cnn-{dataset.name}.npz"
    spec = get_spec(config.arch)
    intro = _(
        "# {model} on {data}\n\nThe CNN page's training run as a plain PyTorch script: the same images, split, "
        "initial weights, batch order and settings as on the page, with nothing of the playground imported. "
        "Run it as a script or a notebook from its own folder, where it reads `{file}`; it ends by printing "
        "its test accuracy."
    ).format(model=_(spec.title), data=dataset.describe(), file=data_file)
    cells = [
        markdown(intro + "\n\n" + settings_table(training_settings(config, images))),
        *setup_cells(config, data_file, grey_to_colour=shape[0] != dataset.shape[0]),
        markdown(
            _(
                "## The model\n\n{description}. Built right after seeding torch with {seed}, it starts from the same "
                "weights as on the page: **{parameters} parameters**."
            ).format(description=_(spec.description), seed=config.seed, parameters=f"{parameters:,}")
        ),
        code(
            classes_source
            + "\n\n\n"
            + f"torch.manual_seed(SEED)\nmodel = {calls[config.arch]}\n"
            + 'print(model)\nprint(f"{sum(p.numel() for p in model.parameters()):,} parameters")'
        ),
        *training_cells(config),
        code("best_state = train(model)"),
        markdown(
            _(
                "## Test\n\nThe test images were used neither for training nor for choosing weights. The accuracy "
                "is the share of them whose highest logit is the true class. To test the best epoch's weights "
                "instead, run `model.load_state_dict(best_state)` first."
            )
        ),
        code(
            "predicted = predict(model, X_test)\n"
            "test_accuracy = (predicted == y_test).float().mean().item()\n"
            'print(f"test accuracy {test_accuracy:.4f}")\n'
            "for k, name in enumerate(classes):\n"
            '    print(f"  {name:<12} {(predicted[y_test == k] == k).float().mean().item():.3f}")'
        ),
        closing_cell(),
        code(result_line("test_accuracy")),
    ]
    return Export(assemble(cells), {data_file: npz_bytes(images)}, metric="test_accuracy")
