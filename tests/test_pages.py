"""Every page through streamlit's AppTest: renders without exception, and Home lists every lesson."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from playground.lessons import LESSONS, PAGES

ROOT = Path(__file__).resolve().parent.parent


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
    chinese = " ".join(m.value for m in open_page("home", {"lang": "zh"}).markdown)
    assert "训练在 **CPU**" in chinese and "个线程" in chinese and "threads" not in chinese


def test_a_page_title_does_not_wait_for_torch():
    # Every page imports pages.common first; on a fresh server Home's title and outline must not wait the 2-3 s
    # that torch and pandas take to import (playground.serving imports them in a background thread instead).
    code = (
        "import sys, playground.serving as s; s._warm_up = lambda frozen: frozen.set(); "
        "import pages.common, pages.language, pages.links, playground.lessons; "
        "print(sorted(m for m in ('torch', 'pandas', 'playground.models') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_run_times_are_rounded_once():
    from pages.runs import format_seconds
    from playground.i18n import language_of

    with language_of("en"):
        times = [format_seconds(s) for s in (0.4, 59.6, 299.6, 3599.5)]
    assert times == ["0 s", "1 min 00 s", "5 min 00 s", "60 min 00 s"]  # never "4 min 60 s"


def test_every_cache_names_its_spinner_or_hides_it():
    # Streamlit's default spinner says "Running _device()." in English, whatever the page's language.
    bare = []
    for source in sorted((ROOT / "pages").rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            for decorator in getattr(node, "decorator_list", []):
                call = decorator if isinstance(decorator, ast.Call) else None
                name = ast.unparse(call.func if call else decorator)
                if name in ("st.cache_data", "st.cache_resource") and not (
                    call and any(k.arg == "show_spinner" for k in call.keywords)
                ):
                    bare.append(f"{source.name}:{node.lineno}")
    assert not bare, f"caches with Streamlit's English spinner: {bare}"


def test_menus_translate_their_options_while_the_page_runs():
    # Streamlit may call a format_func outside the page's run, where the reader's language is not set:
    # a lambda that translates when called showed English options (and broke AppTest) on a Chinese page.
    lazy = re.compile(r"format_func=lambda [^:]*:[^\n]*\b_\(")
    found = [
        f"{source.name}:{text[: m.start()].count(chr(10)) + 1}"
        for source in sorted((ROOT / "pages").rglob("*.py"))
        for text in [source.read_text(encoding="utf-8")]
        for m in lazy.finditer(text)
    ]
    assert not found, f"translate the options before the widget (a dict's .get): {found}"
