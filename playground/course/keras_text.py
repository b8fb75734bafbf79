"""Keras' ``Tokenizer`` and ``pad_sequences`` with their defaults, as the course calls them (3.1), in plain Python.

``keras.preprocessing.text.Tokenizer(num_words)``: lower-case, replace each of ``FILTERS`` by a
space, split on spaces; ids from 1 by falling count (ties keep first appearance); no OOV token,
so a word that is unknown or ranked at ``num_words`` or beyond is dropped from the sequence.
``pad_sequences(maxlen)`` pads and cuts at the start with 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'  # Keras' default: ASCII punctuation, tab and newline only
COURSE_TEXTS = ("我喜欢深度学习", "机器学习很有趣", "神经网络是强大的工具")  # the course's three sentences
COURSE_LABELS = (1, 0, 1)


def text_to_word_sequence(text: str, filters: str = FILTERS, lower: bool = True, split: str = " ") -> list[str]:
    """Keras' word splitting: filtered characters become ``split``, empty pieces are dropped."""
    if lower:
        text = text.lower()
    text = text.translate(str.maketrans(dict.fromkeys(filters, split)))
    return [word for word in text.split(split) if word]


@dataclass
class KerasTokenizer:
    """``Tokenizer(num_words)`` with Keras' other defaults."""

    num_words: int | None = None
    word_index: dict[str, int] | None = None

    def fit_on_texts(self, texts: Iterable[str]) -> KerasTokenizer:
        """Rank every word of ``texts`` by its count: ``word_index`` maps word -> id from 1."""
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(text_to_word_sequence(text))
        ranked = sorted(counts.items(), key=lambda item: item[1], reverse=True)  # stable, as Keras' list.sort
        self.word_index = {word: i for i, (word, _count) in enumerate(ranked, start=1)}
        return self

    def texts_to_sequences(self, texts: Iterable[str]) -> list[list[int]]:
        """Each text's ids; unknown words and ids from ``num_words`` on are left out (no OOV token)."""
        index = self.word_index or {}
        sequences = []
        for text in texts:
            ids = (index.get(word) for word in text_to_word_sequence(text))
            sequences.append([i for i in ids if i is not None and (not self.num_words or i < self.num_words)])
        return sequences


def pad_sequences(sequences: Sequence[Sequence[int]], maxlen: int, value: int = 0) -> list[list[int]]:
    """Keras' defaults: padding and truncating at the start ('pre')."""
    return [[value] * (maxlen - len(seq)) + list(seq[-maxlen:]) if maxlen else [] for seq in sequences]
