"""The forecast page's recurrent forecaster as a standalone PyTorch script (``series.csv`` beside it).

The script splits the series in time order, fits the scaler on the training part, cuts the same
windows, builds the same LSTM/GRU/RNN and trains it as ``forecaster.train`` does (seeded shuffling,
gradient clipping, the best validation epoch kept), then scores it beside the naive forecast, so on
a CPU it ends with the test MAE of ``forecaster.evaluate``.
"""

from __future__ import annotations

import io

import pandas as pd

from playground.errors import PlaygroundError
from playground.export import Export, exporter
from playground.export.backprop import markdown, settings_cell
from playground.i18n import _
from playground.series.data import Series, load_bundled
from playground.series.forecaster import CELL_NAMES, ForecastConfig, prepare

SERIES_FILE = "series.csv"
MAE_TOLERANCE = 0.02  # relative: the script's test MAE is within 2% of the page's run on a CPU (usually exact)


def series_csv(series: Series) -> bytes:
    """The series as ``date,value`` lines; the values read back bit for bit."""
    buffer = io.StringIO()
    pd.DataFrame({"date": series.dates, "value": series.values}).to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")


def page_series(config: ForecastConfig, data: Series | None) -> Series:
    """The series the page used: ``data``, or the bundled one ``config.source`` names (``dataset:NAME``)."""
    if data is not None:
        return data
    kind, _sep, name = config.source.partition(":")
    if kind != "dataset" or not name:
        raise PlaygroundError(_("Load the series on the page first; only a bundled series can be exported without it."))
    return load_bundled(name, config.column or None)


_IMPORTS = """# %%
import copy
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
"""

_DATA = """# %%
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()  # a notebook runs in its folder
series = pd.read_csv(HERE / "{series_file}")
values = series.value.to_numpy(dtype=float)
print(f"{{len(values)}} values from {{series.date.iloc[0]}} to {{series.date.iloc[-1]}}")
"""

_SPLIT = """# %%
n = len(values)
n_test = int(round(n * TEST_SPLIT))
n_val = int(round((n - n_test) * VAL_SPLIT))  # a share of what precedes the test part
n_train = n - n_test - n_val

if TARGET == "log-return":
    z = np.diff(np.log(values))  # z[j] = log(values[j + 1] / values[j])
else:  # "price": the values themselves
    z = values
offset = n - len(z)  # z[j] belongs to values[j + offset]

train_z = z[: n_train - offset]  # the training part only: no leakage from the future
if SCALER == "standard":
    shift, scale = float(train_z.mean()), float(train_z.std())
else:  # "minmax"
    shift, scale = float(train_z.min()), float(train_z.max() - train_z.min())
scale = scale if scale > 1e-12 else 1.0
scaled = ((z - shift) / scale).astype(np.float32)
print(f"train {n_train}, validation {n_val}, test {n_test} values; scaled z = (z - {shift:.4g}) / {scale:.4g}")
"""

_WINDOWS = """# %%
def windows(low, high):
    \"\"\"The windows whose targets all lie in values[low:high]: X (N, LOOKBACK, 1), y (N, HORIZON), origins (N,).\"\"\"
    first = np.arange(len(z) - LOOKBACK - HORIZON + 1) + LOOKBACK + offset  # value index of each first target
    k = np.flatnonzero((first >= low) & (first + HORIZON - 1 < high))
    X = torch.from_numpy(scaled[k[:, None] + np.arange(LOOKBACK)]).unsqueeze(-1)
    y = torch.from_numpy(scaled[k[:, None] + LOOKBACK + np.arange(HORIZON)])
    return X.to(DEVICE), y.to(DEVICE), first[k] - 1  # an origin is the last value its window reads


X_train, y_train, train_origins = windows(0, n_train)
X_val, y_val, val_origins = windows(n_train, n_train + n_val)
X_test, y_test, test_origins = windows(n_train + n_val, n)
print(f"{len(X_train)} training, {len(X_val)} validation and {len(X_test)} test windows")
"""

