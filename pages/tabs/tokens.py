"""The sentiment page's text-to-numbers views: one example encoded, and the tokenizers side by side."""

import dataclasses

import pandas as pd
import streamlit as st

from playground.i18n import N_, _, number
from playground.text import classifier
from playground.text.data import TextDataset
from playground.text.tokenizer import MODES_FOR, Tokenizer, pad_sequences, tokenize

TOKEN_MODES = {  # how each tokenizer mode is called (translated where shown)
    "en": N_("English words"),
    "zh-char": N_("Chinese characters"),
    "zh-word": N_("Chinese words (jieba)"),
    "keras": N_("Words between spaces (Keras' default, the course's)"),
}


@st.cache_data(show_spinner=_("Tokenizing…"), max_entries=16)
def tokenizer_for(dataset_key: str, _dataset: TextDataset, config: classifier.TextTrainConfig, mode: str) -> Tokenizer:
    return classifier.fit_tokenizer(_dataset, config, mode)


def show_example(dataset: TextDataset, prepared, config) -> str:
    index = st.number_input(_("example text (index in the data)"), 0, len(dataset.texts) - 1, 0, key="sent.example")
    example = dataset.texts[int(index)]
    tokens, ids = prepared.tokenizer.encode(example[: classifier.MAX_TEXT_CHARS])
    st.markdown(f"> {example[:500]}")
    st.dataframe(pd.DataFrame({_("token"): tokens[:40], _("id"): ids[:40]}).T.astype(str), height=110)
    padded = _("padded to maxlen={maxlen} ({padding}-padding, {truncating}-truncating):").format(
        maxlen=prepared.maxlen, padding=config.padding, truncating=config.truncating
    )
    st.code(
        f"{padded}\n{prepared.encode([example])[0].tolist()}",
        language=None,
        wrap_lines=True,
    )
    return example


def short_row(row: list[int], shown: int = 40) -> str:
    """A padded sequence as Keras prints it, or, when long, its padding written once ("0 × 183") and ``shown`` ids."""
    if len(row) <= 20:
        return str(row)
    ids = [str(i) for i in row if i != 0]
    ids = ids[:shown] + (["…"] if len(ids) > shown else [])
    padding = [f"0 × {row.count(0)}"] if 0 in row else []
    return "[" + ", ".join(padding + ids if row[0] == 0 else ids + padding) + "]"


def compare_tokenizers(dataset: TextDataset, dataset_key: str, config, prepared, texts: list[str]) -> None:
    """``texts`` through every tokenizer the language offers, side by side: tokens, ids, the padded sequence."""
    st.markdown(_("**The same text through each tokenizer**, each fitted on the training texts"))
    modes = MODES_FOR[dataset.language]
    for column, mode in zip(st.columns(len(modes)), modes):
        if mode == prepared.tokenizer.mode:
            tokenizer = prepared.tokenizer
        else:  # only the split and the vocabulary size decide a fitted tokenizer: one cache entry per mode
            fitting = dataclasses.replace(config, mode=mode, maxlen=0, padding="pre", truncating="pre")
            tokenizer = tokenizer_for(dataset_key, dataset, fitting, mode)
        seen = len(tokenizer.word_index) - (1 if tokenizer.has_oov else 0)
        column.markdown(f"**{_(TOKEN_MODES[mode])}**")
        column.caption(_("{seen} distinct tokens seen").format(seen=number(seen)))
        lines = []
        for text in texts:
            tokenized = tokenize(tokenizer, text[: classifier.MAX_TEXT_CHARS])
            ids = ["–" if i is None else str(i) for i in tokenized.ids[:40]]
            padded = pad_sequences([tokenized.sequence], prepared.maxlen, config.padding, config.truncating)[0]
            lines += [" | ".join(tokenized.tokens[:40]), "[" + ", ".join(ids) + "]", short_row(padded.tolist()), ""]
        column.code("\n".join(lines).strip(), language=None, wrap_lines=True)
    st.caption(
        _(
            "Each text: its tokens, their ids (– : dropped), and the sequence padded to maxlen. Keras' Tokenizer "
            "lower-cases, turns ASCII punctuation into spaces and splits on spaces; unknown words are dropped, "
            "as it has no OOV id unless given one."
        )
    )
    if dataset.name == "toy":
        st.info(
            _(
                "Chinese is written without spaces and its punctuation (，。！) is not in Keras' filter, so a whole "
                "Chinese sentence is one token: the course's three sentences are three ids, no two share a word, and "
                "an RNN trained on them can only memorise which id has which label. Characters and jieba words are "
                "shared between sentences (学习 appears in two of them), which is what lets a model generalise."
            )
        )
    elif dataset.language == "zh":
        st.info(
            _(
                "Chinese is written without spaces, so between spaces Keras' Tokenizer finds whole clauses: nearly "
                "every one is seen once, most fall outside num_words and are dropped, and many texts become nothing "
                "but padding. Characters or jieba words are shared between texts."
            )
        )
