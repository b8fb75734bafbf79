"""A registered PyTorch model seen layer by layer, as a Keras summary would list it.

``torch_side`` builds the model for an input shape, runs ``playground.models.summarize`` and keeps
one ``TorchUnit`` per leaf (a stacked ``nn.LSTM`` gives one per layer); the model itself is not
kept, and results are cached, so ResNet-50 is built once per process and input size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import torch
from torch import nn

from playground.models import summarize
from playground.models.registry import create_for_input, get_spec
from playground.models.text import RecurrentClassifier

CPU_LIMIT = 5_000_000  # parameters: image models up to this size are built and run on the CPU
ACTIVATIONS = {nn.ReLU: "relu", nn.Tanh: "tanh", nn.Sigmoid: "sigmoid"}  # folded into Keras' layers
NOT_LAYERS = (nn.ReLU, nn.Tanh, nn.Sigmoid, nn.LeakyReLU, nn.Softmax, nn.Dropout, nn.Identity)  # not rows in Keras


@dataclass(frozen=True)
class TorchUnit:
    """A PyTorch leaf as Keras would see it: one per layer of a stacked recurrent module."""

    name: str
    type: str
    output_shape: tuple[int, ...]  # without the batch dimension, PyTorch's order (channels first)
    params: int
    module: nn.Module = field(compare=False, repr=False)

    @property
    def is_layer(self) -> bool:
        """Whether Keras would list it (activations and dropout are options or no-ops there)."""
        return not isinstance(self.module, NOT_LAYERS)


@dataclass(frozen=True)
class TorchSide:
    """What the comparison needs from the PyTorch model."""

    units: tuple[TorchUnit, ...]  # every leaf, activations included, in order
    total: int
    trainable: int
    dropout: float  # the largest dropout probability in the model (0: none)
    reads_last_token: bool  # a text model that reads each text's state at its last token

    @property
    def layers(self) -> list[TorchUnit]:
        return [u for u in self.units if u.is_layer]


def example_input(name: str, input_shape: tuple[int, ...], device: str) -> torch.Tensor:
    """One example: token ids 1 (no padding) for text models, zeros otherwise."""
    if get_spec(name).integer_input:
        return torch.ones((1, *input_shape), dtype=torch.long, device=device)
    return torch.zeros((1, *input_shape), device=device)


def torch_units(model: nn.Module, summary) -> list[TorchUnit]:
    """The model's leaves in order; stacked recurrent modules split into one unit per layer (``rnn.l0``…)."""
    rows = {r.name: r for r in summary.rows}
    units = []
    for name, module in model.named_modules():
        if not name or list(module.children()):
            continue
        row = rows[name]
        if isinstance(module, nn.RNNBase) and module.num_layers > 1:
            for k in range(module.num_layers):
                units.append(TorchUnit(f"{name}.l{k}", row.type, row.output_shape, _layer_params(module, k), module))
        else:
            units.append(TorchUnit(name, row.type, row.output_shape, row.params, module))
    return units


def _layer_params(module: nn.RNNBase, k: int) -> int:
    """Parameters of layer ``k`` of a stacked recurrent module (weight_ih_lk, bias_hh_lk, their _reverse)."""
    return sum(p.numel() for key, p in module.named_parameters() if key.removesuffix("_reverse").endswith(f"_l{k}"))


@lru_cache(maxsize=64)
def _torch_side(name: str, input_shape: tuple[int, ...], frozen_kwargs: tuple) -> TorchSide:
    # Large image models run on the meta device (VGG-16's 138 million weights cost nothing there), whose first
    # forward pass in a process imports torch._dynamo (2-4 s, see ``warm_up``); small ones, and text models,
    # which read their input's lengths, run on the CPU.
    kwargs = dict(frozen_kwargs)
    with torch.device("meta"):
        size = sum(p.numel() for p in create_for_input(name, input_shape, **kwargs).parameters())
    device = "meta" if get_spec(name).task == "image" and size > CPU_LIMIT else "cpu"
    with torch.device(device), torch.no_grad():
        model = create_for_input(name, input_shape, **kwargs)
        summary = summarize(model, example_input(name, input_shape, device))
    dropout = max((m.p for m in model.modules() if isinstance(m, nn.Dropout)), default=0.0)
    dropout = max([dropout, *(m.dropout for m in model.modules() if isinstance(m, nn.RNNBase))])
    return TorchSide(
        tuple(torch_units(model, summary)),
        summary.total_params,
        summary.trainable_params,
        float(dropout),
        isinstance(model, RecurrentClassifier),
    )


def torch_side(name: str, input_shape: tuple[int, ...], **kwargs) -> TorchSide:
    """The registered model ``name`` built for ``input_shape`` (PyTorch's order, no batch), seen layer by layer."""
    frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in kwargs.items()))
    return _torch_side(name, tuple(int(v) for v in input_shape), frozen)


def channels_last(shape: tuple[int, ...]) -> tuple[int, ...]:
    """PyTorch's (C, H, W) as Keras' (H, W, C); other shapes unchanged."""
    return (*shape[1:], shape[0]) if len(shape) == 3 else tuple(shape)
