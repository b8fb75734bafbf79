"""Settings <-> URL query string, so a teacher can send a link that opens the same experiment.

A config is a frozen dataclass; only fields that differ from the defaults go
into the URL, as ``prefix.field=value`` (tuples comma-separated). A field made
with ``bounded`` or ``one_of`` also says which values a link may set, so that a
crafted link cannot ask for 999,999 epochs. Reading ignores unknown keys and
keeps the default for any value that does not parse, lies outside its field's
limits, or that the config rejects, naming each one. ``from_saved`` reads the same
configs back from the plain values a model file holds.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import TypeVar

from playground.errors import PlaygroundError
from playground.i18n import _

C = TypeVar("C")


SEED_MAX = 2**31 - 1


def bounded(default, low, high, max_items: int | None = None):
    """A config field whose link value must lie between ``low`` and ``high`` (for tuples: each of at most
    ``max_items`` items)."""
    metadata = {"range": (low, high)} | ({"max_items": max_items} if max_items is not None else {})
    return dataclasses.field(default=default, metadata=metadata)


def one_of(default, options):
    """A config field whose link value must be one of ``options``."""
    return dataclasses.field(default=default, metadata={"choices": tuple(options)})


def limits(cls, name: str) -> dict:
    """The ``range`` or ``choices`` a field of ``cls`` was declared with (empty when it has none)."""
    return dict(next(f for f in dataclasses.fields(cls) if f.name == name).metadata)


def _allowed(value, metadata) -> str | None:
    """None when ``value`` is allowed; else what is, in a few words."""
    if "choices" in metadata:
        choices = metadata["choices"]
        return (
            None if value in choices else _("one of {options}").format(options=", ".join(_encode(c) for c in choices))
        )
    if "range" in metadata:
        low, high = metadata["range"]
        items = value if isinstance(value, tuple) else (value,)
        most = metadata.get("max_items", len(items))
        if len(items) <= most and all(low <= v <= high for v in items):
            return None
        if "max_items" in metadata:
            return _("at most {most} values, each {low} to {high}").format(
                most=most, low=_encode(low), high=_encode(high)
            )
        return _("{low} to {high}").format(low=_encode(low), high=_encode(high))
    return None


def _encode(value) -> str:
    if isinstance(value, tuple):
        return ",".join(_encode(v) for v in value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _decode(text: str, default):
    if isinstance(default, bool):
        if text not in ("0", "1", "true", "false"):
            raise ValueError(text)
        return text in ("1", "true")
    if isinstance(default, int):
        return int(text)
    if isinstance(default, float):
        value = float(text)
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(text)
        return value
    if isinstance(default, tuple):
        item = default[0] if default else ""
        return tuple(_decode(part.strip(), item) for part in text.split(",") if part.strip())
    return text


def to_query(config, prefix: str) -> dict[str, str]:
    """The fields of ``config`` that differ from its class's defaults, as query parameters."""
    defaults = type(config)()
    return {
        f"{prefix}.{f.name}": _encode(getattr(config, f.name))
        for f in dataclasses.fields(config)
        if getattr(config, f.name) != getattr(defaults, f.name) and getattr(config, f.name) is not None
    }


def from_query(cls: type[C], params: Mapping[str, str], prefix: str) -> tuple[C, list[str]]:
    """A ``cls`` built from the query parameters under ``prefix``; also what was ignored, one phrase each.

    Each phrase names the field, and for a value outside the field's limits, the value and
    what is allowed: ``"epochs=999999 (1 to 200)"``.
    """
    defaults = cls()
    values, ignored = {}, []
    for f in dataclasses.fields(cls):
        key = f"{prefix}.{f.name}"
        if key not in params:
            continue
        default = getattr(defaults, f.name)
        try:
            value = _decode(str(params[key]), default)
        except (ValueError, TypeError):
            ignored.append("{field}={value} ({why})".format(field=f.name, value=params[key], why=_("not readable")))
            continue
        allowed = _allowed(value, f.metadata)
        if allowed is None:
            values[f.name] = value
        else:
            ignored.append(f"{f.name}={params[key]} ({allowed})")
    try:
        return cls(**values), ignored
    except (PlaygroundError, ValueError, TypeError):
        pass
    kept = {}  # the config refuses some value, or a combination: keep each value it accepts beside the others
    for name, value in values.items():
        try:
            cls(**kept, **{name: value})
        except (PlaygroundError, ValueError, TypeError) as exc:
            ignored.append(f"{name}={params[f'{prefix}.{name}']} ({str(exc).rstrip('.')})")
        else:
            kept[name] = value
    return cls(**kept), ignored


def from_saved(cls: type[C], saved: dict) -> C:
    """A ``cls`` from a model file's plain values, each of its default's type (a list for a tuple).

    A text setting with options must be one of them; numbers are kept as saved, since the CLI may
    go past a link's limits. The device is left to the machine that uses the model.
    """
    defaults, values = cls(), {}
    for f in dataclasses.fields(cls):
        if f.name not in saved or f.name == "device":
            continue
        value, default = saved[f.name], getattr(defaults, f.name)
        value = tuple(value) if isinstance(default, tuple) and isinstance(value, list) else value
        choices = limits(cls, f.name).get("choices", ()) if isinstance(default, str) else ()
        if not _same_kind(value, default) or (choices and value not in choices):
            raise PlaygroundError(
                _("This model file's '{name}' setting is not readable, so the model cannot be used.").format(
                    name=f.name
                )
            )
        values[f.name] = float(value) if isinstance(default, float) else value
    return cls(**values)


def _same_kind(value, default) -> bool:
    """Whether ``value`` has the type of ``default`` (an int will do for a float; a tuple's items too)."""
    if isinstance(default, tuple):
        return isinstance(value, tuple) and all(_same_kind(v, default[0]) for v in value) if default else False
    if isinstance(default, float) and not isinstance(value, bool):
        return isinstance(value, (int, float)) and math.isfinite(value)
    return type(value) is type(default)
