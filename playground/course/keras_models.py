"""The course's Keras models, written by us as layer lists, and the code each page shows for them.

Shapes are Keras' (channels last). Each ``*_model`` returns a ``KerasModel`` whose counts
``keras_summary`` computes; each ``*_code`` returns formatted Python for the same model with
the page's settings filled in. The course's neuron (1.1) is NumPy, not Keras: ``neuron_code``.
"""

from __future__ import annotations

from playground.backprop.neuron import Neuron
from playground.course.keras_rules import KerasModel, Var, keras_code, keras_layer, literal
from playground.errors import PlaygroundError
from playground.i18n import _

COURSE_IMAGE = (64, 64, 3)  # the course's input_shape for its CNN, VGG and ResNet50
COURSE_SERIES = (10, 1)  # 10 steps of one value
KERAS_CELLS = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}  # the playground's cell names -> Keras layers


def _relu_conv(filters: int, size: int, **options):
    return keras_layer("Conv2D", filters=filters, kernel_size=(size, size), activation="relu", **options)


def _head(num_classes: int):
    return keras_layer("Dense", units=Var("num_classes", int(num_classes)), activation="softmax")


def cnn_model(input_shape: tuple[int, ...] = COURSE_IMAGE, num_classes: int = 10) -> KerasModel:
    """2.1: three Conv2D(3×3, relu) + MaxPooling2D(2×2) blocks (32, 64, 64), Flatten, Dense(64), Dense(classes)."""
    blocks = []
    for filters in (32, 64, 64):
        blocks += [_relu_conv(filters, 3), keras_layer("MaxPooling2D", pool_size=(2, 2))]
    head = [keras_layer("Flatten"), keras_layer("Dense", units=64, activation="relu"), _head(num_classes)]
    return KerasModel("create_cnn_model", Var("input_shape", tuple(input_shape)), (*blocks, *head))


def lenet_model(input_shape: tuple[int, ...] = (28, 28, 1), num_classes: int = 10) -> KerasModel:
    """2.2: Conv2D(6, 5×5, tanh), AveragePooling2D, Conv2D(16, 5×5, tanh), AveragePooling2D, Dense 120, 84, classes."""
    layers = [
        keras_layer("Conv2D", filters=6, kernel_size=(5, 5), activation="tanh"),
        keras_layer("AveragePooling2D", pool_size=(2, 2)),
        keras_layer("Conv2D", filters=16, kernel_size=(5, 5), activation="tanh"),
        keras_layer("AveragePooling2D", pool_size=(2, 2)),
        keras_layer("Flatten"),
        keras_layer("Dense", units=120, activation="tanh"),
        keras_layer("Dense", units=84, activation="tanh"),
        _head(num_classes),
    ]
    return KerasModel("create_lenet", Var("input_shape", tuple(input_shape)), tuple(layers))


def vgg_model(input_shape: tuple[int, ...] = COURSE_IMAGE, num_classes: int = 10) -> KerasModel:
    """2.2 as printed: two Conv2D(64, 3×3, 'same'), MaxPooling2D, Flatten, Dense(4096), Dense(classes)."""
    layers = [
        _relu_conv(64, 3, padding="same"),
        _relu_conv(64, 3, padding="same"),
        keras_layer("MaxPooling2D", pool_size=(2, 2)),
        keras_layer("Flatten"),
        keras_layer("Dense", units=4096, activation="relu"),
        _head(num_classes),
    ]
    return KerasModel("create_vgg", Var("input_shape", tuple(input_shape)), tuple(layers))


def recurrent_stack(cell: str, hidden: int, layers: int, dropout: float) -> list:
    """``layers`` recurrent layers, all but the last returning every step (as PyTorch's stacked layers read)."""
    if cell not in KERAS_CELLS:
        raise PlaygroundError(_("Unknown recurrent cell '{cell}'; choose rnn, lstm or gru.").format(cell=cell))
    stack = []
    for i in range(int(layers)):
        options = {"units": Var("hidden", int(hidden))}
        if i < layers - 1:
            options["return_sequences"] = True
        stack.append(keras_layer(KERAS_CELLS[cell], **options))
        if dropout and i < layers - 1:
            stack.append(keras_layer("Dropout", rate=float(dropout)))
    return stack


def forecaster_model(
    input_shape: tuple[int, int] = COURSE_SERIES,
    hidden: int = 50,
    layers: int = 2,
    cell: str = "lstm",
    horizon: int = 1,
    dropout: float = 0.0,
) -> KerasModel:
    """3.1: LSTM(50, return_sequences=True), LSTM(50), Dense(1) on windows of (10, 1); the page's variants."""
    stack = recurrent_stack(cell, hidden, layers, dropout)
    tail = [keras_layer("Dropout", rate=float(dropout))] if dropout else []
    out = keras_layer("Dense", units=Var("horizon", int(horizon)))
    return KerasModel("create_forecaster", Var("input_shape", tuple(input_shape)), (*stack, *tail, out))


def text_rnn_model(
    vocab_size: int = 1000,
    embed_dim: int = 64,
    hidden: int = 64,
    maxlen: int = 5,
    cell: str = "rnn",
    layers: int = 1,
    bidirectional: bool = False,
    dropout: float = 0.0,
) -> KerasModel:
    """3.1: Embedding(1000, 64) on 5 token ids, SimpleRNN(64), Dense(1, sigmoid); the page's variants."""
    stack = recurrent_stack(cell, hidden, layers, dropout)
    if bidirectional:
        stack = [keras_layer("Bidirectional", layer=lay) if lay.kind != "Dropout" else lay for lay in stack]
    embedding = keras_layer("Embedding", input_dim=Var("vocab_size", int(vocab_size)), output_dim=int(embed_dim))
    tail = [keras_layer("Dropout", rate=float(dropout))] if dropout else []
    out = keras_layer("Dense", units=1, activation="sigmoid")
    return KerasModel(
        "create_rnn_model", (Var("maxlen", int(maxlen)),), (embedding, *stack, *tail, out), input_dtype="int32"
    )


