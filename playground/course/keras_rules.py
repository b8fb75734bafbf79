"""Keras models as data: layer specs, their code, and what ``model.summary()`` would report, without TensorFlow.

A ``KerasModel`` is the list of layers of a ``keras.Sequential``. ``keras_summary`` walks it with
Keras' own rules (channels last, no batch dimension): a Conv2D has k·k·in·out weights and out
biases, a SimpleRNN h(in + h) + h, an LSTM 4h(in + h) + 4h, a GRU (``reset_after=True``, Keras'
default) 3h(in + h) + 6h, a BatchNormalization 4c of which 2c (the moving mean and variance) are
non-trainable. ``keras_code`` writes the same list as a formatted Python function, so the code a
page shows and the numbers it quotes come from one place.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from playground.errors import PlaygroundError
from playground.i18n import _


@dataclass(frozen=True)
class Var:
    """A value the generated function takes as an argument (``num_classes``) rather than writes inline."""

    name: str
    value: object


@dataclass(frozen=True)
class Layer:
    """One Keras layer: its class name and keyword arguments, in the order they are written.

    ``keras_layer("Conv2D", filters=32, kernel_size=(3, 3), activation="relu")``; a ``Bidirectional``
    holds its recurrent layer as ``layer``.
    """

    kind: str
    options: tuple[tuple[str, object], ...] = ()

    def get(self, key: str, default=None):
        for name, value in self.options:
            if name == key:
                return value.value if isinstance(value, Var) else value
        return default


def keras_layer(kind: str, **options) -> Layer:
    """A layer as it would be written: ``keras_layer("Dense", units=64, activation="relu")``."""
    return Layer(kind, tuple(options.items()))


@dataclass(frozen=True)
class KerasModel:
    """``function(args) -> keras.Sequential([keras.Input(shape=input_shape), *layers])``."""

    function: str  # the name of the generated function, e.g. "create_cnn_model"
    input_shape: Var | tuple[int, ...]  # channels last, without the batch dimension
    layers: tuple[Layer, ...]
    input_dtype: str = ""  # "int32" for token ids

    @property
    def shape(self) -> tuple[int, ...]:
        shape = self.input_shape.value if isinstance(self.input_shape, Var) else self.input_shape
        return tuple(int(v.value if isinstance(v, Var) else v) for v in shape)


@dataclass(frozen=True)
class KerasRow:
    name: str  # as Keras names it in a fresh session: conv2d, conv2d_1, …
    kind: str  # the layer class: Conv2D, Dense, …
    output_shape: tuple[int, ...]  # without the batch dimension, channels last
    params: int
    non_trainable: int = 0


@dataclass(frozen=True)
class KerasSummary:
    rows: tuple[KerasRow, ...]

    @property
    def total(self) -> int:
        return sum(r.params for r in self.rows)

    @property
    def non_trainable(self) -> int:
        return sum(r.non_trainable for r in self.rows)

    @property
    def trainable(self) -> int:
        return self.total - self.non_trainable


# ---- Keras' rules -------------------------------------------------------------------------------

GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}


def recurrent_params(kind: str, features: int, units: int, reset_after: bool = True) -> int:
    """Parameters of one Keras recurrent layer reading ``features`` per step."""
    gates = GATES[kind]
    biases = 2 * gates * units if kind == "GRU" and reset_after else gates * units
    return gates * units * (features + units) + biases


def conv_params(kernel: tuple[int, int], in_channels: int, filters: int, use_bias: bool = True) -> int:
    return kernel[0] * kernel[1] * in_channels * filters + (filters if use_bias else 0)


def _pair(value) -> tuple[int, int]:
    return (int(value), int(value)) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _spatial(size: int, window: int, stride: int, padding: str) -> int:
    if padding == "same":
        return math.ceil(size / stride)
    return (size - window) // stride + 1


def _too_small(kind: str, shape: tuple) -> PlaygroundError:
    return PlaygroundError(
        _("Keras' {layer} cannot take inputs of shape {shape}.").format(layer=kind, shape=list(shape))
    )


def layer_output(layer: Layer, shape: tuple[int, ...]) -> tuple[tuple[int, ...], int, int]:
    """(output shape, parameters, non-trainable parameters) of ``layer`` given its input ``shape``."""
    kind = layer.kind
    if kind in ("Conv2D", "MaxPooling2D", "AveragePooling2D"):
        if len(shape) != 3:
            raise _too_small(kind, shape)
        height, width, channels = shape
        window = _pair(layer.get("kernel_size") if kind == "Conv2D" else layer.get("pool_size", 2))
        strides = _pair(layer.get("strides", 1 if kind == "Conv2D" else window))
        padding = layer.get("padding", "valid")
        out_h = _spatial(height, window[0], strides[0], padding)
        out_w = _spatial(width, window[1], strides[1], padding)
        if min(out_h, out_w) < 1:
            raise _too_small(kind, shape)
        if kind != "Conv2D":
            return (out_h, out_w, channels), 0, 0
        filters = int(layer.get("filters"))
        return (out_h, out_w, filters), conv_params(window, channels, filters, layer.get("use_bias", True)), 0
    if kind == "Flatten":
        return (math.prod(shape),), 0, 0
    if kind in ("GlobalAveragePooling2D", "GlobalMaxPooling2D"):
        return (shape[-1],), 0, 0
    if kind == "Dense":
        units = int(layer.get("units"))
        bias = units if layer.get("use_bias", True) else 0
        return (*shape[:-1], units), shape[-1] * units + bias, 0
    if kind in ("Dropout", "Activation"):
        return shape, 0, 0
    if kind == "BatchNormalization":
        return shape, 4 * shape[-1], 2 * shape[-1]
    if kind == "Embedding":
        dim = int(layer.get("output_dim"))
        return (*shape, dim), int(layer.get("input_dim")) * dim, 0
    if kind in GATES:
        if len(shape) != 2:
            raise _too_small(kind, shape)
        units = int(layer.get("units"))
        params = recurrent_params(kind, shape[1], units, layer.get("reset_after", True))
        out = (shape[0], units) if layer.get("return_sequences", False) else (units,)
        return out, params, 0
    if kind == "Bidirectional":
        inner_shape, params, _frozen = layer_output(layer.get("layer"), shape)
        return (*inner_shape[:-1], 2 * inner_shape[-1]), 2 * params, 0
    raise PlaygroundError(_("Keras' rules here do not cover the layer {layer}.").format(layer=kind))


def snake_case(kind: str) -> str:
    """Keras' automatic layer name: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d, SimpleRNN -> simple_rnn."""
    special = {"SimpleRNN": "simple_rnn", "LSTM": "lstm", "GRU": "gru"}
    if kind in special:
        return special[kind]
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", kind).lower().replace("2_d", "2d")


