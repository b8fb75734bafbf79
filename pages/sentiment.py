import streamlit as st

st.title("Sentiment analysis")
st.info("This page is coming: its issue has not landed yet.")
