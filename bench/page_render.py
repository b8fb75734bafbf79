"""First render time of every page, in a fresh Streamlit script run (AppTest, no browser).

This is the server-side time to run a page's script from a new session: what a
user waits for before the page can paint. Run: python bench/page_render.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import streamlit.logger
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playground.device import device_info  # noqa: E402
from playground.lessons import HOME, PAGES  # noqa: E402

streamlit.logger.set_log_level("error")  # AppTest warns on every run in bare mode


def first_render_seconds(page) -> float:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()  # the session's first run lands on Home
    start = time.perf_counter()
    if page is not HOME:
        at.switch_page(page.path)
    at.run()
    seconds = time.perf_counter() - start
    if at.exception:
        raise SystemExit(f"{page.slug} raised: {at.exception[0].value}")
    return seconds


def main() -> None:
    print(f"device: {device_info().name}")
    first_render_seconds(HOME)  # warm imports once, as a running server has them
    for page in PAGES:
        times = [first_render_seconds(page) for _ in range(3)]
        print(f"{page.slug:<14} {statistics.median(times):.2f} s (median of 3 fresh sessions)")


if __name__ == "__main__":
    main()
