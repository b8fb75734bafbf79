"""The server's memory while one visitor opens every page and runs each page's default training, in Chromium.

One ``streamlit run app.py`` (offline, CPU, threads) and one browser session: for each page it prints the
server process's resident memory (RSS) after the page has opened, and after the page's default run (its
settings untouched, its Train button pressed) has ended, with the peak so far (VmHWM) and the run's time.
Target (issue #15): RSS <= 1.5 GB after every page and every default run.
Run: python bench/memory.py [--timeout 600] [--pages cnn forecast]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from playground.lessons import HOME, PAGES, lesson  # noqa: E402
from tests import browser as tb  # noqa: E402

TARGET_MB = 1536
IDLE_JS = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
TRAINED_RE = re.compile(r"^Trained \d+ epoch")  # pages/runs.py's outcome line
STOPPED_RE = re.compile(r"^Stopped")


@dataclass(frozen=True)
class DefaultRun:
    """Where a page's default run is started: its tab and its button's text."""

    slug: str
    tab: str
    button: str


RUNS = {
    "backprop": DefaultRun("backprop", "② A network on 2-D data", "Train"),
    "cnn": DefaultRun("cnn", "② Model and training", "Train"),
    "architectures": DefaultRun("architectures", "② Train side by side", "Train them"),
    "forecast": DefaultRun("forecast", "③ Model and training", "Train"),
    "sentiment": DefaultRun("sentiment", "② Model and training", "Train"),
}


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def status_mb(pid: int, key: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of process ``pid``, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_default(page, run: DefaultRun, timeout_s: float) -> tuple[str, float]:
    """Press the page's Train button in its tab; the outcome line (or the error) and the seconds it took."""
    page.get_by_role("tab", name=run.tab).click()
    panel = page.get_by_test_id("stMain").get_by_role("tabpanel", name=run.tab)
    button = panel.locator("[data-testid^='stBaseButton']").filter(has_text=re.compile(rf"{run.button}$")).first
    button.wait_for()
    start = time.perf_counter()
    button.click()
    while time.perf_counter() - start < timeout_s:
        errors = page.locator(tb.ERROR_BOXES).all_inner_texts()
        if errors:
            return f"error: {errors[0]}", time.perf_counter() - start
        for text in page.locator("[data-testid='stAlertContentSuccess']").all_inner_texts():
            if TRAINED_RE.match(text.strip()):
                return text.strip(), time.perf_counter() - start
        for text in page.locator("[data-testid='stAlertContentWarning']").all_inner_texts():
            if STOPPED_RE.match(text.strip()):
                return text.strip(), time.perf_counter() - start
        time.sleep(0.5)
    return f"no result after {timeout_s:.0f} s", time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for each run")
    parser.add_argument("--pages", nargs="*", help="only these page slugs (default: all)")
    args = parser.parse_args()
    pages = [page for page in PAGES if not args.pages or page.slug in args.pages]
    print(f"load average before: {load()} ({os.cpu_count()} CPUs)")
    server = tb.StreamlitServer(env={"PLAYGROUND_OFFLINE": "1", "PLAYGROUND_DEVICE": "cpu"})
    worst = 0.0
    try:
        server.wait_healthy(timeout=120)
        pid = server.proc.pid
        print(f"server started: RSS {status_mb(pid, 'VmRSS'):.0f} MB")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=tb.CHROMIUM, args=tb.CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
            page = context.new_page()
            page.set_default_timeout(120_000)
            for listed in pages:
                page.goto(f"{server.url}/{'' if listed is HOME else listed.slug}?lang=en")
                heading = page.get_by_test_id("stMain").get_by_role("heading", name=lesson(listed.slug).page_title)
                heading.first.or_(page.locator(tb.ERROR_BOXES)).first.wait_for()
                page.wait_for_function(IDLE_JS)
                if errors := page.locator(tb.ERROR_BOXES).all_inner_texts():
                    print(f"{listed.slug:<14} does not open: {errors[0].splitlines()[0]}")
                    continue
                rss = status_mb(pid, "VmRSS")
                worst = max(worst, rss)
                print(f"{listed.slug:<14} opened: RSS {rss:.0f} MB (peak {status_mb(pid, 'VmHWM'):.0f} MB)")
                if listed.slug in RUNS:
                    outcome, seconds = run_default(page, RUNS[listed.slug], args.timeout)
                    page.wait_for_function(IDLE_JS)
                    rss = status_mb(pid, "VmRSS")
                    worst = max(worst, rss)
                    print(
                        f"{listed.slug:<14} default run ({outcome}, {seconds:.1f} s in the browser): "
                        f"RSS {rss:.0f} MB (peak {status_mb(pid, 'VmHWM'):.0f} MB)"
                    )
            browser.close()
        print(
            f"highest RSS after a page or a run: {worst:.0f} MB (target <= {TARGET_MB} MB); peak during the runs "
            f"{status_mb(pid, 'VmHWM'):.0f} MB; load average after: {load()}"
        )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
