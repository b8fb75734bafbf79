"""The exported sentiment run: the standalone script, run without the package, gives the package's accuracies."""

import io
import runpy
from dataclasses import replace

import nbformat
import pandas as pd
import pytest
import torch

from playground.export import bundle, export, to_notebook
from playground.export.sentiment import DATA_FILE, TOKENIZERS, TOLERANCE
from playground.text import classifier
from playground.text.classifier import MAX_TEXT_CHARS, TextTrainConfig
from playground.text.data import load_dataset
from playground.text.tokenizer import MODES, split
from tests.helpers import imported_modules, run_exported

TINY = {"embed_dim": 16, "hidden": 16, "num_words": 2000, "device": "cpu"}


def subset(name: str, n: int):
    dataset = load_dataset(name)
    return replace(dataset, texts=dataset.texts[:n], labels=dataset.labels[:n])


def package_run(dataset, config: TextTrainConfig) -> dict:
    """The page's run: prepare, build, train, evaluate, and the baseline beside it (on one CPU thread)."""
    torch.set_num_threads(1)  # as the script's run: on a shared machine more threads only wait for each other
    prepared = classifier.prepare(dataset, config)
    model = classifier.build_model(prepared, config)
    classifier.train(model, prepared, config)
    baseline = classifier.train_baseline(prepared, config)
    return {
        "value": classifier.evaluate(model, prepared).accuracy,
        "baseline": classifier.evaluate(baseline, prepared).accuracy,
    }


RUNS = [
    pytest.param("en-movies", 0, TextTrainConfig(epochs=2, **TINY), id="en-movies-gru"),
    pytest.param(
        "en-movies",
        1500,
        TextTrainConfig(
            mode="keras",
            cell="lstm",
            bidirectional=True,
            layers=2,
            padding="post",
            truncating="post",
            maxlen=30,
            schedule="onecycle",
            epochs=2,
            seed=5,
            **TINY,
        ),
        id="en-keras-bilstm-post",
    ),
    pytest.param("zh-reviews", 600, TextTrainConfig(maxlen=40, cell="rnn", epochs=1, **TINY), id="zh-char-rnn"),
]


@pytest.mark.parametrize(("name", "n", "config"), RUNS)
def test_script_gives_the_packages_accuracies(name, n, config, tmp_path, cpu_threads):
    dataset = subset(name, n) if n else load_dataset(name)
    result = export("sentiment", replace(config, dataset=name), dataset)
    assert result.metric == "test_accuracy"
    expected = package_run(dataset, config)
    got = run_exported(result, tmp_path)
    assert got["metric"] == "test_accuracy"
    assert abs(got["value"] - expected["value"]) <= TOLERANCE, (got, expected)
    assert abs(got["baseline"] - expected["baseline"]) <= TOLERANCE, (got, expected)


@pytest.mark.parametrize("mode", ["en", "zh-char", "zh-word", "keras"])
def test_the_scripts_tokenizer_splits_as_the_package(mode, tmp_path):
    if mode not in MODES:
        pytest.skip(f"the package has no tokenizer mode {mode}")
    texts = [*subset("en-movies", 300).texts, *subset("zh-reviews", 300 if mode != "zh-word" else 60).texts]
    texts += ["Don't  STOP\tnow!\r\n", "iPhone 15 很好用 2024年", "“引号”…", "", "a\u00a0b  c", "<OOV> x"]
    code = tmp_path / "tokenizer.py"
    code.write_text("import re\n" + ("import jieba\n" if mode == "zh-word" else "") + TOKENIZERS[mode], "utf-8")
    script_split = runpy.run_path(str(code))["split"]
    for text in texts:
        assert script_split(text) == split(text, mode), text


def test_the_csv_holds_every_text_unchanged():
    for name in ("en-movies", "zh-reviews"):
        dataset = load_dataset(name)
        files = export("sentiment", TextTrainConfig(dataset=name)).files  # data None: the bundled corpus
        frame = pd.read_csv(io.BytesIO(files[DATA_FILE]), dtype={"text": str}, keep_default_na=False, encoding="utf-8")
        assert frame["text"].tolist() == dataset.texts
        assert frame["label"].tolist() == dataset.labels.tolist()


@pytest.mark.parametrize(
    "config",
    [
        TextTrainConfig(dataset="toy"),
        classifier.COURSE_CONFIG,
        TextTrainConfig(dataset="toy", mode="zh-word", cell="lstm", bidirectional=True, device="cpu"),
    ],
    ids=["toy", "course", "toy-zh-word"],
)
def test_script_is_plain_python_without_the_package_and_a_valid_notebook(config):
    result = export("sentiment", config)
    script = result.script
    modules = imported_modules(script)
    assert "playground" not in modules
    assert modules <= {
        "contextlib",
        "json",
        "math",
        "re",
        "collections",
        "numpy",
        "pandas",
        "torch",
        "jieba",
        "sklearn",
    }
    assert ("jieba" in modules) == (config.resolved_mode("zh") == "zh-word")
    assert script.strip().splitlines()[-1].startswith('print("RESULT "')
    notebook = nbformat.reads(to_notebook(script), as_version=4)
    nbformat.validate(notebook)
    kinds = [cell.cell_type for cell in notebook.cells]
    assert kinds[0] == "markdown" and kinds.count("markdown") >= 8 and kinds.count("code") >= 8
    assert str(round(TOLERANCE * 100)) in notebook.cells[-2].source  # the closing cell states the tolerance
    assert f"SEED = {config.seed}" in script and f"EMBED_DIM = {config.embed_dim}" in script
    assert len(bundle(result)) > 0


def test_the_toy_set_trains_and_tests_on_its_sentences_in_order(tmp_path, cpu_threads):
    config = TextTrainConfig(dataset="toy", epochs=5, embed_dim=16, hidden=16, device="cpu")
    dataset = load_dataset("toy")
    result = export("sentiment", config, dataset)
    assert "np.arange(len(texts))" in result.script and "MAXLEN = 5" in result.script
    assert "TEST_SPLIT =" not in result.script
    assert pd.read_csv(io.BytesIO(result.files[DATA_FILE]))["text"].tolist() == [
        t[:MAX_TEXT_CHARS] for t in dataset.texts
    ]
    got = run_exported(result, tmp_path)
    expected = package_run(dataset, config)
    assert (
        abs(got["value"] - expected["value"]) <= TOLERANCE and abs(got["baseline"] - expected["baseline"]) <= TOLERANCE
    )