_MODEL = """# %%
CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


class Forecaster(nn.Module):
    \"\"\"Stacked recurrent layers, then a fully connected layer: (B, LOOKBACK, 1) -> (B, HORIZON).\"\"\"

    def __init__(self):
        super().__init__()
        # Layer k reads layer k-1's whole sequence (Keras' return_sequences=True), with dropout in between.
        dropout = DROPOUT if LAYERS > 1 else 0.0
        self.rnn = CELLS[CELL](1, HIDDEN, num_layers=LAYERS, batch_first=True, dropout=dropout)
        self.dropout = nn.Dropout(DROPOUT)
        self.head = nn.Linear(HIDDEN, HORIZON)

    def forward(self, x):
        out, _hidden = self.rnn(x)  # (B, LOOKBACK, HIDDEN)
        return self.head(self.dropout(out[:, -1]))  # the last step's hidden state -> (B, HORIZON)


torch.manual_seed(SEED)  # the same initial weights as on the page
model = Forecaster().to(DEVICE)
print(model)
print(sum(p.numel() for p in model.parameters()), "parameters")
"""

_TRAIN = """# %%
torch.manual_seed(SEED)  # seeded again before training, as on the page: the same dropout masks
optimizer = torch.optim.Adam(model.parameters(), lr=LR)
generator = torch.Generator().manual_seed(SEED)  # shuffles the training windows, epoch by epoch
n_windows = len(X_train)
batches = math.ceil(n_windows / BATCH_SIZE)
has_val = len(X_val) > 0
best_loss, best_epoch, best_state = math.inf, 0, None

for epoch in range(1, EPOCHS + 1):
    model.train()
    order = torch.randperm(n_windows, generator=generator).to(DEVICE)
    train_loss = 0.0
    for b in range(batches):
        idx = order[b * BATCH_SIZE : (b + 1) * BATCH_SIZE]
        loss = F.mse_loss(model(X_train[idx]), y_train[idx])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        train_loss += loss.item() * len(idx)
    train_loss /= n_windows
    model.eval()
    with torch.no_grad():
        val_loss = F.mse_loss(model(X_val), y_val).item() if has_val else None
    score = val_loss if has_val else train_loss
    if score < best_loss:
        best_loss, best_epoch, best_state = score, epoch, copy.deepcopy(model.state_dict())
    if epoch == 1 or epoch % max(1, EPOCHS // 10) == 0 or epoch == EPOCHS:
        shown = f"{val_loss:.5f}" if has_val else "-"
        print(f"epoch {epoch:4d}  train loss {train_loss:.5f}  validation loss {shown}")

model.load_state_dict(best_state)
print(f"kept the weights of epoch {best_epoch}")
"""

_EVALUATE = """# %%
model.eval()
with torch.no_grad():
    z_hat = model(X_test).float().cpu().numpy() * scale + shift  # (N, HORIZON), unscaled targets
last = values[test_origins]  # the last known value before each forecast
if TARGET == "log-return":
    predicted = last[:, None] * np.exp(np.cumsum(z_hat, axis=1))
else:
    predicted = z_hat
actual = values[test_origins[:, None] + np.arange(1, HORIZON + 1)]  # (N, HORIZON)
naive = np.repeat(last[:, None], HORIZON, axis=1)  # the naive forecast: the last known value, repeated

test_mae = float(np.mean(np.abs(actual - predicted)))
naive_mae = float(np.mean(np.abs(actual - naive)))
print(pd.DataFrame({"test MAE": [test_mae, naive_mae]}, index=[CELL.upper(), "naive"]))
print("RESULT", json.dumps({"metric": "test_mae", "value": test_mae, "naive_mae": naive_mae}))
"""


