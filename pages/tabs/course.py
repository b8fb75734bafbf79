"""Every page's "The course's code" tab: the course's model in Keras (or NumPy), the PyTorch the page runs, the two
side by side with every difference in a sentence, the facts of the section, and the experiment to take home."""

from __future__ import annotations

import hashlib

import streamlit as st

from playground import course
from playground.errors import PlaygroundError
from playground.export import bundle, export
from playground.i18n import _, language, number


@st.cache_data(show_spinner=False, max_entries=64)
def _panel(page: str, settings: tuple, lang: str) -> course.CoursePanel:
    return course.panel(page, **dict(settings))  # lang: a panel's sentences are in the language it was made in


def show_panel(page: str, settings: dict) -> None:
    """The course's code beside this page's, for the page's current ``settings`` (see ``course.panel``)."""
    try:
        panel = _panel(page, tuple(sorted(settings.items())), language())
    except PlaygroundError as exc:
        st.error(str(exc))
        return
    left, right = st.columns(2)
    left.markdown(_("**The course's model ({language})**, written from the course's layers").format(
        language=panel.code_language
    ))  # fmt: skip
    left.code(panel.keras_code, language="python")
    right.markdown(_("**The PyTorch this page runs**, with its current settings"))
    right.code(panel.pytorch_code, language="python")
    if panel.keras_total or panel.torch_total:
        st.markdown(
            _("**Side by side**: Keras' rules count {keras} parameters, PyTorch counts {torch}.").format(
                keras=number(panel.keras_total), torch=number(panel.torch_total)
            )
        )
        st.dataframe(panel.comparison, hide_index=True)
    for difference in panel.differences:
        st.markdown(f"- {difference}")
    for fact in panel.facts:
        with st.container(border=True):
            st.markdown(f"**{fact.title}**")
            st.markdown(fact.text)


def export_button(page: str, config, data=None, key: str = "") -> None:
    """Take the experiment home: the page's run as a script, a notebook and its data, in one zip."""
    st.markdown(
        _(
            "**Take this experiment home**: the run with these settings as a plain PyTorch script and a Jupyter "
            "notebook, with the data it reads. Run it outside the app; with the same seed it gives this page's result."
        )
    )
    wanted = hashlib.sha256(repr((page, config, id(data))).encode()).hexdigest()
    store = f"{key or page}.export"
    if st.button(_("Prepare the export"), icon=":material/package_2:", key=f"{store}.prepare"):
        try:
            with st.spinner(_("Writing the script and its data…")):
                st.session_state[store] = (wanted, bundle(export(page, config, data), f"{page}-experiment"))
        except PlaygroundError as exc:
            st.error(str(exc))
    ready = st.session_state.get(store)
    if ready is not None and ready[0] == wanted:
        st.download_button(
            _("⬇️ Download the script, notebook and data (.zip)"),
            data=ready[1],
            file_name=f"{page}-experiment.zip",
            mime="application/zip",
            key=f"{store}.download",
        )
    elif ready is not None:
        st.caption(_("The settings changed since the export was prepared: prepare it again."))


def course_tab(page: str, settings: dict, config=None, data=None) -> None:
    """The tab: the panel for ``settings``, then the export of ``config`` (when the page has a run to export)."""
    show_panel(page, settings)
    if config is not None:
        st.divider()
        export_button(page, config, data)
