"""Helpers several test modules share: the app opened in AppTest, the CLI, and real-looking inputs."""

from __future__ import annotations

import ast
import dataclasses
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from PIL import Image

from playground.lessons import HOME, lesson
from playground.training import TensorData

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")


def open_page(slug: str, query: dict | None = None, timeout: float = 120):
    """A fresh AppTest session of the app on page ``slug``, its link carrying ``query``; rendered without exception."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=timeout)
    at.query_params.update(query or {})
    at.run()
    if slug != HOME.slug:
        at.switch_page(lesson(slug).path).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def cli(*args, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "playground", *args], capture_output=True, text=True, timeout=timeout)


def wait_for(predicate, timeout=20.0) -> bool:
    """Poll ``predicate`` until it holds (True) or ``timeout`` seconds pass (False)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def make_data(n=256, seed=0) -> TensorData:
    """Two Gaussian features labelled by the sign of their product (XOR-like), split 3:1."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 2, generator=g)
    y = (X[:, 0] * X[:, 1] > 0).long()
    return TensorData(X[: n * 3 // 4], y[: n * 3 // 4], X[n * 3 // 4 :], y[n * 3 // 4 :])


def photo_of(digit: np.ndarray, seed: int = 0) -> Image.Image:
    """A digit as a phone photo would show it: dark ink on light, uneven paper, large and off-centre."""
    rng = np.random.default_rng(seed)
    ink = np.asarray(Image.fromarray(digit).resize((240, 240), Image.Resampling.BICUBIC), np.float64)
    paper = 215 + 20 * np.linspace(0, 1, 600)[None, :] + rng.normal(0, 4, (480, 600))
    paper[40:280, 300:540] -= ink * 0.7  # ink darkens the paper
    return Image.fromarray(paper.clip(0, 255).astype(np.uint8)).convert("RGB")


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def prices(n=60, tz="America/New_York") -> pd.DataFrame:
    """Daily bars as yfinance returns them: a random walk around 100, in the exchange's time zone."""
    index = pd.date_range("2024-01-02 00:00", periods=n, freq="B", tz=tz)
    close = 100 + np.cumsum(np.random.default_rng(0).normal(0, 1, n))
    return pd.DataFrame(
        {
            "Open": close - 0.5,
            "High": close + 1,
            "Low": close - 1,
            "Close": close,
            "Volume": np.arange(n) * 1000.0,
            "Dividends": 0.0,
            "Stock Splits": 0.0,
        },
        index=index,
    )


def imported_modules(script: str) -> set[str]:
    """The top-level modules a script imports."""
    modules = set()
    for node in ast.walk(ast.parse(script)):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            modules.add((node.module or "").split(".")[0])
    return modules


def run_exported(result, folder: Path, name: str = "experiment.py") -> dict:
    """Save an export in ``folder`` and run it there on the CPU, ``playground`` out of reach; its RESULT line."""
    from playground.export import RESULT, save

    on_cpu = result.script.replace("DEVICE = None", 'DEVICE = "cpu"', 1)  # as the package's runs in the tests
    save(dataclasses.replace(result, script=on_cpu), folder / name)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PLAYGROUND_DEVICE")}
    env |= {"CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1"}  # small models: one thread is fastest here
    reach = subprocess.run([sys.executable, "-c", "import playground"], cwd=folder, env=env, capture_output=True)
    assert reach.returncode != 0, "the package must not be importable where the script runs"
    done = subprocess.run([sys.executable, name], cwd=folder, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith(RESULT), done.stdout[-2000:]
    return json.loads(last.removeprefix(RESULT))
