"""How fast the pages open in a real browser: Debian's Chromium, driven by Playwright, on a fresh server.

Prints, on one ``streamlit run app.py`` started here (offline, CPU):

- the server's start: process start -> /_stcore/health answers -> Home's title shown -> Home idle;
- for every page, its first visit after that start (cold: the page's imports and caches are built now)
  and then ``--warm`` visits from new browser sessions (warm): seconds from navigation to the page's
  title and to the page being idle (Streamlit's running indicator gone, as the browser tests wait).

Each of those visits is a new browser context: a new Streamlit session, opened on the page's own URL by a
browser that has never loaded Streamlit's front end (its cache is empty). Then two ways a student in a class
meets a page, also first renders of that page on the warm server:

- a new tab of a browser that has the app open (a shared link): a new session, the front end from its cache;
- a click in the sidebar of an open session: the page's script runs for that session for the first time
  (the click is dispatched by the page, so the time is the app's answer, not Playwright's pointer checks).

Targets (issue #15): every page's title and idle <= 1.5 s warm, server start to Home shown <= 8 s.
Run: python bench/page_render.py [--warm 3] [--lang en]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from playground.lessons import HOME, PAGES  # noqa: E402
from tests import browser as tb  # noqa: E402

IDLE_JS = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
TIMEOUT_MS = 120_000
TARGET_PAGE_S = 1.5
TARGET_START_S = 8.0


def load() -> str:
    """The 1, 5 and 15-minute load averages: timings on a busy machine are not comparable."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def visit(browser, url: str, heading: str, lang: str) -> tuple[float, float]:
    """Seconds from navigation to ``heading`` shown, and to the page idle, in a new session."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN" if lang == "zh" else "en-US")
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        start = time.perf_counter()
        page.goto(url, wait_until="commit")
        title = page.get_by_test_id("stMain").get_by_role("heading", name=heading).first
        title.or_(page.locator(tb.ERROR_BOXES)).first.wait_for()
        titled = time.perf_counter() - start
        page.wait_for_function(IDLE_JS)
        idle = time.perf_counter() - start
        tb.assert_no_error(page, url)
        return titled, idle
    finally:
        context.close()


def same_browser(browser, base: str, pages, lang: str, visits: int) -> dict[str, tuple[float, float, float]]:
    """Per page: median seconds to the title in a new tab of one browser, and to the title and idle after a
    click on the page's link in the sidebar of one open session (its first run in that session)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN" if lang == "zh" else "en-US")
    try:
        opened = context.new_page()
        opened.set_default_timeout(TIMEOUT_MS)
        opened.goto(f"{base}/?lang={lang}")
        tb.wait_ready(opened)
        tabs = {}
        for page in pages:
            tab_times = []
            for _ in range(visits):
                tab = context.new_page()
                tab.set_default_timeout(TIMEOUT_MS)
                start = time.perf_counter()
                tab.goto(f"{base}/{'' if page is HOME else page.slug}?lang={lang}", wait_until="commit")
                tab.get_by_test_id("stMain").get_by_role("heading", name=heading_of(page, lang)).first.wait_for()
                tab_times.append(time.perf_counter() - start)
                tab.close()
            tabs[page.slug] = statistics.median(tab_times)
        clicks = {}
        for page in [*pages[1:], pages[0]]:  # Home is open: visit it last
            link = opened.get_by_test_id("stSidebarNav").get_by_role("link", name=nav_title(page, lang)).first
            link.wait_for()
            start = time.perf_counter()
            # dispatched in the page: Playwright's pointer checks before a click wait for a rendered frame, which
            # took up to 1.2 s once per session in headless Chromium here, a delay of its mouse and not of the app
            link.evaluate("link => link.click()")
            opened.get_by_test_id("stMain").get_by_role("heading", name=heading_of(page, lang)).first.wait_for()
            titled = time.perf_counter() - start
            opened.wait_for_function(IDLE_JS)
            clicks[page.slug] = (titled, time.perf_counter() - start)
            tb.assert_no_error(opened, page.slug)
        return {slug: (tabs[slug], *clicks[slug]) for slug in tabs}
    finally:
        context.close()


