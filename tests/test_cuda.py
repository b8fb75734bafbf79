"""The CUDA paths: mixed precision, data kept on the device, and model files between the GPU and the CPU.

The tests marked ``cuda`` are skipped on a machine without a GPU (bench/gpu_check.sh runs them on one);
the precision switch itself is checked everywhere, since it only reads the device's type.
"""

import io

import pytest
import torch

from playground.data.images import load_bundled
from playground.device import AMP_ENV, amp_dtype, autocast
from playground.models import load_model, save_model
from playground.training import TensorData, TrainConfig, fit
from playground.vision import classifier

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs an NVIDIA GPU with CUDA")
GPU = torch.device("cuda")


def test_mixed_precision_only_on_cuda_and_switchable(monkeypatch):
    monkeypatch.delenv(AMP_ENV, raising=False)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert amp_dtype(torch.device("cpu")) == torch.float32
    assert amp_dtype(GPU) == torch.bfloat16
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    assert amp_dtype(GPU) == torch.float16  # older GPUs: float16, which the engine pairs with a GradScaler
    monkeypatch.setenv(AMP_ENV, "fp16")
    assert amp_dtype(GPU) == torch.float16
    monkeypatch.setenv(AMP_ENV, "off")
    assert amp_dtype(GPU) == torch.float32
    with autocast(GPU):  # off: no autocast context at all, so this runs without a GPU
        assert not torch.is_autocast_enabled()


def _small_mnist(device: str, epochs: int = 1) -> tuple:
    config = classifier.ImageTrainConfig(train_size=1000, epochs=epochs, device=device)
    prepared = classifier.prepare(load_bundled("mnist"), config)
    model = classifier.build_model(prepared.meta, config.seed)
    history = classifier.train(model, prepared, config)
    return model, prepared, history


@cuda
@pytest.mark.parametrize("amp", ["", "off", "fp16"], ids=["bf16", "fp32", "fp16-gradscaler"])
def test_training_on_the_gpu_learns_like_the_cpu(amp, monkeypatch):
    monkeypatch.setenv(AMP_ENV, amp)
    model, prepared, history = _small_mnist("cuda", epochs=2)
    assert next(model.parameters()).device.type == "cuda"
    losses = [row.train_loss for row in history.epochs]
    assert all(torch.isfinite(torch.tensor(losses))) and losses[-1] < losses[0]
    gpu_accuracy = classifier.evaluate(model, prepared).accuracy
    monkeypatch.setenv(AMP_ENV, "off")
    cpu_model, cpu_prepared, _history = _small_mnist("cpu", epochs=2)
    cpu_accuracy = classifier.evaluate(cpu_model, cpu_prepared).accuracy
    assert gpu_accuracy > 0.7 and abs(gpu_accuracy - cpu_accuracy) < 0.05, (gpu_accuracy, cpu_accuracy)


@cuda
def test_the_engine_keeps_the_data_on_the_device_and_hands_back_the_standard_layout():
    X = torch.randn(512, 1, 28, 28)
    y = (X.mean(dim=(1, 2, 3)) > 0).long()
    seen = []

    class Device(torch.nn.Module):  # records where each training batch lives
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(1, 4, 3)
            self.head = torch.nn.Linear(4, 2)

        def forward(self, x):
            seen.append((x.device.type, x.is_contiguous(memory_format=torch.channels_last)))
            return self.head(self.conv(x).mean(dim=(2, 3)))

    model = Device()
    fit(model, TensorData(X, y), TrainConfig(epochs=1, batch_size=128, device="cuda"))
    assert seen and all(kind == "cuda" and channels_last for kind, channels_last in seen[:4])
    assert model.conv.weight.is_contiguous()  # the model is handed back in the standard layout


@cuda
def test_a_model_trained_on_the_gpu_loads_on_the_cpu_and_predicts_the_same():
    model, prepared, _history = _small_mnist("cuda")
    loaded, meta = load_model(_bytes(model, prepared.meta))
    assert next(loaded.parameters()).device.type == "cpu" and meta["classes"] == prepared.meta["classes"]
    X = prepared.X_test[:256]
    model.eval()
    with torch.no_grad():
        on_gpu = model(X.to("cuda")).cpu()
        on_cpu = loaded(X)
    assert torch.allclose(on_gpu, on_cpu, atol=1e-3, rtol=1e-3)
    assert (on_gpu.argmax(1) == on_cpu.argmax(1)).float().mean() > 0.99


@cuda
def test_a_model_file_round_trips_on_the_gpu():
    model, prepared, _history = _small_mnist("cuda")
    loaded, _meta = load_model(_bytes(model, prepared.meta))
    loaded.to("cuda")  # a file written from a model on the GPU holds plain CPU tensors, and so on
    again, _meta = load_model(_bytes(loaded, prepared.meta))
    for a, b in zip(model.state_dict().values(), again.state_dict().values(), strict=True):
        assert torch.equal(a.cpu(), b)


def _bytes(model, meta) -> bytes:
    buffer = io.BytesIO()
    save_model(model, buffer, meta)
    return buffer.getvalue()


@pytest.mark.parametrize("optimizer", ["adam", "adamw", "sgd", "momentum", "rmsprop"])
def test_the_optimiser_is_fused_where_pytorch_has_the_kernel(optimizer):
    from playground.training.engine import make_optimizer

    config = TrainConfig(optimizer=optimizer)
    has_kernel = optimizer != "rmsprop"  # RMSprop has no fused kernel
    on_cpu = make_optimizer(torch.nn.Linear(3, 2), config)
    assert bool(on_cpu.defaults.get("fused")) == has_kernel
    elsewhere = make_optimizer(torch.nn.Linear(3, 2, device="meta"), config)  # no fused kernel on other devices
    assert not elsewhere.defaults.get("fused")
    if torch.cuda.is_available():
        on_gpu = make_optimizer(torch.nn.Linear(3, 2).to(GPU), config)
        assert bool(on_gpu.defaults.get("fused")) == has_kernel
