"""The course's code panel: Keras' rules against figures Keras itself reports, the PyTorch models beside them,
the generated code (it parses; the NumPy neuron runs and agrees with the playground's), and every fact."""

import ast
import inspect
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from playground.backprop.neuron import ACTIVATIONS, LOSSES, Neuron, forward, step, tutorial_rule
from playground.course import facts, panel, warm_up
from playground.course.compare import compare, compare_converted
from playground.course.convert import keras_from_torch
from playground.course.keras_models import (
    cnn_code,
    cnn_model,
    forecaster_code,
    forecaster_model,
    lenet_code,
    lenet_model,
    neuron_code,
    resnet50_code,
    text_rnn_code,
    text_rnn_model,
    vgg_code,
    vgg_model,
)
from playground.course.keras_rules import KerasModel, keras_layer, keras_summary, recurrent_params
from playground.course.keras_text import FILTERS, KerasTokenizer, pad_sequences, text_to_word_sequence
from playground.course.pytorch_side import torch_side
from playground.course.pytorch_source import build_line, model_source
from playground.errors import PlaygroundError
from playground.i18n import language_of
from playground.models import create_model, summarize

# What Keras 3.15.1 (torch backend) printed for these models' count_params(), run once on the development
# machine from the code these functions generate: an independent reference for the rules.
KERAS_REPORTS = [
    (cnn_model(), 204_490),
    (cnn_model((28, 28, 1)), 60_554),
    (lenet_model(), 44_426),
    (lenet_model((32, 32, 3), 7), 61_751),
    (vgg_model(), 268_519_242),
    (forecaster_model(), 30_651),
    (forecaster_model((20, 3), 32, 3, "gru", 5, 0.2), 16_389),
    (forecaster_model((10, 1), 16, 1, "rnn"), 305),
    (text_rnn_model(), 72_321),
    (text_rnn_model(10_000, 64, 64, 38, "gru", 2, True, 0.4), 764_545),
    (text_rnn_model(5000, 32, 16, 20, "lstm", 1, True), 166_305),
]


@pytest.mark.parametrize(("model", "reported"), KERAS_REPORTS)
def test_keras_rules_give_what_keras_reports(model, reported):
    assert keras_summary(model).total == reported


def test_keras_summary_names_shapes_and_layers_as_keras():
    rows = keras_summary(cnn_model()).rows
    assert [r.name for r in rows] == [
        "conv2d",
        "max_pooling2d",
        "conv2d_1",
        "max_pooling2d_1",
        "conv2d_2",
        "max_pooling2d_2",
        "flatten",
        "dense",
        "dense_1",
    ]
    assert [r.output_shape for r in rows][:2] == [(62, 62, 32), (31, 31, 32)]
    assert rows[6].output_shape == (2304,)  # 6 × 6 × 64
    assert [r.params for r in rows] == [896, 0, 18_496, 0, 36_928, 0, 0, 147_520, 650]


def test_recurrent_and_batch_norm_rules():
    assert recurrent_params("SimpleRNN", 64, 64) == 64 * (64 + 64) + 64
    assert recurrent_params("LSTM", 1, 50) == 4 * 50 * (1 + 50) + 4 * 50
    assert recurrent_params("GRU", 3, 32) == 3 * 32 * (3 + 32) + 6 * 32  # reset_after=True: two biases
    assert recurrent_params("GRU", 3, 32, reset_after=False) == 3 * 32 * (3 + 32) + 3 * 32
    model = KerasModel("f", (8, 8, 5), (keras_layer("BatchNormalization"),))
    summary = keras_summary(model)
    assert (summary.total, summary.trainable, summary.non_trainable) == (20, 10, 10)


def test_a_layer_too_large_for_its_input_is_one_sentence():
    with pytest.raises(PlaygroundError, match=r"MaxPooling2D cannot take inputs of shape \[1, 1, 64\]"):
        keras_summary(cnn_model((8, 8, 1)))


