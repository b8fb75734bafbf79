"""Can one server take a class? N real browser sessions press Train within a second or two of each other.

The server (``streamlit run app.py``, offline, on the CPU) is started, then:

0. warm-up: each page used is visited and trained once, as after a class's first students: its bundled
   data are cached and the first run of its kind has paid its one-time costs (the forecast's first run
   takes 3-10 s, the next ones 2 s), which would otherwise land in the solo times;
1. solo: each distinct workload is trained once alone, one after another (Train click -> result);
2. load: N Chromium sessions (one browser, one context each) open a mix of pages with small runs taken
   from URL settings and all press Train at once. Meanwhile a thread GETs /_stcore/health every 0.5 s,
   another samples the server's memory, and a bystander opens Home a few seconds in.

It prints one row per session (queue position seen, wait until its first epoch, time to its result,
errors), then the total load time against the sum of the solo times, the bystander's page time, the
health latency and the peak memory, each against its target for a 2-core server with one run slot.
The students' browsers run on the same machine as the server; in a class each runs on its own laptop.
So they run under Linux's SCHED_IDLE policy (``chrt --idle``; --no-idle-students turns it off): they get
the CPU time that the server and the bystander's browser leave, instead of taking 40% of the 2 cores
from the server as eight renderers redraw their progress. (``nice`` does not do it: Chromium resets
the niceness of its renderers.)
``--profile FILE`` records the server with py-spy (only threads holding the interpreter lock) during the
load and prints where its time went.
The exit code is 0 whatever the figures (it is a benchmark); it is not 0 if the server cannot start.

Run: python bench/classroom.py [--sessions 8] [--max-runs 1] [--abandon-s S] [--no-solo] [--port P] [--json]
                                [--no-idle-students] [--profile FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.async_api import Error as PlaywrightError  # noqa: E402
from playwright.async_api import async_playwright, expect  # noqa: E402

from tests import browser as tb  # noqa: E402


@dataclass(frozen=True)
class Workload:
    """A small run on one page, set up by its URL: where its Train button is and what its page is called."""

    name: str
    path: str
    tab: str
    heading: str


WORKLOADS = (
    Workload("cnn", "/cnn?cnn.train_size=1000", "② Model and training", "CNN image classifier"),
    Workload("forecast", "/forecast?fc.source=dataset:sunspots", "③ Model and training", "Time-series forecasting"),
    Workload(
        "sentiment", "/sentiment?sent.dataset=en-movies&sent.epochs=1", "② Model and training", "Sentiment analysis"
    ),
    Workload("backprop", "/backprop?net.epochs=100", "② A network on 2-D data", "Backpropagation"),
)
HOME_HEADING = "Deep Learning Playground"

# Targets for 2 cores, one run slot and 8 sessions.
TOTAL_VS_SOLO = 1.2
BYSTANDER_S = 2.0
HEALTH_S = 0.5
PEAK_RSS_MB = 2048

POLL_S = 0.25  # how often a session reads its page; the page redraws its progress every 1 s (3 s while queued)
HEALTH_EVERY_S = 0.5
HEALTH_TIMEOUT_S = 5.0
RSS_EVERY_S = 0.25
BYSTANDER_AFTER_S = 3.0
PREPARE_AT_ONCE = 3  # sessions that open their page at the same time before the clicks
STEP_TIMEOUT_MS = 120_000  # one navigation or wait while getting ready, on a busy machine

QUEUE_RE = re.compile(r"number (\d+) in\s+the queue")
EPOCH_RE = re.compile(r"\bepoch \d+/\d+")
TRAINED_RE = re.compile(r"^Trained \d+ epoch")  # job_outcome's st.success in pages/common.py
STOPPED_RE = re.compile(r"^Stopped")  # job_outcome's st.warning: stopped, abandoned or left the queue
IGNORED_RE = re.compile(r"left at their\s+defaults")  # settings_from_url's notice on a link it did not take

# Everything a session needs to know about its page, in one round trip.
PROBE_JS = """(errorBoxes) => {
  const main = document.querySelector("[data-testid='stMain']");
  const texts = (root, sel) => (root ? [...root.querySelectorAll(sel)].map((e) => e.textContent.trim()) : []);
  return {
    progress: texts(main, "[data-testid='stProgress']"),
    success: texts(main, "[data-testid='stAlertContentSuccess']"),
    warning: texts(main, "[data-testid='stAlertContentWarning']"),
    errors: texts(document, errorBoxes),
  };
}"""
# playground/training/jobs.py logs each run as it ends (pages/common.py sends it to the server's output).
RUN_LOG_RE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) INFO playground\.training\.jobs: Run '(.+)' of session \S+ (\w+): "
    r"([\d.]+) s in the queue, ([\d.]+) s running\.$",
    re.M,
)
IDLE_JS = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"


@dataclass
class Run:
    """One session's Train click and what it saw afterwards (times in seconds from the click)."""

    session: int
    page: str
    queue_position: int = 0  # the largest "number K in the queue" seen; 0 if it never waited
    wait_s: float | None = None  # until the first progress text with an epoch
    result_s: float | None = None  # until the outcome line "Trained ..."
    outcome: str = ""
    errors: list[str] = field(default_factory=list)
    clicked_at: float | None = None  # time.perf_counter() when the click was delivered

    @property
    def finished(self) -> bool:
        return self.result_s is not None and not self.errors


