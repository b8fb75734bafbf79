"""Every page's default run on CUDA: seconds, samples/s, the result, bf16 against fp32, and GPU memory.

For each page's default (the 2-D network, the CNN on MNIST, the small architectures side by side, the
forecast LSTM on two bundled series, the sentiment GRU on English sentences) it trains on the CPU (the
reference), then on the GPU with bf16 autocast (the default) and with full fp32 (``PLAYGROUND_AMP=off``),
and checks that each GPU result is within tolerance of the CPU's: the same seed gives the same data order
and initial weights, while the GPU's kernels (and bf16) round differently, so results are close, not equal.
The CNN default is run twice on the GPU: the first run pays CUDA's start-up (kernels, cuDNN's autotuning);
the target (issue #15) is the second run's epoch <= 1 s on an H100-class GPU, the data on the device.

Without CUDA it says so and exits with status 0 (``--device cpu --quick`` runs the same steps on the CPU, small,
to check the script itself). Exit status 1 when a GPU result is out of tolerance or a target is missed.
Run: python bench/gpu.py [--pages backprop cnn architectures forecast sentiment] [--skip-cpu] [--quick]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playground.device import AMP_ENV, amp_dtype, device_info, pick_device  # noqa: E402
from playground.errors import PlaygroundError  # noqa: E402

CNN_EPOCH_TARGET_S = 1.0


@dataclass
class Result:
    """One run: seconds of training, mean samples/s, the result (accuracy, or MAE for forecasts), peak GPU memory."""

    seconds: float
    samples_per_s: float
    score: float
    epoch_seconds: float  # the mean epoch, evaluation included
    gpu_mb: float | None = None


@dataclass(frozen=True)
class Workload:
    name: str
    unit: str  # "accuracy" (higher is better) or "MAE"
    tolerance: float  # accuracy: points; MAE: relative
    run: Callable[[str, bool], Result]  # (device, quick) -> Result


def _rate(history) -> float:
    rates = [r.samples_per_s for r in history.epochs]
    return sum(rates) / len(rates) if rates else 0.0


def _epoch_s(history) -> float:
    return sum(r.seconds for r in history.epochs) / max(len(history.epochs), 1)


def backprop(device: str, quick: bool) -> Result:
    from playground.backprop import network  # noqa: PLC0415

    config = network.NetworkConfig(device=device, epochs=20 if quick else 300)
    model, data = network.build(config)
    history = network.train(model, data, config)
    score = network.accuracy(model, data.X_test, data.y_test)
    return Result(history.seconds, _rate(history), score, _epoch_s(history))


def cnn(device: str, quick: bool) -> Result:
    from playground.data.images import load_bundled  # noqa: PLC0415
    from playground.vision import classifier  # noqa: PLC0415

    page = classifier.ImageTrainConfig(device=device)
    config = replace(page, train_size=1000) if quick else page
    prepared = classifier.prepare(load_bundled("mnist"), config)
    model = classifier.build_model(prepared.meta, config.seed)
    history = classifier.train(model, prepared, config)
    seconds = sum(r.seconds for r in history.epochs)
    return Result(seconds, _rate(history), classifier.evaluate(model, prepared).accuracy, _epoch_s(history))


def architectures(device: str, quick: bool) -> Result:
    """The page's side-by-side comparison; the result is the models' mean test accuracy, the rate their mean."""
    from playground.data.images import load_bundled  # noqa: PLC0415
    from playground.vision import architectures as arch  # noqa: PLC0415
    from playground.vision.classifier import prepare  # noqa: PLC0415

    page = arch.ArchitecturesConfig()
    config = replace(page.comparison(), train_size=1000 if quick else page.train_size, device=device)
    prepared = prepare(load_bundled(page.dataset), config)
    start = time.perf_counter()
    rows = arch.compare(page.compare, prepared, config)
    seconds = time.perf_counter() - start
    for r in rows:
        print(
            f"    {r.name:<14} {r.seconds_per_epoch:6.2f} s/epoch {r.samples_per_s:>9,.0f} samples/s "
            f"test accuracy {r.test_accuracy:.2%}"
        )
    mean = sum(r.test_accuracy for r in rows) / len(rows)
    rate = sum(r.samples_per_s for r in rows) / len(rows)
    return Result(seconds, rate, mean, sum(r.seconds_per_epoch for r in rows) / len(rows))


def forecast(series_name: str) -> Callable[[str, bool], Result]:
    def run(device: str, quick: bool) -> Result:
        from playground.series import forecaster  # noqa: PLC0415
        from playground.series.data import load_bundled  # noqa: PLC0415

        config = forecaster.ForecastConfig(device=device, epochs=5 if quick else 50)
        prepared = forecaster.prepare(load_bundled(series_name), config)
        model = forecaster.build_model(prepared, config)
        history = forecaster.train(model, prepared, config)
        mae = forecaster.evaluate(model, prepared, config).scores["model"].mae
        return Result(history.seconds, _rate(history), mae, _epoch_s(history))

    return run


def sentiment(device: str, quick: bool) -> Result:
    from playground.text import classifier  # noqa: PLC0415
    from playground.text.data import load_dataset  # noqa: PLC0415

    config = classifier.TextTrainConfig(dataset="en-movies", device=device, epochs=1 if quick else 0)
    prepared = classifier.prepare(load_dataset(config.dataset), config)
    model = classifier.build_model(prepared, config)
    history = classifier.train(model, prepared, config)
    return Result(history.seconds, _rate(history), classifier.evaluate(model, prepared).accuracy, _epoch_s(history))


WORKLOADS = {
    "backprop": [Workload("2-D network (circle, 300 epochs)", "accuracy", 3.0, backprop)],
    "cnn": [Workload("CNN, the page default: MNIST 30,000 images, 1 epoch", "accuracy", 1.0, cnn)],
    "architectures": [
        Workload("LeNet-5, VGG and ResNet (small) side by side, 5,000 images", "accuracy", 3.0, architectures)
    ],
    "forecast": [
        Workload("LSTM forecast, sine (50 epochs)", "MAE", 0.10, forecast("sine")),
        Workload("LSTM forecast, sunspots (50 epochs)", "MAE", 0.10, forecast("sunspots")),
    ],
    "sentiment": [Workload("GRU sentiment, English sentences", "accuracy", 2.5, sentiment)],
}


def measured(workload: Workload, device: torch.device, quick: bool, amp: str) -> Result:
    """``workload`` on ``device`` with ``$PLAYGROUND_AMP`` set to ``amp`` (and the GPU's peak memory)."""
    os.environ[AMP_ENV] = amp
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)
    result = workload.run(str(device), quick)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        result.gpu_mb = torch.cuda.max_memory_allocated(device) / 2**20
    return result


