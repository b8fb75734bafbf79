"""Deep Learning Playground: the navigation, from the page list in playground/lessons.py, in the reader's language."""

import streamlit as st

from pages.deep_links import use_app_navigation
from pages.language import resolve
from playground.i18n import _
from playground.lessons import HOME, PAGES

# A fresh server's first visit to / runs this file inside Streamlit's pages/-folder navigation, whose list of file
# names could stay in that visitor's sidebar: leave that mode and run again, with only the navigation below.
use_app_navigation()
resolve()  # the language first: every title below is in it
st.set_page_config(page_title=_("Deep Learning Playground"), page_icon="🧠", layout="wide")
navigation = [
    st.Page(page.path, title=_(page.title), icon=page.icon, url_path=page.slug, default=page is HOME) for page in PAGES
]
st.navigation(navigation).run()
