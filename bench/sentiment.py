"""The sentiment page's default runs on the bundled corpora: the RNN against the TF-IDF baseline, seed by seed.

Run: python bench/sentiment.py [--datasets en-movies zh-reviews] [--seeds 0 1 2] [--device cpu|cuda] [--threads 2]

Targets (issue #15): the RNN reaches 78% on the English sentences and 86% on the Chinese reviews within 60 s of
training on 2 cores, for every seed. Whether it beats the baseline is printed with both numbers, either way.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from playground.device import device_info, pick_device  # noqa: E402
from playground.text import classifier  # noqa: E402
from playground.text.data import load_dataset  # noqa: E402

TARGETS = {"en-movies": 0.78, "zh-reviews": 0.86}  # test accuracy, every seed
SECONDS = 60.0  # of RNN training, on 2 cores


def run(name: str, seed: int, device: str) -> dict:
    config = classifier.TextTrainConfig(dataset=name, seed=seed, device=device)
    prepared = classifier.prepare(load_dataset(name), config)
    model = classifier.build_model(prepared, config)
    history = classifier.train(model, prepared, config)
    rnn = classifier.evaluate(model, prepared)
    start = time.perf_counter()
    baseline = classifier.train_baseline(prepared, config)
    tfidf = classifier.evaluate(baseline, prepared)
    return {
        "config": config,
        "epochs": len(history.epochs),
        "maxlen": prepared.maxlen,
        "seconds": history.seconds,
        "rnn": rnn.accuracy,
        "f1": rnn.f1,
        "baseline": tfidf.accuracy,
        "baseline_C": baseline.C,
        "baseline_seconds": time.perf_counter() - start,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", nargs="+", default=["en-movies", "zh-reviews"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0], help="seeds to run (the spread is honest)")
    parser.add_argument("--device", default=None)
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for torch (the target is for 2 cores)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"device: {device_info(device).name}, {args.threads} threads, load average {load:.1f} at the start")
    print("| corpus | seed | RNN test accuracy (F1) | TF-IDF baseline (C) | RNN training | baseline fit |")
    print("| --- | --- | --- | --- | --- | --- |")
    results: dict[str, list[dict]] = {}
    for name, seed in ((n, s) for n in args.datasets for s in args.seeds):
        r = run(name, seed, str(device))
        results.setdefault(name, []).append(r)
        print(
            f"| {name} | {seed} | {r['rnn']:.2%} ({r['f1']:.3f}) | {r['baseline']:.2%} (C {r['baseline_C']:g}) | "
            f"{r['seconds']:.1f} s, {r['epochs']} epochs, maxlen {r['maxlen']} | {r['baseline_seconds']:.1f} s |",
            flush=True,
        )
    config = next(iter(results.values()))[0]["config"]
    print(
        f"defaults: {config.cell.upper()}{' bidirectional' if config.bidirectional else ''}, "
        f"embedding {config.embed_dim}, hidden {config.hidden}, pooling {config.pooling}, dropout {config.dropout}"
    )
    for name, runs in results.items():
        worst, slowest = min(r["rnn"] for r in runs), max(r["seconds"] for r in runs)
        target = TARGETS.get(name)
        if target is not None:
            met = worst >= target and slowest <= SECONDS
            print(
                f"{name}: target {target:.0%} within {SECONDS:.0f} s: {'MET' if met else 'NOT MET'} "
                f"(worst seed {worst:.2%}, slowest {slowest:.1f} s)"
            )
        wins = sum(r["rnn"] > r["baseline"] for r in runs)
        mean_rnn = sum(r["rnn"] for r in runs) / len(runs)
        mean_base = sum(r["baseline"] for r in runs) / len(runs)
        verdict = "beats" if wins == len(runs) else "does not beat" if wins == 0 else "does not always beat"
        print(
            f"{name}: the RNN {verdict} the TF-IDF baseline (better on {wins} of {len(runs)} seeds; "
            f"mean {mean_rnn:.2%} against {mean_base:.2%})"
        )


if __name__ == "__main__":
    main()