def keras_summary(model: KerasModel) -> KerasSummary:
    """What ``model.summary()`` would list for ``model``: names, output shapes and parameters."""
    shape, rows, seen = model.shape, [], {}
    for layer in model.layers:
        shape, params, frozen = layer_output(layer, shape)
        base = snake_case(layer.kind)
        count = seen.get(base, 0)
        seen[base] = count + 1
        rows.append(KerasRow(base if count == 0 else f"{base}_{count}", layer.kind, shape, params, frozen))
    return KerasSummary(tuple(rows))


# ---- code ---------------------------------------------------------------------------------------

POSITIONAL = {
    "Conv2D": ("filters", "kernel_size"),
    "Dense": ("units",),
    "MaxPooling2D": ("pool_size",),
    "AveragePooling2D": ("pool_size",),
    "SimpleRNN": ("units",),
    "LSTM": ("units",),
    "GRU": ("units",),
    "Embedding": ("input_dim", "output_dim"),
    "Dropout": ("rate",),
    "Bidirectional": ("layer",),
}


def literal(value, values: bool = False) -> str:
    """``value`` as Python source, double-quoted strings as ruff would write them.

    ``values``: write a ``Var``'s value rather than its name.
    """
    if isinstance(value, Var):
        return literal(value.value) if values else value.name
    if isinstance(value, Layer):
        return layer_code(value, values)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, tuple | list):
        items = ", ".join(literal(v, values) for v in value)
        return f"({items},)" if len(value) == 1 else f"({items})"
    return repr(value)


def layer_code(layer: Layer, values: bool = False) -> str:
    """``layers.Conv2D(32, (3, 3), activation="relu")``; ``values``: arguments' values rather than their names."""
    positional = POSITIONAL.get(layer.kind, ())
    parts = []
    for name, value in layer.options:
        text = literal(value, values)
        parts.append(text if name in positional else f"{name}={text}")
    return f"layers.{layer.kind}({', '.join(parts)})"


def variables(model: KerasModel) -> list[Var]:
    """The function's arguments, in the order they first appear."""
    found: dict[str, Var] = {}

    def visit(value) -> None:
        if isinstance(value, Var):
            found.setdefault(value.name, value)
        elif isinstance(value, Layer):
            for _name, option in value.options:
                visit(option)
        elif isinstance(value, tuple | list):
            for item in value:
                visit(item)

    visit(model.input_shape)
    for layer in model.layers:
        visit(layer)
    return list(found.values())


def keras_code(model: KerasModel, after: str = "") -> str:
    """The model as a Python function and a call with its values, then ``model.summary()`` and ``after``."""
    args = variables(model)
    dtype = f', dtype="{model.input_dtype}"' if model.input_dtype else ""
    body = "\n".join(f"            {layer_code(layer)}," for layer in model.layers)
    call = ", ".join(f"{v.name}={literal(v.value)}" for v in args)
    total = keras_summary(model).total
    lines = [
        "import keras",
        "from keras import layers",
        "",
        "",
        f"def {model.function}({', '.join(v.name for v in args)}):",
        "    return keras.Sequential(",
        "        [",
        f"            keras.Input(shape={literal(model.input_shape)}{dtype}),",
        body,
        "        ]",
        "    )",
        "",
        "",
        f"model = {model.function}({call})",
        f"model.summary()  # Total params: {total:,}",
        *([after.rstrip()] if after else []),
    ]
    return "\n".join(lines) + "\n"
