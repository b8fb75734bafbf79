"""The interface language: the link's (``lang=zh``), else the browser's, then whatever the sidebar switch says."""

from __future__ import annotations

import streamlit as st

from playground.i18n import DEFAULT, LANGUAGES, normalise, use_language

PARAM = "lang"  # in the URL, so a shared link opens in the same language
CHOICE = "language"  # the session's language
SWITCH = "language.switch"  # the sidebar switch (a widget's state: each page has its own, so it opens at CHOICE)
OPTIONS = ["zh", "en"]


def resolve() -> str:
    """This run's language, set as the context's (playground.i18n) and kept in the URL."""
    if CHOICE not in st.session_state:
        first = normalise(st.query_params.get(PARAM)) or normalise(st.context.locale) or DEFAULT
        st.session_state[CHOICE] = first
    lang = use_language(st.session_state[CHOICE])
    if st.query_params.get(PARAM) != lang:
        st.query_params[PARAM] = lang
    return lang


def _switched() -> None:
    st.session_state[CHOICE] = st.session_state[SWITCH]


def switch() -> None:
    """The sidebar's language switch (中文 / English); changing it reruns the page in that language."""
    st.sidebar.radio(
        "语言 · Language",
        OPTIONS,
        index=OPTIONS.index(st.session_state[CHOICE]),
        format_func=LANGUAGES.get,
        horizontal=True,
        key=SWITCH,
        on_change=_switched,
    )
