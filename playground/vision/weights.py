"""torchvision's ResNet-50 weights files: which file, how big, its checksum, where torchvision keeps it, and
fetching it there (``python -m playground fetch-weights resnet50``).

Everything here but ``download`` works offline: the file's name, address and size come from torchvision's
Weights entry, and its folder is ``torch.hub.get_dir()/checkpoints`` (which honours ``TORCH_HOME``), the one
``torchvision.models.resnet50(weights=...)`` downloads into, so a file it downloaded once is found here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import torch

from playground.data.images import online
from playground.errors import PlaygroundError
from playground.i18n import N_, _

HOST = "download.pytorch.org"
FETCH_COMMAND = "python -m playground fetch-weights resnet50"
# Where loaded weights came from, for each file looked for in the cache (newest first); English, marked for
# the catalog: show it with ``_()``.
CACHED = {
    "IMAGENET1K_V2": N_("torchvision's IMAGENET1K_V2 (cached)"),
    "IMAGENET1K_V1": N_("torchvision's IMAGENET1K_V1 (cached)"),
}


def _weights_enum(tag: str = "IMAGENET1K_V2"):
    from torchvision.models import ResNet50_Weights  # noqa: PLC0415  (slow import, needed only here)

    return ResNet50_Weights[tag]


@dataclass(frozen=True)
class WeightsFile:
    """One of torchvision's ResNet-50 weights files: what it is called, where it comes from and goes, how to check it.

    ``size_mib`` is torchvision's own figure (``meta["_file_size"]``, the file's bytes / 2**20, to 3 decimals).
    ``sha256_prefix`` is the part of the file name after the dash: torchvision names each file with the first
    hex digits of its SHA-256, and ``torch.hub`` checks a download against them.
    """

    tag: str  # "IMAGENET1K_V2"
    name: str  # "resnet50-11ad3fa6.pth"
    url: str
    size_mib: float
    sha256_prefix: str
    folder: Path  # torchvision's cache: torch.hub.get_dir()/checkpoints

    @property
    def path(self) -> Path:
        return self.folder / self.name


def cache_folder() -> Path:
    """torchvision's cache of downloaded weights: ``torch.hub.get_dir()/checkpoints`` (under ``TORCH_HOME``)."""
    return Path(torch.hub.get_dir()) / "checkpoints"


def weights_file(tag: str = "IMAGENET1K_V2") -> WeightsFile:
    """The file torchvision downloads for ``ResNet50_Weights.<tag>``, read from its Weights entry (no network)."""
    weights = _weights_enum(tag)
    name = Path(weights.url).name
    match = torch.hub.HASH_REGEX.search(name)
    return WeightsFile(
        tag=tag,
        name=name,
        url=weights.url,
        size_mib=float(weights.meta["_file_size"]),
        sha256_prefix=match.group(1) if match else "",
        folder=cache_folder(),
    )


def cached_weights() -> Path:
    """Where torch keeps the IMAGENET1K_V2 file once it is downloaded."""
    return weights_file().path


def find_cached() -> WeightsFile | None:
    """The weights file torchvision already downloaded into its cache (V2 first, then V1), or None."""
    for tag in CACHED:
        found = weights_file(tag)
        if found.path.is_file():
            return found
    return None


def sha256_of(path: Path) -> str:
    """The file's SHA-256, hex, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def offline_message(needed: WeightsFile) -> str:
    """One sentence: the weights cannot be downloaded here, and exactly which file would do and how to get it."""
    return _(
        "The pretrained ResNet-50 weights cannot be downloaded without a network connection: put {file} "
        "({size:.1f} MiB, SHA-256 starting {sha256}) in {folder}, where `{command}` run on a connected machine "
        "writes it (copy it over from another one), or load that file as a weights file."
    ).format(
        file=needed.name, size=needed.size_mib, sha256=needed.sha256_prefix, folder=needed.folder, command=FETCH_COMMAND
    )


def download(url: str, path: Path, sha256_prefix: str) -> None:
    """The network boundary: torch.hub's download into ``path``, through a temporary file that is moved into place
    only when complete and its SHA-256 starts with ``sha256_prefix``. Tests replace it."""
    torch.hub.download_url_to_file(url, str(path), hash_prefix=sha256_prefix, progress=False)


@dataclass(frozen=True)
class Fetched:
    """What ``fetch`` left on disk."""

    path: Path
    bytes: int
    sha256: str
    downloaded: bool  # False: a file with the right checksum was already there


def fetch(folder: str | Path | None = None, check_online=None) -> Fetched:
    """Put the IMAGENET1K_V2 file in ``folder`` (default: torchvision's cache, where the app looks first).

    A file already there is kept when its SHA-256 starts with the file name's checksum; one that does not is
    refused in one sentence, and so is every failure to download.
    """
    needed = weights_file()
    path = (Path(folder).expanduser() if folder is not None else needed.folder) / needed.name
    if path.is_file():
        digest = sha256_of(path)
        if not digest.startswith(needed.sha256_prefix):
            raise PlaygroundError(
                _(
                    "{path} is already there but its SHA-256 starts with {found}, not {expected}: delete it and "
                    "fetch it again."
                ).format(path=path, found=digest[: len(needed.sha256_prefix)], expected=needed.sha256_prefix)
            )
        return Fetched(path, path.stat().st_size, digest, downloaded=False)
    if not (check_online or online)(HOST):
        raise PlaygroundError(offline_message(needed))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        download(needed.url, path, needed.sha256_prefix)
    except PlaygroundError:
        raise
    except Exception as exc:  # HTTP, a checksum that does not match, a full disk, a folder that cannot be written
        raise PlaygroundError(
            _("The ResNet-50 weights could not be downloaded ({error}).").format(error=type(exc).__name__)
        ) from None
    if not path.is_file():
        raise PlaygroundError(_("The download finished but left no file at {path}.").format(path=path))
    return Fetched(path, path.stat().st_size, sha256_of(path), downloaded=True)
