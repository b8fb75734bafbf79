import streamlit as st

st.title("Time-series forecasting")
st.info("This page is coming: its issue has not landed yet.")
