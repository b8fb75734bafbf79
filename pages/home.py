"""Home: the course's outline, each section linking to its pages in reading order, and what this server trains on."""

import streamlit as st

from pages.common import device_line, header, library_versions
from pages.language import resolve
from playground.i18n import _
from playground.lessons import COURSE, COURSE_TITLE, LESSONS

resolve()  # the run's language before the first message: AppTest runs a page without app.py, which sets it

header(
    "home",
    _(
        "Learn deep learning by doing it, on real data: every page trains real PyTorch models in your browser "
        "session, shows the numbers behind them, and puts a baseline beside every model."
    ),
)
st.subheader(_("The course: {title}").format(title=_(COURSE_TITLE)))
for i, section in enumerate(COURSE):
    with st.container(border=True):
        start = " · :green-badge[{label}]".format(label=_("start here")) if i == 0 else ""
        st.markdown(f"**{section.number} {_(section.title)}**{start}")
        for lesson in (lesson for lesson in LESSONS if lesson.section == section.number):
            st.page_link(lesson.path, label=_(lesson.title), icon=lesson.icon)
            st.caption(_(lesson.teaches))

st.subheader(_("This server"))
st.write(device_line())
st.caption(" · ".join(f"{name} {version}" for name, version in library_versions().items()))
