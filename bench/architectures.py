"""The architectures page's defaults: the small networks side by side on MNIST, and the residual experiment.

Run: python bench/architectures.py [--train-size 5000] [--epochs 1] [--blocks 6] [--device cpu|cuda]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playground.data.images import load_bundled  # noqa: E402
from playground.device import device_info, pick_device  # noqa: E402
from playground.models import models_for  # noqa: E402
from playground.vision import architectures as arch  # noqa: E402
from playground.vision.classifier import prepare  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train-size", type=int, default=5000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--blocks", type=int, default=6, help="residual experiment: blocks per stage")
    parser.add_argument("--residual-train-size", type=int, default=3000)
    parser.add_argument("--device", default=None)
    args = parser.parse_args()
    device = pick_device(args.device)
    print(f"device: {device_info(device).name}; MNIST, Adam one-cycle to {arch.COMPARE_LR}, batch 64, seed 0")
    page = arch.ArchitecturesConfig()
    config = replace(page.comparison(), train_size=args.train_size, epochs=args.epochs, device=str(device))
    prepared = prepare(load_bundled("mnist"), config)
    print(f"{'model':<14}{'params':>10}{'MACs':>12}{'s/epoch':>9}{'samples/s':>11}{'memory MB':>11}{'test acc':>10}")
    for r in arch.compare(models_for("architectures"), prepared, config):
        print(
            f"{r.name:<14}{r.params:>10,}{r.macs:>12,}{r.seconds_per_epoch:>9.1f}{r.samples_per_s:>11,.0f}"
            f"{r.peak_memory / 2**20:>11.0f}{r.test_accuracy:>10.2%}"
        )
    config = replace(page.residual(), train_size=args.residual_train_size, epochs=args.epochs, device=str(device))
    prepared = prepare(load_bundled("mnist"), config)
    for run in arch.residual_experiment(prepared, config, args.blocks):
        norms = run.gradient_norms
        print(
            f"{'with skips' if run.skip else 'plain':<11} {run.depth} layers: final training loss "
            f"{run.history.epochs[-1].train_loss:.3f}, test accuracy {run.test_accuracy:.2%}, "
            f"gradient norm first/last convolution {norms[0]:.3g}/{norms[-1]:.3g}, {run.seconds:.1f} s"
        )


if __name__ == "__main__":
    main()
