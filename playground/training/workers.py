"""Training in long-lived worker processes, so that a class's page reruns never wait on it (or it on them).

The web server runs every student's page in one Python process. A training loop in a thread of that
process needs the interpreter lock back after every PyTorch call, and while fifteen pages render it
waits its turn each time: on 2 cores a run of 1.8 s took 34 s while a class pressed Train at once
(``bench/classroom.py``). Here the run goes to a worker process of its own instead:

- a worker is started once (``spawn``: a fresh interpreter that imports torch and the package once)
  and then takes one run after another; there are as many as runs may train at once;
- the run's target is sent with cloudpickle, closures and the page's model included; the worker
  streams its progress back (epochs, batches, stage, published values) to the same ``JobContext`` a
  thread would have updated, obeys Stop through a shared event, and sends back the result;
- the ``nn.Module`` objects the target holds (as default arguments or from its closure) are trained
  in the worker, so their weights are copied back into the caller's modules when the run ends: the
  page's model ends up trained in place, as with a thread;
- a worker that dies (out of memory, a crash in native code) fails its run with one sentence and is
  replaced.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import logging
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import cloudpickle
import torch
from torch import nn

from playground.errors import PlaygroundError
from playground.i18n import _, language, language_of
from playground.training.curves import PendingLosses
from playground.training.engine import BatchEvent, Callback, EpochStats, History, TrainConfig

log = logging.getLogger(__name__)

MODE_ENV = "PLAYGROUND_WORKERS"  # "thread" (the default) or "process"
BATCH_EVERY_S = 0.1  # progress within an epoch is sent at most this often


def process_mode() -> bool:
    """True when ``PLAYGROUND_WORKERS=process`` asks for runs in worker processes.

    Threads stay the default: on a 2-core server the cores, not the interpreter lock, limit a class,
    and a worker holds its own copy of torch and of the run's data (bench/classroom.py: 8 sessions
    peaked at 1.8 GB with threads, 2.6 GB with a worker). Where cores and memory are to spare,
    workers keep a class's page reruns from slowing Python-heavy training loops.
    """
    return os.environ.get(MODE_ENV, "thread").strip().lower() == "process"


def held_modules(target: Callable) -> list[nn.Module]:
    """The modules ``target`` holds, in a fixed order: default arguments, then closure cells."""
    values = list(getattr(target, "__defaults__", None) or ())
    values += list((getattr(target, "__kwdefaults__", None) or {}).values())
    values += [cell.cell_contents for cell in getattr(target, "__closure__", None) or () if _filled(cell)]
    return [v for v in values if isinstance(v, nn.Module)]


def _filled(cell) -> bool:
    try:
        cell.cell_contents  # noqa: B018
    except ValueError:  # an empty cell
        return False
    return True


# ---- the worker's side ----------------------------------------------------------------------


class _Remote(Callback):
    """The worker's JobContext: each call goes to the parent as a message."""

    def __init__(self, conn, stop):
        self._conn, self.stop = conn, stop
        self._last_batch = 0.0
        self._pending = PendingLosses()  # the batch losses, sent with the progress they belong to

    def _send_losses(self) -> None:
        taken = self._pending.take()
        if taken is not None:
            self._conn.send(("add_losses", taken))

    def set_stage(self, stage: str) -> None:
        self._conn.send(("set_stage", (stage,)))

    def publish(self, key: str, value: Any) -> None:
        self._conn.send(("publish", (key, value)))

    def on_fit_start(self, model: nn.Module, config: TrainConfig, batches: int) -> None:
        self._conn.send(("on_fit_start", (None, config, batches)))

    def on_batch_end(self, model: nn.Module, event: BatchEvent) -> None:
        now = time.perf_counter()
        self._pending.add(event)
        if now - self._last_batch >= BATCH_EVERY_S or event.batch == event.batches:
            self._last_batch = now
            self._send_losses()
            self._conn.send(("on_batch_end", (None, replace(event, loss=None))))

    def on_epoch_end(self, model: nn.Module, stats: EpochStats, history: History) -> None:
        self._send_losses()
        self._conn.send(("on_epoch_end", (None, stats, SimpleNamespace(epochs=list(history.epochs)))))


