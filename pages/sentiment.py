"""Sentiment analysis: text to numbers step by step, an RNN trained live beside a TF-IDF baseline, explained."""

import dataclasses
import hashlib

import pandas as pd
import streamlit as st

from pages.common import UPLOAD_MB, header, model_summary, radio, schedule_names
from pages.language import resolve
from pages.links import setting, settings_from_url, settings_to_url
from pages.runs import finished_run, run_button
from pages.tabs.course import course_tab
from pages.tabs.sentiment_results import results_tab, try_tab
from pages.tabs.tokens import TOKEN_MODES, compare_tokenizers, show_example
from playground.errors import PlaygroundError
from playground.figures.text import length_histogram
from playground.i18n import N_, _, number
from playground.text import classifier
from playground.text.data import TextDataset, load_dataset, read_csv
from playground.text.tokenizer import MODES_FOR

resolve()  # the run's language before the first message: AppTest runs a page without app.py, which sets it
SOURCES = {
    "en-movies": _("English movie reviews"),
    "zh-reviews": _("Chinese shopping reviews"),
    "toy": _("The course's three sentences"),
    "csv": _("Your CSV"),
}
TOKENS = {mode: _(label) for mode, label in TOKEN_MODES.items()}
LAYERS = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}  # the Keras layer each cell stands for
CELLS = {"rnn": _("SimpleRNN (the course's)"), "lstm": "LSTM", "gru": "GRU"}
PADS = {"pre": _("pre: zeros first"), "post": _("post: zeros last")}  # Keras' value first, then what it does
CUTS = {"pre": _("pre: cut the start"), "post": _("post: cut the end")}
POOLINGS = {"last": N_("last token (the course's)"), "max": N_("max over the text")}
JOB = "sent.job"  # the run; job.kept holds its model and prepared texts
URL_CONFIG = "sent.url_config"  # where settings_from_url(..., "sent") keeps the settings a link opened with
# The widget that holds each of the course's settings (classifier.COURSE_CONFIG); the toy set is Chinese.
COURSE_WIDGETS = {
    "sent.source": "dataset",
    "sent.mode.zh": "mode",
    "sent.num_words": "num_words",
    "sent.maxlen": "maxlen",
    "sent.padding": "padding",
    "sent.truncating": "truncating",
    "sent.cell": "cell",
    "sent.bidirectional": "bidirectional",
    "sent.pooling": "pooling",
    "sent.embed": "embed_dim",
    "sent.hidden": "hidden",
    "sent.layers": "layers",
    "sent.dropout": "dropout",
    "sent.polarity": "polarity_start",
    "sent.lr": "lr",
    "sent.schedule": "schedule",
}


@st.cache_resource(show_spinner=_("Reading the corpus…"))
def bundled(name: str) -> TextDataset:
    return load_dataset(name)


@st.cache_data(show_spinner=_("Tokenizing…"), max_entries=8)
def prepared_for(dataset_key: str, _dataset: TextDataset, config: classifier.TextTrainConfig):
    return classifier.prepare(_dataset, config)


def use_course_settings() -> None:
    """The button's callback, run before the widgets are drawn: they open again, at the course's values.

    The values go where a link's settings are kept (``settings_from_url``), and the widgets' own state is
    cleared, so each widget opens at them as at a link's; setting a widget's key while it also has a
    default value would make Streamlit log a warning.
    """
    course = classifier.COURSE_CONFIG
    url = st.session_state[URL_CONFIG]
    st.session_state[URL_CONFIG] = dataclasses.replace(url, **{f: getattr(course, f) for f in COURSE_WIDGETS.values()})
    for key in COURSE_WIDGETS:
        st.session_state.pop(key, None)


def choose_dataset(url: classifier.TextTrainConfig) -> tuple[TextDataset | None, str]:
    """The chosen corpus and a key that names its content; (None, "") until a CSV is readable."""
    source = radio(_("data"), SOURCES, "sent.source", url.dataset)
    if source != "csv":
        return bundled(source), source
    upload = st.file_uploader(
        _("CSV with a text column and a label column (two values)"),
        type=["csv"],
        key="sent.csv",
        max_upload_size=UPLOAD_MB,
    )
    if upload is None:
        st.info(_("Upload a UTF-8 CSV, e.g. columns text,label with labels pos/neg or 1/0; at least 20 rows."))
        return None, ""
    try:
        return read_csv(upload.getvalue()), "csv:" + hashlib.sha256(upload.getvalue()).hexdigest()
    except PlaygroundError as exc:
        st.error(str(exc))
        return None, ""


