"""Image classification data sets as uint8 tensors: the bundled ones, torchvision's, or the user's."""

from __future__ import annotations

import lzma
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from playground.errors import PlaygroundError
from playground.i18n import N_, _

BUNDLED = Path(__file__).resolve().parent / "bundled"
DATA_DIR_ENV = "PLAYGROUND_DATA_DIR"

MNIST_CLASSES = tuple(str(d) for d in range(10))
FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


@dataclass
class ImageDataset:
    """X_* are (N, C, H, W) uint8; y_* are (N,) int64 indices into ``classes``."""

    name: str
    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor
    classes: tuple[str, ...]
    source: str  # one line on where the data came from, in English (the CLI's JSON and the logs)
    source_message: str = ""  # its message id (marked with N_), for describe() in the reader's language
    source_args: dict = field(default_factory=dict)  # the values of that message's placeholders

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.X_train.shape[1:])

    def describe(self) -> str:
        """Where the data came from, in the current language (a cached data set is shared by every reader)."""
        return _(self.source_message).format(**self.source_args) if self.source_message else self.source


def described(message: str, **args) -> dict:
    """The ``source``, ``source_message`` and ``source_args`` of a data set described by ``message`` (an N_ id)."""
    return {"source": message.format(**args), "source_message": message, "source_args": args}


def resize_images(X: torch.Tensor, size: int, chunk: int = 2048) -> torch.Tensor:
    """(N, C, H, W) uint8 → (N, C, size, size) uint8, bilinear (antialiased when shrinking), ``chunk`` images at a
    time so that no float copy of the whole set is made."""
    if X.shape[-2:] == (size, size):
        return X
    parts = [
        F.interpolate(X[i : i + chunk].float(), size=(size, size), mode="bilinear", align_corners=False, antialias=True)
        .round_()
        .clamp_(0, 255)
        .to(torch.uint8)
        for i in range(0, len(X), chunk)
    ]
    return torch.cat(parts) if parts else X.new_empty((0, X.shape[1], size, size))


def with_channels(X: torch.Tensor, channels: int) -> torch.Tensor:
    """(N, C, H, W) with C = ``channels``: grey (C = 1) copied into every channel as a view, without copying memory."""
    if X.shape[1] == channels:
        return X
    if X.shape[1] != 1:
        raise PlaygroundError(
            _("Images with {have} channels cannot be turned into {want}.").format(have=X.shape[1], want=channels)
        )
    return X.expand(-1, channels, -1, -1)


BUNDLED_SETS = {"mnist": ("MNIST", MNIST_CLASSES), "fashion-mnist": ("Fashion-MNIST", FASHION_CLASSES)}
DOWNLOADABLE = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST", "cifar10": "CIFAR10"}


def _read_idx(root: Path, stem: str, header: int) -> np.ndarray:
    """The records of ``stem``.xz, or of its parts ``stem``.part1.xz, .part2.xz … in order (each a whole IDX file)."""
    paths = [root / f"{stem}.xz"] if (root / f"{stem}.xz").exists() else sorted(root.glob(f"{stem}.part*.xz"))
    if not paths:
        raise PlaygroundError(_("The bundled file {file} is missing from {folder}.").format(file=stem, folder=root))
    return np.concatenate([np.frombuffer(lzma.decompress(p.read_bytes()), np.uint8, offset=header) for p in paths])


def load_bundled(name: str) -> ImageDataset:
    """The subset shipped with the repository (see data/bundled/README.md)."""
    if name not in BUNDLED_SETS:
        raise PlaygroundError(
            _("There is no bundled image set called '{name}'; choose mnist or fashion-mnist.").format(name=name)
        )
    title, classes = BUNDLED_SETS[name]
    root = BUNDLED / name
    parts = []
    for split in ("train", "t10k"):
        X = _read_idx(root, f"{split}-images-idx3-ubyte", 16).reshape(-1, 1, 28, 28)
        y = _read_idx(root, f"{split}-labels-idx1-ubyte", 8).astype(np.int64)
        parts += [torch.from_numpy(X.copy()), torch.from_numpy(y)]
    source = described(
        N_("{title}, bundled: {train:,} training and {test:,} test images"),
        title=title,
        train=len(parts[0]),
        test=len(parts[2]),
    )
    return ImageDataset(name, *parts, classes=classes, **source)


def data_dir() -> Path:
    """Where downloaded data sets are cached: $PLAYGROUND_DATA_DIR, else ~/.cache/playground."""
    return Path(os.environ.get(DATA_DIR_ENV) or Path.home() / ".cache" / "playground")


def online(host: str = "ossci-datasets.s3.amazonaws.com", timeout: float = 3.0) -> bool:
    """Whether the data host answers within ``timeout`` seconds (so offline fails fast).

    PLAYGROUND_OFFLINE=1 answers False at once: the tests set it so that nothing touches the network.
    """
    if os.environ.get("PLAYGROUND_OFFLINE") == "1":
        return False
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def fetch_torchvision(name: str, root: Path) -> ImageDataset:
    """Download (once) and read a full torchvision data set. The project's network boundary."""
    import torchvision  # noqa: PLC0415  (only needed online, and slow to import)

    cls = getattr(torchvision.datasets, DOWNLOADABLE[name])
    train, test = cls(root, train=True, download=True), cls(root, train=False, download=True)

    def tensors(ds):
        X = torch.as_tensor(np.asarray(ds.data))
        X = X.permute(0, 3, 1, 2) if X.ndim == 4 else X.unsqueeze(1)  # CIFAR is (N, H, W, C)
        return X.contiguous(), torch.as_tensor(np.asarray(ds.targets), dtype=torch.int64)

    X_train, y_train = tensors(train)
    X_test, y_test = tensors(test)
    classes = tuple(train.classes) if name == "cifar10" else BUNDLED_SETS[name][1]
    source = described(
        N_("{title}, full set from torchvision: {train:,} training and {test:,} test images"),
        title=DOWNLOADABLE[name],
        train=len(X_train),
        test=len(X_test),
    )
    return ImageDataset(name, X_train, y_train, X_test, y_test, classes, **source)


def download(name: str) -> ImageDataset:
    """The full set from torchvision, cached in data_dir(); PlaygroundError in one sentence when offline."""
    if name not in DOWNLOADABLE:
        raise PlaygroundError(
            _("'{name}' cannot be downloaded; choose one of {choices}.").format(
                name=name, choices=", ".join(DOWNLOADABLE)
            )
        )
    if not online():
        raise PlaygroundError(
            _("Could not download {name}: there is no internet connection, so the bundled sets are used.").format(
                name=DOWNLOADABLE[name]
            )
        )
    try:
        return fetch_torchvision(name, data_dir())
    except (OSError, RuntimeError) as exc:
        raise PlaygroundError(
            _("Could not download {name} ({error}); the bundled sets are used.").format(
                name=DOWNLOADABLE[name], error=exc
            )
        ) from None