def score_text(unit: str, value: float) -> str:
    return f"{value:.2%}" if unit == "accuracy" else f"MAE {value:.4g}"


def within(workload: Workload, gpu: float, cpu: float) -> bool:
    if workload.unit == "accuracy":
        return abs(gpu - cpu) * 100 <= workload.tolerance
    return abs(gpu - cpu) <= workload.tolerance * abs(cpu)


def line(label: str, workload: Workload, r: Result) -> str:
    memory = f", GPU memory peak {r.gpu_mb:,.0f} MB" if r.gpu_mb is not None else ""
    return (
        f"  {label:<12} {r.seconds:7.2f} s of training ({r.epoch_seconds:.2f} s per epoch), "
        f"{r.samples_per_s:>10,.0f} samples/s, {score_text(workload.unit, r.score)}{memory}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", nargs="+", choices=list(WORKLOADS), default=list(WORKLOADS))
    parser.add_argument("--device", default="cuda", help="cuda (default), cuda:N, or cpu to check the script")
    parser.add_argument("--skip-cpu", action="store_true", help="no CPU reference runs (no tolerance checks)")
    parser.add_argument("--quick", action="store_true", help="small runs, to check the script, not to measure")
    args = parser.parse_args()
    os.environ.setdefault("PLAYGROUND_OFFLINE", "1")
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        built = torch.version.cuda or "none (a CPU-only build)"
        print(
            f"No usable CUDA GPU here (torch {torch.__version__}, CUDA {built}), so there is nothing to measure. "
            "Run this on a machine with an NVIDIA GPU and a CUDA build of torch "
            "(or `--device cpu --quick` to check the script itself)."
        )
        return 0
    try:
        device = pick_device(args.device)
    except PlaygroundError as exc:
        print(exc)
        return 2
    cpu = torch.device("cpu")
    print(f"device: {device_info(device).name}; torch {torch.__version__}, CUDA {torch.version.cuda}")
    print(f"reference: {device_info(cpu).name}; bf16 = autocast to {amp_dtype(device)} (PLAYGROUND_AMP unset)")
    failures = []
    for page in args.pages:
        for workload in WORKLOADS[page]:
            print(f"{page}: {workload.name}")
            reference = None if args.skip_cpu else measured(workload, cpu, args.quick, "off")
            if reference:
                print(line("CPU fp32", workload, reference))
            runs = {"GPU bf16": measured(workload, device, args.quick, "")}
            if page == "cnn":  # the first CUDA run pays the start-up; the target is on the warm one
                runs["GPU bf16 (warm)"] = measured(workload, device, args.quick, "")
            runs["GPU fp32"] = measured(workload, device, args.quick, "off")
            for label, r in runs.items():
                verdict = ""
                if reference:
                    ok = within(workload, r.score, reference.score)
                    verdict = "  matches the CPU" if ok else "  OUT OF TOLERANCE"
                    if not ok:
                        failures.append(
                            f"{page} {label}: {score_text(workload.unit, r.score)} against the CPU's "
                            f"{score_text(workload.unit, reference.score)}"
                        )
                print(line(label, workload, r) + verdict)
            if page == "cnn" and device.type == "cuda" and not args.quick:
                warm = runs["GPU bf16 (warm)"].epoch_seconds
                ok = warm <= CNN_EPOCH_TARGET_S
                print(
                    f"  CNN default epoch on the GPU (warm): {warm:.2f} s (target <= {CNN_EPOCH_TARGET_S:g} s)"
                    + ("" if ok else "  MISSED")
                )
                if not ok:
                    failures.append(f"CNN epoch {warm:.2f} s > {CNN_EPOCH_TARGET_S:g} s")
    os.environ.pop(AMP_ENV, None)
    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    print("all GPU results within tolerance of the CPU's" if not args.skip_cpu else "done (no CPU reference)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
