"""Chinese and English: a complete catalog that matches the code, pages without a stray word of the other
language, runs and workers that keep the page's language, and the CLI in both."""

import re
import subprocess
import sys
import threading

import pytest
from babel.messages.pofile import read_po
from google.protobuf.text_format import MessageToString

from playground import i18n
from playground.errors import PlaygroundError
from playground.i18n import _, catalog_path, language_of, ngettext
from playground.lessons import PAGES
from playground.training.jobs import FAILED, Job, Slots
from tests.helpers import REPO, cli

PLACEHOLDER = re.compile(r"\{[^{}]*\}")


@pytest.fixture(scope="module")
def catalog():
    with catalog_path("zh").open("rb") as f:
        return read_po(f, locale="zh")


def messages(catalog):
    return [m for m in catalog if m.id]


def forms(message) -> list[str]:
    return [message.string] if isinstance(message.string, str) else list(message.string)


def ids(message) -> list[str]:
    return [message.id] if isinstance(message.id, str) else list(message.id)


def test_every_message_has_a_chinese_translation_that_keeps_its_placeholders(catalog):
    assert len(messages(catalog)) > 300
    for m in messages(catalog):
        assert "fuzzy" not in m.flags, m.id
        for form in forms(m):
            assert form.strip(), f"untranslated: {m.id!r}"
            assert sorted(PLACEHOLDER.findall(form)) == sorted(PLACEHOLDER.findall(ids(m)[0])), m.id


def test_the_catalog_holds_exactly_the_messages_in_the_code(catalog, tmp_path):
    template = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "playground/locale/babel.cfg",
         "-k", "_", "-k", "N_", "-k", "ngettext:1,2", "--no-location", "-o", str(template),
         "playground", "pages", "app.py"],
        cwd=REPO, check=True, capture_output=True,
    )  # fmt: skip
    with template.open("rb") as f:
        in_code = {m.id if isinstance(m.id, str) else tuple(m.id) for m in read_po(f) if m.id}
    in_catalog = {m.id if isinstance(m.id, str) else tuple(m.id) for m in messages(catalog)}
    assert in_code - in_catalog == set(), "run scripts/extract-messages.sh and translate the new messages"
    assert in_catalog - in_code == set(), "run scripts/extract-messages.sh to drop messages the code lost"


def test_chinese_uses_the_course_terms_and_one_plural_form():
    with language_of("zh"):
        assert _("Backpropagation") == "反向传播"
        assert _("learning rate") == "学习率"
        assert (
            ngettext(
                "Trained {n} epoch; the whole run took {time}.", "Trained {n} epochs; the whole run took {time}.", 3
            ).format(n=3, time="2 秒")
            == "已训练 3 轮；全程用时 2 秒。"
        )
    singular = ngettext(
        "Trained {n} epoch; the whole run took {time}.", "Trained {n} epochs; the whole run took {time}.", 1
    )
    assert singular == "Trained {n} epoch; the whole run took {time}."
    assert _("Backpropagation") == "Backpropagation"  # English outside the block


def test_languages_come_from_browser_tags_and_the_environment(monkeypatch):
    assert [i18n.normalise(t) for t in ("zh-CN", "zh_TW.UTF-8", "en-GB", "fr", None)] == ["zh", "zh", "en", None, None]
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    assert i18n.from_environment() == "zh"
    assert i18n.number(50000) == "50,000" and i18n.percent(0.984) == "98.4%"
    with language_of("zh"):
        import datetime

        assert i18n.date(datetime.date(2024, 1, 2)) == "2024年1月2日"


def test_a_run_keeps_the_language_of_the_page_that_started_it():
    def target(ctx):
        raise PlaygroundError(_("There is no training data."))

    with language_of("zh"):
        job = Job("zh run", target, slots=Slots(1)).start()
    other = threading.Thread(target=lambda: None)  # a thread started elsewhere stays English
    other.start()
    other.join()
    job.join(30)
    assert job.snapshot().state == FAILED and job.snapshot().error == "没有训练数据。"


@pytest.mark.parametrize("lang, expected", [("zh", "错误：没有名为"), ("en", "error: There is no model called")])
def test_the_cli_speaks_the_language_asked_for(lang, expected):
    result = cli("--lang", lang, "summary", "nothing", "--input", "2")
    assert result.returncode == 1 and result.stderr.startswith(expected)


def rendered_text(at) -> str:
    """Everything an AppTest run drew, as text (labels, options, markdown, tabs, alerts, chart titles…), but code."""
    parts = []

    def walk(node):
        if getattr(node, "type", "") == "code":  # source code shown as code (the PyTorch a page runs) stays as written
            return
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(MessageToString(proto, as_utf8=True))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def english_sentences(catalog) -> list[str]:
    """Catalog messages long enough to be recognised inside a page's text, and different in Chinese."""
    found = []
    for m in messages(catalog):
        for text in PLACEHOLDER.split(ids(m)[0]):
            text = text.strip(" .,:;()·*`'\"")
            if len(text) >= 18 and " " in text and text not in forms(m)[0]:
                found.append(text)
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.slug)
def test_every_page_in_chinese_shows_no_english_message(page, open_page, catalog):
    at = open_page(page.slug, {"lang": "zh"})
    text = rendered_text(at)
    assert _title(at) == i18n.translations("zh").gettext(page.page_title)
    leaks = [s for s in english_sentences(catalog) if s in text]
    assert leaks == []


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.slug)
def test_every_page_in_english_shows_no_chinese_message(page, open_page, catalog):
    at = open_page(page.slug, {"lang": "en"})
    text = rendered_text(at)
    chinese = [f for m in messages(catalog) for f in forms(m) if len(f) >= 8 and f not in ids(m)]
    assert [f for f in chinese if f in text] == []
    assert _title(at) == page.page_title


def test_a_chinese_training_run_reports_in_chinese(open_page, catalog):
    at = open_page("sentiment", {"lang": "zh", "sent.dataset": "toy"})
    at.button(key="sent.job.start").click().run()
    at.session_state["sent.job"].join(120)
    at.run()
    text = rendered_text(at)
    assert "已训练" in text and [s for s in english_sentences(catalog) if s in text] == []


def _title(at) -> str:
    return at.title[0].value
