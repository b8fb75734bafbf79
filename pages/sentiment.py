"""Sentiment analysis: text to numbers step by step, an RNN trained live beside a bag-of-words baseline, explained."""

import dataclasses
import hashlib

import pandas as pd
import streamlit as st

from pages.common import UPLOAD_MB, download_model, header, model_summary, radio, upload_model
from pages.language import resolve
from pages.links import setting, settings_from_url, settings_to_url
from pages.runs import finished_run, run_button
from playground.errors import PlaygroundError
from playground.figures import history_figure
from playground.figures.images import confusion_figure
from playground.figures.text import coloured_tokens, length_histogram, prefix_figure
from playground.i18n import N_, _, ngettext, number
from playground.text import classifier
from playground.text.data import TextDataset, load_dataset, read_csv

resolve()  # the run's language before the first message: AppTest runs a page without app.py, which sets it
SOURCES = {
    "en-movies": _("English movie reviews"),
    "zh-reviews": _("Chinese shopping reviews"),
    "toy": _("The course's three sentences"),
    "csv": _("Your CSV"),
}
TOKENS = {"en": _("English words"), "zh-char": _("Chinese characters"), "zh-word": _("Chinese words (jieba)")}
LAYERS = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}  # the Keras layer each cell stands for
CELLS = {"rnn": _("SimpleRNN (the course's)"), "lstm": "LSTM", "gru": "GRU"}
EXAMPLES = {"en": "A gorgeous, witty film, though the ending drags.", "zh": "质量很好，物流也快，就是价格有点贵。"}
JOB = "sent.job"  # the run; job.kept holds its model and prepared texts


@st.cache_resource(show_spinner=_("Reading the corpus…"))
def bundled(name: str) -> TextDataset:
    return load_dataset(name)


@st.cache_data(show_spinner=_("Tokenizing…"), max_entries=8)
def prepared_for(dataset_key: str, _dataset: TextDataset, config: classifier.TextTrainConfig):
    return classifier.prepare(_dataset, config)


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
    modes = ["en"] if language == "en" else ["zh-char", "zh-word"]
    mode = cols[0].selectbox(_("tokens"), modes, format_func=TOKENS.get, key=f"sent.mode.{language}")
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
        "padding": setting(cols[3], "selectbox", _("padding"), url, "padding", "sent.padding"),
        "truncating": setting(cols[4], "selectbox", _("truncating"), url, "truncating", "sent.truncating"),
    }
    seed = int(st.session_state.get("sent.seed", url.seed))
    return classifier.TextTrainConfig(dataset=st.session_state["sent.source"], mode=mode, seed=seed, **values)


def show_example(dataset: TextDataset, prepared, config) -> None:
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


def data_tab(url) -> tuple:
    """(config, prepared texts), or (None, None) until there is readable data."""
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
    st.caption(
        _(
            "{source}. Training {train} · validation {val} · test {test} texts; "
            "the tokenizer is fitted on the training texts only."
        ).format(
            source=dataset.description(),
            train=number(len(prepared.X_train)),
            val=number(n_val),
            test=number(len(prepared.X_test)),
        )
    )
    left, right = st.columns([1, 1.4])
    left.markdown(
        _("**Vocabulary**: {seen} distinct tokens seen, ids up to {kept} kept; 0 is padding, 1 is `<OOV>`.").format(
            seen=number(len(tok.word_index) - 1), kept=number(tok.vocab_size - 1)
        )
    )
    columns = [_("token"), _("id"), _("count")]
    left.dataframe(pd.DataFrame(tok.top_words(15), columns=columns), hide_index=True, height=300)
    right.plotly_chart(length_histogram(prepared.train_lengths, prepared.maxlen), key="sent.lengths")
    show_example(dataset, prepared, base)
    return base, prepared


def model_settings(url, base) -> classifier.TextTrainConfig:
    cols = st.columns(4)
    values = {
        "cell": setting(cols[0], "selectbox", _("recurrent layer"), url, "cell", "sent.cell", format_func=CELLS.get),
        "bidirectional": setting(cols[1], "toggle", _("bidirectional"), url, "bidirectional", "sent.bidirectional"),
        "embed_dim": setting(cols[2], "select_slider", _("embedding size"), url, "embed_dim", "sent.embed"),
        "hidden": setting(cols[3], "select_slider", _("hidden size"), url, "hidden", "sent.hidden"),
    }
    cols = st.columns(5)
    values |= {
        "layers": setting(cols[0], "number_input", _("layers"), url, "layers", "sent.layers"),
        "dropout": setting(cols[1], "slider", _("dropout"), url, "dropout", "sent.dropout", step=0.1),
        "epochs": setting(cols[2], "number_input", _("epochs (0: auto)"), url, "epochs", "sent.epochs"),
        "lr": setting(cols[3], "select_slider", _("learning rate"), url, "lr", "sent.lr"),
        "seed": setting(cols[4], "number_input", _("seed"), url, "seed", "sent.seed"),
    }
    return dataclasses.replace(base, **values) if base is not None else dataclasses.replace(url, **values)


