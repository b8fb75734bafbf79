import streamlit as st

st.title("CNN image classifier")
st.info("This page is coming: its issue has not landed yet.")