@exporter("forecast")
def export_forecast(config: ForecastConfig, data: Series | None = None) -> Export:
    """The forecast run of ``config`` on ``data`` (the page's series) as a script and its ``series.csv``.

    Without ``data``, ``config.source`` must name a bundled series (``dataset:NAME``). The settings are
    checked as the page checks them: a PlaygroundError sentence when the series is too short for them.
    """
    series = page_series(config, data)
    prepare(series, config)  # the page's checks: the same error sentence when the settings cannot work
    settings = {
        "TARGET": config.target,
        "SCALER": config.scaler,
        "LOOKBACK": int(config.lookback),
        "HORIZON": int(config.horizon),
        "TEST_SPLIT": float(config.test_split),
        "VAL_SPLIT": float(config.val_split),
        "CELL": config.cell,
        "HIDDEN": int(config.hidden),
        "LAYERS": int(config.layers),
        "DROPOUT": float(config.dropout),
        "EPOCHS": int(config.epochs),
        "BATCH_SIZE": int(config.batch_size),
        "LR": float(config.lr),
        "SEED": int(config.seed),
    }
    cell = CELL_NAMES[config.cell]
    target = (
        _(
            "The network models the log-returns z = log(v[t+1] / v[t]) rather than the values; a forecast of "
            "them is turned back into values starting from the last known value."
        )
        if config.target == "log-return"
        else _("The network models the values themselves.")
    )
    cells = [
        markdown(
            _("# Forecasting a time series with {cell}").format(cell=cell),
            _(
                "This notebook repeats the run you set up on the playground's forecast page, in plain PyTorch: "
                "the same series, the same windows, the same network, training settings and seed. Run it from "
                "top to bottom; it needs only NumPy, pandas and PyTorch."
            ),
        ),
        _IMPORTS,
        markdown(_("The page's settings. Change them here and run the notebook again to see what they do.")),
        settings_cell(settings),
        markdown(
            _("The series comes from `{file}` (columns date and value), written beside this notebook.").format(
                file=SERIES_FILE
            ),
            _("Source: {source}").format(source=series.source),
        ),
        _DATA.format(series_file=SERIES_FILE),
        markdown(
            _(
                "The split follows time: the first part trains the network, the next part validates it (it picks "
                "the best epoch), the last part tests it. Nothing is shuffled across time."
            ),
            target,
            _(
                "The scaler is fitted on the training part only, so no test value influences what the network "
                "learns from: that would be data leakage."
            ),
        ),
        _SPLIT,
        markdown(
            _(
                "Each window reads LOOKBACK scaled values and its target is the next HORIZON values. A window "
                "belongs to the part its targets fall in, so no test value appears in any training window."
            )
        ),
        _WINDOWS,
        markdown(
            _(
                "The network: stacked {cell} layers read the window step by step, and a fully connected layer turns "
                "the last hidden state into the forecast. Seeding PyTorch first gives the same initial weights "
                "as on the page."
            ).format(cell=cell)
        ),
        _MODEL,
        markdown(
            _(
                "Training minimises the mean squared error on the scaled targets with Adam. Each epoch shuffles "
                "the training windows with a seeded generator, and the gradient norm is clipped at 1. The weights "
                "of the epoch with the lowest validation loss (the training loss when there is no validation "
                "part) are kept at the end."
            )
        ),
        _TRAIN,
        markdown(
            _(
                "Each test window is forecast from its last known value, and the errors are measured on the "
                "series' own scale. The naive forecast repeats the last known value: it is the baseline to beat, "
                "and a model that does not beat it has learnt nothing useful about the next step."
            )
        ),
        _EVALUATE,
        markdown(
            _(
                "Run on a CPU, this script reproduces the playground's run with these settings: the test MAE "
                "agrees to within 2%, and usually exactly. On a GPU the playground trains in mixed precision, "
                "so the numbers may differ a little more."
            ),
            _(
                "Things to try: a longer lookback, another cell, log-returns as the target, or more epochs; "
                "then compare the test MAE with the naive forecast's again."
            ),
        ),
    ]
    return Export("\n\n".join(cells), {SERIES_FILE: series_csv(series)}, metric="test_mae")
