"""Streamlit pieces every page shares: errors, live training runs, settings in the URL, model files."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

import streamlit as st
from streamlit import runtime
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx

from playground.device import device_info, pick_device
from playground.device import library_versions as playground_versions
from playground.errors import PlaygroundError
from playground.figures import history_figure
from playground.models import load_model, model_bytes
from playground.models.registry import get_spec
from playground.serving import prepare_server_process
from playground.share import from_query, to_query
from playground.training.jobs import DONE, FAILED, STOPPED, WAITING, Job, Progress

UPLOAD_MB = 20  # per uploader: photos, zips of small images, CSVs, model files (the server allows 120 MB)
WEIGHTS_UPLOAD_MB = 120  # a ResNet-50 weights file is 98 MB


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


prepare_server_process()  # once per server process: garbage collection, thread switching, logs, workers


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


def settings_from_url(cls, prefix: str):
    """The page's settings from the URL, read once per session; later reruns keep the widgets'."""
    key = f"{prefix}.url_config"
    if key not in st.session_state:
        config, ignored = from_query(cls, st.query_params.to_dict(), prefix)
        st.session_state[key] = config
        if ignored:
            st.info(
                "Some settings in the link were not understood or are out of range, and were left at their "
                f"defaults: {'; '.join(ignored)}."
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
        wait = "the wait is not known yet" if p.wait_s is None else f"about {format_seconds(p.wait_s)} to wait"
        return (
            f"Waiting for a free training slot: number {p.queue_position} in the queue, {wait}. "
            "Other users' runs are training."
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


def _session_identity() -> tuple[str | None, Callable[[], bool] | None]:
    """This browser session's id, and a check that its browser is still connected."""
    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():  # AppTest, or outside a server
        return None, None
    session_id = ctx.session_id

    def connected() -> bool:
        return runtime.exists() and runtime.get_instance().is_active_session(session_id)

    return session_id, connected


def start_job(job_key: str, name: str, target: Callable) -> Job | None:
    """Queue ``target`` as this session's run, kept in ``st.session_state[job_key]``.

    A session keeps one run queued or running at a time; a second gets one sentence and None.
    """
    owner, connected = _session_identity()
    try:
        job = Job(name, target, owner=owner, connected=connected).start()
    except PlaygroundError as exc:
        st.error(str(exc))
        return None
    st.session_state[job_key] = job
    return job


def figure_once(key: str, version, build: Callable[[], object]):
    """The figure ``build()`` made for this ``version`` of its data, kept in the session.

    A live view redraws every second; rebuilding a Plotly figure costs 20-50 ms of the server's
    interpreter, re-sending a built one well under 1 ms. ``version`` is a number (rows so far) or
    the data object itself (compared by identity).
    """
    cached = st.session_state.get(key)
    if cached is None or not _same(cached[0], version):
        cached = (version, build())
        st.session_state[key] = cached
    return cached[1]


def _same(a, b) -> bool:
    if a is b:
        return True
    if isinstance(b, (int, str, tuple)):
        try:
            return bool(a == b)
        except (ValueError, TypeError):  # arrays inside: only the same object counts
            return False
    return False


def _live_curves(job_key: str, p: Progress, metric: str) -> None:
    """The run's curves; the figure is rebuilt only when an epoch has been added."""
    if p.rows:
        figure = figure_once(
            f"{job_key}.live_figure", (len(p.rows), p.rows[-1]), lambda: history_figure(p.rows, metric)
        )
        st.plotly_chart(figure, key=f"{job_key}.live_curves")


def _poll(job_key: str, render: Callable[[Progress], None] | None, metric: str) -> Job | None:
    job: Job | None = st.session_state.get(job_key)
    if job is None:
        return None
    p = show_progress(job, f"{job_key}.stop")
    if render is not None:
        render(p)
    else:
        _live_curves(job_key, p, metric)
    return job


@st.fragment(run_every=1.0)
def _live_running(job_key: str, render: Callable[[Progress], None] | None, metric: str) -> None:
    job = _poll(job_key, render, metric)
    if job is not None and job.finished:
        st.session_state.pop(f"{job_key}.live_figure", None)
        st.rerun()  # the whole page, once, which now shows the results


@st.fragment(run_every=3.0)
def _live_waiting(job_key: str, render: Callable[[Progress], None] | None, metric: str) -> None:
    job = _poll(job_key, render, metric)
    if job is not None and job.state != WAITING:
        st.rerun()  # it has started (or left the queue): poll at the running pace, or show how it ended


def live_job(job_key: str, render: Callable[[Progress], None] | None = None, metric: str = "accuracy") -> None:
    """Poll the job in ``st.session_state[job_key]``: progress, Stop, live curves; rerun the page at the end.

    Each poll reads one snapshot and redraws a progress line and the curves; a run waiting in the
    queue is polled every 3 s instead of every second.
    """
    job: Job | None = st.session_state.get(job_key)
    if job is None:
        return
    if job.state == WAITING:
        _live_waiting(job_key, render, metric)
    else:
        _live_running(job_key, render, metric)


