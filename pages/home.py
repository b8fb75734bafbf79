"""Home: a card for every lesson in the page list, and what this server trains on."""

import streamlit as st

from pages.common import device_line, header, library_versions
from playground.lessons import LESSONS

header(
    "home",
    "Learn deep learning by doing it, on real data: every page trains real PyTorch models in your browser "
    "session, shows the numbers behind them, and puts a baseline beside every model.",
)
for lesson in LESSONS:
    with st.container(border=True):
        st.page_link(lesson.path, label=lesson.title, icon=lesson.icon)
        st.caption(lesson.teaches)

st.subheader("This server")
st.write(device_line())
st.caption(" · ".join(f"{name} {version}" for name, version in library_versions().items()))
