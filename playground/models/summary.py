"""A Keras-style ``model.summary()``, returned as data: one row per leaf layer."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch
from torch import nn


@dataclass(frozen=True)
class LayerRow:
    name: str  # dotted path in the module tree, e.g. "features.0"
    type: str  # class name, e.g. "Conv2d"
    output_shape: tuple  # without the batch dimension
    params: int
    trainable: bool
    macs: int = 0  # multiply-adds for one example (convolutions and dense layers; others are negligible)


@dataclass(frozen=True)
class Summary:
    rows: list[LayerRow]
    total_params: int
    trainable_params: int
    total_macs: int = 0
    module_shapes: dict = field(default_factory=dict)  # every module's first output shape, containers included

    def as_dict(self) -> dict:
        return {
            "rows": [asdict(r) | {"output_shape": list(r.output_shape)} for r in self.rows],
            "total_params": self.total_params,
            "trainable_params": self.trainable_params,
            "total_macs": self.total_macs,
        }


def _shape_of(output) -> tuple:
    if isinstance(output, torch.Tensor):
        return tuple(output.shape[1:])
    if isinstance(output, (tuple, list)) and output:
        return _shape_of(output[0])  # RNNs return (output, hidden)
    return ()


def _macs(module: nn.Module, output) -> int:
    """Multiply-adds of one example through a convolution or a dense layer."""
    if not isinstance(output, torch.Tensor) or output.ndim == 0:
        return 0
    per_example = output[0].numel() if output.ndim > 1 else 1
    if isinstance(module, nn.Conv2d | nn.Conv1d):
        return per_example * (module.in_channels // module.groups) * math.prod(module.kernel_size)
    if isinstance(module, nn.Linear):
        return per_example * module.in_features
    return 0


@torch.no_grad()
def summarize(model: nn.Module, example_input: torch.Tensor) -> Summary:
    """Run ``example_input`` (a batch, usually of one) through ``model`` and tabulate its leaves.

    Parameter counts come from the parameters themselves; shapes come from
    forward hooks, so layers the input never reaches show an empty shape.
    """
    shapes: dict[str, tuple] = {}
    macs: dict[str, int] = {}
    hooks = []
    leaves = [(name, m) for name, m in model.named_modules() if not list(m.children()) and name]

    def record(name: str):
        def hook(_module, _inputs, output) -> None:  # returning None keeps the output
            shapes.setdefault(name, _shape_of(output))
            macs[name] = macs.get(name, 0) + _macs(_module, output)

        return hook

    for name, module in model.named_modules():
        if name:
            hooks.append(module.register_forward_hook(record(name)))
    was_training = model.training
    model.eval()
    try:
        model(example_input)
    finally:
        model.train(was_training)
        for h in hooks:
            h.remove()
    rows = []
    for name, module in leaves:
        params = list(module.parameters(recurse=False))
        rows.append(
            LayerRow(
                name=name,
                type=type(module).__name__,
                output_shape=shapes.get(name, ()),
                params=sum(p.numel() for p in params),
                trainable=any(p.requires_grad for p in params) if params else False,
                macs=macs.get(name, 0),
            )
        )
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return Summary(rows, total, trainable, sum(r.macs for r in rows), shapes)
