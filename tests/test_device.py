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
