"""Facts about the course's code, each computed here: numbers, and one sentence that explains them.

Every number comes from running something: NumPy on the course's backward step, the registered
PyTorch models (``summarize``), Keras' rules (``keras_rules``), a faithful Keras tokenizer
(``keras_text``). The sentences are in the current language; the numbers are plain values.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from functools import cache

import numpy as np
import torch
from torch import nn

from playground.backprop.neuron import Neuron, backward, forward, tutorial_rule
from playground.course.compare import compare, compare_converted
from playground.course.keras_models import COURSE_IMAGE, cnn_model, forecaster_model, text_rnn_model, vgg_model
from playground.course.keras_rules import keras_summary
from playground.course.keras_text import COURSE_TEXTS, KerasTokenizer, pad_sequences
from playground.course.pytorch_side import torch_side
from playground.i18n import _, number, percent
from playground.models.registry import MAX_PARAMS
from playground.text.tokenizer import Tokenizer
from playground.text.tokenizer import pad_sequences as playground_pad

FIXED_LINE = "weights += learning_rate * inputs * gradients"


@dataclass(frozen=True)
class Fact:
    title: str  # in the current language
    text: str  # one or two sentences, in the current language
    numbers: dict = field(default_factory=dict)  # the computed values the text quotes, by name


def _shape(shape) -> str:
    return "×".join(str(v) for v in shape)


def _vector(values) -> str:
    return "(" + ", ".join(f"{v:+.6f}" for v in values) + ")"


# ---- 1.1 the neuron -----------------------------------------------------------------------------


def course_backward_numbers(neuron: Neuron = Neuron()) -> dict:
    """Run the course's backward step as printed (sigmoid, y_true = np.array([y])) and as fixed."""
    inputs = np.array(neuron.inputs, dtype=float)
    weights = np.array(neuron.weights, dtype=float)
    y_true = np.array([neuron.target])
    output = 1 / (1 + np.exp(-(np.dot(inputs, weights) + neuron.bias)))
    gradients = (y_true - output) * (output * (1 - output))  # shape (1,): y_true is an array of one
    try:
        np.dot(inputs.T, gradients)  # the course's line; .T of a 1-D array is the same array
        message = ""
    except ValueError as error:
        message = str(error)
    fixed = weights + neuron.lr * inputs * gradients
    return {
        "inputs_shape": tuple(inputs.T.shape),
        "gradients_shape": tuple(gradients.shape),
        "error": message,
        "fixed_line": FIXED_LINE,
        "weights_after": tuple(float(w) for w in fixed),
        "bias_after": float(neuron.bias + neuron.lr * np.sum(gradients)),
    }


def backward_error_fact(neuron: Neuron = Neuron()) -> Fact:
    numbers = course_backward_numbers(neuron)
    if numbers["error"]:
        text = _(
            "The course's backward step stops with “ValueError: {error}”: inputs.T of a 1-D array is still "
            "shape {x}, and the gradient has shape {g} because y_true is an array of one value. Written as "
            "`{fixed}`, the step runs and gives the weights {weights}."
        ).format(
            error=numbers["error"],
            x=numbers["inputs_shape"],
            g=numbers["gradients_shape"],
            fixed=FIXED_LINE,
            weights=_vector(numbers["weights_after"]),
        )
    else:  # one input: shapes (1,) and (1,) do line up
        text = _("With one input the course's backward step runs as printed and gives the weights {weights}.").format(
            weights=_vector(numbers["weights_after"])
        )
    return Fact(_("1.1 The course's backward step as printed"), text, numbers)


