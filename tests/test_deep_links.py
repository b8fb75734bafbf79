"""A shared link opened first on a fresh server runs inside app.py's navigation (pages/deep_links.py).

pages/deep_links.py flips a private Streamlit flag. These tests fail when Streamlit changes in a
way that breaks it, or that makes it unneeded: the flag's meaning, the behaviour it works around,
and, in a real browser, a fresh server's first visitor opening /cnn.
"""

from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from pages.deep_links import use_app_navigation
from playground.lessons import PAGES
from tests.browser import CHROMIUM, CHROMIUM_ARGS, StreamlitServer

APP = Path(__file__).resolve().parent.parent / "app.py"

FRAME_APP = """
import streamlit as st

st.sidebar.write("app.py ran")
st.navigation([st.Page("pages/home.py", default=True), st.Page("pages/lesson.py", url_path="lesson")]).run()
"""
LESSON_PAGE = """
import streamlit as st
{deep_links}
st.write("the lesson")
"""
DEEP_LINKS = "from pages.deep_links import use_app_navigation\nuse_app_navigation()"


@pytest.fixture
def pages_flag():
    """Restore Streamlit's class-wide flag, which these tests change."""
    before = PagesManager.uses_pages_directory
    yield
    PagesManager.uses_pages_directory = before


def test_streamlit_marks_this_app_as_a_pages_folder_app_and_use_app_navigation_clears_it(pages_flag):
    PagesManager.uses_pages_directory = None  # as in a server process before its first session
    PagesManager(str(APP))
    assert PagesManager.uses_pages_directory is True, "app.py has a pages/ folder beside it"
    use_app_navigation()  # outside a script run st.rerun does nothing
    assert PagesManager.uses_pages_directory is False


def frame_app(root: Path, deep_links: bool) -> AppTest:
    (root / "pages").mkdir()
    (root / "app.py").write_text(FRAME_APP)
    (root / "pages" / "home.py").write_text("import streamlit as st\nst.write('home')\n")
    (root / "pages" / "lesson.py").write_text(LESSON_PAGE.format(deep_links=DEEP_LINKS if deep_links else ""))
    return AppTest.from_file(str(root / "app.py"), default_timeout=30)


@pytest.mark.parametrize("deep_links", [False, True], ids=["alone", "with-use_app_navigation"])
def test_a_page_opened_in_pages_folder_mode_runs_inside_app_py_only_with_use_app_navigation(
    tmp_path, pages_flag, deep_links
):
    # AppTest starts every run() in pages/-folder mode, like a fresh server (it resets the flag).
    at = frame_app(tmp_path, deep_links).run()
    at.switch_page("pages/lesson.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [m.value for m in at.main.markdown] == ["the lesson"]
    frame = [m.value for m in at.sidebar.markdown]
    if deep_links:
        assert frame == ["app.py ran"]
    else:
        assert frame == [], (
            "Streamlit now runs app.py for a page in pages/-folder mode; pages/deep_links.py may no longer be needed"
        )


def test_a_deep_link_opened_first_on_a_fresh_server_runs_inside_app_py():
    playwright_api = pytest.importorskip("playwright.sync_api")
    expect = playwright_api.expect
    srv = StreamlitServer(env={"PLAYGROUND_DEVICE": "cpu"})
    try:
        srv.wait_healthy()
        with playwright_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.goto(f"{srv.url}/cnn?cnn.train_size=5000")  # the server's very first page view
            links = page.locator("[data-testid='stSidebarNav'] a")
            # pages/-folder mode would list file names (app, cnn, common, ...) and title the tab "cnn"
            expect(links).to_have_count(len(PAGES), timeout=60_000)
            expect(links).to_contain_text([lesson.title for lesson in PAGES])
            expect(page.locator("[data-testid='stSidebarNav'] a[aria-current='page']")).to_contain_text(
                "CNN image classifier"
            )
            expect(page).to_have_title("Deep Learning Playground")  # app.py's st.set_page_config
            assert "/cnn?cnn.train_size=5000" in page.url  # the link's query string survives (the language joins it)
            browser.close()
    finally:
        srv.stop()
