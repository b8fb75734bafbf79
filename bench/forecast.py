"""The forecast page's default model on every bundled series: seconds of training, MAE beside the baselines.

Run: python bench/forecast.py [--series sine msft ...] [--target price|log-return] [--device cpu|cuda]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playground.device import device_info, pick_device  # noqa: E402
from playground.series import forecaster  # noqa: E402
from playground.series.data import BUNDLED, load_bundled  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--series", nargs="+", default=["sine", "msft", "seattle-weather", "co2", "sunspots"])
    parser.add_argument("--target", default="price", choices=["price", "log-return"])
    parser.add_argument("--device", default=None)
    args = parser.parse_args()
    device = pick_device(args.device)
    print(f"device: {device_info(device).name}; LSTM(50) → LSTM(50) → Dense(1), lookback 10, 50 epochs, seed 0")
    print(f"{'series':<34}{'train s':>8}{'LSTM':>9}{'naive':>9}{'seas.':>9}{'MA':>9}{'AR':>9}  lagging")
    for name in args.series:
        series = load_bundled(name)
        config = forecaster.ForecastConfig(target=args.target, device=str(device))
        prepared = forecaster.prepare(series, config)
        model = forecaster.build_model(prepared, config)
        history = forecaster.train(model, prepared, config)
        e = forecaster.evaluate(model, prepared, config)
        mae = {k: f"{s.mae:.4g}" for k, s in e.scores.items()}
        print(
            f"{BUNDLED[name]:<34}{history.seconds:>8.1f}{mae['model']:>9}{mae['naive']:>9}"
            f"{mae.get('seasonal_naive', '—'):>9}{mae['moving_average']:>9}{mae['linear_ar']:>9}  {e.lag['lagging']}"
        )


if __name__ == "__main__":
    main()
