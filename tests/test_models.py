import io
import os
import pickle
import subprocess
import sys

import pytest
import torch

from playground.errors import PlaygroundError
from playground.models import create_model, get_spec, list_models, load_model, model_bytes, save_model, summarize


@pytest.mark.parametrize("name", list_models())
def test_every_registered_model_builds_runs_and_backpropagates(name):
    model = create_model(name)
    x = get_spec(name).example_input(4)
    out = model(x)
    assert out.shape[0] == 4 and torch.isfinite(out).all()
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_unknown_model_is_one_sentence():
    with pytest.raises(PlaygroundError, match="no model called 'alexnet'"):
        create_model("alexnet")


def test_summary_matches_keras_style_counts():
    model = create_model("mlp", in_features=3, hidden=(5, 4), num_classes=2, activation="relu")
    s = summarize(model, torch.zeros(1, 3))
    linear = [r for r in s.rows if r.type == "Linear"]
    # Dense(5) on 3 inputs: 3*5+5; Dense(4): 5*4+4; Dense(2): 4*2+2
    assert [r.params for r in linear] == [20, 24, 10]
    assert [r.output_shape for r in linear] == [(5,), (4,), (2,)]
    assert s.total_params == s.trainable_params == 54
    assert all(r.trainable for r in linear)
    assert s.as_dict()["total_params"] == 54


def test_save_load_round_trip_gives_identical_predictions(tmp_path):
    torch.manual_seed(0)
    model = create_model("mlp", in_features=2, hidden=(6, 3), num_classes=2, activation="sigmoid")
    meta = {"classes": ["no", "yes"], "mean": [0.5, -1.0], "vocab": {"a": 1}}
    path = tmp_path / "m.pt"
    save_model(model, path, meta)
    loaded, loaded_meta = load_model(path)
    x = torch.randn(10, 2)
    model.eval()
    assert torch.equal(model(x), loaded(x))
    assert loaded_meta == meta
    assert loaded.playground_arch == model.playground_arch
    again, _ = load_model(model_bytes(model, meta))  # the download button's bytes
    assert torch.equal(again(x), model(x))


class Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickle_does_not_run(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    payload = {"format": "playground-model/1", "arch": "mlp", "kwargs": {}, "state_dict": {}, "meta": Exploit(marker)}
    torch.save(payload, path)  # a real torch zip file whose pickle calls os.system
    with pytest.raises(PlaygroundError, match="could run code"):
        load_model(path)
    plain = tmp_path / "evil.pkl"
    plain.write_bytes(pickle.dumps(Exploit(marker)))  # a bare pickle, the legacy format
    with pytest.raises(PlaygroundError):
        load_model(plain)
    assert not marker.exists()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "not a readable"),
        (b"this is text, not a model", "not a readable"),
    ],
)
def test_junk_files_are_one_sentence(content, message):
    with pytest.raises(PlaygroundError, match=message):
        load_model(io.BytesIO(content))


def test_foreign_and_mismatched_files(tmp_path):
    other = tmp_path / "weights.pt"
    torch.save({"w": torch.zeros(3)}, other)
    with pytest.raises(PlaygroundError, match="not a model saved by the playground"):
        load_model(other)
    model = create_model("mlp", hidden=(4,))
    path = tmp_path / "m.pt"
    save_model(model, path)
    payload = torch.load(path, weights_only=True)
    payload["kwargs"]["hidden"] = (5,)
    torch.save(payload, path)
    with pytest.raises(PlaygroundError, match="do not fit"):
        load_model(path)
    with pytest.raises(PlaygroundError, match="no model file"):
        load_model(tmp_path / "missing.pt")


def crafted(tmp_path, **entries):
    """A model file with the playground's format and exactly ``entries``."""
    path = tmp_path / "crafted.pt"
    torch.save({"format": "playground-model/1", **entries}, path)
    return path