def job_button(
    job_key: str,
    label: str,
    make_target: Callable,
    disabled: bool = False,
    metric: str = "accuracy",
    name: str = "training",
) -> Job | None:
    """A primary button that starts ``make_target()`` as a Job kept in ``st.session_state[job_key]``.

    While the job runs it shows live progress (and Stop); afterwards how it ended. Returns the
    finished job, or None while there is none or it is still running.
    """
    job = st.session_state.get(job_key)
    running = job is not None and not job.finished
    if st.button(
        label, icon=":material/play_arrow:", type="primary", key=f"{job_key}.start", disabled=running or disabled
    ):
        running = start_job(job_key, name, make_target()) is not None
    if running:
        live_job(job_key, metric=metric)
        return None
    if job is not None:
        job_outcome(job)
    return job


def job_outcome(job: Job) -> None:
    """One line on how a finished job ended."""
    p = job.snapshot()
    if p.state == FAILED:
        st.error(p.error)
    elif p.state == STOPPED and not p.started:
        st.warning("Stopped while it was waiting in the queue: the model never trained.")
    elif p.state == STOPPED:
        why = "nobody was watching it" if p.abandoned else "you stopped it"
        st.warning(f"Stopped after {len(p.rows)} epoch(s) because {why}; the model keeps the weights it had reached.")
    elif p.state == DONE:
        st.success(f"Trained {len(p.rows)} epoch(s) in {format_seconds(p.elapsed_s)}.")


def download_model(model, meta: dict, file_name: str, key: str) -> None:
    st.download_button(
        "⬇️ Download model", data=model_bytes(model, meta), file_name=file_name, mime="application/octet-stream", key=key
    )


def upload_model(key: str, expected_arch: str | None = None, expected_task: str | None = None):
    """A "Load model" uploader: (model, meta) once for each new file, else None.

    A bad file gets one sentence, shown for as long as it stays in the uploader.
    """
    upload = st.file_uploader("Load model (.pt)", type=["pt", "pth"], key=key, max_upload_size=UPLOAD_MB)
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
        if expected_task and get_spec(model.playground_arch[0]).task != expected_task:
            raise PlaygroundError(
                f"This file holds a '{model.playground_arch[0]}' model, which does not classify {expected_task}s."
            )
    except PlaygroundError as exc:
        st.session_state[f"{key}.error"] = str(exc)
        st.error(str(exc))
        return None
    return model, meta


_CANVAS_HTML = """
<div class="pg-canvas">
  <canvas width="280" height="280" aria-label="drawing canvas"></canvas>
  <div class="pg-canvas-buttons">
    <button type="button" class="pg-use">Classify the drawing</button>
    <button type="button" class="pg-clear">Clear</button>
  </div>
</div>
"""
_CANVAS_CSS = """
.pg-canvas canvas { border: 1px solid var(--st-border-color, #ccc); border-radius: 6px; touch-action: none;
                    background: #fff; cursor: crosshair; }
.pg-canvas-buttons { margin-top: 6px; display: flex; gap: 8px; }
.pg-canvas-buttons button { padding: 4px 12px; border-radius: 6px; border: 1px solid #aaa; background: #f6f6f6;
                            cursor: pointer; }
"""
_CANVAS_JS = """
export default function(component) {
  const { parentElement, setStateValue } = component;
  const canvas = parentElement.querySelector("canvas");
  if (canvas.dataset.ready) return;
  canvas.dataset.ready = "1";
  const ctx = canvas.getContext("2d");
  const clear = () => { ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, canvas.width, canvas.height); };
  clear();
  ctx.lineWidth = 18; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#000";
  let drawing = false;
  const at = (e) => { const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height]; };
  canvas.addEventListener("pointerdown", (e) => { drawing = true; canvas.setPointerCapture(e.pointerId);
    const [x, y] = at(e); ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x + 0.1, y); ctx.stroke(); });
  canvas.addEventListener("pointermove", (e) => { if (!drawing) return; const [x, y] = at(e);
    ctx.lineTo(x, y); ctx.stroke(); });
  canvas.addEventListener("pointerup", () => { drawing = false; });
  parentElement.querySelector(".pg-clear").onclick = () => { clear(); setStateValue("image", null); };
  parentElement.querySelector(".pg-use").onclick = () => setStateValue("image", canvas.toDataURL("image/png"));
}
"""
_canvas = None


def drawing_canvas(key: str) -> bytes | None:
    """A 280×280 canvas to draw on (black ink on white); the PNG bytes once "Classify the drawing" is pressed."""
    global _canvas
    if _canvas is None:
        _canvas = st.components.v2.component("playground_canvas", html=_CANVAS_HTML, css=_CANVAS_CSS, js=_CANVAS_JS)
    result = _canvas(key=key, on_image_change=lambda: None)
    data_url = getattr(result, "image", None)
    if not data_url or not str(data_url).startswith("data:image/png;base64,"):
        return None
    try:
        return base64.b64decode(str(data_url).split(",", 1)[1], validate=True)
    except (ValueError, binascii.Error):
        return None
