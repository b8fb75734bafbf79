"""The CNN page's default run and its "best accuracy" preset on the bundled MNIST, for each seed: seconds of
training (validation included), samples trained on, samples/s and test accuracy, and whether the targets are met;
then the seconds the page's run spends after training, scoring the test set and measuring the familiarity limits.

Targets (issue #15, 2 CPU cores): the default reaches >= 98% within 6 s, the preset >= 99% within 30 s, for
every seed. The accuracy after a given number of samples is deterministic; the seconds depend on the machine
and its load, printed with each run (1-minute load average).

Run: python bench/cnn_mnist.py [--seeds 0 1 2] [--device cpu|cuda] [--threads N] [--skip-preset]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playground.data.images import load_bundled  # noqa: E402
from playground.device import device_info, pick_device  # noqa: E402
from playground.vision import classifier  # noqa: E402

TARGETS = {"default": (0.98, 6.0), "best accuracy preset": (0.99, 30.0)}  # (test accuracy, seconds)


def run(config: classifier.ImageTrainConfig, dataset) -> dict:
    prepared = classifier.prepare(dataset, config)
    model = classifier.build_model(prepared.meta, config.seed)
    history = classifier.train(model, prepared, config)
    samples = len(prepared.data.X_train) * len(history.epochs)
    seconds = sum(r.seconds for r in history.epochs)
    training = sum(len(prepared.data.X_train) / r.samples_per_s for r in history.epochs)
    start = time.perf_counter()
    accuracy = classifier.evaluate(model, prepared).accuracy
    scoring = time.perf_counter() - start
    classifier.calibrate(model, prepared)  # the page's run ends with both: the results tab needs them
    after = time.perf_counter() - start
    return {
        "seconds": seconds,
        "samples": samples,
        "rate": samples / training,
        "accuracy": accuracy,
        "scoring": scoring,
        "calibrating": after - scoring,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--device", default=None)
    parser.add_argument("--threads", type=int, default=None, help="torch's CPU threads (default: torch's choice)")
    parser.add_argument("--skip-preset", action="store_true")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    print(f"device: {device_info(device).name}; torch {torch.__version__}, {torch.get_num_threads()} threads")
    mnist = load_bundled("mnist")
    default = classifier.ImageTrainConfig(device=str(device))
    configs = {"default": default, "best accuracy preset": dataclasses.replace(default, **classifier.BEST_ACCURACY)}
    if args.skip_preset:
        del configs["best accuracy preset"]
    met = {}
    for label, config in configs.items():
        wanted_accuracy, wanted_seconds = TARGETS[label]
        for seed in args.seeds:
            result = run(dataclasses.replace(config, seed=seed), mnist)
            ok = result["accuracy"] >= wanted_accuracy and result["seconds"] <= wanted_seconds
            met.setdefault(label, []).append(ok)
            print(
                f"{label}, seed {seed}: {config.epochs} epoch(s), batch {config.batch_size}, lr {config.lr}, "
                f"{result['samples']:,} samples, {result['seconds']:.1f} s ({result['rate']:,.0f} samples/s), "
                f"test accuracy {result['accuracy']:.2%}; then scoring the test set {result['scoring']:.1f} s and the "
                f"familiarity limits {result['calibrating']:.1f} s (load {os.getloadavg()[0]:.1f})",
                flush=True,
            )
    for label, oks in met.items():
        accuracy, seconds = TARGETS[label]
        verdict = "met" if all(oks) else "NOT met"
        print(f"target {label}: >= {accuracy:.0%} within {seconds:g} s for every seed: {verdict}")


if __name__ == "__main__":
    main()
