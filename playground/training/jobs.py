"""Training runs in worker threads, for the browser.

A page creates a ``Job`` in the user's session and starts it; the work runs in
a plain thread that never touches streamlit (or, with ``PLAYGROUND_WORKERS=process``,
in a worker process: ``workers.py``), while the page polls
``job.snapshot()`` from an ``st.fragment(run_every=...)``. A process-wide
``Slots`` limit (``PLAYGROUND_MAX_RUNS``, default 1 on a CPU-only server)
queues further runs in order, so a classroom cannot overload the machine, and
tells each waiting run its place and an estimated wait.

A run that nobody watches any more is freed: when its page has not polled for
``PLAYGROUND_ABANDON_S`` seconds (default 60) and its browser is gone, a reaper
thread stops it and logs why. An owner (a browser session) keeps at most one
run queued or running.
"""

from __future__ import annotations

import contextvars
import heapq
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from playground.errors import PlaygroundError
from playground.i18n import _
from playground.training import workers
from playground.training.curves import LiveCurve, PendingLosses, RunCurve
from playground.training.engine import BatchEvent, Callback, EpochStats, History, TrainConfig

log = logging.getLogger(__name__)

WAITING, RUNNING, DONE, STOPPED, FAILED = "waiting", "running", "done", "stopped", "failed"
FINISHED = (DONE, STOPPED, FAILED)
MAX_RUNS_ENV = "PLAYGROUND_MAX_RUNS"
ABANDON_ENV = "PLAYGROUND_ABANDON_S"
DEFAULT_ABANDON_S = 60.0
MAX_CURVES = 20  # batch curves a job keeps (one per model it trains): the latest
ALL_THREADS = torch.get_num_threads()  # PyTorch's default: the cores, or OMP_NUM_THREADS
READ_LOSSES_S = 0.25  # batch losses are read from the device at most this often (and at each epoch's end)


class Slots:
    """A first-come, first-served limit on how many runs train at once.

    It also remembers how long each kind of run (a job's name) last took, so a
    waiting run can be told roughly how long it will wait.
    """

    def __init__(self, limit: int):
        self.limit = max(1, int(limit))
        self._cond = threading.Condition()
        self._queue: list[Job] = []
        self._active: list[Job] = []
        self._durations: dict[str, float] = {}

    @property
    def running(self) -> int:
        with self._cond:
            return len(self._active)

    def acquire(self, job: Job, stop: threading.Event) -> bool:
        """Wait for a free slot in turn; False if ``stop`` was set while waiting."""
        with self._cond:
            self._queue.append(job)
            try:
                while not (len(self._active) < self.limit and self._queue[0] is job):
                    if stop.is_set():
                        return False
                    self._cond.wait(timeout=0.1)
                self._active.append(job)
                return True
            finally:
                self._queue.remove(job)
                self._cond.notify_all()

    def release(self, job: Job, seconds: float | None = None) -> None:
        """Free ``job``'s slot; ``seconds`` is how long it ran, if it ran to the end."""
        with self._cond:
            self._active.remove(job)
            if seconds is not None:
                self._durations[job.name] = seconds
            self._cond.notify_all()

    def threads_for(self, job: Job) -> int:
        """PyTorch threads for ``job``, which has just taken a slot.

        Alone it gets every core. While others wait their turn, it leaves one core to the web server,
        whose pages (theirs among them) would otherwise fight the training threads for it: on 2 cores,
        8 students' runs ended 30% sooner in all this way (bench/classroom.py), though one run alone
        trains faster on both cores.
        """
        with self._cond:
            return ALL_THREADS if not self._queue else max(1, ALL_THREADS - 1)

    def position(self, job: Job) -> int:
        """1 for the next run to start; 0 when ``job`` is not waiting."""
        with self._cond:
            return self._queue.index(job) + 1 if job in self._queue else 0

    def estimated_wait(self, job: Job) -> float | None:
        """Seconds until ``job`` should start, from the runs ahead of it; None when not known yet.

        Each slot is free when its run's ETA says so; each waiting run ahead then takes
        as long as the last finished run of its kind (or of any kind).
        """
        with self._cond:
            if job not in self._queue:
                return None
            ahead = self._queue[: self._queue.index(job)]
            free_at = [0.0] * (self.limit - len(self._active))
            for other in self._active:
                remaining = other.remaining_s(self._expected(other.name))
                if remaining is None:
                    return None
                free_at.append(remaining)
            heapq.heapify(free_at)
            for other in ahead:
                expected = self._expected(other.name)
                if expected is None:
                    return None
                heapq.heappush(free_at, heapq.heappop(free_at) + expected)
            return free_at[0]

    def _expected(self, name: str) -> float | None:
        if name in self._durations:
            return self._durations[name]
        if self._durations:
            return sum(self._durations.values()) / len(self._durations)
        return None


