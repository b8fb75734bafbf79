"""Keras' counts beside the PyTorch model a page runs, layer by layer, with every difference in one sentence.

``compare`` lines up a Keras layer list (``keras_rules.KerasModel``) with the leaves of a registered
PyTorch model (``pytorch_side``): activations and dropout are options or no-ops in Keras and are
left out, and a stacked ``nn.LSTM`` counts as one row per layer. ``compare_converted`` applies Keras'
rules to the PyTorch model's own layers instead, for models the course writes with a Keras
application (ResNet50) or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from playground.course.convert import keras_equivalent
from playground.course.differences import explain, shape_text
from playground.course.keras_rules import KerasModel, KerasRow, Layer, keras_summary, layer_code, snake_case
from playground.course.pytorch_side import TorchUnit, channels_last, torch_side
from playground.i18n import _, number

MATCHES = {  # Keras layer -> the PyTorch modules that play its part
    "Conv2D": ("Conv2d",),
    "MaxPooling2D": ("MaxPool2d",),
    "AveragePooling2D": ("AvgPool2d",),
    "GlobalAveragePooling2D": ("AdaptiveAvgPool2d",),
    "Flatten": ("Flatten",),
    "Dense": ("Linear",),
    "Embedding": ("Embedding",),
    "BatchNormalization": ("BatchNorm1d", "BatchNorm2d"),
    "SimpleRNN": ("RNN",),
    "LSTM": ("LSTM",),
    "GRU": ("GRU",),
    "Bidirectional": ("RNN", "LSTM", "GRU"),
}
NOT_ROWS = ("Dropout", "Activation")  # Keras layers without a PyTorch row of their own here


@dataclass(frozen=True)
class ComparisonRow:
    keras_name: str  # "" where only PyTorch has the layer
    keras_layer: str  # e.g. Conv2D(32, (3, 3), activation="relu")
    keras_shape: tuple[int, ...] | None  # channels last
    keras_params: int | None
    keras_non_trainable: int
    torch_name: str  # "" where only Keras has the layer
    torch_layer: str  # the module's class, e.g. Conv2d
    torch_shape: tuple[int, ...] | None  # channels first
    torch_params: int | None


@dataclass(frozen=True)
class Comparison:
    rows: tuple[ComparisonRow, ...]
    keras_total: int
    keras_non_trainable: int
    torch_total: int
    torch_trainable: int
    differences: tuple[str, ...]  # in the language current when it was computed

    @property
    def keras_trainable(self) -> int:
        return self.keras_total - self.keras_non_trainable

    def table(self) -> pd.DataFrame:
        """The rows with headers in the current language; shapes and counts as text, a missing side empty."""

        def shape(value) -> str:
            return "" if value is None else shape_text(value)

        def count(value) -> str:
            return "" if value is None else number(value)

        return pd.DataFrame(
            {
                _("Keras layer"): [f"{r.keras_name}: {r.keras_layer}" if r.keras_name else "" for r in self.rows],
                _("Keras output shape"): [shape(r.keras_shape) for r in self.rows],
                _("Keras parameters"): [count(r.keras_params) for r in self.rows],
                _("PyTorch module"): [f"{r.torch_name}: {r.torch_layer}" if r.torch_name else "" for r in self.rows],
                _("PyTorch output shape"): [shape(r.torch_shape) for r in self.rows],
                _("PyTorch parameters"): [count(r.torch_params) for r in self.rows],
            }
        )


def _align(keras_rows: list[tuple[KerasRow, Layer]], units: list[TorchUnit]) -> list[tuple]:
    """Pairs (keras, unit) in order, by the longest common run of matching kinds; None on the side that lacks one."""
    n, m = len(keras_rows), len(units)

    def matches(i: int, j: int) -> bool:
        return units[j].type in MATCHES.get(keras_rows[i][0].kind, ())

    best = [[0] * (m + 1) for _row in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            best[i][j] = max(best[i + 1][j], best[i][j + 1], best[i + 1][j + 1] + 1 if matches(i, j) else 0)
    pairs, i, j = [], 0, 0
    while i < n or j < m:
        if i < n and j < m and matches(i, j) and best[i][j] == best[i + 1][j + 1] + 1:
            pairs.append((keras_rows[i], units[j]))
            i, j = i + 1, j + 1
        elif i < n and (j == m or best[i][j] == best[i + 1][j]):
            pairs.append((keras_rows[i], None))
            i += 1
        else:
            pairs.append((None, units[j]))
            j += 1
    return pairs


def _row(keras: tuple[KerasRow, Layer] | None, unit: TorchUnit | None) -> ComparisonRow:
    k_row, layer = keras if keras else (None, None)
    return ComparisonRow(
        keras_name=k_row.name if k_row else "",
        keras_layer=layer_code(layer, values=True).replace("layers.", "") if layer else "",
        keras_shape=k_row.output_shape if k_row else None,
        keras_params=k_row.params if k_row else None,
        keras_non_trainable=k_row.non_trainable if k_row else 0,
        torch_name=unit.name if unit else "",
        torch_layer=unit.type if unit else "",
        torch_shape=unit.output_shape if unit else None,
        torch_params=unit.params if unit else None,
    )


def compare(keras_model: KerasModel, name: str, input_shape: tuple[int, ...], **kwargs) -> Comparison:
    """The Keras model beside the registered PyTorch model ``name`` built for ``input_shape`` (PyTorch's order)."""
    summary = keras_summary(keras_model)
    shown = [(row, layer) for row, layer in zip(summary.rows, keras_model.layers) if layer.kind not in NOT_ROWS]
    side = torch_side(name, input_shape, **kwargs)
    pairs = _align(shown, side.layers)
    rows = tuple(_row(k, u) for k, u in pairs)
    keras_dropout = max((layer.get("rate") for layer in keras_model.layers if layer.kind == "Dropout"), default=0.0)
    activation = keras_model.layers[-1].get("activation")
    totals = (summary.total, summary.non_trainable, side.total)
    differences = explain(rows, pairs, totals, side, keras_dropout, activation)
    return Comparison(rows, summary.total, summary.non_trainable, side.total, side.trainable, tuple(differences))


def compare_converted(name: str, input_shape: tuple[int, ...], drop: tuple[str, ...] = (), **kwargs) -> Comparison:
    """Keras' rules applied to the PyTorch model's own layers (leaves named in ``drop`` left out, e.g. "fc")."""
    side = torch_side(name, input_shape, **kwargs)
    torch_total, torch_trainable = side.total, side.trainable
    pairs, seen = [], {}
    for unit in side.layers:
        if unit.name in drop:
            torch_total -= unit.params
            torch_trainable -= unit.params
            continue
        equivalent = keras_equivalent(unit)
        if equivalent is None:
            pairs.append((None, unit))
            continue
        layer, params, frozen = equivalent
        base = snake_case(layer.kind)
        count = seen.get(base, 0)
        seen[base] = count + 1
        shape = channels_last(unit.output_shape)
        k_row = KerasRow(base if count == 0 else f"{base}_{count}", layer.kind, shape, params, frozen)
        pairs.append(((k_row, layer), unit))
    rows = tuple(_row(k, u) for k, u in pairs)
    keras_total = sum(r.keras_params or 0 for r in rows)
    frozen_total = sum(r.keras_non_trainable for r in rows)
    differences = explain(rows, pairs, (keras_total, frozen_total, torch_total), side, side.dropout, None)
    return Comparison(rows, keras_total, frozen_total, torch_total, torch_trainable, tuple(differences))
