"""How a process that serves a whole class is set up: once, when the web app's first page loads.

Each setting here was measured with ``bench/classroom.py`` (2 cores, 8 to 16 students training):

- the libraries' start-up objects are frozen out of garbage collection: torch, pandas and plotly
  leave a few hundred thousand long-lived objects, and a full collection walked them all (0.1 s on
  one core) while holding the interpreter lock; frozen, it takes microseconds;
- the interpreter hands the lock between threads every 0.5 ms instead of 5 ms: each PyTorch call
  releases the lock and takes it back, so a training thread beside a page that runs Python (a student
  tokenizing a corpus) waited up to 5 ms at every call; a small network's 1.6 s of training took
  63 s beside one busy page thread at 5 ms, 6.8 s at 0.5 ms;
- the package's log lines (each run's queue and running time, abandoned runs) go to the server's output;
- with ``PLAYGROUND_WORKERS=process`` the training workers start while the first page renders;
- the course's-code tabs' heavy parts (ResNet-50 on the meta device) are computed in a background thread.

All of the heavy part runs in one background thread, so the first visitor's page is not behind it:
torch, pandas, plotly and the models are imported there (2-4 s on a fresh server, which Home's title
and course outline do not need), and only then are the objects frozen and the course warmed up.
A page that needs torch meanwhile waits for the same import (Python's import lock), not for a second one.
"""

from __future__ import annotations

import gc
import logging
import sys
import threading

SWITCH_INTERVAL_S = 0.0005


def prepare_server_process() -> threading.Event:
    """Thread switching and logs now, the rest in a thread; returns an event set once the libraries are frozen.

    pages/common.py calls it once per process (when it is first imported).
    """
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    log = logging.getLogger("playground")
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    frozen = threading.Event()
    threading.Thread(target=_warm_up, args=(frozen,), name="playground-warm-up", daemon=True).start()
    return frozen


def _warm_up(frozen: threading.Event) -> None:
    try:
        import pandas  # noqa: F401, PLC0415  (the libraries every page but Home needs, imported once, here)
        import plotly.graph_objects  # noqa: F401, PLC0415

        import playground.models  # noqa: F401, PLC0415  (imports torch and registers the architectures)
        from playground import course  # noqa: PLC0415
        from playground.training import workers  # noqa: PLC0415
        from playground.training.jobs import default_limit  # noqa: PLC0415

        gc.collect()
        gc.freeze()
        if workers.process_mode():
            workers.warm_up(default_limit())
        frozen.set()
        # The course's-code tabs build ResNet-50 on the meta device and import torch's compiler stack once
        # (3-4 s): done here, beside the first visitors, rather than in the first student's request.
        course.warm_up()
    except Exception:  # a page that needs the failed part reports it itself
        logging.getLogger("playground").exception("The server's warm-up failed")
    finally:
        frozen.set()
