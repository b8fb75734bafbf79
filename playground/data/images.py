"""Image classification data sets as uint8 tensors: the bundled ones, torchvision's, or the user's."""

from __future__ import annotations

import lzma
import os
import socket
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from playground.errors import PlaygroundError

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
    source: str  # one line for the page: where the data came from

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.X_train.shape[1:])


BUNDLED_SETS = {"mnist": ("MNIST", MNIST_CLASSES), "fashion-mnist": ("Fashion-MNIST", FASHION_CLASSES)}
DOWNLOADABLE = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST", "cifar10": "CIFAR10"}


def _read_idx(root: Path, stem: str, header: int) -> np.ndarray:
    """The records of ``stem``.xz, or of its parts ``stem``.part1.xz, .part2.xz … in order (each a whole IDX file)."""
    paths = [root / f"{stem}.xz"] if (root / f"{stem}.xz").exists() else sorted(root.glob(f"{stem}.part*.xz"))
    if not paths:
        raise PlaygroundError(f"The bundled file {stem} is missing from {root}.")
    return np.concatenate([np.frombuffer(lzma.decompress(p.read_bytes()), np.uint8, offset=header) for p in paths])


def load_bundled(name: str) -> ImageDataset:
    """The subset shipped with the repository (see data/bundled/README.md)."""
    if name not in BUNDLED_SETS:
        raise PlaygroundError(f"There is no bundled image set called '{name}'; choose mnist or fashion-mnist.")
    title, classes = BUNDLED_SETS[name]
    root = BUNDLED / name
    parts = []
    for split in ("train", "t10k"):
        X = _read_idx(root, f"{split}-images-idx3-ubyte", 16).reshape(-1, 1, 28, 28)
        y = _read_idx(root, f"{split}-labels-idx1-ubyte", 8).astype(np.int64)
        parts += [torch.from_numpy(X.copy()), torch.from_numpy(y)]
    source = f"{title}, bundled: {len(parts[0]):,} training and {len(parts[2]):,} test images"
    return ImageDataset(name, *parts, classes=classes, source=source)


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
    source = (
        f"{DOWNLOADABLE[name]}, full set from torchvision: {len(X_train):,} training and {len(X_test):,} test images"
    )
    return ImageDataset(name, X_train, y_train, X_test, y_test, classes, source)


def download(name: str) -> ImageDataset:
    """The full set from torchvision, cached in data_dir(); PlaygroundError in one sentence when offline."""
    if name not in DOWNLOADABLE:
        raise PlaygroundError(f"'{name}' cannot be downloaded; choose one of {', '.join(DOWNLOADABLE)}.")
    if not online():
        raise PlaygroundError(
            f"Could not download {DOWNLOADABLE[name]}: there is no internet connection, so the bundled sets are used."
        )
    try:
        return fetch_torchvision(name, data_dir())
    except (OSError, RuntimeError) as exc:
        raise PlaygroundError(f"Could not download {DOWNLOADABLE[name]} ({exc}); the bundled sets are used.") from None
