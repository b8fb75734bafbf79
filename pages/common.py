"""Streamlit pieces every page shares: its header, model summaries and model files.

Settings in the URL are in pages/links.py, training runs in pages/runs.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import streamlit as st

from pages.deep_links import use_app_navigation
from pages.language import resolve, switch
from playground.errors import PlaygroundError
from playground.i18n import N_, _, ngettext, number
from playground.lessons import lesson
from playground.serving import prepare_server_process

if TYPE_CHECKING:
    import torch

    from playground.models import Summary

# torch, pandas and the model registry are imported where they are used, not here: every page imports this
# module first, and Home's title and the course outline should not wait 2-3 s for torch on a fresh server
# (serving.prepare_server_process imports them in the background meanwhile).

UPLOAD_MB = 20  # per uploader: photos, zips of small images, CSVs, model files (the server allows 120 MB)
WEIGHTS_UPLOAD_MB = 120  # a ResNet-50 weights file is 98 MB

use_app_navigation()  # before anything else: a deep link on a fresh server gets app.py's navigation
prepare_server_process()  # once per server process: garbage collection, thread switching, logs, workers


# learning-rate schedules as people name them; English, marked for the catalog: show them with ``schedule_names``
SCHEDULES = {"onecycle": N_("one-cycle"), "constant": N_("constant")}


def schedule_names() -> dict[str, str]:
    """Each schedule's name in the page's language, translated now (a format_func may run after the page)."""
    return {schedule: _(name) for schedule, name in SCHEDULES.items()}


def optimiser_names() -> dict[str, str]:
    """Each optimiser as its paper and PyTorch spell it; plain SGD with momentum in the page's language."""
    return {"adam": "Adam", "adamw": "AdamW", "sgd": "SGD", "momentum": _("SGD with momentum"), "rmsprop": "RMSprop"}


def header(slug: str, caption: str) -> list:
    """The page's title from the page list, what it is about, and its tabs (none for a page without steps)."""
    resolve()  # already done by app.py on a server; AppTest may run a page without it
    switch()
    page = lesson(slug)
    st.title(_(page.page_title))
    if page.section:
        st.markdown(_("Course section {section}").format(section=f"**{page.section} {_(page.section_title)}**"))
    st.caption(caption)
    return st.tabs([_(tab) for tab in page.tabs]) if page.tabs else []


def library_versions() -> dict[str, str]:
    from playground.device import library_versions as playground_versions  # noqa: PLC0415  (imports torch)

    return {"streamlit": st.__version__} | playground_versions()


@st.cache_resource(show_spinner=False)
def _device():
    from playground.device import device_info, pick_device  # noqa: PLC0415  (imports torch)

    try:
        return device_info(pick_device()), None
    except PlaygroundError as exc:
        return None, exc


def device_line() -> str:
    """Where training runs, in the reader's language (the device is looked up once per server)."""
    info, problem = _device()
    if info is None:
        return f"⚠️ {problem}"
    if info.kind == "cpu":
        return ngettext(
            "Training runs on the **CPU** ({threads} thread, {machine}), PyTorch {version}.",
            "Training runs on the **CPU** ({threads} threads, {machine}), PyTorch {version}.",
            info.threads,
        ).format(threads=info.threads, machine=info.machine, version=info.torch_version)
    kind = {"cuda": "NVIDIA GPU", "mps": "Apple GPU"}[info.kind]
    return _("Training runs on **{device}** ({kind}), PyTorch {version}.").format(
        device=info.name, kind=kind, version=info.torch_version
    )


def radio(label: str, options: dict[str, str], key: str, value: str | None = None, show_label: bool = True) -> str:
    """A horizontal radio over ``options`` (value: what it says), opening at ``value``; returns the chosen value."""
    values = list(options)
    return st.radio(
        label,
        values,
        index=values.index(value) if value in options else 0,
        format_func=options.get,
        horizontal=True,
        key=key,
        label_visibility="visible" if show_label else "collapsed",
    )


def model_summary(model, example: torch.Tensor, title: str | None = None, note: str = "") -> None:
    """An expander with the model's layers (like Keras' ``model.summary()``) for an ``example`` batch, and ``note``."""
    from playground.models import summarize  # noqa: PLC0415

    layer_table(summarize(model, example), title or _("Layer by layer"), note)


def layer_table(summary: Summary, title: str, note: str = "") -> None:
    """An expander titled with the parameter count, holding ``note`` and every layer of ``summary``."""
    import pandas as pd  # noqa: PLC0415

    with st.expander(_("{title}: {count} parameters").format(title=title, count=number(summary.total_params))):
        if note:
            st.markdown(note)
        st.dataframe(
            pd.DataFrame(
                [(r.name, r.type, " × ".join(map(str, r.output_shape)), r.params, r.macs) for r in summary.rows],
                columns=[_("layer"), _("type"), _("output shape"), _("parameters"), _("multiply-adds")],
            ),
            hide_index=True,
        )


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


def download_model(model, meta: dict, file_name: str, key: str) -> None:
    from playground.models import model_bytes  # noqa: PLC0415

    st.download_button(
        _("⬇️ Download model"),
        data=model_bytes(model, meta),
        file_name=file_name,
        mime="application/octet-stream",
        key=key,
    )


def upload_model(key: str, expected_arch: str | None = None, expected_task: str | None = None):
    """A "Load model" uploader: (model, meta) once for each new file, else None.

    A bad file gets one sentence, shown for as long as it stays in the uploader.
    """
    upload = st.file_uploader(_("Load model (.pt)"), type=["pt", "pth"], key=key, max_upload_size=UPLOAD_MB)
    if upload is None:
        return None
    if st.session_state.get(f"{key}.seen") == upload.file_id:
        if st.session_state.get(f"{key}.error"):
            st.error(st.session_state[f"{key}.error"])
        return None
    st.session_state[f"{key}.seen"] = upload.file_id
    st.session_state[f"{key}.error"] = None
    from playground.models import load_model  # noqa: PLC0415
    from playground.models.registry import get_spec  # noqa: PLC0415

    try:
        model, meta = load_model(upload.getvalue())
        if expected_arch and model.playground_arch[0] != expected_arch:
            raise PlaygroundError(
                _("This file holds a '{name}' model; this page needs '{expected}'.").format(
                    name=model.playground_arch[0], expected=expected_arch
                )
            )
        if expected_task and get_spec(model.playground_arch[0]).task != expected_task:
            message = {
                "image": _("This file holds a '{name}' model, which does not classify images."),
                "text": _("This file holds a '{name}' model, which does not classify texts."),
            }[expected_task]
            raise PlaygroundError(message.format(name=model.playground_arch[0]))
    except PlaygroundError as exc:
        st.session_state[f"{key}.error"] = str(exc)
        st.error(str(exc))
        return None
    return model, meta