def train_tab(url, base, prepared) -> None:
    config = model_settings(url, base)
    if prepared is None:
        st.info(_("Choose or upload data in tab ① first."))
        return
    settings_to_url(config, "sent")
    preview = classifier.build_model(prepared, config)
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
        _("Why PyTorch counts more parameters than Keras"),
        _(
            "For the course's model (num_words 1000, Embedding 64, SimpleRNN 64, Dense 1) PyTorch has **72,385** "
            "parameters where Keras reports **72,321**: the recurrent layer computes "
            "$h_t = \\tanh(W_{ih}x_t + b_{ih} + W_{hh}h_{t-1} + b_{hh})$ with two bias vectors ($b_{ih}$ and "
            "$b_{hh}$), Keras with one. The extra 64 are the second bias; LSTM and GRU have two biases per gate "
            "likewise."
        ),
    )

    def make():
        model = classifier.build_model(prepared, config)

        def target(ctx):
            history = classifier.train(model, prepared, config, [ctx], ctx.stop)
            ctx.set_stage(_("the bag-of-words baseline"))
            baseline = classifier.train_baseline(prepared, config)
            return history, classifier.evaluate(model, prepared), classifier.evaluate(baseline, prepared)

        return target, {"model": model, "prepared": prepared}

    run_button(JOB, _("Train"), make, name=N_("the sentiment page's training"))


def results_tab(run) -> None:
    if run is None:
        st.info(_("Train a model in tab ② to see its results beside the baseline's."))
        return
    (history, evaluation, baseline), prepared = run.result, run.kept["prepared"]
    names = prepared.meta["label_names"]
    cols = st.columns(4)
    gain = (evaluation.accuracy - baseline.accuracy) * 100
    delta = _("{gain:+.1f} points vs baseline").format(gain=gain)
    cols[0].metric(_("RNN test accuracy"), f"{evaluation.accuracy:.1%}", delta)
    cols[1].metric(_("RNN F1"), f"{evaluation.f1:.3f}")
    cols[2].metric(_("bag-of-words accuracy"), f"{baseline.accuracy:.1%}")
    cols[3].metric(_("bag-of-words F1"), f"{baseline.f1:.3f}")
    if evaluation.accuracy <= baseline.accuracy:
        st.warning(
            _(
                "The RNN does not beat the bag-of-words baseline here: word order adds nothing the model "
                "could learn from this much data. Try more epochs, a GRU or LSTM, or more data."
            )
        )
    st.caption(
        _(
            "The bag-of-words baseline is a logistic regression on which vocabulary words a text contains, trained "
            "on the same split and vocabulary; it ignores word order. The RNN keeps the weights of its best "
            "validation epoch."
        )
    )
    st.plotly_chart(history_figure(history.epochs, "accuracy"), key="sent.history")
    left, right = st.columns([1, 1.5])
    left.plotly_chart(confusion_figure(evaluation.confusion, names, height=320), key="sent.confusion")
    right.markdown(_("**Misclassified test texts**, most confident first"))
    shown = [
        (prepared.texts_test[i][:300], names[int(prepared.y_test[i])], f"{evaluation.probabilities[i]:.2f}")
        for i in evaluation.mistakes[:12]
    ]
    columns = [_("text"), _("true label"), _("P(positive)")]
    right.dataframe(pd.DataFrame(shown, columns=columns), hide_index=True)
    meta = prepared.meta
    download_model(run.kept["model"], meta, f"sentiment-{meta['dataset']}.pt", key="sent.download")


def explain(model, meta: dict, text: str) -> None:
    try:
        explanation = classifier.explain(model, meta, text)
    except PlaygroundError as exc:
        st.info(str(exc))
        return
    p = explanation.probability
    verdict = _("{label}: probability of positive {probability:.1%}")
    st.subheader(verdict.format(label=meta["label_names"][int(p > 0.5)], probability=p))
    if explanation.truncated:
        maxlen = meta["maxlen"]
        st.info(
            ngettext(
                "The text is longer than maxlen = {maxlen} token: the model reads {maxlen} and drops {dropped} "
                "({truncating}-truncating).",
                "The text is longer than maxlen = {maxlen} tokens: the model reads {maxlen} and drops {dropped} "
                "({truncating}-truncating).",
                maxlen,
            ).format(maxlen=maxlen, dropped=explanation.truncated, truncating=meta["truncating"])
        )
    if explanation.unknown:
        unknown = ", ".join(dict.fromkeys(explanation.unknown))
        st.warning(_("Unknown tokens (read as <OOV>, underlined): {tokens}.").format(tokens=unknown))
    joiner = " " if meta["tokenizer"]["mode"] == "en" else ""
    st.markdown(
        coloured_tokens(explanation.tokens, explanation.contributions, explanation.unknown, joiner),
        unsafe_allow_html=True,
    )
    st.caption(
        _(
            "Each token's colour is its occlusion effect: how much P(positive) drops (green) or rises (red) when "
            "that token is replaced by <OOV>."
        )
    )
    st.plotly_chart(prefix_figure(explanation.tokens, explanation.prefix_probabilities), key="sent.prefix")


def try_tab(run) -> None:
    loaded = upload_model("sent.load", expected_arch="text-rnn")
    if loaded is not None:
        st.session_state["sent.loaded"] = loaded
    if run is not None:
        model, meta = run.kept["model"], run.kept["prepared"].meta
    elif "sent.loaded" in st.session_state:
        model, meta = st.session_state["sent.loaded"]
    else:
        st.info(_("Train a model in tab ② or load a model file, then type a sentence."))
        return
    text = st.text_area(_("your sentence"), EXAMPLES.get(meta["language"], ""), key="sent.text", max_chars=100_000)
    explain(model, meta, text)


tab_data, tab_train, tab_results, tab_try = header(
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
    train_tab(url, base, prepared)
run = finished_run(JOB)
with tab_results:
    results_tab(run)
with tab_try:
    try_tab(run)