CODES = {
    "cnn": cnn_code(),
    "cnn-mnist": cnn_code((28, 28, 1), 10),
    "lenet": lenet_code(),
    "vgg": vgg_code(),
    "resnet50": resnet50_code(total=23_587_712),
    "resnet50-top": resnet50_code((28, 28, 1), include_top=True, classes=10),
    "lstm": forecaster_code(),
    "gru": forecaster_code((20, 3), 32, 3, "gru", 5, 0.2),
    "text": text_rnn_code(),
    "text-bi": text_rnn_code(10_000, 64, 64, 38, "gru", 2, True, 0.4),
}


@pytest.mark.parametrize("name", CODES)
def test_every_keras_code_parses(name):
    code = CODES[name]
    tree = ast.parse(code)
    assert "model.summary()" in code and code.endswith("\n")
    calls = {n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
    assert "summary" in calls


def test_course_code_is_ours_with_the_page_settings():
    code = cnn_code((28, 28, 1), 7)
    assert "model = create_cnn_model(input_shape=(28, 28, 1), num_classes=7)" in code
    assert "# Total params: 60,359" in code  # 60,554 − 3 × (64 + 1): seven classes instead of ten
    assert 'layers.Dense(num_classes, activation="softmax")' in code
    assert "model.add(" not in code  # a list in Sequential, not the course's add() calls
    text = text_rnn_code(cell="lstm", bidirectional=True)
    assert "layers.Bidirectional(layers.LSTM(hidden))" in text and 'dtype="int32"' in text
    assert 'weights="imagenet"' in CODES["resnet50"] and "weights=None" in CODES["resnet50-top"]


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("loss", LOSSES)
def test_the_numpy_neuron_runs_and_agrees_with_the_playground(activation, loss):
    neuron = Neuron(target=0.8, activation=activation, loss=loss, lr=0.5)
    code = neuron_code(neuron)
    ast.parse(code)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    printed = [float(v) for v in out.replace("[", " ").replace("]", " ").split() if v[0].isdigit() or v[0] == "-"]
    after = step(neuron)
    assert printed[0] == pytest.approx(forward(neuron).a)
    assert printed[1] == pytest.approx(forward(neuron).loss)
    assert printed[2:5] == pytest.approx(after.weights)
    assert printed[5] == pytest.approx(after.bias)


def test_keras_beside_pytorch_layer_by_layer():
    cnn = compare(cnn_model((28, 28, 1)), "cnn", (1, 28, 28))
    assert cnn.keras_total == cnn.torch_total == 60_554
    assert all(r.keras_params == r.torch_params for r in cnn.rows)
    assert [r.torch_shape for r in cnn.rows][0] == (32, 26, 26) and cnn.rows[0].keras_shape == (26, 26, 32)
    lstm = compare(forecaster_model(), "forecast-rnn", (10, 1))
    assert (lstm.keras_total, lstm.torch_total) == (30_651, 31_051)
    assert [(r.keras_params, r.torch_params) for r in lstm.rows] == [(10_400, 10_600), (20_200, 20_400), (51, 51)]
    assert any("400 more parameters over 2 layers" in d for d in lstm.differences)
    text = compare(text_rnn_model(), "text-rnn", (5,), vocab_size=1000, embed_dim=64, hidden=64, cell="rnn")
    assert (text.keras_total, text.torch_total) == (72_321, 72_385)
    gru = compare(forecaster_model(cell="gru"), "forecast-rnn", (10, 1), cell="gru")
    assert gru.keras_total == gru.torch_total  # Keras' reset_after GRU has PyTorch's two biases
    assert list(cnn.table().columns)[0] == "Keras layer" and len(cnn.table()) == len(cnn.rows)


def test_a_layer_on_one_side_only_is_named():
    model = cnn_model((28, 28, 1))
    without_flatten = type(model)(model.function, model.input_shape, model.layers[:6] + model.layers[7:])
    assert "Only in PyTorch: classifier.0 (Flatten)." in compare(without_flatten, "cnn", (1, 28, 28)).differences
    extra = type(model)(model.function, model.input_shape, (*model.layers, keras_layer("Dense", units=3)))
    assert "Only in Keras: Dense(3)." in compare(extra, "cnn", (1, 28, 28)).differences


def test_chains_convert_to_keras_and_residual_networks_do_not():
    vgg16 = keras_from_torch("vgg16", (3, 224, 224))
    assert keras_summary(vgg16).total == 138_357_544  # Keras' VGG16(include_top=True)
    assert keras_from_torch("resnet-small", (1, 28, 28)) is None
    small = keras_from_torch("vgg-small", (1, 28, 28))
    assert keras_summary(small).total == torch_side("vgg-small", (1, 28, 28)).total == 218_490


def test_pytorch_source_is_the_real_source():
    from playground.models.cnn import CourseCNN, cnn, conv_block

    code = model_source("cnn")
    for obj in (CourseCNN, conv_block, cnn):
        assert inspect.getsource(obj).strip().splitlines()[-1] in code
        assert f"{'class' if inspect.isclass(obj) else 'def'} {obj.__name__}" in code
    resnet = model_source("resnet50")
    assert "class Bottleneck" in resnet and "def _shortcut" in resnet and '"resnet50"' in resnet
    assert "def left_align" in model_source("text-rnn") and "CELLS = " in model_source("forecast-rnn")
    line = build_line("cnn", (3, 64, 64), num_classes=10)
    assert 'create_for_input("cnn", (3, 64, 64), num_classes=10)' in line
    assert 'create_model("cnn", in_channels=3, image_size=64, num_classes=10)' in line
    for name in ("cnn", "lenet", "vgg-small", "resnet50", "forecast-rnn", "text-rnn"):
        ast.parse(model_source(name))


def test_fact_the_course_backward_step_fails_and_the_fix_is_half_the_mse_step():
    numbers = facts.course_backward_numbers()
    assert numbers["error"] == "shapes (3,) and (1,) not aligned: 3 (dim 0) != 1 (dim 0)"
    with pytest.raises(ValueError, match="not aligned"):  # the same message numpy gives here
        np.dot(np.array([0.5, -0.2, 0.1]).T, np.array([0.2]))
    assert numbers["weights_after"] == pytest.approx(tutorial_rule(Neuron()).tutorial_weights)
    rule = facts.update_rule_numbers()
    assert rule["ratio"] == pytest.approx(2.0)
    assert rule["course_step"] == pytest.approx(rule["half_squared_step"], abs=1e-15)
    assert np.array(rule["mse_step"]) == pytest.approx(2 * np.array(rule["course_step"]))
    assert "not aligned" in facts.backward_error_fact().text
    one = facts.course_backward_numbers(Neuron(inputs=(1.0,), weights=(0.5,)))
    assert one["error"] == ""  # shapes (1,) and (1,) do line up


def test_fact_cnn_sizes():
    n = facts.cnn_size_numbers()
    assert (n["course"]["pytorch"], n["course"]["keras"]) == (204_490, 204_490)
    assert (n["mnist"]["pytorch"], n["mnist"]["keras"]) == (60_554, 60_554)
    assert (n["course"]["pooled"], n["course"]["flatten"]) == ((6, 6, 64), 2304)
    assert (n["mnist"]["pooled"], n["mnist"]["flatten"]) == ((1, 1, 64), 64)
    assert n["dense_difference"] == (2304 - 64) * 64


def test_fact_vgg_as_printed():
    n = facts.vgg_numbers()
    assert n["keras"] == n["pytorch"] == 268_519_242
    assert round(n["dense_share"], 4) == 0.9997
    assert n["flatten"] == 32 * 32 * 64 and n["over_limit"]


def test_fact_resnet50_keras_against_pytorch():
    n = facts.resnet50_numbers()
    assert n["output"] == (2, 2, 2048)
    assert (n["keras"], n["keras_trainable"], n["keras_non_trainable"]) == (23_587_712, 23_534_592, 53_120)
    with torch.device("meta"):
        model = create_model("resnet50")
    without_fc = sum(p.numel() for name, p in model.named_parameters() if not name.startswith("fc."))
    assert n["pytorch"] == without_fc == 23_508_032
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert n["conv_biases"] == sum(m.out_channels for m in convs) == 26_560
    assert n["keras"] - n["pytorch"] == n["conv_biases"] + n["batch_norm_buffers"]
    assert compare_converted("resnet50", (3, 224, 224)).keras_total == 25_636_712  # Keras' ResNet50 with its top


def test_keras_tokenizer_as_keras():
    assert text_to_word_sequence("Hello, World!  It's\tfine.") == ["hello", "world", "it's", "fine"]
    assert text_to_word_sequence("我喜欢，深度学习！") == ["我喜欢，深度学习！"]  # full-width punctuation stays
    assert "'" not in FILTERS and "，" not in FILTERS
    tok = KerasTokenizer(num_words=3).fit_on_texts(["b a", "a c", "c d"])
    assert tok.word_index == {"a": 1, "c": 2, "b": 3, "d": 4}  # by count, ties in order of first appearance
    assert tok.texts_to_sequences(["a b c d e"]) == [[1, 2]]  # ids ≥ num_words and unknown words dropped
    assert pad_sequences([[1, 2, 3, 4, 5, 6], [7]], 4) == [[3, 4, 5, 6], [0, 0, 0, 7]]


def test_fact_the_course_tokenizer_on_chinese():
    n = facts.tokenizer_numbers()
    assert len(n["keras_word_index"]) == 3
    assert n["keras_sequences"] == [[1], [2], [3]]
    assert n["keras_padded"] == [[0, 0, 0, 0, 1], [0, 0, 0, 0, 2], [0, 0, 0, 0, 3]]
    assert n["zh-char"]["vocabulary"] == 22  # 7 + 5 new + 10 characters
    assert n["zh-word"]["tokens"][0] == ["我", "喜欢", "深度", "学习"]
    from playground.text import tokenizer

    if "keras" in tokenizer.MODES:  # the playground's own Keras mode, where it exists, must agree
        mine = tokenizer.Tokenizer(mode="keras", num_words=1000).fit(facts.COURSE_TEXTS)
        assert {w: i for w, i in mine.word_index.items()} == n["keras_word_index"]


def test_fact_the_course_lstm_and_text_rnn():
    lstm = facts.recurrent_numbers("lstm")
    assert (lstm["keras"], lstm["pytorch"], lstm["difference"]) == (30_651, 31_051, 2 * 4 * 50)
    model = create_model("forecast-rnn", hidden=50, layers=2, features=1)
    assert summarize(model, torch.zeros(1, 10, 1)).total_params == 31_051
    text = facts.recurrent_numbers("text")
    assert (text["keras"], text["pytorch"]) == (72_321, 72_385)


PAGES = {
    "backprop": {"inputs": (1.0, 2.0), "weights": (0.5, -0.5), "activation": "tanh"},
    "cnn": {"arch": "cnn", "channels": 1, "size": 28, "classes": 10},
    "architectures": {"inspect": "resnet50", "channels": 3, "size": 64, "classes": 10},
    "forecast": {"cell": "gru", "hidden": 16, "layers": 2, "lookback": 12},
    "sentiment": {"cell": "lstm", "num_words": 2000, "maxlen": 20, "bidirectional": True, "dropout": 0.3},
}


@pytest.mark.parametrize("page", PAGES)
def test_every_page_gets_its_panel_quickly_in_both_languages(page):
    warm_up()  # ResNet-50 on the meta device and jieba's dictionary, once per process
    start = time.process_time()  # this process's CPU time: the machine is shared, its wall clock is noisy
    result = panel(page, **PAGES[page])
    assert time.process_time() - start < 1.0
    ast.parse(result.keras_code)
    ast.parse(result.pytorch_code)
    assert result.differences and result.facts and len(result.comparison) == len(result.rows)
    assert all(f.text and f.title and f.numbers for f in result.facts)
    with language_of("zh"):
        chinese = panel(page, **PAGES[page])
    assert len(chinese.differences) == len(result.differences)


def test_page_settings_reach_the_panel():
    sentiment = panel("sentiment", cell="gru", num_words=500, maxlen=8)
    assert "vocab_size=500" in sentiment.keras_code and "vocab_size=500" in sentiment.pytorch_code
    assert any("course's own settings" in d for d in sentiment.differences)
    residual = panel("cnn", arch="resnet-small")
    assert "keras.applications.ResNet50" in residual.keras_code
    assert residual.keras_total - residual.torch_total == sum(
        r.keras_params - r.torch_params for r in residual.rows if r.keras_params is not None
    )
    with pytest.raises(PlaygroundError, match="no course panel"):
        panel("home")
    with pytest.raises(TypeError):
        panel("cnn", epochs=3)
