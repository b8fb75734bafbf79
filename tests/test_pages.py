"""Every page through streamlit's AppTest: renders without exception, and Home lists every lesson."""

import pytest

from playground.lessons import LESSONS, PAGES


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.slug)
def test_page_renders_its_title_without_error(page, open_page):
    at = open_page(page.slug)
    assert at.title[0].value == page.page_title and not at.error


def test_home_shows_a_card_for_every_lesson_and_the_device(open_page):
    at = open_page("home")
    links = [link.proto.page for link in at.get("page_link")]
    assert links == [lesson.slug for lesson in LESSONS]
    assert [c.value for c in at.caption][: len(LESSONS) + 1][1:] == [lesson.teaches for lesson in LESSONS]
    text = " ".join(m.value for m in at.markdown)
    assert "Training runs on" in text and "CPU" in text
