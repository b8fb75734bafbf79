"""Deep Learning Playground: the one place the pages are listed."""

import streamlit as st

st.set_page_config(page_title="Deep Learning Playground", page_icon="🧠", layout="wide")

PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", url_path="home", default=True),
    st.Page("pages/backprop.py", title="Backpropagation", icon=":material/replay:", url_path="backprop"),
    st.Page("pages/cnn.py", title="CNN image classifier", icon=":material/image:", url_path="cnn"),
    st.Page(
        "pages/architectures.py",
        title="Classic architectures",
        icon=":material/account_balance:",
        url_path="architectures",
    ),
    st.Page("pages/forecast.py", title="Time-series forecasting", icon=":material/show_chart:", url_path="forecast"),
    st.Page("pages/sentiment.py", title="Sentiment analysis", icon=":material/chat:", url_path="sentiment"),
]

st.navigation(PAGES).run()