def _serve(conn, stop) -> None:
    """A worker's life: take a run, do it, send back what came of it; until the parent goes."""
    while True:
        try:
            payload, threads, lang = conn.recv()
        except (EOFError, OSError):
            return
        try:
            torch.set_num_threads(threads)
            target = cloudpickle.loads(payload)
            with language_of(lang):  # the page's language, for the run's messages
                result = target(_Remote(conn, stop))
            weights = [{k: v.detach().cpu() for k, v in m.state_dict().items()} for m in held_modules(target)]
            message = ("done", cloudpickle.dumps((result, weights)))
        except PlaygroundError as exc:
            message = ("failed", str(exc))
        except Exception as exc:  # a bug: the parent logs it and tells the user in one sentence
            message = ("error", f"{type(exc).__name__}: {exc}")
        conn.send(message)
        target = result = message = None  # the run's data and model: gone before the next run arrives
        release_memory()


def release_memory() -> None:
    """Collect the finished run's objects and hand the freed heap back to the system (glibc keeps it otherwise)."""
    gc.collect()
    if _libc is not None:
        _libc.malloc_trim(0)


_libc = ctypes.CDLL(ctypes.util.find_library("c")) if sys.platform.startswith("linux") else None


# ---- the parent's side ----------------------------------------------------------------------


class _Worker:
    def __init__(self):
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.stop = context.Event()
        self.process = context.Process(target=_serve, args=(child, self.stop), name="playground-worker", daemon=True)
        with _without_main_module():
            self.process.start()
        child.close()

    def alive(self) -> bool:
        return self.process.is_alive()


@contextlib.contextmanager
def _without_main_module():
    """Start a worker without re-importing the parent's main module in it.

    ``spawn`` imports the parent's ``__main__`` in the child, here ``streamlit``'s command line and with it
    the whole web server: 150 MB per worker, and warnings about a missing script context. A worker needs
    only this module, which cloudpickle and the run's own imports bring.
    """
    main = sys.modules["__main__"]
    saved = {name: getattr(main, name) for name in ("__spec__", "__file__") if hasattr(main, name)}
    try:
        main.__spec__ = None
        if hasattr(main, "__file__"):
            del main.__file__
        yield
    finally:
        for name, value in saved.items():
            setattr(main, name, value)


class Pool:
    """Idle workers, started on demand and kept for the next run."""

    def __init__(self):
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []

    def warm_up(self, count: int) -> None:
        """Start ``count`` workers now (in the background), so the first runs do not wait for them."""
        with self._lock:
            missing = count - len(self._idle)
        for _started in range(max(0, missing)):
            threading.Thread(target=self._add, name="playground-worker-start", daemon=True).start()

    def _add(self) -> None:
        worker = _Worker()
        with self._lock:
            self._idle.append(worker)

    def take(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    return worker
        return _Worker()

    def give_back(self, worker: _Worker) -> None:
        if worker.alive():
            with self._lock:
                self._idle.append(worker)


_pool = Pool()


def warm_up(count: int) -> None:
    _pool.warm_up(count)


def run_in_worker(target: Callable, context, threads: int) -> Any:
    """``target(context)`` done in a worker process; progress reaches ``context`` as it happens.

    ``context`` is the run's JobContext (its ``stop`` event is watched and passed on). Raises
    PlaygroundError for the target's own one-sentence errors and for a worker that died.
    """
    modules = held_modules(target)
    try:
        payload = cloudpickle.dumps(target)
    except Exception as exc:  # something in the closure cannot travel: train here instead
        log.warning("A run trains in the server's process: its target cannot be sent to a worker (%s).", exc)
        torch.set_num_threads(threads)
        return target(context)
    worker = _pool.take()
    worker.stop.clear()
    over = threading.Event()
    watcher = threading.Thread(target=_pass_stop, args=(context.stop, worker.stop, over), daemon=True)
    watcher.start()
    reply = None
    try:
        worker.conn.send((payload, threads, language()))
        while reply is None:
            kind, body = worker.conn.recv()
            if kind in ("done", "failed", "error"):
                reply = kind, body
            else:
                getattr(context, kind)(*body)
    except (EOFError, OSError):
        worker.process.join(5)
        raise PlaygroundError(
            _(
                "The training process stopped unexpectedly (exit code {code}), perhaps out of memory; "
                "try a smaller run."
            ).format(code=worker.process.exitcode)
        ) from None
    finally:
        over.set()
        watcher.join(1)
        if reply is not None:
            _pool.give_back(worker)
    kind, body = reply
    if kind == "failed":
        raise PlaygroundError(body)
    if kind == "error":
        raise RuntimeError(body)
    result, weights = cloudpickle.loads(body)
    for module, state in zip(modules, weights):
        module.load_state_dict(state)
    return result


def _pass_stop(local: threading.Event, shared, over: threading.Event) -> None:
    """Forward a Stop from the page to the worker, until the run is over."""
    while not over.is_set():
        if local.wait(0.1):
            shared.set()
            return
