"""The engine's samples/s against a plain PyTorch loop: same model, data, batches and device.

Prints one line per workload: the median ratio engine / plain over paired runs, with its spread, and whether
it meets the target (>= 0.97 on every workload). The plain loop the target is judged against uses the engine's
optimiser (fused Adam where PyTorch has it), so the ratio is the engine's own cost; the textbook loop, with
PyTorch's default Adam, is shown beside it: what a student's own loop would get.
Run: python bench/engine_vs_plain.py [--device cpu|cuda] [--repeats 11] [--threads N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playground.backprop.network import NetworkConfig, build  # noqa: E402
from playground.data.images import load_bundled  # noqa: E402
from playground.device import device_info, pick_device  # noqa: E402
from playground.models import create_model  # noqa: E402
from playground.training import TensorData, TrainConfig, fit, seed_everything  # noqa: E402
from playground.training.engine import make_optimizer  # noqa: E402


def plain_loop(model, X, y, epochs, batch_size, lr, seed, textbook: bool = False) -> float:
    """The plain loop over device tensors, with the engine's optimiser (``textbook``: PyTorch's default Adam, as
    the tutorials write it); returns training samples per second."""
    if textbook:
        opt = torch.optim.Adam(model.parameters(), lr=lr)
    else:
        opt = make_optimizer(model, TrainConfig(lr=lr))
    g = torch.Generator().manual_seed(seed)
    model.train()
    seen, seconds = 0, 0.0
    for _ in range(epochs):
        start = time.perf_counter()
        perm = torch.randperm(len(X), generator=g).to(X.device)
        for i in range(0, len(X), batch_size):
            idx = perm[i : i + batch_size]
            loss = F.cross_entropy(model(X[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            seen += len(idx)
        loss.item()  # wait for the device
        seconds += time.perf_counter() - start
    return seen / seconds


def engine(model, X, y, epochs, batch_size, lr, seed, device) -> float:
    config = TrainConfig(epochs=epochs, batch_size=batch_size, lr=lr, seed=seed, device=str(device))
    history = fit(model, TensorData(X, y), config)
    rates = [r.samples_per_s for r in history.epochs]
    return len(X) * len(rates) / sum(len(X) / r for r in rates)


def workloads(device):
    data = build(NetworkConfig(dataset="spiral", n_points=1600))[1]
    yield (
        "2-D spiral, MLP 2-8-8-2, batch 32 (backprop page)",
        (
            lambda: create_model("mlp", in_features=2, hidden=(8, 8), num_classes=2),
            data.X_train.to(device),
            data.y_train.to(device),
            10,
            32,
            0.03,
        ),
    )
    mnist = load_bundled("mnist")
    X, y = mnist.X_train[:20000], mnist.y_train[:20000]
    X = (X.float() / 255).flatten(1).to(device)
    yield (
        "MNIST 20k, MLP 784-256-128-10, batch 128",
        (
            lambda: create_model("mlp", in_features=784, hidden=(256, 128), num_classes=10, activation="relu"),
            X,
            y.to(device),
            1,
            128,
            1e-3,
        ),
    )


TARGET = 0.97


def paired(make, X, y, epochs, bs, lr, device, repeats) -> dict[str, list[float]]:
    """Samples/s of the plain loop, the engine and the textbook loop in ``repeats`` rounds, alternating the order."""
    rates = {"plain": [], "engine": [], "textbook": []}
    for r in range(repeats):
        for which in ("plain", "engine", "textbook") if r % 2 == 0 else ("textbook", "engine", "plain"):
            seed_everything(r)
            if which == "engine":
                rates[which].append(engine(make(), X, y, epochs, bs, lr, r, device))
            else:
                rates[which].append(plain_loop(make().to(device), X, y, epochs, bs, lr, r, which == "textbook"))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default=None)
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--threads", type=int, default=None, help="torch's CPU threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    print(f"device: {device_info(device).name}; torch {torch.__version__}, {torch.get_num_threads()} threads")
    met = []
    for name, (make, X, y, epochs, bs, lr) in workloads(device):
        # Short runs in pairs (which loop goes first alternates): both loops of a pair see the same machine
        # load, so the median of the paired ratios is steady even on a noisy shared CPU.
        rates = paired(make, X, y, epochs, bs, lr, device, args.repeats)
        plain_rates, engine_rates = rates["plain"], rates["engine"]
        ratios = sorted(e / p for e, p in zip(engine_rates, plain_rates))
        textbook = statistics.median(e / t for e, t in zip(engine_rates, rates["textbook"]))
        quartiles = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratios[0]] * 3
        median = statistics.median(ratios)
        met.append(median >= TARGET)
        print(
            f"{name}: plain {statistics.median(plain_rates):,.0f} samples/s, "
            f"engine {statistics.median(engine_rates):,.0f} samples/s, "
            f"ratio {median:.3f} (median of {len(ratios)} pairs; quartiles {quartiles[0]:.3f}-{quartiles[2]:.3f}, "
            f"range {ratios[0]:.2f}-{ratios[-1]:.2f}) {'meets' if met[-1] else 'misses'} the target {TARGET}; "
            f"against the textbook loop (default Adam, {statistics.median(rates['textbook']):,.0f} samples/s) "
            f"{textbook:.3f}"
        )
    print(f"target (engine >= {TARGET} x plain on every workload): {'met' if all(met) else 'NOT met'}")


if __name__ == "__main__":
    main()
