"""The backpropagation page's 2-D network as a standalone PyTorch script (``points.csv`` beside it).

The script reads the page's generated points, builds the same features, network and optimiser,
and trains with the engine's loop (seeded shuffling, L1 added to the loss, L2 as weight decay),
so on a CPU it ends with the same test accuracy as ``network.build`` + ``network.train``.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd

from playground.backprop.network import CLASSES, NetworkConfig, build
from playground.data.toy2d import DATASET_LABELS, Toy2D
from playground.errors import PlaygroundError
from playground.export import Export, exporter
from playground.i18n import _

POINTS_FILE = "points.csv"
ACCURACY_TOLERANCE = 0.01  # the script's test accuracy is within this of the page's run on a CPU (usually exact)

# feature name (playground.data.toy2d.FEATURES) -> the same function of x1 and x2, as code
FEATURE_CODE = {
    "x1": "x1",
    "x2": "x2",
    "x1^2": "x1**2",
    "x2^2": "x2**2",
    "x1x2": "x1 * x2",
    "sin_x1": "np.sin(x1)",
    "sin_x2": "np.sin(x2)",
}
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "linear")  # as in the script's ACTIVATIONS
OPTIMIZERS = ("sgd", "momentum", "adam")


def markdown(*paragraphs: str) -> str:
    """A ``# %% [markdown]`` cell of the (already translated) paragraphs."""
    lines = ["# %% [markdown]"]
    for i, paragraph in enumerate(paragraphs):
        if i:
            lines.append("#")
        lines += [f"# {line}".rstrip() for line in paragraph.splitlines()]
    return "\n".join(lines) + "\n"


def literal(value) -> str:
    """``value`` (a number, a string or a tuple of them) as Python source, strings in double quotes."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, tuple):
        items = ", ".join(literal(v) for v in value)
        return f"({items},)" if len(value) == 1 else f"({items})"
    return repr(value)


def settings_cell(values: dict) -> str:
    """A ``# %%`` cell assigning each setting as a Python literal: ``NAME = value``."""
    return "# %%\n" + "\n".join(f"{name} = {literal(value)}" for name, value in values.items()) + "\n"


def points_csv(data: Toy2D) -> bytes:
    """The training points, then the test points, in the order the package uses: x1, x2, label, part."""
    frame = pd.DataFrame(
        {
            "x1": np.concatenate([data.points_train[:, 0], data.points_test[:, 0]]),
            "x2": np.concatenate([data.points_train[:, 1], data.points_test[:, 1]]),
            "label": np.concatenate([data.y_train.numpy(), data.y_test.numpy()]),
            "part": ["train"] * len(data.points_train) + ["test"] * len(data.points_test),
        }
    )
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)  # floats written at full precision: they read back bit for bit
    return buffer.getvalue().encode("utf-8")


_IMPORTS = """# %%
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
points = pd.read_csv(HERE / "{points_file}")
train_points, test_points = points[points.part == "train"], points[points.part == "test"]


def featurize(frame):
    \"\"\"(N, 2) coordinates -> (N, len(FEATURES)) raw feature values.\"\"\"
    x1, x2 = frame.x1.to_numpy(), frame.x2.to_numpy()
    columns = {{
{feature_lines}
    }}
    return np.stack([columns[name] for name in FEATURES], axis=1)


features_train = featurize(train_points)
mean, std = features_train.mean(axis=0), features_train.std(axis=0) + 1e-8  # training part only
X_train = torch.as_tensor((features_train - mean) / std, dtype=torch.float32).to(DEVICE)  # (N, F)
X_test = torch.as_tensor((featurize(test_points) - mean) / std, dtype=torch.float32).to(DEVICE)
y_train = torch.tensor(train_points.label.to_numpy()).to(DEVICE)  # (N,) class 0 or 1
y_test = torch.tensor(test_points.label.to_numpy()).to(DEVICE)
print(f"{{len(X_train)}} training points, {{len(X_test)}} test points, {{X_train.shape[1]}} features")
"""

_MODEL = """# %%
ACTIVATIONS = {{
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "leaky_relu": nn.LeakyReLU,
    "linear": nn.Identity,
}}

torch.manual_seed(SEED)  # the same initial weights as on the page
layers = []
width = len(FEATURES)
for size in HIDDEN:
    layers += [nn.Linear(width, size), ACTIVATIONS[ACTIVATION]()]
    width = size
layers.append(nn.Linear(width, {classes}))  # one logit per class
model = nn.Sequential(*layers).to(DEVICE)
print(model)
print(sum(p.numel() for p in model.parameters()), "parameters")
"""

