"""Streamlit pieces every page shares: errors, live training runs, settings in the URL, model files."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from playground.device import device_info, pick_device
from playground.device import library_versions as playground_versions
from playground.errors import PlaygroundError
from playground.figures import history_figure
from playground.models import load_model, model_bytes
from playground.share import from_query, to_query
from playground.training.jobs import DONE, FAILED, STOPPED, WAITING, Job, Progress


def _leave_pages_directory_mode() -> None:
    """Make a deep link on a fresh server use app.py's navigation.

    Streamlit treats an app with a pages/ folder as a v1 multipage app until
    st.navigation runs; when a server's first visitor opens /cnn directly, the
    page would run alone with a navigation made from file names. Every page
    imports this module first, so the first such run switches to app.py's
    navigation and reruns.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


_leave_pages_directory_mode()


def library_versions() -> dict[str, str]:
    return {"streamlit": st.__version__} | playground_versions()


@st.cache_resource
def device_line() -> str:
    try:
        info = device_info(pick_device())
    except PlaygroundError as exc:
        return f"⚠️ {exc}"
    kind = {"cuda": "NVIDIA GPU", "mps": "Apple GPU", "cpu": "CPU"}[info.kind]
    return f"Training runs on **{info.name}** ({kind}), PyTorch {info.torch_version}."


def fail(message: str) -> None:
    """Show one sentence and end this run of the page."""
    st.error(message)
    st.stop()


def settings_from_url(cls, prefix: str):
    """The page's settings from the URL, read once per session; later reruns keep the widgets'."""
    key = f"{prefix}.url_config"
    if key not in st.session_state:
        config, ignored = from_query(cls, st.query_params.to_dict(), prefix)
        st.session_state[key] = config
        if ignored:
            st.info(
                f"Some settings in the link were not understood and were left at their defaults: {', '.join(ignored)}."
            )
    return st.session_state[key]


def settings_to_url(config, prefix: str) -> None:
    """Reflect ``config`` in the URL so the link opens the same experiment."""
    wanted = to_query(config, prefix)
    current = {k: v for k, v in st.query_params.to_dict().items() if k.startswith(prefix + ".")}
    if current != wanted:
        for k in current:
            if k not in wanted:
                del st.query_params[k]
        st.query_params.update(wanted)


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "…"
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{seconds // 60:.0f} min {seconds % 60:02.0f} s"


def progress_text(p: Progress) -> str:
    if p.state == WAITING:
        return (
            f"Waiting for a free training slot (number {p.queue_position} in the queue); "
            "other users' runs are training."
        )
    stage = f"{p.stage} · " if p.stage else ""
    return (
        f"{stage}epoch {p.epoch}/{p.epochs} · batch {p.batch}/{p.batches} · "
        f"{p.samples_per_s:,.0f} samples/s · ETA {format_seconds(p.eta_s)}"
    )


def show_progress(job: Job, stop_key: str) -> Progress:
    """Progress bar with epoch, ETA and samples/s, and a Stop button while the job runs."""
    p = job.snapshot()
    if p.state == WAITING:
        st.progress(0.0, text=progress_text(p))
    elif not job.finished:
        st.progress(p.fraction, text=progress_text(p))
    if not job.finished and st.button("Stop", icon=":material/stop:", key=stop_key):
        job.stop()
    return p


@st.fragment(run_every=1.0)
def live_job(job_key: str, render: Callable[[Progress], None] | None = None, metric: str = "accuracy") -> None:
    """Poll the job in ``st.session_state[job_key]``: progress, Stop, live curves; rerun the page at the end."""
    job: Job | None = st.session_state.get(job_key)
    if job is None:
        return
    p = show_progress(job, f"{job_key}.stop")
    if render is not None:
        render(p)
    elif p.rows:
        st.plotly_chart(history_figure(p.rows, metric), key=f"{job_key}.live_curves")
    if job.finished:
        st.rerun()  # the whole page, which now shows the results


def job_outcome(job: Job) -> None:
    """One line on how a finished job ended."""
    p = job.snapshot()
    if p.state == FAILED:
        st.error(p.error)
    elif p.state == STOPPED:
        st.warning(f"Stopped after {len(p.rows)} epoch(s); the model keeps the weights it had reached.")
    elif p.state == DONE:
        st.success(f"Trained {len(p.rows)} epoch(s) in {format_seconds(p.elapsed_s)}.")


def download_model(model, meta: dict, file_name: str, key: str) -> None:
    st.download_button(
        "⬇️ Download model", data=model_bytes(model, meta), file_name=file_name, mime="application/octet-stream", key=key
    )


def upload_model(key: str, expected_arch: str | None = None):
    """A "Load model" uploader: (model, meta) once for each new file, else None.

    A bad file gets one sentence, shown for as long as it stays in the uploader.
    """
    upload = st.file_uploader("Load model (.pt)", type=["pt", "pth"], key=key)
    if upload is None:
        return None
    if st.session_state.get(f"{key}.seen") == upload.file_id:
        if st.session_state.get(f"{key}.error"):
            st.error(st.session_state[f"{key}.error"])
        return None
    st.session_state[f"{key}.seen"] = upload.file_id
    st.session_state[f"{key}.error"] = None
    try:
        model, meta = load_model(upload.getvalue())
        if expected_arch and model.playground_arch[0] != expected_arch:
            raise PlaygroundError(
                f"This file holds a '{model.playground_arch[0]}' model; this page needs '{expected_arch}'."
            )
    except PlaygroundError as exc:
        st.session_state[f"{key}.error"] = str(exc)
        st.error(str(exc))
        return None
    return model, meta
