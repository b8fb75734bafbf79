"""Settings <-> URL query string, so a teacher can send a link that opens the same experiment.

A config is a frozen dataclass; only fields that differ from the defaults go
into the URL, as ``prefix.field=value`` (tuples comma-separated). Reading
ignores unknown keys and keeps the default for any value that does not parse
or that the config rejects, reporting which ones.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TypeVar

from playground.errors import PlaygroundError

C = TypeVar("C")


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
    """A ``cls`` built from the query parameters under ``prefix``; also the names that were ignored."""
    defaults = cls()
    values, ignored = {}, []
    for f in dataclasses.fields(cls):
        key = f"{prefix}.{f.name}"
        if key not in params:
            continue
        default = getattr(defaults, f.name)
        try:
            values[f.name] = _decode(str(params[key]), default)
        except (ValueError, TypeError):
            ignored.append(f.name)
    try:
        return cls(**values), ignored
    except (PlaygroundError, ValueError, TypeError):
        return defaults, sorted(values)
