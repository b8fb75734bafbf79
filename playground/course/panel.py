"""The "course's code" panel of each page: the course's model in Keras (or NumPy), the PyTorch the page runs,
the two side by side, every difference in a sentence, and the facts of the page's section.

``panel(page, **settings)`` takes the page's current settings (the keyword arguments of the
``*_panel`` function for that page) and computes everything; heavy parts (ResNet-50 on the meta
device, jieba's dictionary) are cached per process, and ``warm_up`` computes them ahead of time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from playground.backprop import neuron as neuron_module
from playground.backprop.neuron import Neuron
from playground.course import facts as course_facts
from playground.course.compare import Comparison, ComparisonRow, compare, compare_converted
from playground.course.convert import keras_from_torch
from playground.course.facts import Fact
from playground.course.keras_models import (
    COURSE_IMAGE,
    COURSE_SERIES,
    cnn_model,
    forecaster_model,
    lenet_model,
    neuron_code,
    resnet50_code,
    text_rnn_code,
    text_rnn_model,
    vgg_model,
)
from playground.course.keras_rules import KerasModel, keras_code, keras_summary
from playground.course.pytorch_source import functions_source, pytorch_code
from playground.errors import PlaygroundError
from playground.i18n import _, number
from playground.models.registry import get_spec

COURSE_IMAGE_MODELS = {"cnn": cnn_model, "lenet": lenet_model, "vgg-course": vgg_model}  # written from the course
COURSE_SHAPES = {"cnn": COURSE_IMAGE, "vgg-course": COURSE_IMAGE}  # the input each is built for in the course


@dataclass(frozen=True)
class CoursePanel:
    page: str
    section: str  # the course's section, e.g. "2.1"
    code_language: str  # what ``keras_code`` is written with: "Keras", or "NumPy" for the neuron
    keras_code: str  # the course's model written by us, with the page's settings
    pytorch_code: str  # the source the page runs, and how it is built with the page's settings
    comparison: pd.DataFrame  # Keras beside PyTorch, one row per layer, headers in the current language
    rows: tuple[ComparisonRow, ...]  # the same, as data
    keras_total: int
    torch_total: int
    differences: tuple[str, ...]  # one sentence each, in the current language
    facts: tuple[Fact, ...] = field(default_factory=tuple)


def _panel(page: str, section: str, code: str, torch_code: str, comparison: Comparison, extra=(), facts=()):
    return CoursePanel(
        page=page,
        section=section,
        code_language="Keras",
        keras_code=code,
        pytorch_code=torch_code,
        comparison=comparison.table(),
        rows=comparison.rows,
        keras_total=comparison.keras_total,
        torch_total=comparison.torch_total,
        differences=(*comparison.differences, *extra),
        facts=tuple(facts),
    )


def _course_line(course: KerasModel, page: KerasModel) -> list[str]:
    """How the course's own settings change Keras' count, when the page's differ."""
    course_total, page_total = keras_summary(course).total, keras_summary(page).total
    if course.shape == page.shape and course_total == page_total:
        return []
    return [
        _(
            "With the course's own settings (input {course_shape}) Keras would report {course} parameters; "
            "with this page's (input {page_shape}), {page}."
        ).format(course_shape=course.shape, course=number(course_total), page_shape=page.shape, page=number(page_total))
    ]


def backprop_panel(**settings) -> CoursePanel:
    """1.1: ``settings`` are a ``Neuron``'s fields (inputs, weights, bias, target, activation, loss, lr)."""
    neuron = Neuron(**settings)
    size = len(neuron.inputs) + 1
    row = ComparisonRow(
        keras_name="dense",
        keras_layer=f'Dense(1, activation="{neuron.activation}")',
        keras_shape=(1,),
        keras_params=size,
        keras_non_trainable=0,
        torch_name="neuron",
        torch_layer="w·x + b",
        torch_shape=(1,),
        torch_params=size,
    )
    line = _(
        'In Keras this neuron is one Dense(1, activation="{activation}") layer on {n} inputs: {params} parameters, '
        "as here; this page computes its gradients by hand in NumPy and checks them against torch.autograd."
    ).format(activation=neuron.activation, n=len(neuron.inputs), params=size)
    comparison = Comparison((row,), size, 0, size, size, (line,))
    functions = [neuron_module.forward, neuron_module.backward, neuron_module.step, neuron_module.autograd_gradients]
    return CoursePanel(
        page="backprop",
        section="1.1",
        code_language="NumPy",
        keras_code=neuron_code(neuron),
        pytorch_code=functions_source(functions),
        comparison=comparison.table(),
        rows=comparison.rows,
        keras_total=size,
        torch_total=size,
        differences=comparison.differences,
        facts=(course_facts.backward_error_fact(neuron), course_facts.update_rule_fact(neuron)),
    )


