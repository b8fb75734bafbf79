import streamlit as st

st.title("Classic architectures")
st.info("This page is coming: its issue has not landed yet.")
