"""The interface language: the link's (``lang=zh``), else the browser's, then whatever the sidebar switch says."""

from __future__ import annotations

import streamlit as st

from playground.i18n import DEFAULT, LANGUAGES, normalise, use_language

PARAM = "lang"  # in the URL, so a shared link opens in the same language
CHOICE = "language"  # the session's choice: the sidebar switch's key


def resolve() -> str:
    """This run's language, set as the context's (playground.i18n) and kept in the URL."""
    if CHOICE not in st.session_state:
        first = normalise(st.query_params.get(PARAM)) or normalise(st.context.locale) or DEFAULT
        st.session_state[CHOICE] = first
    lang = use_language(st.session_state[CHOICE])
    if st.query_params.get(PARAM) != lang:
        st.query_params[PARAM] = lang
    return lang


def switch() -> None:
    """The sidebar's language switch (中文 / English); changing it reruns the page in that language."""
    st.sidebar.radio("语言 · Language", list(LANGUAGES)[::-1], format_func=LANGUAGES.get, horizontal=True, key=CHOICE)