def tokenizer_settings(url, language: str) -> classifier.TextTrainConfig:
    cols = st.columns(5)
    modes = list(MODES_FOR[language])
    mode = cols[0].selectbox(
        _("tokens"),
        modes,
        index=modes.index(url.mode) if url.mode in modes else 0,
        format_func=TOKENS.get,
        key=f"sent.mode.{language}",
    )
    values = {
        "num_words": setting(
            cols[1],
            "number_input",
            _("num_words (0: auto)"),
            url,
            "num_words",
            "sent.num_words",
            step=1000,
            help=_(
                "The vocabulary keeps the num_words − 1 most frequent tokens; auto is the course's 1000 for the toy "
                "set and 10,000 for real corpora."
            ),
        ),
        "maxlen": setting(cols[2], "number_input", _("maxlen (0: from the histogram)"), url, "maxlen", "sent.maxlen"),
        "padding": setting(cols[3], "selectbox", _("padding"), url, "padding", "sent.padding", format_func=PADS.get),
        "truncating": setting(
            cols[4], "selectbox", _("truncating"), url, "truncating", "sent.truncating", format_func=CUTS.get
        ),
    }
    seed = int(st.session_state.get("sent.seed", url.seed))
    return classifier.TextTrainConfig(dataset=st.session_state["sent.source"], mode=mode, seed=seed, **values)


def data_tab(url) -> tuple:
    """(config, prepared texts), or (None, None) until there is readable data."""
    st.button(
        _("Use the course's settings"),
        key="sent.course",
        on_click=use_course_settings,
        help=_(
            "The course's three sentences, Keras' Tokenizer(num_words=1000) splitting on spaces, "
            "pad_sequences(maxlen=5), Embedding(1000, 64) → SimpleRNN(64) → Dense(1, sigmoid), Adam at 0.001."
        ),
    )
    dataset, dataset_key = choose_dataset(url)
    base = tokenizer_settings(url, dataset.language if dataset is not None else "en")
    if dataset is None:
        return None, None
    try:
        prepared = prepared_for(dataset_key, dataset, base)
    except PlaygroundError as exc:
        st.error(str(exc))
        return None, None
    tok, n_val = prepared.tokenizer, 0 if prepared.X_val is None else len(prepared.X_val)
    if prepared.held_out:
        split = _(
            "{source}. Training {train} · validation {val} · test {test} texts; "
            "the tokenizer is fitted on the training texts only."
        ).format(
            source=dataset.description(),
            train=number(len(prepared.X_train)),
            val=number(n_val),
            test=number(len(prepared.X_test)),
        )
    else:
        split = _("{source}. All {n} texts are for training and scoring, as in the course: none is held out.").format(
            source=dataset.description(), n=number(len(prepared.X_train))
        )
    st.caption(split)
    left, right = st.columns([1, 1.4])
    if tok.has_oov:
        vocabulary = _(
            "**Vocabulary**: {seen} distinct tokens seen, ids up to {kept} kept; 0 is padding, 1 is `<OOV>`."
        )
    else:
        vocabulary = _(
            "**Vocabulary**: {seen} distinct tokens seen, ids up to {kept} kept; 0 is padding and there is no OOV id: "
            "a word outside the vocabulary is dropped."
        )
    seen = len(tok.word_index) - (1 if tok.has_oov else 0)
    left.markdown(vocabulary.format(seen=number(seen), kept=number(tok.vocab_size - 1)))
    columns = [_("token"), _("id"), _("count")]
    left.dataframe(pd.DataFrame(tok.top_words(15), columns=columns), hide_index=True, height=300)
    right.plotly_chart(length_histogram(prepared.train_lengths, prepared.maxlen), key="sent.lengths")
    example = show_example(dataset, prepared, base)
    compare_tokenizers(dataset, dataset_key, base, prepared, dataset.texts if dataset.name == "toy" else [example])
    return base, prepared


