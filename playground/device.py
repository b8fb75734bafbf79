"""Which device the playground trains on, and how to describe it.

The order is cuda > mps > cpu; the environment variable ``PLAYGROUND_DEVICE``
(or an explicit argument) overrides it.
"""

from __future__ import annotations

import contextlib
import os
import platform
from dataclasses import dataclass

import torch

from playground.errors import PlaygroundError
from playground.i18n import _

DEVICE_ENV = "PLAYGROUND_DEVICE"
AMP_ENV = "PLAYGROUND_AMP"  # "off" (or 0, fp32): full precision on CUDA too; "fp16": float16 with loss scaling


def _mps_available() -> bool:
    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


def pick_device(requested: str | None = None) -> torch.device:
    """The device to use: ``requested``, else ``$PLAYGROUND_DEVICE``, else the best present.

    Raises PlaygroundError when the requested device does not exist here.
    """
    name = (requested or os.environ.get(DEVICE_ENV) or "").strip().lower()
    if not name or name == "auto":
        if torch.cuda.is_available():
            name = "cuda"
        elif _mps_available():
            name = "mps"
        else:
            name = "cpu"
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError):
        raise PlaygroundError(
            _("'{name}' is not a device name; use cpu, cuda, cuda:N, mps or auto.").format(name=name)
        ) from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise PlaygroundError(_("CUDA was requested but this machine has no usable CUDA GPU."))
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise PlaygroundError(
                _("CUDA device {index} was requested but only {count} GPU(s) are present.").format(
                    index=device.index, count=torch.cuda.device_count()
                )
            )
        torch.backends.cudnn.benchmark = True
    elif device.type == "mps" and not _mps_available():
        raise PlaygroundError(_("Apple MPS was requested but is not available on this machine."))
    elif device.type not in ("cpu", "cuda", "mps"):
        raise PlaygroundError(_("'{name}' is not supported; use cpu, cuda, mps or auto.").format(name=name))
    return device


CPU_INFERENCE_BATCH = 256


def inference_batch(device: torch.device, largest: int) -> int:
    """How many inputs to score at once: ``largest`` on a GPU; on a CPU at most ``CPU_INFERENCE_BATCH``, whose
    activations stay in its caches (the course CNN scores 10,000 MNIST test images in 1.0 s in batches of 256
    and in 2.3 s in batches of 2,048 on a 2-core VM)."""
    return largest if device.type != "cpu" else min(largest, CPU_INFERENCE_BATCH)


def autocast(device: torch.device) -> contextlib.AbstractContextManager:
    """Mixed precision where it pays: bf16 (or fp16) autocast on CUDA, nothing elsewhere or with AMP off."""
    dtype = amp_dtype(device)
    if dtype == torch.float32:
        return contextlib.nullcontext()
    return torch.autocast("cuda", dtype=dtype)


def amp_off() -> bool:
    """Whether ``$PLAYGROUND_AMP`` turns mixed precision off everywhere (``off``, ``0``, ``fp32``…)."""
    return os.environ.get(AMP_ENV, "").strip().lower() in ("off", "0", "false", "no", "fp32", "float32")


def amp_dtype(device: torch.device) -> torch.dtype:
    """The autocast dtype used on ``device`` (float32 means no autocast).

    On CUDA: bfloat16 where the GPU supports it, else float16 (which the engine pairs with a GradScaler);
    ``$PLAYGROUND_AMP`` can turn it off (``off``, ``0``, ``fp32``) or ask for float16 (``fp16``).
    """
    if device.type != "cuda":
        return torch.float32
    if amp_off():
        return torch.float32
    choice = os.environ.get(AMP_ENV, "").strip().lower()
    if choice in ("fp16", "float16"):
        return torch.float16
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


@dataclass(frozen=True)
class DeviceInfo:
    """What the playground computes on, for the Home page and ``playground info``."""

    kind: str  # "cuda", "mps" or "cpu"
    name: str  # e.g. "NVIDIA H100 80GB HBM3", "Apple MPS", "CPU (2 threads)"
    threads: int
    torch_version: str
    python_version: str
    machine: str = ""  # the processor's architecture, e.g. "x86_64"

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def device_info(device: torch.device | None = None) -> DeviceInfo:
    """Describe ``device`` (default: the one ``pick_device`` chooses)."""
    device = device or pick_device()
    threads = torch.get_num_threads()
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
    elif device.type == "mps":
        name = "Apple MPS"
    else:
        name = f"CPU ({threads} threads, {platform.machine() or 'unknown'})"
    return DeviceInfo(
        kind=device.type,
        name=name,
        threads=threads,
        torch_version=torch.__version__,
        python_version=platform.python_version(),
        machine=platform.machine() or "unknown",
    )


def library_versions() -> dict[str, str]:
    """Versions of the libraries that decide numerical results."""
    import numpy  # noqa: PLC0415  (kept local: only the Home page and `info` need them)
    import plotly  # noqa: PLC0415

    return {"torch": torch.__version__, "numpy": numpy.__version__, "plotly": plotly.__version__}
