"""Two languages, English and Simplified Chinese, through standard gettext catalogs.

Code marks what a person reads with ``_("…")`` (``ngettext`` where a number decides the
form, ``N_`` for a message defined before the language is known, translated with ``_`` when
shown). The English text is the message id; ``playground/locale/zh/LC_MESSAGES/playground.po``
holds the Chinese, extracted with Babel (``scripts/extract-messages.sh``, see the README)
and compiled in memory the first time Chinese is asked for. Placeholders are ``{name}``, filled
with ``str.format`` after translating.

The language is a context value, not a global: each Streamlit script run sets its session's
language with ``use_language``, and a training run's thread starts from a copy of the context it
was started in (``training/jobs.py``), so it keeps that language.
"""

from __future__ import annotations

import contextvars
import gettext
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

LANGUAGES = {"en": "English", "zh": "中文"}
DEFAULT = "en"
DOMAIN = "playground"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_language: contextvars.ContextVar[str] = contextvars.ContextVar("playground_language", default=DEFAULT)


def normalise(tag: str | None) -> str | None:
    """``zh``, ``zh-CN``, ``zh_TW.UTF-8`` → ``zh``; ``en-GB`` → ``en``; anything else → None."""
    if not tag:
        return None
    base = str(tag).replace("_", "-").split(".")[0].split("-")[0].strip().lower()
    return base if base in LANGUAGES else None


def language() -> str:
    """The language of the current context: ``en`` or ``zh``."""
    return _language.get()


def use_language(tag: str | None) -> str:
    """Make ``tag`` (``zh``, ``zh-CN``, ``en``…) the current context's language; unknown tags give English."""
    lang = normalise(tag) or DEFAULT
    _language.set(lang)
    return lang


@contextmanager
def language_of(tag: str | None) -> Iterator[str]:
    """Within the block, ``tag``'s language; the previous one afterwards."""
    token = _language.set(normalise(tag) or DEFAULT)
    try:
        yield _language.get()
    finally:
        _language.reset(token)


def from_environment() -> str:
    """The language the environment asks for (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``), else English."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        for tag in os.environ.get(name, "").split(":"):
            if lang := normalise(tag):
                return lang
    return DEFAULT


def catalog_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """``lang``'s catalog, compiled from its .po file in memory (English is the message ids themselves)."""
    path = catalog_path(lang)
    if lang == DEFAULT or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as f:
        catalog = read_po(f, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _(message: str) -> str:
    """``message`` in the current language."""
    return translations(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the current language (Chinese has one form)."""
    return translations(language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it yet (it is translated with ``_`` when shown)."""
    return message


def number(value: float, digits: int = 0) -> str:
    """A number with the current language's grouping, e.g. 50,000."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=_babel_locale())


def percent(value: float, digits: int = 1) -> str:
    """A share as a percentage, e.g. 98.4%."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(value, format=pattern, locale=_babel_locale())


def date(value) -> str:
    """A date: 2024-01-02 in English, 2024年1月2日 in Chinese."""
    if language() == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _babel_locale() -> str:
    return {"en": "en_US", "zh": "zh_Hans_CN"}[language()]