def bare_streamlit_floor(browser, visits: int) -> float:
    """Median seconds to the title of a Streamlit app that only shows a title: the browser's own share.

    Streamlit's front end (a few MB of JavaScript, loaded and parsed by every new browser session) and its
    websocket take this long on this machine before any page of ours could show anything.
    """
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "bare.py").write_text('import streamlit as st\n\nst.title("Bare")\n')
        port = tb.free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "bare.py", "--server.port", str(port)]
            + ["--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}/"
            end = time.time() + 60
            while time.time() < end:
                try:
                    with urllib.request.urlopen(url + "_stcore/health", timeout=2):
                        break
                except OSError:
                    time.sleep(0.3)
            visit(browser, url, "Bare", "en")  # its first visit, as the pages' warm ones
            return statistics.median(visit(browser, url, "Bare", "en")[0] for _ in range(visits))
        finally:
            server.terminate()
            server.wait(10)


def in_language(text: str, lang: str) -> str:
    """``text`` (an English message) as the page shows it in ``lang``."""
    if lang == "en":
        return text
    from playground.i18n import _, use_language  # noqa: PLC0415

    use_language(lang)
    return _(text)


def heading_of(page, lang: str) -> str:
    return in_language(page.page_title, lang)


def nav_title(page, lang: str) -> str:
    return in_language(page.title, lang)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--warm", type=int, default=3, help="warm visits per page (median printed)")
    parser.add_argument("--lang", choices=["en", "zh"], default="en")
    parser.add_argument("--pages", nargs="*", help="only these page slugs (default: all)")
    args = parser.parse_args()
    env = {"PLAYGROUND_OFFLINE": "1", "PLAYGROUND_DEVICE": os.environ.get("PLAYGROUND_DEVICE", "cpu")}
    print(f"load average before: {load()} ({os.cpu_count()} CPUs)")
    pages = [page for page in PAGES if not args.pages or page.slug in args.pages]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=tb.CHROMIUM, args=tb.CHROMIUM_ARGS)  # before the clock starts
        started = time.perf_counter()
        server = tb.StreamlitServer(env=env)
        try:
            server.wait_healthy(timeout=120)
            healthy = time.perf_counter() - started
            titled, idle = visit(browser, f"{server.url}/?lang={args.lang}", heading_of(HOME, args.lang), args.lang)
            print(
                f"server start: health OK {healthy:.2f} s, Home's title {healthy + titled:.2f} s, "
                f"Home idle {healthy + idle:.2f} s (target <= {TARGET_START_S:g} s), "
                f"server RSS {rss_mb(server.proc.pid):.0f} MB"
            )
            print(f"{'page':<14} {'cold title':>10} {'cold idle':>10} {'warm title':>11} {'warm idle':>10}")
            worst = 0.0
            for page in pages:
                url = f"{server.url}/{'' if page is HOME else page.slug}?lang={args.lang}"
                heading = heading_of(page, args.lang)
                cold = visit(browser, url, heading, args.lang)
                warm = [visit(browser, url, heading, args.lang) for _ in range(args.warm)]
                warm_title = statistics.median(t for t, _ in warm)
                warm_idle = statistics.median(i for _, i in warm)
                worst = max(worst, warm_title, warm_idle)
                print(f"{page.slug:<14} {cold[0]:>9.2f}s {cold[1]:>9.2f}s {warm_title:>10.2f}s {warm_idle:>9.2f}s")
            print(
                f"slowest warm page in a new browser: {worst:.2f} s (target <= {TARGET_PAGE_S:g} s); "
                f"server RSS after the pages {rss_mb(server.proc.pid):.0f} MB"
            )
            print(f"{'page':<14} {'new tab':>10} {'click title':>12} {'click idle':>11}  (one browser, one session)")
            worst_open = 0.0
            for slug, (tab, titled, idle) in same_browser(browser, server.url, pages, args.lang, args.warm).items():
                worst_open = max(worst_open, tab, titled, idle)
                print(f"{slug:<14} {tab:>9.2f}s {titled:>11.2f}s {idle:>10.2f}s")
            print(
                f"slowest page in an open browser: {worst_open:.2f} s (target <= {TARGET_PAGE_S:g} s: "
                f"{'MET' if worst_open <= TARGET_PAGE_S else 'NOT MET'})"
            )
            floor = bare_streamlit_floor(browser, max(args.warm, 1))
            print(
                f"a bare Streamlit app (a title only), warm: {floor:.2f} s to its title; load average after: {load()}"
            )
        finally:
            server.stop()
            browser.close()


if __name__ == "__main__":
    main()
