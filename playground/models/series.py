"""Recurrent forecasters: the course's LSTM(50, return_sequences) → LSTM(50) → Dense(1), and its variants.

Inputs are windows (B, lookback, features) of scaled values, batch first; the
output is the next ``horizon`` scaled values (B, horizon).
"""

from __future__ import annotations

import torch
from torch import nn

from playground.errors import PlaygroundError
from playground.i18n import N_, _
from playground.models.registry import register_model

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class RecurrentForecaster(nn.Module):
    def __init__(self, cell: str, features: int, hidden: int, layers: int, dropout: float, horizon: int):
        super().__init__()
        if cell not in CELLS:
            raise PlaygroundError(_("Unknown recurrent cell '{cell}'; choose rnn, lstm or gru.").format(cell=cell))
        if min(features, hidden, layers, horizon) < 1 or not 0 <= dropout < 1:
            raise PlaygroundError(_("Sizes must be at least 1 and dropout between 0 and 1."))
        # Stacked layers in one module: layer k reads layer k-1's whole sequence (Keras' return_sequences=True).
        self.rnn = CELLS[cell](
            features, hidden, num_layers=layers, batch_first=True, dropout=dropout if layers > 1 else 0.0
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, horizon)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, T, F) -> (B, horizon)
        out, _hidden = self.rnn(x)
        return self.head(self.dropout(out[:, -1]))


@register_model(
    "forecast-rnn",
    task="sequence",
    input_shape=(10, 1),
    description=N_("Recurrent layers (RNN / LSTM / GRU) → Dense(horizon), the course's stock forecaster"),
    shape_kwargs=lambda shape: {"features": shape[1]},
    label=N_("Recurrent forecaster"),
)
def forecast_rnn(
    cell: str = "lstm", features: int = 1, hidden: int = 50, layers: int = 2, dropout: float = 0.0, horizon: int = 1
) -> RecurrentForecaster:
    return RecurrentForecaster(cell, int(features), int(hidden), int(layers), float(dropout), int(horizon))
