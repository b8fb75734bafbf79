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
from typing import BinaryIO, Literal

import torch
from torch import nn

from playground.errors import PlaygroundError
from playground.i18n import N_, _
from playground.models.registry import architecture_of, create_model, get_spec, model_skeleton

FORMAT = "playground-model/1"
MAX_KWARG_VALUES = 256  # constructor arguments are a few numbers and short tuples

# Why ``read_tensors`` refuses a file, a whole sentence for each kind of file it reads.
REFUSALS = {
    "model file": {
        "missing": N_("There is no model file at '{path}'."),
        "unreadable": N_("This is not a readable PyTorch model file."),
        "code": N_(
            "This model file holds objects other than weights and plain settings, "
            "so it was not loaded (it could run code)."
        ),
    },
    "weights file": {
        "missing": N_("There is no weights file at '{path}'."),
        "unreadable": N_("This is not a readable PyTorch weights file."),
        "code": N_(
            "This weights file holds objects other than weights and plain settings, "
            "so it was not loaded (it could run code)."
        ),
    },
}


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
        raise PlaygroundError(_("The model's settings hold a value that cannot be saved safely.")) from None
    except OSError as exc:
        raise PlaygroundError(_("Cannot write the model file: {reason}.").format(reason=exc.strerror or exc)) from None


def read_tensors(
    source: str | os.PathLike | BinaryIO | bytes, what: Literal["model file", "weights file"] = "model file"
):
    """Whatever tensors and plain data a torch zip file holds, read with ``torch.load(weights_only=True)``.

    A file that tries to run code, holds anything but tensors and plain data, or is not a torch zip
    file is refused with one PlaygroundError sentence.
    """
    refusal = REFUSALS[what]
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    if isinstance(source, (str, os.PathLike)) and not Path(source).is_file():
        raise PlaygroundError(_(refusal["missing"]).format(path=source))
    if not zipfile.is_zipfile(source):  # torch.save writes a zip; the legacy format is not read
        raise PlaygroundError(_(refusal["unreadable"]))
    if not isinstance(source, (str, os.PathLike)):
        source.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # protocol notices from the safe unpickler
            return torch.load(source, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise PlaygroundError(_(refusal["code"])) from None
    except Exception:  # torch raises many types for a truncated or foreign file
        raise PlaygroundError(_(refusal["unreadable"])) from None


def load_model(source: str | os.PathLike | BinaryIO | bytes) -> tuple[nn.Module, dict]:
    """Read a file written by ``save_model``; returns (model in eval mode on the CPU, meta).

    Uses ``torch.load(weights_only=True)`` (see ``read_tensors``). Every entry is checked, and the
    architecture the file names is sized on PyTorch's meta device and compared with the registry's
    limit and with the file's own tensors before any memory is allocated for it: a small crafted
    file cannot make the server build a huge model.
    """
    payload = read_tensors(source)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise PlaygroundError(_("This file is not a model saved by the playground."))
    name, kwargs, state_dict, meta = _entries(payload)
    spec = get_spec(name)
    skeleton = model_skeleton(name, **kwargs)
    expected = skeleton.state_dict()
    size = sum(t.numel() for t in expected.values())
    if size > spec.max_params:
        raise PlaygroundError(
            _(
                "This file asks for a '{name}' model of {size:,} values; the playground loads at most "
                "{limit:,}, so it was not loaded."
            ).format(name=name, size=size, limit=spec.max_params)
        )
    if set(expected) != set(state_dict) or any(expected[k].shape != state_dict[k].shape for k in expected):
        raise PlaygroundError(_("The weights in this file do not fit the architecture it names."))
    _check_meta(spec.task, meta)
    model = create_model(name, **kwargs)
    try:
        model.load_state_dict(state_dict)
    except (RuntimeError, KeyError, TypeError):
        raise PlaygroundError(_("The weights in this file do not fit the architecture it names.")) from None
    model.eval()
    return model, meta


UNREADABLE_ENTRY = N_("This model file's '{key}' entry is not readable, so it cannot be loaded.")


def _entries(payload: dict) -> tuple[str, dict, dict, dict]:
    """The file's architecture name, constructor arguments, weights and meta, each checked."""
    for key, kind in (("arch", str), ("kwargs", dict), ("state_dict", dict)):
        if key not in payload:
            raise PlaygroundError(_("This model file has no '{key}' entry, so it cannot be loaded.").format(key=key))
        if not isinstance(payload[key], kind):
            raise PlaygroundError(_(UNREADABLE_ENTRY).format(key=key))
    kwargs, state_dict, meta = payload["kwargs"], payload["state_dict"], payload.get("meta") or {}
    if not all(isinstance(k, str) for k in kwargs) or _count_values(kwargs) > MAX_KWARG_VALUES:
        raise PlaygroundError(_(UNREADABLE_ENTRY).format(key="kwargs"))
    if not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state_dict.items()):
        raise PlaygroundError(_(UNREADABLE_ENTRY).format(key="state_dict"))
    if not isinstance(meta, dict):
        raise PlaygroundError(_(UNREADABLE_ENTRY).format(key="meta"))
    return payload["arch"], kwargs, state_dict, meta


def _count_values(value) -> int:
    if isinstance(value, dict):
        return sum(1 + _count_values(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(_count_values(v) for v in value) + 1
    return 1


def _list_of(kind):
    return lambda v: isinstance(v, list) and all(isinstance(x, kind) for x in v)


def _numbers(v) -> bool:
    return isinstance(v, list) and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)


def _shape(v) -> bool:
    return _list_of(int)(v) and len(v) == 3 and all(0 < x <= 4096 for x in v)


def _tokenizer(v) -> bool:
    return isinstance(v, dict) and isinstance(v.get("word_index"), dict) and isinstance(v.get("num_words"), int)


# What prediction reads from ``meta``, per task: a file without it could not be used.
META_FIELDS: dict[str, dict] = {
    "image": {"classes": _list_of(str), "input": _shape, "mean": _numbers, "std": _numbers},
    "text": {
        "label_names": _list_of(str),
        "maxlen": lambda v: isinstance(v, int) and 0 < v <= 100_000,
        "padding": lambda v: v in ("pre", "post"),
        "truncating": lambda v: v in ("pre", "post"),
        "tokenizer": _tokenizer,
        "language": lambda v: isinstance(v, str),
    },
}  # a tabular model's settings are read (and checked) by the backprop page itself
MISSING_SETTING = {
    "image": N_("This model file has no '{key}' setting, which using an image model needs."),
    "text": N_("This model file has no '{key}' setting, which using a text model needs."),
}


def _check_meta(task: str, meta: dict) -> None:
    for key, valid in META_FIELDS.get(task, {}).items():
        if key not in meta:
            raise PlaygroundError(_(MISSING_SETTING[task]).format(key=key))
        if not valid(meta[key]):
            raise PlaygroundError(
                _("This model file's '{key}' setting is not readable, so it cannot be used.").format(key=key)
            )
