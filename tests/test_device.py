import pytest
import torch

from playground.device import device_info, pick_device
from playground.errors import PlaygroundError


def test_env_override_and_description(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_DEVICE", "cpu")
    assert pick_device() == torch.device("cpu")
    info = device_info()
    assert info.kind == "cpu" and "threads" in info.name and info.threads >= 1


def test_argument_beats_environment(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_DEVICE", "nonsense")
    assert pick_device("cpu").type == "cpu"


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_missing_cuda_is_one_sentence():
    with pytest.raises(PlaygroundError, match="no usable CUDA"):
        pick_device("cuda")


def test_bad_name_is_one_sentence():
    with pytest.raises(PlaygroundError, match="not a device name"):
        pick_device("tpu-please")


def test_a_cpu_scores_in_cache_sized_batches_and_the_scores_do_not_depend_on_it():
    from playground.device import CPU_INFERENCE_BATCH, inference_batch
    from playground.models import create_model
    from playground.training import TrainConfig
    from playground.training.engine import evaluate

    assert inference_batch(torch.device("cpu"), 2048) == CPU_INFERENCE_BATCH == 256
    assert inference_batch(torch.device("cpu"), 64) == 64  # a smaller request stands
    assert inference_batch(torch.device("cuda"), 2048) == 2048  # a GPU wants large batches
    torch.manual_seed(0)
    model, X, y = create_model("cnn"), torch.randn(700, 1, 28, 28), torch.randint(0, 10, (700,))
    loss, accuracy = evaluate(model, X, y, TrainConfig())  # three batches on the CPU
    one_batch = torch.nn.functional.cross_entropy(model.eval()(X), y).item()
    assert loss == pytest.approx(one_batch, rel=1e-5)
    assert accuracy == (model(X).argmax(1) == y).float().mean().item()
