"""Every training run on every page: one button that queues it, shows its progress and Stop, then how it ended."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from pages.common import figure_once
from pages.language import resolve
from playground.errors import PlaygroundError
from playground.figures.training import history_figure, runs_figure
from playground.i18n import _, language, ngettext, number
from playground.training.jobs import DONE, FAILED, STOPPED, WAITING, Job, Progress

Render = Callable[[Progress], None]
REDRAWS = 50  # live-curve figures per model a run's page builds, besides one per epoch


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "…"
    whole = round(seconds)  # rounded once, so 299.6 s reads "5 min 00 s", never "4 min 60 s"
    if whole < 60:
        return _("{seconds:.0f} s").format(seconds=whole)
    return _("{minutes:.0f} min {seconds:02.0f} s").format(minutes=whole // 60, seconds=whole % 60)


def progress_text(p: Progress) -> str:
    if p.state == WAITING:
        if p.wait_s is None:
            wait = _("the wait is not known yet")
        else:
            wait = _("about {time} to wait").format(time=format_seconds(p.wait_s))
        return _(
            "Waiting for a free training slot: number {position} in the queue, {wait}. Other users' runs are training."
        ).format(position=p.queue_position, wait=wait)
    stage = f"{p.stage} · " if p.stage else ""
    return stage + _("epoch {epoch}/{epochs} · batch {batch}/{batches} · {speed} samples/s · ETA {eta}").format(
        epoch=p.epoch,
        epochs=p.epochs,
        batch=p.batch,
        batches=p.batches,
        speed=number(p.samples_per_s),
        eta=format_seconds(p.eta_s),
    )


def _show_progress(job: Job, stop_key: str) -> Progress:
    """Progress bar with epoch, ETA and samples/s, and a Stop button while the job runs."""
    p = job.snapshot()
    if p.state == WAITING:
        st.progress(0.0, text=progress_text(p))
    elif not job.finished:
        st.progress(p.fraction, text=progress_text(p))
    if not job.finished and st.button(_("Stop"), icon=":material/stop:", key=stop_key):
        job.stop()
    return p


def _session_identity() -> tuple[str | None, Callable[[], bool] | None]:
    """This browser session's id, and a check that its browser is still connected."""
    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():  # AppTest, or outside a server
        return None, None
    session_id = ctx.session_id

    def connected() -> bool:
        return runtime.exists() and runtime.get_instance().is_active_session(session_id)

    return session_id, connected


def _start(key: str, name: str, target: Callable, kept: Any) -> Job | None:
    """Queue ``target`` as this session's run, kept in ``st.session_state[key]``.

    A session keeps one run queued or running at a time; a second gets one sentence and None.
    """
    owner, connected = _session_identity()
    try:
        job = Job(name, target, owner=owner, connected=connected, kept=kept).start()
    except PlaygroundError as exc:
        st.error(str(exc))
        return None
    st.session_state[key] = job
    return job


def live_figure(p: Progress, metric: str):
    """The running job's curves: its loss batch by batch (smoothed) with validation points at each epoch's end;
    one colour per model when it trains several."""
    if len(p.curves) > 1:
        return runs_figure(p.curves, metric)
    return history_figure(p.rows, metric, curve=p.curves[0] if p.curves else None)


def _live_curves(key: str, p: Progress, metric: str) -> None:
    """The run's curves; the figure is rebuilt when an epoch ends or the run has gone 2% further
    (``REDRAWS`` times per model at most, however long it trains: each rebuild costs the server 20-50 ms)."""
    if p.rows or any(c.x for c in p.curves):
        steps = tuple(int(REDRAWS * c.x[-1] / max(c.epochs, 1)) if c.x else 0 for c in p.curves)
        version = (len(p.rows), steps, language())
        figure = figure_once(f"{key}.live_figure", version, lambda: live_figure(p, metric))
        st.plotly_chart(figure, key=f"{key}.live_curves")