def model_settings(url, base) -> classifier.TextTrainConfig:
    cols = st.columns(5)
    pooled = {"format_func": {name: _(label) for name, label in POOLINGS.items()}.get}  # translated now, not later
    values = {
        "cell": setting(cols[0], "selectbox", _("recurrent layer"), url, "cell", "sent.cell", format_func=CELLS.get),
        "bidirectional": setting(cols[1], "toggle", _("bidirectional"), url, "bidirectional", "sent.bidirectional"),
        "pooling": setting(cols[2], "selectbox", _("pooling over time"), url, "pooling", "sent.pooling", **pooled),
        "embed_dim": setting(cols[3], "select_slider", _("embedding size"), url, "embed_dim", "sent.embed"),
        "hidden": setting(cols[4], "select_slider", _("hidden size"), url, "hidden", "sent.hidden"),
    }
    cols = st.columns(5)
    values |= {
        "layers": setting(cols[0], "number_input", _("layers"), url, "layers", "sent.layers"),
        "dropout": setting(cols[1], "slider", _("dropout"), url, "dropout", "sent.dropout", step=0.1),
        "epochs": setting(cols[2], "number_input", _("epochs (0: auto)"), url, "epochs", "sent.epochs"),
        "lr": setting(cols[3], "select_slider", _("learning rate"), url, "lr", "sent.lr"),
        "seed": setting(cols[4], "number_input", _("seed"), url, "seed", "sent.seed"),
    }
    cols = st.columns([1, 2, 2])  # the toggle's label is long in Chinese
    values |= {
        "schedule": setting(
            cols[0],
            "selectbox",
            _("learning-rate schedule"),
            url,
            "schedule",
            "sent.schedule",
            format_func=schedule_names().get,
            help=_("One-cycle warms the rate up, then anneals it: good results in few epochs."),
        ),
        "polarity_start": setting(
            cols[1],
            "toggle",
            _("start words at their polarity"),
            url,
            "polarity_start",
            "sent.polarity",
            help=_(
                "Each word's first embedding value starts at how much more often it appears in positive training "
                "texts than in negative ones (a log ratio), so a rare word's evidence is there from the first "
                "batch. Off: every value starts small and random, as in Keras."
            ),
        ),
    }
    return dataclasses.replace(base, **values) if base is not None else dataclasses.replace(url, **values)


def train_tab(url, base, prepared) -> classifier.TextTrainConfig:
    config = model_settings(url, base)
    if prepared is None:
        st.info(_("Choose or upload data in tab ① first."))
        return config
    settings_to_url(config, "sent")
    preview = classifier.build_model(prepared, dataclasses.replace(config, polarity_start=False))  # its shape only
    units = _("{hidden}, bidirectional").format(hidden=config.hidden) if config.bidirectional else config.hidden
    layers = f"Embedding({number(prepared.tokenizer.vocab_size)}, {config.embed_dim}) → {LAYERS[config.cell]}({units})"
    st.markdown(
        _("**{layers} → Dense(1, sigmoid)**: **{n} parameters**.").format(
            layers=layers, n=number(sum(p.numel() for p in preview.parameters()))
        )
    )
    model_summary(
        preview,
        prepared.X_train[:1],
        _("Layer by layer in PyTorch (Keras' count inside)"),
        classifier.keras_note(preview),
    )

    def make():
        model = classifier.build_model(prepared, config)

        def target(ctx):
            history = classifier.train(model, prepared, config, [ctx], ctx.stop)
            ctx.set_stage(_("the TF-IDF baseline"))
            return history, classifier.evaluate(model, prepared), classifier.baseline_evaluation(prepared, config)

        return target, {"model": model, "prepared": prepared, "config": config}

    run_button(JOB, _("Train"), make, name=N_("the sentiment page's training"))
    return config


tab_data, tab_train, tab_results, tab_try, tab_course = header(
    "sentiment",
    _(
        "A recurrent network reads a text token by token, carrying a hidden state; its last state decides "
        "whether the text is positive."
    ),
)
url = settings_from_url(classifier.TextTrainConfig, "sent")
with tab_data:
    base, prepared = data_tab(url)
with tab_train:
    config = train_tab(url, base, prepared)
run = finished_run(JOB)
with tab_results:
    results_tab(run)
with tab_try:
    try_tab(run)
with tab_course:
    sizes = {"num_words": prepared.tokenizer.vocab_size, "maxlen": prepared.maxlen} if prepared else {}
    model = {name: getattr(config, name) for name in ("cell", "embed_dim", "hidden", "layers", "bidirectional")}
    course_tab("sentiment", model | {"dropout": config.dropout} | sizes, config if prepared else None)
