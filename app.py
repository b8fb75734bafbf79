"""Deep Learning Playground: the navigation, built from the page list in playground/lessons.py."""

import streamlit as st

from playground.lessons import HOME, PAGES

st.set_page_config(page_title="Deep Learning Playground", page_icon="🧠", layout="wide")
navigation = [
    st.Page(page.path, title=page.title, icon=page.icon, url_path=page.slug, default=page is HOME) for page in PAGES
]
st.navigation(navigation).run()
