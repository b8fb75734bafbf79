"""The sentiment page's default runs on the bundled corpora: seconds of training, RNN and baseline accuracy.

Run: python bench/sentiment.py [--datasets en-movies zh-reviews] [--seeds 0 1 2] [--device cpu|cuda]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playground.device import device_info, pick_device  # noqa: E402
from playground.text import classifier  # noqa: E402
from playground.text.data import load_dataset  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", nargs="+", default=["en-movies", "zh-reviews"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0], help="seeds to run (the spread is honest)")
    parser.add_argument("--device", default=None)
    args = parser.parse_args()
    device = pick_device(args.device)
    print(f"device: {device_info(device).name}")
    for name, seed in ((n, s) for n in args.datasets for s in args.seeds):
        config = classifier.TextTrainConfig(dataset=name, seed=seed, device=str(device))
        prepared = classifier.prepare(load_dataset(name), config)
        model = classifier.build_model(prepared, config)
        history = classifier.train(model, prepared, config)
        rnn = classifier.evaluate(model, prepared)
        bow = classifier.evaluate(classifier.train_baseline(prepared, config), prepared)
        print(
            f"{name} seed {seed}: {config.cell.upper()}, {len(history.epochs)} epochs, maxlen {prepared.maxlen}, "
            f"{history.seconds:.1f} s of training; test accuracy {rnn.accuracy:.2%} (F1 {rnn.f1:.3f}), "
            f"bag-of-words baseline {bow.accuracy:.2%}"
        )


if __name__ == "__main__":
    main()
