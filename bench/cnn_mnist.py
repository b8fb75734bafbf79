"""The CNN page's default run on the bundled MNIST, and a longer run: seconds of training and test accuracy.

Run: python bench/cnn_mnist.py [--long-epochs 10] [--device cpu|cuda]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playground.data.images import load_bundled  # noqa: E402
from playground.device import device_info, pick_device  # noqa: E402
from playground.vision import classifier  # noqa: E402


def run(config: classifier.ImageTrainConfig, dataset) -> tuple[float, float, float]:
    prepared = classifier.prepare(dataset, config)
    model = classifier.build_model(prepared.meta, config.seed)
    history = classifier.train(model, prepared, config)
    train_seconds = sum(r.seconds for r in history.epochs)
    return train_seconds, history.last.samples_per_s, classifier.evaluate(model, prepared).accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--long-epochs", type=int, default=10)
    parser.add_argument("--device", default=None)
    args = parser.parse_args()
    device = pick_device(args.device)
    print(f"device: {device_info(device).name}")
    mnist = load_bundled("mnist")
    default = classifier.ImageTrainConfig(device=str(device))
    for label, config in (
        ("default", default),
        (
            f"{args.long_epochs} epochs, peak learning rate 0.004",
            dataclasses.replace(default, epochs=args.long_epochs, lr=0.004),
        ),
    ):
        seconds, rate, accuracy = run(config, mnist)
        print(
            f"{label}: {config.epochs} epoch(s), {seconds:.1f} s of training ({rate:,.0f} samples/s), "
            f"test accuracy {accuracy:.2%}"
        )


if __name__ == "__main__":
    main()
