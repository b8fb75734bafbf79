"""Keras' rules applied to a PyTorch model's own layers, and its Keras code where the model is a plain chain.

``keras_equivalent`` names the Keras layer that plays a module's part and counts it as Keras would
(a Conv2D with its default bias, a BatchNormalization with 4c numbers). ``keras_from_torch`` turns a
chain of layers (the course CNN, LeNet, the VGGs) into a ``KerasModel``, and gives None for models
whose layers do not form one (the ResNets' skips): the Keras rules' shapes and counts must match
the PyTorch model's, layer for layer.
"""

from __future__ import annotations

from torch import nn

from playground.course.keras_rules import (
    KerasModel,
    Layer,
    Var,
    conv_params,
    keras_layer,
    keras_summary,
    recurrent_params,
)
from playground.course.pytorch_side import ACTIVATIONS, TorchUnit, channels_last, torch_side
from playground.errors import PlaygroundError

TORCH_CELLS = {nn.RNN: "SimpleRNN", nn.LSTM: "LSTM", nn.GRU: "GRU"}


def _pair(value) -> tuple[int, int]:
    return tuple(value) if isinstance(value, tuple) else (value, value)


def keras_equivalent(unit: TorchUnit) -> tuple[Layer, int, int] | None:
    """(the Keras layer, its parameters, the non-trainable ones) for a PyTorch module, by Keras' defaults."""
    module = unit.module
    if isinstance(module, nn.Conv2d):
        kernel = _pair(module.kernel_size)
        options: dict = {"filters": module.out_channels, "kernel_size": kernel}
        if _pair(module.stride) != (1, 1):
            options["strides"] = _pair(module.stride)
        if module.padding not in ((0, 0), "valid"):
            options["padding"] = "same"
        params = conv_params(kernel, module.in_channels // module.groups, module.out_channels)
        return keras_layer("Conv2D", **options), params, 0
    if isinstance(module, nn.Linear):
        params = module.in_features * module.out_features + module.out_features
        return keras_layer("Dense", units=module.out_features), params, 0
    if isinstance(module, nn.BatchNorm1d | nn.BatchNorm2d):
        return keras_layer("BatchNormalization"), 4 * module.num_features, 2 * module.num_features
    if isinstance(module, nn.MaxPool2d | nn.AvgPool2d):
        kind = "MaxPooling2D" if isinstance(module, nn.MaxPool2d) else "AveragePooling2D"
        options = {"pool_size": _pair(module.kernel_size)}
        if _pair(module.stride) != _pair(module.kernel_size):
            options["strides"] = _pair(module.stride)
        if _pair(module.padding) != (0, 0):
            options["padding"] = "same"
        return keras_layer(kind, **options), 0, 0
    if isinstance(module, nn.AdaptiveAvgPool2d) and _pair(module.output_size) == (1, 1):
        return keras_layer("GlobalAveragePooling2D"), 0, 0
    if isinstance(module, nn.Flatten):
        return keras_layer("Flatten"), 0, 0
    if isinstance(module, nn.Embedding):
        layer = keras_layer("Embedding", input_dim=module.num_embeddings, output_dim=module.embedding_dim)
        return layer, module.num_embeddings * module.embedding_dim, 0
    if isinstance(module, nn.RNNBase) and type(module) in TORCH_CELLS:
        kind = TORCH_CELLS[type(module)]
        layer_index = int(unit.name.rsplit(".l", 1)[1]) if ".l" in unit.name else 0
        directions = 2 if module.bidirectional else 1
        features = module.input_size if layer_index == 0 else module.hidden_size * directions
        layer = keras_layer(kind, units=module.hidden_size)
        params = recurrent_params(kind, features, module.hidden_size) * directions
        return (keras_layer("Bidirectional", layer=layer) if directions == 2 else layer), params, 0
    return None


def _with(layer: Layer, **options) -> Layer:
    kept = tuple((k, v) for k, v in layer.options if k not in options)
    return Layer(layer.kind, kept + tuple(options.items()))


def keras_from_torch(name: str, input_shape: tuple[int, ...], **kwargs) -> KerasModel | None:
    """The registered image model ``name`` as a ``keras.Sequential``, or None when its layers are not a chain."""
    units = torch_side(name, input_shape, **kwargs).units
    layers: list[Layer] = []
    expected = []  # (output shape, parameters) that each converted layer must have
    previous = input_shape
    for unit in units:
        module, previous, before = unit.module, unit.output_shape, previous
        if type(module) in ACTIVATIONS:
            activation = ACTIVATIONS[type(module)]
            if layers and layers[-1].kind in ("Conv2D", "Dense") and layers[-1].get("activation") is None:
                layers[-1] = _with(layers[-1], activation=activation)
            else:
                layers.append(keras_layer("Activation", activation=activation))
                expected.append(None)
            continue
        if isinstance(module, nn.AdaptiveAvgPool2d) and unit.output_shape == before:
            continue  # pooling to the size it already has (VGG-16 at 224×224) does nothing
        if isinstance(module, nn.Dropout | nn.Identity):
            if isinstance(module, nn.Dropout) and module.p:
                layers.append(keras_layer("Dropout", rate=float(module.p)))
                expected.append(None)
            continue
        equivalent = keras_equivalent(unit)
        if equivalent is None or isinstance(module, nn.RNNBase | nn.Embedding):
            return None
        layers.append(equivalent[0])
        expected.append((channels_last(unit.output_shape), equivalent[1]))
    dense = [i for i, layer in enumerate(layers) if layer.kind == "Dense"]
    if dense:  # the classifier's width is the page's number of classes
        last = layers[dense[-1]]
        rest = tuple((k, v) for k, v in last.options if k != "units")
        layers[dense[-1]] = Layer("Dense", (("units", Var("num_classes", last.get("units"))), *rest))
    function = "create_" + name.replace("-", "_")
    model = KerasModel(function, Var("input_shape", channels_last(input_shape)), tuple(layers))
    try:
        rows = keras_summary(model).rows
    except PlaygroundError:
        return None
    for row, want in zip(rows, expected):
        if want is not None and (row.output_shape, row.params) != want:
            return None  # the layers do not follow one another (a skip connection), or Keras would pad differently
    return model