_TRAIN = """# %%
if OPTIMIZER == "adam":  # L2 regularisation is the optimiser's weight decay
    optimizer = torch.optim.Adam(model.parameters(), lr=LR, weight_decay=L2)
else:  # "sgd", or "momentum": SGD with momentum 0.9
    momentum = 0.9 if OPTIMIZER == "momentum" else 0.0
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=momentum, weight_decay=L2)
generator = torch.Generator().manual_seed(SEED)  # shuffles the training points, epoch by epoch
n = len(X_train)
batches = math.ceil(n / BATCH_SIZE)


def l1_penalty(model):
    \"\"\"Sum of |w| over the weights, not the biases.\"\"\"
    return sum(p.abs().sum() for name, p in model.named_parameters() if "bias" not in name)


history = []
for epoch in range(1, EPOCHS + 1):
    model.train()
    order = torch.randperm(n, generator=generator).to(DEVICE)
    train_loss = 0.0
    for b in range(batches):
        idx = order[b * BATCH_SIZE : (b + 1) * BATCH_SIZE]
        loss = F.cross_entropy(model(X_train[idx]), y_train[idx])
        objective = loss + L1 * l1_penalty(model) if L1 else loss
        optimizer.zero_grad(set_to_none=True)
        objective.backward()
        optimizer.step()
        train_loss += loss.item() * len(idx)
    model.eval()
    with torch.no_grad():
        test_loss = F.cross_entropy(model(X_test), y_test).item()
    history.append({"epoch": epoch, "train_loss": train_loss / n, "test_loss": test_loss})
    if epoch == 1 or epoch % max(1, EPOCHS // 10) == 0 or epoch == EPOCHS:
        print(f"epoch {epoch:4d}  train loss {train_loss / n:.4f}  test loss {test_loss:.4f}")

history = pd.DataFrame(history).set_index("epoch")
"""

_EVALUATE = """# %%
model.eval()
with torch.no_grad():
    train_accuracy = (model(X_train).argmax(dim=1) == y_train).float().mean().item()
    test_accuracy = (model(X_test).argmax(dim=1) == y_test).float().mean().item()
print(f"train accuracy {train_accuracy:.3f}, test accuracy {test_accuracy:.3f}")
print("RESULT", json.dumps({"metric": "test_accuracy", "value": test_accuracy}))
"""


@exporter("backprop")
def export_backprop(config: NetworkConfig, data=None) -> Export:
    """The 2-D network run of ``config`` as a script and its ``points.csv`` (the points ``build`` generates).

    ``data`` is unused: the points are generated again from ``config``'s data set, size, noise and seed.
    """
    unknown = [name for name in config.features if name not in FEATURE_CODE]
    if unknown or not config.features:
        raise PlaygroundError(_("Choose at least one input feature from the list."))
    if config.activation not in ACTIVATIONS or config.optimizer not in OPTIMIZERS:
        raise PlaygroundError(_("Choose one of the page's activation functions and optimisers."))
    _model, points = build(config)
    settings = {
        "FEATURES": tuple(config.features),
        "HIDDEN": tuple(int(h) for h in config.hidden),
        "ACTIVATION": config.activation,
        "OPTIMIZER": config.optimizer,
        "LR": float(config.lr),
        "BATCH_SIZE": int(config.batch_size),
        "L1": float(config.l1),
        "L2": float(config.l2),
        "EPOCHS": int(config.epochs),
        "SEED": int(config.seed),
    }
    feature_lines = "\n".join(f'        "{name}": {code},' for name, code in FEATURE_CODE.items())
    cells = [
        markdown(
            _("# A network learning 2-D data"),
            _(
                "This notebook repeats the run you set up on the playground's backpropagation page, in plain "
                "PyTorch: the same points, the same network, the same training settings and seed. Run it from "
                "top to bottom; it needs only NumPy, pandas and PyTorch."
            ),
        ),
        _IMPORTS,
        markdown(_("The page's settings. Change them here and run the notebook again to see what they do.")),
        settings_cell(settings),
        markdown(
            _(
                "The points of the '{dataset}' data set ({n} points, noise {noise}, seed {seed}) come from "
                "`{file}`, written beside this notebook: the coordinates x1 and x2, the class (0 or 1) and "
                "whether the point belongs to the training or the test part."
            ).format(
                dataset=_(DATASET_LABELS.get(config.dataset, config.dataset)),
                n=config.n_points,
                noise=config.noise,
                seed=config.seed,
                file=POINTS_FILE,
            ),
            _(
                "Each input feature is computed from the coordinates and standardised with the mean and standard "
                "deviation of the training part only, so nothing about the test points leaks into training."
            ),
        ),
        _DATA.format(points_file=POINTS_FILE, feature_lines=feature_lines),
        markdown(
            _(
                "The network: for each hidden layer a fully connected layer followed by the activation function, "
                "then a fully connected layer with one output (a logit) per class. Seeding PyTorch before the "
                "layers are built gives the same initial weights as on the page."
            )
        ),
        _MODEL.format(classes=len(CLASSES)),
        markdown(
            _(
                "Training: each epoch shuffles the training points with its own seeded generator and takes one "
                "gradient step per batch. The loss is the cross-entropy; L1 regularisation adds L1·Σ|w| over "
                "the weights (not the biases) to it, and L2 regularisation is the optimiser's weight decay. "
                "The test loss is measured after every epoch, as the page draws it."
            )
        ),
        _TRAIN,
        markdown(
            _(
                "The accuracy is the share of points whose larger logit belongs to their true class. The last "
                "line prints the test accuracy in a form a program can read."
            )
        ),
        _EVALUATE,
        markdown(
            _(
                "Run on a CPU, this script reproduces the playground's run with these settings: the test accuracy "
                "agrees to within 0.01 (one percentage point), and usually exactly. On a GPU the playground "
                "trains in mixed precision, so the numbers may differ a little more."
            ),
            _(
                "Things to try: fewer or more hidden neurons, another activation function, a larger learning "
                "rate, or some L2 regularisation on a noisy data set."
            ),
        ),
    ]
    return Export("\n\n".join(cells), {POINTS_FILE: points_csv(points)}, metric="test_accuracy")