# --------------------------------------------------------------------------------------------- server side
@dataclass(frozen=True)
class ServerRun:
    """One run as the server logged it when it ended: when it was queued and ended, and how long it trained."""

    name: str
    state: str
    queued_at: float  # seconds since the epoch
    ended_at: float
    running_s: float


def server_runs(log: Path, offset: int) -> list[ServerRun]:
    """The runs that ended after ``offset`` bytes of the server's log."""
    with open(log, encoding="utf-8", errors="replace") as file:
        file.seek(offset)
        text = file.read()
    runs = []
    for stamp, name, state, queue_s, running_s in RUN_LOG_RE.findall(text):
        ended = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()
        runs.append(ServerRun(name, state, ended - float(running_s) - float(queue_s), ended, float(running_s)))
    return runs


def log_size(log: Path) -> int:
    return log.stat().st_size if log.exists() else 0


def child_pids(pid: int) -> list[int]:
    """``pid``'s descendants, from /proc/<pid>/task/*/children."""
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            children = Path(f"/proc/{pid}/task/{tid}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found += [child, *child_pids(child)]
    return found


def status_kb(pid: int, key: str) -> int:
    """A ``kB`` figure from /proc/<pid>/status (VmRSS, VmHWM); 0 once the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


class Monitor:
    """While the sessions run: /_stcore/health latency every 0.5 s, and the server's peak memory, in two threads.

    With ``profile``, py-spy samples the server's threads that hold the interpreter lock meanwhile.
    """

    def __init__(self, url: str, pid: int, profile: Path | None = None):
        self.url, self.pid, self.profile = f"{url}/_stcore/health", pid, profile
        self._spy: subprocess.Popen | None = None
        self.latencies: list[float] = []
        self.failures = 0
        self.peak_rss_kb = 0
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._health, name="classroom-health", daemon=True),
            threading.Thread(target=self._memory, name="classroom-memory", daemon=True),
        ]

    def __enter__(self) -> Monitor:
        if self.profile is not None:
            command = ["py-spy", "record", "-p", str(self.pid), "-r", "100", "-d", "3600", "--gil", "--nonblocking"]
            self._spy = subprocess.Popen([*command, "-f", "raw", "-o", str(self.profile)], stdout=subprocess.DEVNULL)
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(HEALTH_TIMEOUT_S + 1)
        if self._spy is not None:  # py-spy writes its file when interrupted
            self._spy.send_signal(signal.SIGINT)
            self._spy.wait(60)

    def _health(self) -> None:
        while not self._stop.is_set():
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(self.url, timeout=HEALTH_TIMEOUT_S) as response:
                    response.read()
                    ok = response.status == 200
            except OSError:
                ok = False
            elapsed = time.perf_counter() - start
            self.latencies.append(elapsed)
            self.failures += not ok
            self._stop.wait(max(0.0, HEALTH_EVERY_S - elapsed))

    def _memory(self) -> None:
        while not self._stop.is_set():
            rss = sum(status_kb(pid, "VmRSS") for pid in [self.pid, *child_pids(self.pid)])
            self.peak_rss_kb = max(self.peak_rss_kb, rss)
            self._stop.wait(RSS_EVERY_S)


def profile_summary(path: Path, top: int = 15) -> list[tuple[float, str]]:
    """From py-spy's raw output: the share of the GIL-holding samples spent in each function (with callees)."""
    inclusive: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        total += int(count)
        for frame in set(stack.split(";")):
            inclusive[frame] = inclusive.get(frame, 0) + int(count)
    ranked = sorted(inclusive.items(), key=lambda item: -item[1])
    return [(n / total, frame) for frame, n in ranked[:top]] if total else []


@contextlib.contextmanager
def idle_chromium(idle: bool):
    """An executable for Playwright's executable_path: Debian's Chromium, under SCHED_IDLE when ``idle``."""
    if not idle:
        yield tb.CHROMIUM
        return
    with tempfile.TemporaryDirectory(prefix="classroom-") as folder:
        wrapper = Path(folder) / "chromium"
        wrapper.write_text(f'#!/bin/sh\nexec chrt --idle 0 {tb.CHROMIUM} "$@"\n')
        wrapper.chmod(0o755)
        yield str(wrapper)


def start_server(args: argparse.Namespace) -> tb.StreamlitServer:
    env = {"PLAYGROUND_OFFLINE": "1", "PLAYGROUND_DEVICE": "cpu", "PLAYGROUND_MAX_RUNS": str(args.max_runs)}
    if args.abandon_s is not None:
        env["PLAYGROUND_ABANDON_S"] = f"{args.abandon_s:g}"
    for pair in args.server_env:
        key, _, value = pair.partition("=")
        env[key] = value
    if args.port:  # tests/browser.py's server takes its port from free_port()
        with mock.patch.object(tb, "free_port", return_value=args.port):
            return tb.StreamlitServer(env=env)
    return tb.StreamlitServer(env=env)


# --------------------------------------------------------------------------------------------- browser side
async def wait_ready(page) -> None:
    await page.wait_for_selector("[data-testid='stAppViewContainer']")
    await page.wait_for_function(IDLE_JS)


def train_button(page, workload: Workload):
    """The workload's Train button, inside its tab in the page's content (not the header's Stop)."""
    panel = page.get_by_test_id("stMain").get_by_role("tabpanel", name=workload.tab)
    return panel.locator("[data-testid^='stBaseButton']").filter(has_text=re.compile(r"Train$"))


async def open_ready(context, base_url: str, workload: Workload):
    """A new page on the workload, its training tab open and its Train button enabled."""
    page = await context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    await page.goto(base_url + workload.path)
    heading = page.get_by_test_id("stMain").get_by_role("heading", name=workload.heading)
    await heading.or_(page.locator(tb.ERROR_BOXES)).first.wait_for()
    await wait_ready(page)
    errors = await page.locator(tb.ERROR_BOXES).all_text_contents()
    ignored = await page.get_by_test_id("stMain").get_by_text(IGNORED_RE).all_text_contents()
    if errors or ignored:  # a broken page, or a link whose settings were not taken: not the intended run
        raise PlaywrightError(f"{workload.path}: {'; '.join(errors + ignored)}")
    await page.get_by_role("tab", name=workload.tab).click()
    button = train_button(page, workload)
    await expect(button).to_be_enabled(timeout=STEP_TIMEOUT_MS)
    return page, button


async def click_and_follow(page, button, run: Run, timeout_s: float) -> None:
    """Press Train, then read the page until its outcome line, an error or the timeout."""
    await button.click()
    run.clicked_at = time.perf_counter()
    while True:
        elapsed = time.perf_counter() - run.clicked_at
        if elapsed > timeout_s:
            run.errors.append(f"no result after {timeout_s:.0f} s")
            return
        try:  # a page whose browser has stopped answering must not hang the benchmark
            seen = await asyncio.wait_for(page.evaluate(PROBE_JS, tb.ERROR_BOXES), timeout_s - elapsed + 1)
        except asyncio.TimeoutError:
            continue
        elapsed = time.perf_counter() - run.clicked_at
        for text in seen["progress"]:
            if waiting := QUEUE_RE.search(text):
                run.queue_position = max(run.queue_position, int(waiting[1]))
            elif run.wait_s is None and EPOCH_RE.search(text):
                run.wait_s = elapsed
        if seen["errors"]:
            run.errors += seen["errors"]
            return
        if trained := [t for t in seen["success"] if TRAINED_RE.match(t)]:
            run.result_s, run.outcome = elapsed, trained[0]
            return
        if stopped := [t for t in seen["warning"] if STOPPED_RE.match(t)]:
            run.errors += stopped
            return
        await asyncio.sleep(POLL_S)


async def solo_run(browser, base_url: str, workload: Workload, timeout_s: float) -> Run:
    run = Run(session=0, page=workload.name)
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page, button = await open_ready(context, base_url, workload)
        await click_and_follow(page, button, run, timeout_s)
    except PlaywrightError as exc:
        run.errors.append(first_line(exc))
    finally:
        await context.close()
    return run


async def bystander(browser, base_url: str) -> dict[str, float] | None:
    """A new visitor opening Home: seconds until the page has loaded, its heading shows, and its script is done."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = await context.new_page()
        page.set_default_timeout(STEP_TIMEOUT_MS)
        start = time.perf_counter()
        await page.goto(base_url + "/")  # the HTML and the app's JavaScript: its "load" event
        loaded = time.perf_counter() - start
        await page.get_by_role("heading", name=HOME_HEADING).first.wait_for()
        heading = time.perf_counter() - start
        await page.wait_for_function(IDLE_JS)
        return {"total_s": time.perf_counter() - start, "loaded_s": loaded, "heading_s": heading}
    except PlaywrightError as exc:
        print(f"bystander: {first_line(exc)}", file=sys.stderr)
        return None
    finally:
        await context.close()


async def load_phase(
    browser, visitor_browser, base_url: str, runs: list[Run], timeout_s: float, monitor_factory
) -> dict:
    """Open every session, press all the Train buttons at once, follow them; the bystander comes by meanwhile."""
    workloads = {w.name: w for w in WORKLOADS}
    contexts = [await browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in runs]
    gate = asyncio.Semaphore(PREPARE_AT_ONCE)
    go = asyncio.Event()

    async def prepare(context, run: Run):
        async with gate:
            return await open_ready(context, base_url, workloads[run.page])

    async def session(ready, run: Run):
        if isinstance(ready, BaseException):
            run.errors.append(f"not ready: {first_line(ready)}")
            return
        await go.wait()
        try:
            await click_and_follow(*ready, run, timeout_s)
        except PlaywrightError as exc:
            run.errors.append(first_line(exc))

    async def late_visitor():
        await go.wait()
        await asyncio.sleep(BYSTANDER_AFTER_S)
        return await bystander(visitor_browser, base_url)

    try:
        started = time.perf_counter()
        ready = await asyncio.gather(*(prepare(c, r) for c, r in zip(contexts, runs)), return_exceptions=True)
        print(f"{len(runs)} sessions ready in {time.perf_counter() - started:.1f} s; pressing Train in all of them")
        with monitor_factory() as monitor:
            tasks = [asyncio.create_task(session(rd, r)) for rd, r in zip(ready, runs)]
            visitor = asyncio.create_task(late_visitor())
            go.set()
            await asyncio.gather(*tasks)
            visit = await visitor
        return {"bystander": visit, "monitor": monitor}
    finally:
        for context in contexts:
            with contextlib.suppress(PlaywrightError):
                await context.close()


async def drive(args: argparse.Namespace, server: tb.StreamlitServer, interrupted: threading.Event) -> dict:
    # Ctrl-C also kills Playwright's driver (it shares our process group), which can end the sessions with
    # errors instead of a cancellation: note the interrupt so that no report is printed for a broken run.
    main_task = asyncio.current_task()

    def on_interrupt() -> None:
        interrupted.set()
        main_task.cancel()

    asyncio.get_running_loop().add_signal_handler(signal.SIGINT, on_interrupt)
    runs = [Run(session=i + 1, page=WORKLOADS[i % len(WORKLOADS)].name) for i in range(args.sessions)]
    used = [w for w in WORKLOADS if any(r.page == w.name for r in runs)]
    for workload in used:
        print(f"workload {workload.name:<10} {workload.path}  (Train in '{workload.tab}')")
    async with async_playwright() as p:
        with idle_chromium(args.idle_students) as students_chromium:
            browser = await p.chromium.launch(executable_path=students_chromium, args=tb.CHROMIUM_ARGS)
        visitor_browser = await p.chromium.launch(executable_path=tb.CHROMIUM, args=tb.CHROMIUM_ARGS)
        try:
            for workload in used:
                run = await solo_run(browser, server.url, workload, args.timeout)
                print(f"warm-up {workload.name:<10} {outcome(run)}")
            solo_server: dict[str, float] = {}  # each workload's running time alone, as the server logged it
            alone = await bystander(visitor_browser, server.url)  # the same visit with nothing else going on
            print(f"bystander alone: {'failed' if alone is None else seconds(alone['total_s']) + ' s'}")
            solo: dict[str, Run] = {}
            if args.solo:
                for workload in used:
                    offset = log_size(server.log)
                    solo[workload.name] = run = await solo_run(browser, server.url, workload, args.timeout)
                    logged = server_runs(server.log, offset)
                    if logged:
                        solo_server[workload.name] = logged[-1].running_s
                    alone_s = seconds(logged[-1].running_s) if logged else "—"
                    print(f"solo    {workload.name:<10} {outcome(run)}; on the server {alone_s} s running")
            load_offset = log_size(server.log)

            loaded = await load_phase(
                browser,
                visitor_browser,
                server.url,
                runs,
                args.timeout,
                lambda: Monitor(server.url, server.proc.pid, args.profile),
            )
        finally:
            for each in (browser, visitor_browser):
                with contextlib.suppress(PlaywrightError):
                    await each.close()
    return {
        "runs": runs,
        "solo": solo,
        "solo_server": solo_server,
        "server_runs": server_runs(server.log, load_offset),
        "bystander_alone": alone,
        **loaded,
    }


# --------------------------------------------------------------------------------------------- report
def outcome(run: Run) -> str:
    return f"{run.result_s:.1f} s" if run.finished else f"FAILED ({'; '.join(run.errors)})"


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def seconds3(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def summarise(args: argparse.Namespace, measured: dict, hwm_kb: int) -> dict:
    runs: list[Run] = measured["runs"]
    solo: dict[str, Run] = measured["solo"]
    monitor: Monitor = measured["monitor"]
    clicks = [r.clicked_at for r in runs if r.clicked_at is not None]
    ends = [r.clicked_at + r.result_s for r in runs if r.finished]
    all_finished = all(r.finished for r in runs)
    total = max(ends) - min(clicks) if all_finished and runs else None
    solo_ok = bool(solo) and all(solo[r.page].finished for r in runs)
    solo_sum = sum(solo[r.page].result_s for r in runs) if solo_ok else None
    ratio = total / solo_sum if total is not None and solo_sum else None
    visit = measured["bystander"]
    health_max = max(monitor.latencies, default=None)
    # The same comparison on the server's clock: from the first run queued to the last one ended, against the
    # sum of each session's running time alone. It leaves out the browsers, which share this machine's cores.
    logged: list[ServerRun] = measured["server_runs"]
    solo_server: dict[str, float] = measured["solo_server"]
    server_total = max(r.ended_at for r in logged) - min(r.queued_at for r in logged) if logged else None
    server_solo_sum = sum(solo_server[r.page] for r in runs) if all(r.page in solo_server for r in runs) else None
    server_ratio = server_total / server_solo_sum if server_total and server_solo_sum else None
    peak_mb = monitor.peak_rss_kb / 1024
    targets = {
        "every run finishes": all_finished,
        f"total <= {TOTAL_VS_SOLO} x sum of solo times (browsers' clock)": None
        if ratio is None
        else ratio <= TOTAL_VS_SOLO,
        "the same on the server's clock": None if server_ratio is None else server_ratio <= TOTAL_VS_SOLO,
        f"bystander <= {BYSTANDER_S:g} s": None if visit is None else visit["total_s"] <= BYSTANDER_S,
        f"health <= {HEALTH_S:g} s": None if health_max is None else health_max <= HEALTH_S and monitor.failures == 0,
        f"peak RSS <= {PEAK_RSS_MB / 1024:g} GB": peak_mb <= PEAK_RSS_MB,
    }
    if not all_finished:  # a ratio without every run is meaningless
        targets[f"total <= {TOTAL_VS_SOLO} x sum of solo times (browsers' clock)"] = False
    return {
        "sessions": args.sessions,
        "max_runs": args.max_runs,
        "abandon_s": args.abandon_s,
        "cpus": os.cpu_count(),
        "solo_s": {name: run.result_s for name, run in solo.items()},
        "runs": [{k: v for k, v in asdict(r).items() if k != "clicked_at"} for r in runs],
        "click_spread_s": max(clicks) - min(clicks) if clicks else None,
        "total_s": total,
        "solo_sum_s": solo_sum,
        "ratio": ratio,
        "server_runs": len(logged),
        "server_total_s": server_total,
        "server_solo_sum_s": server_solo_sum,
        "server_ratio": server_ratio,
        "server_running_s": [round(r.running_s, 2) for r in logged],
        "bystander_s": None if visit is None else visit["total_s"],
        "bystander_steps_s": visit,
        "bystander_alone_s": None if measured["bystander_alone"] is None else measured["bystander_alone"]["total_s"],
        "idle_students": args.idle_students,
        "health_max_s": health_max,
        "health_p95_s": p95(monitor.latencies),
        "health_checks": len(monitor.latencies),
        "health_failures": monitor.failures,
        "peak_rss_mb": peak_mb,
        "server_hwm_mb": hwm_kb / 1024,
        "targets": targets,
    }


def report(s: dict) -> None:
    print()
    print(f"{'session':>7}  {'page':<10} {'queue':>5} {'wait s':>7} {'result s':>8}  errors")
    for r in s["runs"]:
        errors = "; ".join(r["errors"])
        print(
            f"{r['session']:>7}  {r['page']:<10} {r['queue_position']:>5} {seconds(r['wait_s']):>7} "
            f"{seconds(r['result_s']):>8}  {errors[:200]}"
        )
    if any(r["wait_s"] is None and r["result_s"] is not None for r in s["runs"]):
        print("(wait —: the run started and ended between two polls of its page; a queued page polls every 3 s)")
    print()
    done = sum(not r["errors"] and r["result_s"] is not None for r in s["runs"])
    print(f"runs finished: {done}/{len(s['runs'])}; Train pressed in all within {seconds(s['click_spread_s'])} s")
    print(f"total load time (first click -> last result): {seconds(s['total_s'])} s")
    if s["solo_s"]:
        solo = ", ".join(f"{name} {seconds(t)} s" for name, t in s["solo_s"].items())
        print(f"sum of solo times: {seconds(s['solo_sum_s'])} s  (solo: {solo})")
    else:
        print("sum of solo times: not measured (--no-solo)")
    ratio = "—" if s["ratio"] is None else f"{s['ratio']:.2f}"
    print(f"ratio total / solo sum: {ratio}")
    server_ratio = "—" if s["server_ratio"] is None else f"{s['server_ratio']:.2f}"
    print(
        f"on the server's clock: {s['server_runs']} runs, first queued -> last ended {seconds(s['server_total_s'])} s; "
        f"sum of their solo running times {seconds(s['server_solo_sum_s'])} s; ratio {server_ratio}; "
        f"running times under load: {s['server_running_s']}"
    )
    if (visit := s["bystander_steps_s"]) is None:
        print("bystander opening Home: failed")
    else:
        print(
            f"bystander opening Home: {visit['total_s']:.2f} s (page loaded {visit['loaded_s']:.2f} s, "
            f"heading {visit['heading_s']:.2f} s, script done {visit['total_s']:.2f} s; "
            f"alone, before the load: {seconds(s['bystander_alone_s'])} s)"
        )
    print(
        f"health latency: max {seconds3(s['health_max_s'])} s, p95 {seconds3(s['health_p95_s'])} s "
        f"over {s['health_checks']} checks, {s['health_failures']} failed"
    )
    print(f"peak RSS (server and children): {s['peak_rss_mb']:,.0f} MB; server VmHWM {s['server_hwm_mb']:,.0f} MB")
    print()
    print(
        f"targets, set for 2 cores, one slot and 8 sessions (this run: {s['cpus']} CPUs, {s['max_runs']} slot(s), "
        f"{s['sessions']} sessions):"
    )
    for name, met in s["targets"].items():
        print(f"  {'not measured' if met is None else 'PASS' if met else 'FAIL':<12} {name}")
    met = [name for name, ok in s["targets"].items() if ok]
    print(f"targets met: {len(met)} of {len(s['targets'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=8, help="browser sessions pressing Train at once (8)")
    parser.add_argument("--max-runs", type=int, default=1, help="PLAYGROUND_MAX_RUNS for the server (1)")
    parser.add_argument("--abandon-s", type=float, default=None, help="PLAYGROUND_ABANDON_S for the server")
    parser.add_argument("--solo", action=argparse.BooleanOptionalAction, default=True, help="time each run alone")
    parser.add_argument("--port", type=int, default=0, help="the server's port (default: a free one)")
    parser.add_argument("--json", action="store_true", help="also print one JSON object at the end")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per session from Train to result")
    parser.add_argument(
        "--idle-students",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run the students' browsers under SCHED_IDLE, as if on their own laptops (default: yes)",
    )
    parser.add_argument(
        "--server-env", action="append", default=[], metavar="KEY=VALUE", help="more environment for the server"
    )
    parser.add_argument("--profile", type=Path, default=None, help="py-spy the server during the load into this file")
    args = parser.parse_args()
    if args.sessions < 1 or args.max_runs < 1:
        parser.error("--sessions and --max-runs must be at least 1")

    server = start_server(args)
    try:
        started = time.perf_counter()
        server.wait_healthy()
        print(
            f"server {server.url} (pid {server.proc.pid}, log {server.log}) healthy in "
            f"{time.perf_counter() - started:.1f} s; PLAYGROUND_MAX_RUNS={args.max_runs}"
        )
        interrupted = threading.Event()
        try:
            measured = asyncio.run(drive(args, server, interrupted))
        except asyncio.CancelledError:
            interrupted.set()
        if interrupted.is_set():
            raise KeyboardInterrupt
        summary = summarise(args, measured, status_kb(server.proc.pid, "VmHWM"))
    finally:
        server.stop()
    report(summary)
    if args.profile is not None and args.profile.exists():
        print(f"\nwhere the server's interpreter lock went during the load ({args.profile}; with callees):")
        for share, frame in profile_summary(args.profile):
            print(f"  {share:6.1%}  {frame[:140]}")
    if args.json:
        print(json.dumps(summary))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted: the server and the browser were stopped")