_slots: Slots | None = None
_slots_lock = threading.Lock()


def default_limit() -> int:
    value = os.environ.get(MAX_RUNS_ENV, "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    return 2 if torch.cuda.is_available() else 1


def abandon_seconds() -> float:
    """``PLAYGROUND_ABANDON_S``: how long a run may go unwatched before it is stopped (0: never)."""
    try:
        value = float(os.environ.get(ABANDON_ENV, DEFAULT_ABANDON_S))
    except ValueError:
        return DEFAULT_ABANDON_S
    return value if value >= 0 else DEFAULT_ABANDON_S


def shared_slots() -> Slots:
    """The process-wide run limit, shared by every session of the app."""
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = Slots(default_limit())
        return _slots


@dataclass(frozen=True)
class Progress:
    """A consistent copy of a job's state, safe to read from the page."""

    state: str
    stage: str
    epoch: int
    epochs: int
    batch: int
    batches: int
    samples_per_s: float
    eta_s: float | None
    elapsed_s: float
    rows: tuple[EpochStats, ...]
    extras: dict
    queue_position: int
    error: str | None
    wait_s: float | None = None  # while waiting: estimated seconds until it starts (None: not known yet)
    started: bool = False  # False when it never left the queue (stopped or abandoned while waiting)
    abandoned: bool = False  # stopped because nobody watched it any more
    curves: tuple[RunCurve, ...] = ()  # one per model trained so far: its loss batch by batch, smoothed

    @property
    def fraction(self) -> float:
        total = self.epochs * self.batches
        if not total:
            return 0.0
        return min(1.0, ((self.epoch - 1) * self.batches + self.batch) / total)


class JobContext(Callback):
    """Given to a job's target: a Callback that records progress, plus the stop event."""

    def __init__(self, job: Job):
        self._job = job
        self.stop = job._stop
        self._pending = PendingLosses()
        self._read_at = 0.0

    def set_stage(self, stage: str) -> None:
        """Label the current part of a multi-step job (e.g. which model is training)."""
        with self._job._lock:
            self._job._stage = stage

    def publish(self, key: str, value: Any) -> None:
        """Share a value with the page (a figure's data, per-layer gradient norms...)."""
        with self._job._lock:
            self._job._extras[key] = value

    def on_fit_start(self, model: nn.Module, config: TrainConfig, batches: int) -> None:
        with self._job._lock:
            self._job._epochs, self._job._batches = config.epochs, batches
            self._job._epoch, self._job._batch = 1, 0
            self._job._rows = []
            self._job._fit_start = time.perf_counter()
            self._job._curves.append(LiveCurve(self._job._stage, batches, config.epochs))
            del self._job._curves[:-MAX_CURVES]

    def add_losses(self, epoch: int, first_batch: int, losses: list[float]) -> None:
        """Batch losses of the current run, read from the device (by this context, or by a worker process)."""
        with self._job._lock:
            if self._job._curves:
                self._job._curves[-1].add(epoch, first_batch, losses)

    def _read_losses(self) -> None:
        taken = self._pending.take()  # outside the lock: it waits for the device
        if taken is not None:
            self.add_losses(*taken)
        self._read_at = time.perf_counter()

    def on_batch_end(self, model: nn.Module, event: BatchEvent) -> None:
        job = self._job
        now = time.perf_counter()
        done = (event.epoch - 1) * event.batches + event.batch
        total = event.epochs * event.batches
        elapsed = now - job._fit_start
        with job._lock:
            job._epoch, job._batch = event.epoch, event.batch
            job._samples_per_s = event.samples_seen / max(event.epoch_seconds, 1e-9)
            job._eta_s = elapsed * (total - done) / done if done else None
        self._pending.add(event)
        if event.batch == event.batches or now - self._read_at >= READ_LOSSES_S:
            self._read_losses()

    def on_epoch_end(self, model: nn.Module, stats: EpochStats, history: History) -> None:
        self._read_losses()  # a stopped epoch's last batches
        with self._job._lock:
            self._job._rows = list(history.epochs)
            self._job._samples_per_s = stats.samples_per_s
            if self._job._curves:
                curve = self._job._curves[-1]
                curve.rows = tuple(history.epochs)
                if stats.epoch == curve.epochs or getattr(history, "stopped", False):
                    curve.close()


class Job:
    """One run of ``target(context) -> result`` behind the shared slots.

    The run is watched from a thread of this process; with ``process`` (``PLAYGROUND_WORKERS=process``,
    see ``workers.process_mode``) the target itself runs in a worker process (``workers.py``).

    ``owner`` (a browser session's id) may keep one run queued or running at a time;
    ``connected()`` says whether the owner's browser is still there. A run whose
    snapshot has not been read for ``abandon_s`` seconds while ``connected()`` is
    false (or, without ``connected``, simply not read) is stopped by the reaper.
    """

    def __init__(
        self,
        name: str,
        target: Callable[[JobContext], Any],
        slots: Slots | None = None,
        owner: str | None = None,
        connected: Callable[[], bool] | None = None,
        abandon_s: float | None = None,
        process: bool | None = None,
        kept: Any = None,
    ):
        self.name = name
        self.kept = kept  # what the page keeps beside the run (its model, data, settings); never sent to a worker
        self.process = workers.process_mode() if process is None else process
        self.owner = owner
        self._target = target
        self._slots = slots or shared_slots()
        self._connected = connected
        self.abandon_s = abandon_seconds() if abandon_s is None else abandon_s
        self._lock = threading.Lock()
        self._stop = threading.Event()
        # the run's thread starts from a copy of this context: it keeps the page's language (playground.i18n)
        self._thread = threading.Thread(
            target=contextvars.copy_context().run, args=(self._run,), name=f"playground-job-{name}", daemon=True
        )
        self._state = WAITING
        self._stage = ""
        self._epoch = self._epochs = self._batch = self._batches = 0
        self._samples_per_s = 0.0
        self._eta_s: float | None = None
        self._rows: list[EpochStats] = []
        self._curves: list[LiveCurve] = []
        self._extras: dict = {}
        self._error: str | None = None
        self._created = time.perf_counter()
        self._fit_start = self._created
        self._started: float | None = None
        self._finished: float | None = None
        self._seen = time.monotonic()
        self._abandoned = False
        self.result: Any = None

    def start(self) -> Job:
        """Queue the run; PlaygroundError if its owner already has one queued or running."""
        _owners.claim(self)
        self._thread.start()
        if self.abandon_s > 0:
            _reaper.watch(self)
        return self

    def stop(self) -> None:
        """Ask the run to stop after its current batch (or to leave the queue)."""
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    @property
    def state(self) -> str:
        with self._lock:
            return self._state

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    def touch(self) -> None:
        """Note that someone is watching this run (every snapshot does)."""
        with self._lock:
            self._seen = time.monotonic()

    def remaining_s(self, expected: float | None = None) -> float | None:
        """Seconds until this running job should end: its ETA, or ``expected`` less the time it has run."""
        with self._lock:
            if self._eta_s is not None:
                return self._eta_s
            if expected is None or self._started is None:
                return None
            return max(0.0, expected - (time.perf_counter() - self._started))

    def snapshot(self) -> Progress:
        waiting = self.state == WAITING
        position = self._slots.position(self) if waiting else 0
        wait = self._slots.estimated_wait(self) if waiting else None
        with self._lock:
            self._seen = time.monotonic()
            end = self._finished or time.perf_counter()
            return Progress(
                state=self._state,
                stage=self._stage,
                epoch=self._epoch,
                epochs=self._epochs,
                batch=self._batch,
                batches=self._batches,
                samples_per_s=self._samples_per_s,
                eta_s=self._eta_s if self._state == RUNNING else None,
                elapsed_s=end - self._created,
                rows=tuple(self._rows),
                extras=dict(self._extras),
                queue_position=position,
                error=self._error,
                wait_s=wait,
                started=self._started is not None,
                abandoned=self._abandoned,
                curves=tuple(curve.frozen() for curve in self._curves),
            )

    def unwatched_for(self) -> float:
        """Seconds since the last snapshot, or 0 while the owner's browser is still connected."""
        if self._connected is not None and self._connected():
            return 0.0
        with self._lock:
            return time.monotonic() - self._seen

    def abandon(self) -> None:
        """Stop a run nobody watches any more (the reaper calls this)."""
        with self._lock:
            self._abandoned = True
        self._stop.set()

    def _set(self, **fields) -> None:
        with self._lock:
            for key, value in fields.items():
                setattr(self, f"_{key}", value)

    def _run(self) -> None:
        try:
            if not self._slots.acquire(self, self._stop):
                self._set(state=STOPPED, finished=time.perf_counter())
                return
            self._set(state=RUNNING, started=time.perf_counter())
            threads = self._slots.threads_for(self)
            seconds = None
            try:
                if self.process:
                    self.result = workers.run_in_worker(self._target, JobContext(self), threads)
                else:
                    torch.set_num_threads(threads)  # for this thread's parallel regions
                    self.result = self._target(JobContext(self))
                state, error = (STOPPED if self._stop.is_set() else DONE), None
                if state == DONE:
                    seconds = time.perf_counter() - self._started
            except PlaygroundError as exc:
                state, error = FAILED, str(exc)
            except Exception as exc:  # a bug: keep the app alive, log the details
                log.exception("training job %s failed", self.name)
                state, error = (
                    FAILED,
                    _("Training failed unexpectedly ({error}).").format(error=f"{type(exc).__name__}: {exc}"),
                )
            finally:
                self._slots.release(self, seconds)
            self._set(state=state, error=error, finished=time.perf_counter())
            log.info(
                "Run '%s' of session %s %s: %.1f s in the queue, %.1f s running.",
                self.name,
                self.owner or "-",
                state,
                self._started - self._created,
                self._finished - self._started,
            )
        finally:
            _owners.release(self)
            # The server does not collect garbage after every page rerun (runner.postScriptGC is off, see
            # .streamlit/config.toml), so a finished run's cycles are collected here, once per run.
            workers.release_memory()


class _Owners:
    """Which owner has a run queued or running: each owner keeps at most one."""

    def __init__(self):
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}

    def claim(self, job: Job) -> None:
        if job.owner is None:
            return
        with self._lock:
            other = self._jobs.get(job.owner)
            if other is not None and other is not job and not other.finished:
                raise PlaygroundError(
                    _(
                        "You already have a run queued or training ({name}); "
                        "stop it or let it finish before starting another."
                    ).format(name=_(other.name))
                )
            self._jobs[job.owner] = job

    def release(self, job: Job) -> None:
        with self._lock:
            if job.owner is not None and self._jobs.get(job.owner) is job:
                del self._jobs[job.owner]


class _Reaper:
    """One daemon thread that stops runs nobody has watched for their ``abandon_s``."""

    def __init__(self):
        self._lock = threading.Lock()
        self._jobs: weakref.WeakSet[Job] = weakref.WeakSet()
        self._thread: threading.Thread | None = None

    def watch(self, job: Job) -> None:
        with self._lock:
            self._jobs.add(job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="playground-job-reaper", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while True:
            with self._lock:
                jobs = [job for job in self._jobs if not job.finished]
            for job in jobs:
                idle = job.unwatched_for()
                if idle > job.abandon_s and not job._stop.is_set():
                    log.warning(
                        "Stopping run '%s' of session %s: nobody has watched it for %.0f s (abandoned).",
                        job.name,
                        job.owner or "-",
                        idle,
                    )
                    job.abandon()
            period = min((job.abandon_s for job in jobs), default=DEFAULT_ABANDON_S)
            time.sleep(min(5.0, max(0.05, period / 4)))


_owners = _Owners()
_reaper = _Reaper()
