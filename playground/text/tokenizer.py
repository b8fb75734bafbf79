"""A tokenizer that behaves like Keras' ``Tokenizer`` and ``pad_sequences``, for English and Chinese.

Ids follow Keras: 0 is padding, 1 the out-of-vocabulary token, then words by
falling frequency (ties in order of first appearance). Only ids below
``num_words`` are used; rarer words become the OOV id.

Mode "keras" is Keras' ``Tokenizer(num_words)`` with its defaults, as the course uses it:
lower-case, replace ``KERAS_FILTERS`` by spaces, split on spaces, and no OOV token, so ids
start at 1 for the most frequent word and unknown or rare words are dropped. Chinese has no
spaces and keeps its own punctuation, so an unsegmented Chinese sentence is one token.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from playground.errors import PlaygroundError
from playground.i18n import _

OOV = "<OOV>"
MODES = ("en", "zh-char", "zh-word", "keras")
MODES_FOR = {"en": ("en", "keras"), "zh": ("zh-char", "zh-word", "keras")}  # what each language may use
KERAS_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'  # Keras' Tokenizer(filters=...) default
_KERAS_TABLE = str.maketrans(dict.fromkeys(KERAS_FILTERS, " "))
_EN_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]", re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_RUN = re.compile(r"[A-Za-z0-9]+")


def split(text: str, mode: str) -> list[str]:
    """Tokens of one text: English words and punctuation, Chinese characters, jieba words, or Keras' words."""
    if mode == "keras":  # keras.preprocessing.text.text_to_word_sequence with its defaults
        return [t for t in text.lower().translate(_KERAS_TABLE).split(" ") if t]
    if mode == "en":
        return [t.lower() for t in _EN_TOKEN.findall(text)]
    if mode == "zh-char":
        tokens = []
        for piece in text.split():
            i = 0
            while i < len(piece):
                latin = _LATIN_RUN.match(piece, i)
                if latin:  # keep "iPhone" or "2024" whole inside Chinese text
                    tokens.append(latin.group().lower())
                    i = latin.end()
                else:
                    tokens.append(piece[i])
                    i += 1
        return tokens
    if mode == "zh-word":
        import jieba  # noqa: PLC0415  (loads its dictionary: only when words are asked for)

        jieba.setLogLevel(60)
        return [t.lower() for t in jieba.lcut(text) if t.strip()]
    raise PlaygroundError(
        _("Unknown tokenizer mode '{mode}'; choose one of {modes}.").format(mode=mode, modes=", ".join(MODES))
    )


@dataclass
class Tokenizer:
    """Fitted on training texts; ``word_index`` holds every word seen, ranked by frequency."""

    mode: str = "en"
    num_words: int = 1000
    word_index: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def has_oov(self) -> bool:
        """Whether unknown words map to id 1 (``<OOV>``); Keras' default tokenizer drops them instead."""
        return self.mode != "keras"

    def fit(self, texts: Iterable[str]) -> Tokenizer:
        if self.num_words < 3:
            raise PlaygroundError(_("The vocabulary needs room for at least one word (num_words ≥ 3)."))
        counter: Counter[str] = Counter()
        for text in texts:
            counter.update(split(text, self.mode))
        ranked = sorted(counter.items(), key=lambda kv: -kv[1])  # stable: ties keep first appearance
        first = 2 if self.has_oov else 1
        self.word_index = ({OOV: 1} if self.has_oov else {}) | {w: i for i, (w, _c) in enumerate(ranked, start=first)}
        self.counts = dict(ranked)
        return self

    @property
    def vocab_size(self) -> int:
        """Rows of the embedding: num_words, as Keras' Embedding(num_words, ...), however many words were seen."""
        return self.num_words

    def token_ids(self, tokens: Sequence[str]) -> list[int | None]:
        """One id per token: 1 for an unknown or rare token, or None where the mode has no OOV id (dropped)."""
        missing = 1 if self.has_oov else None
        return [i if (i := self.word_index.get(t)) is not None and i < self.num_words else missing for t in tokens]

    def ids(self, tokens: Sequence[str]) -> list[int]:
        """The sequence the model reads, as Keras' ``texts_to_sequences``: dropped tokens are left out."""
        return [i for i in self.token_ids(tokens) if i is not None]

    def encode(self, text: str) -> tuple[list[str], list[int]]:
        """The tokens the model reads and their ids (equal lengths; without OOV, unknown tokens are left out)."""
        tokens = split(text, self.mode)
        kept = [(t, i) for t, i in zip(tokens, self.token_ids(tokens)) if i is not None]
        return [t for t, _i in kept], [i for _t, i in kept]

    def unknown(self, tokens: Sequence[str]) -> list[str]:
        """The tokens that map to the OOV id or are dropped (not seen in training, or too rare to keep)."""
        return [
            t for t, i in zip(tokens, self.token_ids(tokens)) if (i is None or (i == 1 and self.has_oov)) and t != OOV
        ]

    def top_words(self, k: int = 20) -> list[tuple[str, int, int]]:
        """(word, id, count) for the k most frequent kept words."""
        return [
            (w, self.word_index[w], c) for w, c in list(self.counts.items())[:k] if self.word_index[w] < self.num_words
        ]

    def to_meta(self) -> dict:
        kept = {w: i for w, i in self.word_index.items() if i < self.num_words}
        return {"mode": self.mode, "num_words": self.num_words, "word_index": kept}

    @classmethod
    def from_meta(cls, meta: dict) -> Tokenizer:
        return cls(mode=meta["mode"], num_words=int(meta["num_words"]), word_index=dict(meta["word_index"]))


@dataclass(frozen=True)
class Tokenized:
    """One text through one tokenizer: every token, its id (None: dropped), and the sequence the model reads."""

    mode: str
    tokens: list[str]
    ids: list[int | None]
    sequence: list[int]


def tokenize(tokenizer: Tokenizer, text: str) -> Tokenized:
    """``text`` split by ``tokenizer``'s mode, with each token's id and the resulting sequence."""
    tokens = split(text, tokenizer.mode)
    ids = tokenizer.token_ids(tokens)
    return Tokenized(tokenizer.mode, tokens, ids, [i for i in ids if i is not None])


def pad_sequences(
    sequences: Sequence[Sequence[int]], maxlen: int, padding: str = "pre", truncating: str = "pre", value: int = 0
) -> np.ndarray:
    """As Keras: (N, maxlen) int64; 'pre' pads or cuts at the start, 'post' at the end."""
    if maxlen < 1:
        raise PlaygroundError(_("maxlen must be at least 1."))
    if padding not in ("pre", "post") or truncating not in ("pre", "post"):
        raise PlaygroundError(_("Padding and truncating must each be 'pre' or 'post'."))
    out = np.full((len(sequences), maxlen), value, dtype=np.int64)
    for row, seq in enumerate(sequences):
        seq = list(seq)
        if len(seq) > maxlen:
            seq = seq[-maxlen:] if truncating == "pre" else seq[:maxlen]
        if seq:
            if padding == "pre":
                out[row, maxlen - len(seq) :] = seq
            else:
                out[row, : len(seq)] = seq
    return out


def suggest_maxlen(lengths: Sequence[int], quantile: float = 0.95) -> int:
    """A maxlen read off the length histogram: long enough for ``quantile`` of the texts."""
    if not len(lengths):
        return 5
    return int(max(5, np.ceil(np.quantile(np.asarray(lengths), quantile))))