def test_a_small_file_asking_for_a_huge_model_is_refused_without_allocating_it(tmp_path):
    # 1.4 KB that names an MLP of 900 million weights (3.6 GB): refused before anything is built.
    path = crafted(tmp_path, arch="mlp", kwargs={"in_features": 30_000, "hidden": (30_000,)}, state_dict={}, meta={})
    assert path.stat().st_size < 4_000
    code = (
        "import re\n"
        "from playground.errors import PlaygroundError\n"
        "from playground.models import load_model\n"
        "try:\n"
        f"    load_model({str(path)!r})\n"
        "except PlaygroundError as exc:\n"
        "    print(exc)\n"
        # VmHWM: this process's own peak memory (ru_maxrss would include pytest's, inherited across fork)
        "status = open('/proc/self/status').read()\n"
        "print(int(re.search(r'VmHWM:\\s+(\\d+)', status).group(1)) // 1024)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    message, peak_mb = result.stdout.strip().splitlines()
    assert "900," in message and "at most 150,000,000" in message
    assert int(peak_mb) < 1_000, f"loading the file took {peak_mb} MB"


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"kwargs": {}, "state_dict": {}}, "no 'arch' entry"),
        ({"arch": "mlp", "state_dict": {}}, "no 'kwargs' entry"),
        ({"arch": "mlp", "kwargs": {}}, "no 'state_dict' entry"),
        ({"arch": 3, "kwargs": {}, "state_dict": {}}, "'arch' entry is not readable"),
        ({"arch": "mlp", "kwargs": [1], "state_dict": {}}, "'kwargs' entry is not readable"),
        ({"arch": "mlp", "kwargs": {"hidden": tuple(range(1, 2000))}, "state_dict": {}}, "'kwargs' entry"),
        ({"arch": "mlp", "kwargs": {}, "state_dict": {"w": 3}}, "'state_dict' entry is not readable"),
        ({"arch": "mlp", "kwargs": {"hidden": (-5,)}, "state_dict": {}}, "at least one neuron"),
        ({"arch": "cnn", "kwargs": {"num_classes": -3}, "state_dict": {}}, "cannot be built"),
        ({"arch": "nope", "kwargs": {}, "state_dict": {}}, "no model called 'nope'"),
        ({"arch": "mlp", "kwargs": {}, "state_dict": {}, "meta": [1]}, "'meta' entry is not readable"),
    ],
)
def test_every_entry_of_a_model_file_is_checked(tmp_path, entries, message):
    with pytest.raises(PlaygroundError, match=message):
        load_model(crafted(tmp_path, **entries))


def test_an_image_model_without_its_classes_is_refused(tmp_path):
    model = create_model("lenet")
    meta = {"task": "image", "classes": [str(i) for i in range(10)], "input": [1, 28, 28], "mean": [0.1], "std": [0.3]}
    path = tmp_path / "lenet.pt"
    save_model(model, path, meta)
    assert load_model(path)[1] == meta
    save_model(model, path, {k: v for k, v in meta.items() if k != "classes"})
    with pytest.raises(PlaygroundError, match="no 'classes' setting"):
        load_model(path)
    save_model(model, path, meta | {"input": [1, 28]})
    with pytest.raises(PlaygroundError, match="'input' setting is not readable"):
        load_model(path)


def test_vgg_course_is_the_course_layers_with_its_dense_4096():
    from playground.models import models_for
    from playground.vision.architectures import build

    model = build("vgg-course", (1, 28, 28), 10)
    conv1, conv2 = 1 * 9 * 64 + 64, 64 * 9 * 64 + 64  # 3×3 'same' convolutions: 28×28 kept, pooled to 14×14
    flat = 14 * 14 * 64  # 12,544 values into the dense layer
    dense = flat * 4096 + 4096
    out = 4096 * 10 + 10
    assert sum(p.numel() for p in model.parameters()) == conv1 + conv2 + dense + out == 51_462_858
    layers = [type(m).__name__ for m in model.modules() if not list(m.children())]
    assert layers == [
        "Conv2d",
        "ReLU",
        "Conv2d",
        "ReLU",
        "MaxPool2d",
        "Identity",
        "Flatten",
        "Linear",
        "ReLU",
        "Linear",
    ]
    assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    assert "vgg-course" in models_for("architectures") and "vgg-course" not in models_for("cnn")
    assert get_spec("vgg-course").title == "VGG as in the course (Dense 4096)"
    with pytest.raises(PlaygroundError, match="268,519,242 parameters"):  # 64×64×3: flatten 32·32·64 × 4096
        build("vgg-course", (3, 64, 64), 10)