def _poll(key: str, render: Render | None, metric: str) -> Job | None:
    resolve()  # a fragment's rerun starts here, not at the page's top, where the language was set
    job: Job | None = st.session_state.get(key)
    if job is None:
        return None
    p = _show_progress(job, f"{key}.stop")
    if render is not None:
        render(p)
    else:
        _live_curves(key, p, metric)
    return job


@st.fragment(run_every=1.0)
def _live_running(key: str, render: Render | None, metric: str) -> None:
    job = _poll(key, render, metric)
    if job is not None and job.finished:
        st.session_state.pop(f"{key}.live_figure", None)
        st.rerun()  # the whole page, once, which now shows the results


@st.fragment(run_every=3.0)
def _live_waiting(key: str, render: Render | None, metric: str) -> None:
    job = _poll(key, render, metric)
    if job is not None and job.state != WAITING:
        st.rerun()  # it has started (or left the queue): poll at the running pace, or show how it ended


def _live(key: str, render: Render | None, metric: str) -> None:
    """Poll the job in ``st.session_state[key]``: progress, Stop, live curves; rerun the page at the end.

    Each poll reads one snapshot and redraws a progress line and the curves; a run waiting in the
    queue is polled every 3 s instead of every second.
    """
    job: Job | None = st.session_state.get(key)
    if job is not None and job.state == WAITING:
        _live_waiting(key, render, metric)
    elif job is not None:
        _live_running(key, render, metric)


def outcome(job: Job) -> None:
    """One line on how a finished job ended."""
    p = job.snapshot()
    if p.state == FAILED:
        st.error(p.error)
    elif p.state == STOPPED and not p.started:
        st.warning(_("Stopped while it was waiting in the queue: the model never trained."))
    elif p.state == STOPPED:
        why = _("nobody was watching it") if p.abandoned else _("you stopped it")
        st.warning(
            ngettext(
                "Stopped after {n} epoch because {why}; the model keeps the weights it had reached.",
                "Stopped after {n} epochs because {why}; the model keeps the weights it had reached.",
                len(p.rows),
            ).format(n=len(p.rows), why=why)
        )
    elif p.state == DONE:
        message = ngettext(
            "Trained {n} epoch; the whole run took {time}.",
            "Trained {n} epochs; the whole run took {time}.",
            len(p.rows),
        )
        st.success(message.format(n=len(p.rows), time=format_seconds(p.elapsed_s)))


def run_button(
    key: str,
    label: str,
    make: Callable[[], tuple[Callable, Any]],
    *,
    name: str,
    metric: str = "accuracy",
    render: Render | None = None,
    disabled: bool = False,
    icon: str = ":material/play_arrow:",
) -> Job | None:
    """A primary button that starts a run, then its queue place, progress, Stop and live curves, then how it ended.

    ``make()`` returns ``(target, kept)``: the function the run trains with (it is given a
    ``JobContext``) and what the page keeps beside it (``job.kept``: the model, the data, the
    settings). A ``PlaygroundError`` from ``make`` is shown in one sentence. ``render`` draws the
    live view instead of the loss curves. The job lives in ``st.session_state[key]``; the
    finished one is returned (else None), and ``finished_run(key)`` finds it from other tabs.
    """
    job = st.session_state.get(key)
    running = job is not None and not job.finished
    if st.button(label, icon=icon, type="primary", key=f"{key}.start", disabled=running or disabled):
        try:
            target, kept = make()
        except PlaygroundError as exc:
            st.error(str(exc))
        else:
            started = _start(key, name, target, kept)
            job, running = (started, True) if started is not None else (job, running)
    if running:
        _live(key, render, metric)
        return None
    if job is not None:
        outcome(job)
    return job


def finished_run(key: str) -> Job | None:
    """The run in ``st.session_state[key]`` if it has finished with a result."""
    job = st.session_state.get(key)
    return job if job is not None and job.finished and job.result is not None else None