def update_rule_numbers(neuron: Neuron = Neuron()) -> dict:
    """The course's step against gradient descent on ½(y − a)² and on the MSE (y − a)², for a sigmoid neuron."""
    neuron = replace(neuron, activation="sigmoid", loss="mse")
    rule = tutorial_rule(neuron)
    course_step = np.array(rule.tutorial_weights) - np.array(neuron.weights)
    mse_step = np.array(rule.mse_weights) - np.array(neuron.weights)
    half_squared = -neuron.lr * np.array(backward(neuron).dL_dw) / 2  # −lr · ∂½(y−a)²/∂w
    fixed = np.array(course_backward_numbers(neuron)["weights_after"]) - np.array(neuron.weights)
    return {
        "output": forward(neuron).a,
        "course_step": tuple(float(v) for v in course_step),
        "half_squared_step": tuple(float(v) for v in half_squared),
        "mse_step": tuple(float(v) for v in mse_step),
        "fixed_line_step": tuple(float(v) for v in fixed),
        "ratio": rule.ratio,
        "max_difference": float(np.abs(course_step - half_squared).max()),
    }


def update_rule_fact(neuron: Neuron = Neuron()) -> Fact:
    numbers = update_rule_numbers(neuron)
    text = _(
        "The course's update w += lr·x·(y − a)·a(1 − a) moves the weights by {course}, which is gradient "
        "descent on ½(y − a)² (largest difference {gap}); the mean squared error it names, (y − a)², has twice "
        "that gradient, so its step is {ratio}× as large: {mse}."
    ).format(
        course=_vector(numbers["course_step"]),
        gap=f"{numbers['max_difference']:.1e}",
        ratio=number(numbers["ratio"], 1),
        mse=_vector(numbers["mse_step"]),
    )
    return Fact(_("1.1 Which loss the course's update descends"), text, numbers)


# ---- 2.1 the CNN --------------------------------------------------------------------------------


def _flatten_size(name: str, shape: tuple[int, ...]) -> tuple[tuple[int, ...], int]:
    """(the last pooled shape in Keras' order, the flattened length) of the registered model."""
    units = torch_side(name, shape).layers
    flat = next(i for i, u in enumerate(units) if u.type == "Flatten")
    pooled = units[flat - 1].output_shape  # (C, H, W)
    return (*pooled[1:], pooled[0]), units[flat].output_shape[0]


def cnn_size_numbers() -> dict:
    """The course CNN at the course's 64×64×3 and at MNIST's 28×28×1: PyTorch's and Keras' counts."""
    numbers = {}
    for key, keras_shape in (("course", COURSE_IMAGE), ("mnist", (28, 28, 1))):
        torch_shape = (keras_shape[2], keras_shape[0], keras_shape[1])
        pooled, flat = _flatten_size("cnn", torch_shape)
        numbers[key] = {
            "input": keras_shape,
            "pooled": pooled,
            "flatten": flat,
            "pytorch": torch_side("cnn", torch_shape).total,
            "keras": keras_summary(cnn_model(keras_shape)).total,
            "dense": keras_summary(cnn_model(keras_shape)).rows[7].params,
        }
    numbers["difference"] = numbers["course"]["pytorch"] - numbers["mnist"]["pytorch"]
    numbers["dense_difference"] = numbers["course"]["dense"] - numbers["mnist"]["dense"]
    return numbers


def cnn_size_fact() -> Fact:
    n = cnn_size_numbers()
    course, mnist = n["course"], n["mnist"]
    text = _(
        "At the course's {course_in} the last pooling leaves {course_pool} = {course_flat} numbers to flatten and "
        "the model has {course_total} parameters; at {mnist_in} it leaves {mnist_pool} = {mnist_flat} and "
        "{mnist_total}. The first Dense layer makes {dense} of the {diff} difference."
    ).format(
        course_in=_shape(course["input"]),
        course_pool=_shape(course["pooled"]),
        course_flat=number(course["flatten"]),
        course_total=number(course["pytorch"]),
        mnist_in=_shape(mnist["input"]),
        mnist_pool=_shape(mnist["pooled"]),
        mnist_flat=number(mnist["flatten"]),
        mnist_total=number(mnist["pytorch"]),
        dense=number(n["dense_difference"]),
        diff=number(n["difference"]),
    )
    return Fact(_("2.1 The course's CNN at 64×64×3 and at 28×28×1"), text, n)


# ---- 2.2 VGG and ResNet-50 ----------------------------------------------------------------------


