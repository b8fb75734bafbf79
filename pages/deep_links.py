"""A shared link opened first on a fresh server, such as /cnn, runs inside app.py's navigation."""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def use_app_navigation() -> None:
    """Leave Streamlit's pages/-folder mode, so a deep link runs as a page of app.py.

    Checked against Streamlit 1.67.0. Streamlit runs an app whose entry file has a pages/ folder
    beside it as a pages/-folder app: each run builds a navigation from the file names and runs
    the page the URL names without app.py (runtime/scriptrunner/script_runner.py, ``_mpa_v1``).
    The class-wide ``PagesManager.uses_pages_directory`` holds this: it is set when the server's
    first session starts (runtime/pages_manager.py) and cleared by the first ``st.navigation``
    call, in any session (commands/navigation.py). A visit to / runs app.py, which calls
    ``st.navigation``; a server's first visitor who opens /cnn would get pages/cnn.py alone, with
    a sidebar of file names and no ``st.set_page_config``. No public setting turns that mode off
    while the folder is called pages/, and ``st.navigation`` may only be called from the entry
    file, which that run never reaches.

    So the page clears the flag, as ``st.navigation`` would, and reruns. The rerun keeps the
    query string and lands on the same page, because Streamlit identifies a page by a hash of
    its URL path, and each page's ``url_path`` in app.py is its file name (playground/lessons.py).
    Call it before the page draws anything: pages/common.py, which every page imports first,
    calls it when it is imported. Once app.py's navigation has run it does nothing.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
