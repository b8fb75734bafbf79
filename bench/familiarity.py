"""How often the familiarity check flags pictures, for a model trained with the CNN page's defaults.

Trains the page's default model on the bundled MNIST (or Fashion-MNIST), calibrates it on its validation split,
then classifies pictures made by ``playground.vision.probes``: held-out test records photographed on paper (the
familiar kind), and kinds the model never saw. For each kind it prints the share flagged by the energy alone, by
the piece count alone, by both (what the app uses) and, for comparison, by the softmax probability at the same
99.5% validation quantile.

Run: python bench/familiarity.py [--dataset mnist|fashion-mnist] [--per-kind 200] [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from playground.data.images import load_bundled  # noqa: E402
from playground.errors import PlaygroundError  # noqa: E402
from playground.vision import classifier, familiarity, probes  # noqa: E402

FAMILIAR = {"mnist": "digits on paper", "fashion-mnist": "clothing on paper"}


def softmax_limit(model, X) -> float:
    doubt = 1 - classifier.probabilities(model, X[: familiarity.MAX_IMAGES]).max(1).values
    return float(torch.quantile(doubt, familiarity.QUANTILE))


def rates(model, meta: dict, kind: str, n: int, seed: int, doubt_limit: float) -> dict:
    counts = {"energy": 0, "pieces": 0, "app": 0, "softmax": 0, "refused": 0}
    for picture in probes.pictures(kind, n, seed):
        try:
            prediction = classifier.predict(model, meta, picture)
        except PlaygroundError:  # nothing stands out from the paper: the page says so instead of predicting
            counts["refused"] += 1
            continue
        check = prediction.familiarity
        counts["energy"] += check.unlike_in_evidence
        counts["pieces"] += check.unlike_in_shape
        counts["app"] += check.unfamiliar
        counts["softmax"] += 1 - max(prediction.probabilities) > doubt_limit
    return {k: v / n for k, v in counts.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", default="mnist", choices=sorted(FAMILIAR))
    parser.add_argument("--per-kind", type=int, default=200)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    args = parser.parse_args()
    dataset = load_bundled(args.dataset)
    kinds = [FAMILIAR[args.dataset]] + [k for k in probes.KINDS if k != FAMILIAR[args.dataset]]
    for seed in args.seeds:
        config = classifier.ImageTrainConfig(dataset=args.dataset, seed=seed)
        prepared = classifier.prepare(dataset, config)
        model = classifier.build_model(prepared.meta, seed)
        classifier.train(model, prepared, config)
        limits = classifier.calibrate(model, prepared)
        accuracy = classifier.evaluate(model, prepared).accuracy
        print(
            f"\n{args.dataset}, seed {seed}: test accuracy {accuracy:.4f}; "
            f"limits: energy {limits['energy_limit']:.2f}, pieces {limits['pieces_limit']} "
            f"(99.5% of {limits['images']} {limits['source']} images)"
        )
        print(f"{'kind':<20}{'app':>7}{'energy':>8}{'pieces':>8}{'softmax':>9}{'refused':>9}")
        doubt_limit = softmax_limit(model, prepared.data.X_val)
        for kind in kinds:
            r = rates(model, prepared.meta, kind, args.per_kind, seed + 1000, doubt_limit)
            print(
                f"{kind:<20}{r['app']:>7.1%}{r['energy']:>8.1%}{r['pieces']:>8.1%}{r['softmax']:>9.1%}"
                f"{r['refused']:>9.1%}"
            )


if __name__ == "__main__":
    main()
