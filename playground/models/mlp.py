"""A fully connected network for 2-D playground data (and any flat input)."""

from __future__ import annotations

from torch import nn

from playground.errors import PlaygroundError
from playground.i18n import N_, _
from playground.models.registry import register_model

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "leaky_relu": nn.LeakyReLU,
    "linear": nn.Identity,
}


class MLP(nn.Module):
    """Linear → activation, repeated, then a Linear layer giving logits."""

    def __init__(self, in_features: int, hidden: tuple[int, ...], num_classes: int, activation: str):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise PlaygroundError(
                _("Unknown activation '{activation}'; choose one of {choices}.").format(
                    activation=activation, choices=", ".join(ACTIVATIONS)
                )
            )
        if in_features < 1 or num_classes < 1 or any(h < 1 for h in hidden):
            raise PlaygroundError(_("Every layer needs at least one neuron."))
        layers: list[nn.Module] = []
        width = in_features
        for h in hidden:
            layers += [nn.Linear(width, h), ACTIVATIONS[activation]()]
            width = h
        layers.append(nn.Linear(width, num_classes))
        self.net = nn.Sequential(*layers)

    def forward(self, x):  # (B, in_features) -> (B, num_classes)
        return self.net(x)

    def linear_layers(self) -> list[nn.Linear]:
        return [m for m in self.net if isinstance(m, nn.Linear)]


@register_model(
    "mlp",
    task="tabular",
    input_shape=(2,),
    shape_kwargs=lambda shape: {"in_features": shape[0]},
    description=N_("Fully connected network (multilayer perceptron)"),
    label=N_("Multilayer perceptron"),
)
def mlp(
    in_features: int = 2,
    hidden: tuple[int, ...] | list[int] = (8, 8),
    num_classes: int = 2,
    activation: str = "tanh",
) -> MLP:
    return MLP(int(in_features), tuple(int(h) for h in hidden), int(num_classes), activation)
