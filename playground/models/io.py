"""Model files that are safe to load: tensors and plain data only, never pickled code.

A file holds the registered architecture name and its constructor arguments,
the state_dict, and ``meta`` — everything prediction needs (class names, input
size, normalisation, vocabulary, scaler) as plain Python values.
"""

from __future__ import annotations

import io
import os
import pickle
import warnings
import zipfile
from pathlib import Path
from typing import BinaryIO

import torch
from torch import nn

from playground.errors import PlaygroundError
from playground.models.registry import architecture_of, create_model

FORMAT = "playground-model/1"


def model_bytes(model: nn.Module, meta: dict | None = None) -> bytes:
    """The model file's contents, for a download button."""
    buffer = io.BytesIO()
    save_model(model, buffer, meta)
    return buffer.getvalue()


def save_model(model: nn.Module, path: str | os.PathLike | BinaryIO, meta: dict | None = None) -> None:
    """Write ``model`` (built by ``create_model``) and ``meta`` to ``path``."""
    name, kwargs = architecture_of(model)
    payload = {
        "format": FORMAT,
        "arch": name,
        "kwargs": kwargs,
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "meta": meta or {},
    }
    try:
        torch.save(payload, path)
    except pickle.PicklingError:
        raise PlaygroundError("The model's settings hold a value that cannot be saved safely.") from None
    except OSError as exc:
        raise PlaygroundError(f"Cannot write the model file: {exc.strerror or exc}.") from None


def read_tensors(source: str | os.PathLike | BinaryIO | bytes, what: str = "model file"):
    """Whatever tensors and plain data a torch zip file holds, read with ``torch.load(weights_only=True)``.

    A file that tries to run code, holds anything but tensors and plain data, or is not a torch zip
    file is refused with one PlaygroundError sentence.
    """
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    if isinstance(source, (str, os.PathLike)) and not Path(source).is_file():
        raise PlaygroundError(f"There is no {what} at '{source}'.")
    if not zipfile.is_zipfile(source):  # torch.save writes a zip; the legacy format is not read
        raise PlaygroundError(f"This is not a readable PyTorch {what}.")
    if not isinstance(source, (str, os.PathLike)):
        source.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # protocol notices from the safe unpickler
            return torch.load(source, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise PlaygroundError(
            f"This {what} holds objects other than weights and plain settings, "
            "so it was not loaded (it could run code)."
        ) from None
    except Exception:  # torch raises many types for a truncated or foreign file
        raise PlaygroundError(f"This is not a readable PyTorch {what}.") from None


def load_model(source: str | os.PathLike | BinaryIO | bytes) -> tuple[nn.Module, dict]:
    """Read a file written by ``save_model``; returns (model in eval mode on the CPU, meta).

    Uses ``torch.load(weights_only=True)`` (see ``read_tensors``).
    """
    payload = read_tensors(source)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise PlaygroundError("This file is not a model saved by the playground.")
    model = create_model(payload["arch"], **payload["kwargs"])
    try:
        model.load_state_dict(payload["state_dict"])
    except (RuntimeError, KeyError, TypeError):
        raise PlaygroundError("The weights in this file do not fit the architecture it names.") from None
    model.eval()
    return model, payload.get("meta") or {}