def course_vgg_torch(input_shape: tuple[int, ...] = COURSE_IMAGE, num_classes: int = 10) -> nn.Module:
    """The course's printed VGG in PyTorch, on the meta device (the playground's VGG refuses this size)."""
    height, width, channels = input_shape
    with torch.device("meta"):
        return nn.Sequential(
            nn.Conv2d(channels, 64, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(64, 64, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(64 * (height // 2) * (width // 2), 4096),
            nn.ReLU(),
            nn.Linear(4096, num_classes),
        )


@cache
def vgg_numbers() -> dict:
    summary = keras_summary(vgg_model())
    dense = next(r for r in summary.rows if r.kind == "Dense")
    flat = next(r for r in summary.rows if r.kind == "Flatten")
    torch_total = sum(p.numel() for p in course_vgg_torch().parameters())
    return {
        "keras": summary.total,
        "pytorch": torch_total,
        "dense": dense.params,
        "dense_share": dense.params / summary.total,
        "flatten": flat.output_shape[0],
        "pooled": next(r for r in summary.rows if r.kind == "MaxPooling2D").output_shape,
        "float32_bytes": 4 * summary.total,
        "over_limit": summary.total > MAX_PARAMS,
    }


def vgg_fact() -> Fact:
    n = copy.deepcopy(vgg_numbers())  # the cached numbers stay as computed
    text = _(
        "The course's VGG as printed has {total} parameters at 64×64×3 ({gb} GB of float32 weights): "
        "Dense(4096) reads {pooled} = {flat} numbers, so {share} of them ({dense}) are in that one layer. "
        "PyTorch's equivalent, built on the meta device, counts {torch}."
    ).format(
        total=number(n["keras"]),
        gb=number(n["float32_bytes"] / 1e9, 2),
        pooled=_shape(n["pooled"]),
        flat=number(n["flatten"]),
        share=percent(n["dense_share"], 2),
        dense=number(n["dense"]),
        torch=number(n["pytorch"]),
    )
    return Fact(_("2.2 Where the course's VGG keeps its parameters"), text, n)


@cache
def resnet50_numbers(input_shape: tuple[int, ...] = COURSE_IMAGE) -> dict:
    """Keras' ResNet50(include_top=False) against PyTorch's ResNet-50 without ``fc``, from the registered model."""
    torch_shape = (input_shape[2], input_shape[0], input_shape[1])
    comparison = compare_converted("resnet50", torch_shape, drop=("fc",))
    units = torch_side("resnet50", torch_shape).layers
    before_pool = units[next(i for i, u in enumerate(units) if u.name == "avgpool") - 1].output_shape
    convs = [r for r in comparison.rows if r.torch_layer == "Conv2d"]
    norms = [r for r in comparison.rows if r.torch_layer.startswith("BatchNorm")]
    return {
        "output": (*before_pool[1:], before_pool[0]),
        "keras": comparison.keras_total,
        "keras_trainable": comparison.keras_trainable,
        "keras_non_trainable": comparison.keras_non_trainable,
        "pytorch": comparison.torch_total,
        "convolutions": len(convs),
        "conv_biases": sum(r.keras_params - r.torch_params for r in convs),
        "batch_norm_layers": len(norms),
        "batch_norm_buffers": sum(r.keras_non_trainable for r in norms),
    }


def resnet50_fact() -> Fact:
    n = copy.deepcopy(resnet50_numbers())  # the cached numbers stay as computed
    text = _(
        "ResNet50(include_top=False) at 64×64×3 ends with {output} features; Keras reports {keras} parameters "
        "({trainable} trainable, {frozen} non-trainable), PyTorch's ResNet-50 without fc {torch}. The {diff} "
        "between them are Keras' Conv2D biases ({biases}, one per output channel of {convs} convolutions) and "
        "batch normalisation's moving mean and variance ({buffers}), which PyTorch keeps as buffers."
    ).format(
        output=_shape(n["output"]),
        keras=number(n["keras"]),
        trainable=number(n["keras_trainable"]),
        frozen=number(n["keras_non_trainable"]),
        torch=number(n["pytorch"]),
        diff=number(n["keras"] - n["pytorch"]),
        biases=number(n["conv_biases"]),
        convs=n["convolutions"],
        buffers=number(n["batch_norm_buffers"]),
    )
    return Fact(_("2.2 ResNet50 in Keras and in PyTorch"), text, n)


# ---- 3.1 text and series ------------------------------------------------------------------------


@cache
def tokenizer_numbers(texts: tuple[str, ...] = COURSE_TEXTS, maxlen: int = 5) -> dict:
    """Keras' default tokenizer on the course's sentences, beside the playground's characters and jieba words."""
    keras = KerasTokenizer(num_words=1000).fit_on_texts(texts)
    sequences = keras.texts_to_sequences(texts)
    numbers = {
        "keras_word_index": dict(keras.word_index),
        "keras_sequences": sequences,
        "keras_padded": pad_sequences(sequences, maxlen),
        "keras_with_punctuation": KerasTokenizer().fit_on_texts(["我喜欢深度学习，很有趣！"]).word_index,
    }
    for mode in ("zh-char", "zh-word"):
        tokenizer = Tokenizer(mode=mode, num_words=1000).fit(texts)
        encoded = [tokenizer.encode(text) for text in texts]
        numbers[mode] = {
            "tokens": [tokens for tokens, _ids in encoded],
            "vocabulary": len(tokenizer.counts),
            "padded": playground_pad([ids for _tokens, ids in encoded], maxlen).tolist(),
        }
    return numbers


def tokenizer_fact() -> Fact:
    n = copy.deepcopy(tokenizer_numbers())  # the cached numbers stay as computed
    text = _(
        "Keras' Tokenizer splits on spaces and removes only ASCII punctuation, so each of the course's "
        "unsegmented sentences is one word: {size} words, sequences {sequences}, padded to 5 as {padded}. "
        "Characters give {chars} tokens ({first_chars}) and jieba words {words} ({first_words})."
    ).format(
        size=len(n["keras_word_index"]),
        sequences=n["keras_sequences"],
        padded=n["keras_padded"],
        chars=n["zh-char"]["vocabulary"],
        first_chars=" ".join(n["zh-char"]["tokens"][0]),
        words=n["zh-word"]["vocabulary"],
        first_words=" / ".join(n["zh-word"]["tokens"][0]),
    )
    return Fact(_("3.1 What Keras' Tokenizer makes of Chinese"), text, n)


def recurrent_numbers(kind: str = "lstm") -> dict:
    """The course's LSTM forecaster or text RNN: Keras' count against the registered PyTorch model's."""
    if kind == "lstm":
        comparison = compare(forecaster_model(), "forecast-rnn", (10, 1), cell="lstm", hidden=50, layers=2)
        layers, gates, hidden = 2, 4, 50
    else:
        comparison = compare(text_rnn_model(), "text-rnn", (5,), vocab_size=1000, embed_dim=64, hidden=64, cell="rnn")
        layers, gates, hidden = 1, 1, 64
    return {
        "keras": comparison.keras_total,
        "pytorch": comparison.torch_total,
        "difference": comparison.torch_total - comparison.keras_total,
        "layers": layers,
        "gates": gates,
        "hidden": hidden,
    }


def recurrent_fact(kind: str = "lstm") -> Fact:
    n = recurrent_numbers(kind)
    text = _(
        "Keras reports {keras} parameters for the course's {model}, PyTorch {torch}: {diff} = layers ({layers}) × "
        "gates ({gates}) × units ({hidden}), the second bias vector PyTorch keeps for every gate."
    ).format(
        keras=number(n["keras"]),
        model="LSTM" if kind == "lstm" else "SimpleRNN",
        torch=number(n["pytorch"]),
        diff=number(n["difference"]),
        layers=n["layers"],
        gates=n["gates"],
        hidden=n["hidden"],
    )
    title = _("3.1 The course's LSTM in Keras and in PyTorch") if kind == "lstm" else _("3.1 The course's text RNN")
    return Fact(title, text, n)