def _image_panel(page: str, section: str, arch: str, channels: int, size: int, classes: int, facts) -> CoursePanel:
    if get_spec(arch).task != "image":
        raise PlaygroundError(_("'{name}' is not an image model.").format(name=arch))
    keras_shape, torch_shape = (int(size), int(size), int(channels)), (int(channels), int(size), int(size))
    kwargs = {"num_classes": int(classes)}
    title = get_spec(arch).title
    extra = []
    if arch in COURSE_IMAGE_MODELS:
        model = COURSE_IMAGE_MODELS[arch](keras_shape, int(classes))
        if arch in COURSE_SHAPES:
            extra += _course_line(COURSE_IMAGE_MODELS[arch](COURSE_SHAPES[arch], 10), model)
    else:
        model = keras_from_torch(arch, torch_shape, **kwargs)
        if model is not None:
            extra.append(
                _(
                    "The course has no Keras code for {model}: this code is written from the PyTorch model's layers."
                ).format(model=title)
            )
    if model is not None:
        comparison = compare(model, arch, torch_shape, **kwargs)
        code = keras_code(model)
    else:  # residual networks: the course's Keras ResNet50, and Keras' rules on the PyTorch model's own layers
        comparison = compare_converted(arch, torch_shape, **kwargs)
        total = comparison.keras_total if arch == "resnet50" else 0
        code = resnet50_code(keras_shape, include_top=True, classes=int(classes), total=total)
        extra.append(
            _(
                "The course builds its ResNet with keras.applications.ResNet50; the table applies Keras' rules to "
                "the layers of this page's {model} (Keras' padding, activation and addition layers have no "
                "parameters)."
            ).format(model=title)
        )
    return _panel(page, section, code, pytorch_code(arch, torch_shape, **kwargs), comparison, extra, facts)


def cnn_panel(arch: str = "cnn", channels: int = 1, size: int = 28, classes: int = 10) -> CoursePanel:
    """2.1: the model the CNN page trains, for its images (channels × size × size) and classes."""
    return _image_panel("cnn", "2.1", arch, channels, size, classes, [course_facts.cnn_size_fact()])


def architectures_panel(inspect: str = "lenet", channels: int = 1, size: int = 28, classes: int = 10) -> CoursePanel:
    """2.2: the model the architectures page inspects, with its input and classes."""
    facts = [course_facts.vgg_fact(), course_facts.resnet50_fact()]
    return _image_panel("architectures", "2.2", inspect, channels, size, classes, facts)


def forecast_panel(
    cell: str = "lstm",
    hidden: int = 50,
    layers: int = 2,
    lookback: int = 10,
    features: int = 1,
    horizon: int = 1,
    dropout: float = 0.0,
) -> CoursePanel:
    """3.1: the forecaster the page trains (windows of ``lookback`` steps of ``features`` values)."""
    shape = (int(lookback), int(features))
    model = forecaster_model(shape, int(hidden), int(layers), cell, int(horizon), float(dropout))
    kwargs = {"cell": cell, "hidden": int(hidden), "layers": int(layers), "horizon": int(horizon)}
    kwargs["dropout"] = float(dropout)
    comparison = compare(model, "forecast-rnn", shape, **kwargs)
    extra = _course_line(forecaster_model(COURSE_SERIES), model)
    code = pytorch_code("forecast-rnn", shape, **kwargs)
    return _panel("forecast", "3.1", keras_code(model), code, comparison, extra, [course_facts.recurrent_fact("lstm")])


def sentiment_panel(
    cell: str = "rnn",
    embed_dim: int = 64,
    hidden: int = 64,
    layers: int = 1,
    bidirectional: bool = False,
    num_words: int = 1000,
    maxlen: int = 5,
    dropout: float = 0.0,
) -> CoursePanel:
    """3.1: the text classifier the page trains (vocabulary ``num_words``, texts padded to ``maxlen``)."""
    sizes = (int(num_words), int(embed_dim), int(hidden), int(maxlen))
    model = text_rnn_model(*sizes, cell, int(layers), bool(bidirectional), float(dropout))
    code = text_rnn_code(*sizes, cell, int(layers), bool(bidirectional), float(dropout))
    kwargs = {"vocab_size": sizes[0], "embed_dim": sizes[1], "hidden": sizes[2], "cell": cell}
    kwargs |= {"layers": int(layers), "bidirectional": bool(bidirectional), "dropout": float(dropout)}
    comparison = compare(model, "text-rnn", (sizes[3],), **kwargs)
    torch_code = pytorch_code("text-rnn", (sizes[3],), **kwargs)
    extra = _course_line(text_rnn_model(), model)
    facts = [course_facts.tokenizer_fact(), course_facts.recurrent_fact("text")]
    return _panel("sentiment", "3.1", code, torch_code, comparison, extra, facts)


PANELS = {
    "backprop": backprop_panel,
    "cnn": cnn_panel,
    "architectures": architectures_panel,
    "forecast": forecast_panel,
    "sentiment": sentiment_panel,
}


def panel(page: str, **settings) -> CoursePanel:
    """The course's-code panel of ``page`` (backprop, cnn, architectures, forecast, sentiment) for its settings."""
    if page not in PANELS:
        raise PlaygroundError(
            _("There is no course panel for the page '{page}'; pages: {pages}.").format(
                page=page, pages=", ".join(PANELS)
            )
        )
    return PANELS[page](**settings)


def warm_up() -> None:
    """Compute the cached parts once (ResNet-50 on the meta device, jieba's dictionary): 3–6 s on 2 CPU cores.

    Call it off the request path, e.g. in a thread at server start; afterwards every panel takes well under a
    second.
    """
    course_facts.resnet50_numbers()
    course_facts.vgg_numbers()
    course_facts.tokenizer_numbers()
