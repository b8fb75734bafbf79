"""Is a text like the ones a sentiment model was trained on? Unknown tokens and script, measured against its corpus.

At training time ``profile`` measures the training texts' script (the share of Han characters and of Latin
words among their letters, a run of Latin letters counting once as a Han character does: "装VISTA很顺利" is
Chinese) and how many tokens of each validation text the vocabulary does not know; the profile travels in the
model file's meta. At prediction ``check_text`` measures the same two things for one text: it is unfamiliar
when its script is far from the corpus's, or when more of its tokens are unknown than in 99% of the validation
texts (and at least half of them).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from playground.i18n import N_, _, percent
from playground.text.tokenizer import Tokenizer, split

UNKNOWN_FLOOR = 0.5  # never call a text unfamiliar while at least half of its tokens are known
UNKNOWN_QUANTILE = 0.99  # of the validation texts' unknown shares
SCRIPT_GAP = 0.5  # a share of Han characters (or Latin words) this far from the corpus's is another script
PROFILE_VERSION = 1

_LETTER = re.compile(r"[^\W\d_]")  # any letter of any script (Han characters included)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]+")  # a run of Latin letters (× ÷ are not)

CORPORA = {  # what the notice says a model was trained on, by the meta's dataset name
    "en-movies": N_("English movie-review sentences"),
    "zh-reviews": N_("Chinese shopping reviews"),
    "toy": N_("the course's three sentences"),
}
YOUR_DATA = N_("your data")
SCRIPTS = {
    "han": N_("Han characters"),
    "latin": N_("Latin letters"),
    "other": N_("other scripts"),
    "mixed": N_("a mix of scripts"),
}


@dataclass(frozen=True)
class Script:
    """Shares of Han characters and of Latin words among the letters of some text (each 0..1).

    The units are a Han character, a Latin word (a run of Latin letters) and any other letter: a Chinese review
    naming "iPhone" stays mostly Han, as its tokens do.
    """

    han: float
    latin: float
    units: int

    def dominant(self) -> str:
        """Which script holds most of the letters: "han", "latin", "other" or, when none does, "mixed"."""
        if self.han > 0.5:
            return "han"
        if self.latin > 0.5:
            return "latin"
        return "other" if self.han + self.latin < 0.5 else "mixed"

    def as_dict(self) -> dict:
        return {"han": self.han, "latin": self.latin}


def script_of(texts: Sequence[str]) -> Script | None:
    """The script of ``texts`` taken together; None when they hold no letter (digits, emoji, punctuation)."""
    units = han = latin = 0
    for text in texts:
        words = _LATIN_WORD.findall(text)
        han += len(_HAN.findall(text))
        latin += len(words)
        units += len(_LETTER.findall(text)) - sum(map(len, words)) + len(words)  # other letters count one each
    if not units:
        return None
    return Script(han / units, latin / units, units)


def unknown_share(tokenizer: Tokenizer, text: str) -> float | None:
    """The share of ``text``'s tokens that the vocabulary maps to <OOV> or drops; None when it has no token."""
    tokens = split(text, tokenizer.mode)
    if not tokens:
        return None
    return len(tokenizer.unknown(tokens)) / len(tokens)


def profile(tokenizer: Tokenizer, train_texts: Sequence[str], val_texts: Sequence[str]) -> dict:
    """What the model's meta keeps: the training texts' script and the validation texts' unknown shares.

    Without validation texts (the course's three sentences) the threshold is the floor: half the tokens.
    """
    script = script_of(train_texts)
    shares = [s for s in (unknown_share(tokenizer, t) for t in val_texts) if s is not None]
    p99 = float(np.quantile(shares, UNKNOWN_QUANTILE)) if shares else None
    return {
        "version": PROFILE_VERSION,
        "script": script.as_dict() if script else None,
        "validation_texts": len(shares),
        "unknown_median": float(np.median(shares)) if shares else None,
        "unknown_p99": p99,
        "unknown_threshold": max(UNKNOWN_FLOOR, p99 if p99 is not None else 0.0),
    }


@dataclass(frozen=True)
class Familiarity:
    """One text against the model's training texts; ``available`` is False for a file saved without a profile."""

    available: bool
    unfamiliar: bool | None = None
    reason: str | None = None  # "unknown_tokens" or "script" when unfamiliar
    unknown_share: float | None = None
    threshold: float | None = None
    script: Script | None = None  # the text's; None without letters
    training_script: Script | None = None
    corpus: str = YOUR_DATA  # a catalog message, translated where shown

    def notice(self) -> str | None:
        """The one-sentence warning shown above the prediction, in the current language; None when familiar."""
        if not self.unfamiliar:
            return None
        corpus = _(self.corpus)
        if self.reason == "unknown_tokens":
            return _(
                "This model was trained on {corpus}; {share} of this text's tokens are unknown to it, so its answer "
                "means little."
            ).format(corpus=corpus, share=percent(self.unknown_share, 0))
        return _(
            "This model was trained on {corpus}, written in {corpus_script}, but this text is written in "
            "{text_script}, so its answer means little."
        ).format(
            corpus=corpus,
            corpus_script=_(SCRIPTS[self.training_script.dominant()]),
            text_script=_(SCRIPTS[self.script.dominant()]),
        )

    def as_dict(self) -> dict:
        """``unfamiliar``, ``unknown_share`` and ``script`` (None when unavailable), and what they are judged by."""
        return {
            "unfamiliar": self.unfamiliar,
            "unknown_share": self.unknown_share,
            "script": self.script.as_dict() if self.script else None,
            "familiarity": {
                "available": self.available,
                "reason": self.reason,
                "unknown_threshold": self.threshold,
                "training_script": self.training_script.as_dict() if self.training_script else None,
            },
        }


UNAVAILABLE = N_(
    "This model file was saved without a profile of its training texts, so whether this text is like them "
    "cannot be checked."
)


def _share(value) -> float | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and 0 <= value <= 1
    return float(value) if ok else None


def _stored_script(value) -> Script | None:
    if not isinstance(value, dict):
        return None
    han, latin = _share(value.get("han")), _share(value.get("latin"))
    return Script(han, latin, 0) if han is not None and latin is not None else None


def check_text(meta: dict, tokenizer: Tokenizer, text: str) -> Familiarity:
    """``text`` against the profile in ``meta`` (see ``profile``); unavailable when the file has none."""
    stored = meta.get("familiarity")
    if not isinstance(stored, dict):
        return Familiarity(available=False)
    threshold, training_script = _share(stored.get("unknown_threshold")), _stored_script(stored.get("script"))
    if threshold is None:
        return Familiarity(available=False)
    share = unknown_share(tokenizer, text)
    script = script_of([text])
    far = (
        script is not None
        and training_script is not None
        and (
            abs(script.han - training_script.han) > SCRIPT_GAP or abs(script.latin - training_script.latin) > SCRIPT_GAP
        )
    )
    reason = "unknown_tokens" if share is not None and share > threshold else ("script" if far else None)
    return Familiarity(
        available=True,
        unfamiliar=reason is not None,
        reason=reason,
        unknown_share=share,
        threshold=threshold,
        script=script,
        training_script=training_script,
        corpus=CORPORA.get(dataset, YOUR_DATA) if isinstance(dataset := meta.get("dataset"), str) else YOUR_DATA,
    )
