"""Training runs in worker threads, for the browser.

A page creates a ``Job`` in the user's session and starts it; the work runs in
a plain thread that never touches streamlit, while the page polls
``job.snapshot()`` from an ``st.fragment(run_every=...)``. A process-wide
``Slots`` limit (``PLAYGROUND_MAX_RUNS``, default 1 on a CPU-only server)
queues further runs in order, so a classroom cannot overload the machine.
Jobs live only in the session that made them; nothing here lists them.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from playground.errors import PlaygroundError
from playground.training.engine import BatchEvent, Callback, EpochStats, History, TrainConfig

log = logging.getLogger(__name__)

WAITING, RUNNING, DONE, STOPPED, FAILED = "waiting", "running", "done", "stopped", "failed"
FINISHED = (DONE, STOPPED, FAILED)
MAX_RUNS_ENV = "PLAYGROUND_MAX_RUNS"


class Slots:
    """A first-come, first-served limit on how many runs train at once."""

    def __init__(self, limit: int):
        self.limit = max(1, int(limit))
        self._cond = threading.Condition()
        self._queue: list[object] = []
        self.running = 0

    def acquire(self, owner: object, stop: threading.Event) -> bool:
        """Wait for a free slot in turn; False if ``stop`` was set while waiting."""
        with self._cond:
            self._queue.append(owner)
            try:
                while not (self.running < self.limit and self._queue[0] is owner):
                    if stop.is_set():
                        return False
                    self._cond.wait(timeout=0.1)
                self.running += 1
                return True
            finally:
                self._queue.remove(owner)
                self._cond.notify_all()

    def release(self) -> None:
        with self._cond:
            self.running -= 1
            self._cond.notify_all()

    def position(self, owner: object) -> int:
        """1 for the next run to start; 0 when ``owner`` is not waiting."""
        with self._cond:
            return self._queue.index(owner) + 1 if owner in self._queue else 0


_slots: Slots | None = None
_slots_lock = threading.Lock()


def default_limit() -> int:
    value = os.environ.get(MAX_RUNS_ENV, "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    return 2 if torch.cuda.is_available() else 1


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

    def on_epoch_end(self, model: nn.Module, stats: EpochStats, history: History) -> None:
        with self._job._lock:
            self._job._rows = list(history.epochs)
            self._job._samples_per_s = stats.samples_per_s


class Job:
    """One run of ``target(context) -> result`` in a worker thread, behind the shared slots."""

    def __init__(self, name: str, target: Callable[[JobContext], Any], slots: Slots | None = None):
        self.name = name
        self._target = target
        self._slots = slots or shared_slots()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"playground-job-{name}", daemon=True)
        self._state = WAITING
        self._stage = ""
        self._epoch = self._epochs = self._batch = self._batches = 0
        self._samples_per_s = 0.0
        self._eta_s: float | None = None
        self._rows: list[EpochStats] = []
        self._extras: dict = {}
        self._error: str | None = None
        self._created = time.perf_counter()
        self._fit_start = self._created
        self._finished: float | None = None
        self.result: Any = None

    def start(self) -> Job:
        self._thread.start()
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

    def snapshot(self) -> Progress:
        with self._lock:
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
                queue_position=self._slots.position(self) if self._state == WAITING else 0,
                error=self._error,
            )

    def _set(self, **fields) -> None:
        with self._lock:
            for key, value in fields.items():
                setattr(self, f"_{key}", value)

    def _run(self) -> None:
        if not self._slots.acquire(self, self._stop):
            self._set(state=STOPPED, finished=time.perf_counter())
            return
        self._set(state=RUNNING)
        try:
            self.result = self._target(JobContext(self))
            state, error = (STOPPED if self._stop.is_set() else DONE), None
        except PlaygroundError as exc:
            state, error = FAILED, str(exc)
        except Exception as exc:  # a bug: keep the app alive, log the details
            log.exception("training job %s failed", self.name)
            state, error = FAILED, f"Training failed unexpectedly ({type(exc).__name__}: {exc})."
        finally:
            self._slots.release()
        self._set(state=state, error=error, finished=time.perf_counter())