# ---- code ---------------------------------------------------------------------------------------


def cnn_code(input_shape: tuple[int, ...] = COURSE_IMAGE, num_classes: int = 10) -> str:
    """Keras code for the course's CNN (2.1) at ``input_shape`` (H, W, C) with ``num_classes`` outputs."""
    return keras_code(cnn_model(input_shape, num_classes))


def lenet_code(input_shape: tuple[int, ...] = (28, 28, 1), num_classes: int = 10) -> str:
    """Keras code for the course's LeNet (2.2)."""
    return keras_code(lenet_model(input_shape, num_classes))


def vgg_code(input_shape: tuple[int, ...] = COURSE_IMAGE, num_classes: int = 10) -> str:
    """Keras code for the course's VGG as printed (2.2)."""
    return keras_code(vgg_model(input_shape, num_classes))


def forecaster_code(
    input_shape: tuple[int, int] = COURSE_SERIES,
    hidden: int = 50,
    layers: int = 2,
    cell: str = "lstm",
    horizon: int = 1,
    dropout: float = 0.0,
) -> str:
    """Keras code for the course's LSTM forecaster (3.1) or the page's variant of it."""
    return keras_code(forecaster_model(input_shape, hidden, layers, cell, horizon, dropout))


def text_rnn_code(
    vocab_size: int = 1000,
    embed_dim: int = 64,
    hidden: int = 64,
    maxlen: int = 5,
    cell: str = "rnn",
    layers: int = 1,
    bidirectional: bool = False,
    dropout: float = 0.0,
) -> str:
    """Keras code for the course's text RNN (3.1) or the page's variant, compiled as the course compiles it."""
    model = text_rnn_model(vocab_size, embed_dim, hidden, maxlen, cell, layers, bidirectional, dropout)
    after = 'model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])'
    return keras_code(model, after=after)


def resnet50_code(
    input_shape: tuple[int, ...] = COURSE_IMAGE, include_top: bool = False, classes: int = 1000, total: int = 0
) -> str:
    """Keras' ResNet50 application; ImageNet weights need 3 channels (else ``weights=None``).

    ``total``: the parameter count to quote in the summary's comment (0: none).
    """
    weights = "imagenet" if input_shape[-1] == 3 and (not include_top or classes == 1000) else None
    lines = ["import keras", "", "model = keras.applications.ResNet50("]
    lines.append(f"    weights={literal(weights)},")
    lines.append(f"    include_top={include_top},")
    lines.append(f"    input_shape={literal(tuple(input_shape))},")
    if include_top and classes != 1000:
        lines.append(f"    classes={int(classes)},")
    lines.append(")")
    lines.append(f"model.summary()  # Total params: {total:,}" if total else "model.summary()")
    if min(input_shape[:2]) < 32:
        lines.insert(0, "# Keras' ResNet50 takes images of at least 32×32 pixels.")
    return "\n".join(lines) + "\n"


_NP_ACTIVATIONS = {  # name -> (body of f(z), f'(z) written with a = f(z))
    "sigmoid": ("1 / (1 + np.exp(-z))", "a * (1 - a)"),
    "tanh": ("np.tanh(z)", "1 - a**2"),
    "relu": ("np.maximum(z, 0.0)", "float(a > 0)"),
    "linear": ("z", "1.0"),
}
_NP_LOSSES = {  # name -> (L(y, a), dL/da)
    "mse": ("np.mean((y - a) ** 2)", "-2 * (y - a)"),
    "bce": (
        "-(y * np.log(np.clip(a, 1e-7, 1 - 1e-7)) + (1 - y) * np.log(np.clip(1 - a, 1e-7, 1 - 1e-7)))",
        "(-y / a + (1 - y) / (1 - a)) if 1e-7 < a < 1 - 1e-7 else 0.0  # flat where the clip holds a",
    ),
}


def neuron_code(neuron: Neuron = Neuron()) -> str:
    """1.1 in NumPy: forward with the activation, the loss, and one gradient-descent step (the chain rule)."""
    activation, slope = _NP_ACTIVATIONS[neuron.activation]
    loss, loss_slope = _NP_LOSSES[neuron.loss]
    inputs = ", ".join(repr(float(v)) for v in neuron.inputs)
    weights = ", ".join(repr(float(v)) for v in neuron.weights)
    return f"""import numpy as np

x = np.array([{inputs}])  # inputs
w = np.array([{weights}])  # weights
b = {float(neuron.bias)!r}  # bias
y = {float(neuron.target)!r}  # target
lr = {float(neuron.lr)!r}  # learning rate


def activation(z):
    return {activation}


def loss(y, a):
    return {loss}


def forward(x, w, b):
    z = np.dot(x, w) + b
    return activation(z)


def backward(x, y, a, w, b, lr):
    # chain rule: dL/dw = dL/da * da/dz * dz/dw, with dz/dw = x and dz/db = 1
    dL_da = {loss_slope}
    da_dz = {slope}
    dL_dz = dL_da * da_dz
    return w - lr * dL_dz * x, b - lr * dL_dz


a = forward(x, w, b)
print("a =", a, "loss =", loss(y, a))
w, b = backward(x, y, a, w, b, lr)
print("w =", w, "b =", b)
"""
