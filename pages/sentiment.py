"""Sentiment analysis: text to numbers step by step, an RNN trained live beside a bag-of-words baseline, explained."""

import dataclasses
import hashlib

import pandas as pd
import streamlit as st

from pages.common import (
    UPLOAD_MB,
    download_model,
    job_outcome,
    live_job,
    settings_from_url,
    settings_to_url,
    start_job,
    upload_model,
)
from playground.errors import PlaygroundError
from playground.figures import history_figure
from playground.figures.images import confusion_figure
from playground.figures.text import coloured_tokens, length_histogram, prefix_figure
from playground.models import summarize
from playground.text import classifier as tc
from playground.text.data import TextDataset, load_dataset, read_csv

st.title("Sentiment analysis")
st.caption(
    "A recurrent network reads a text token by token, carrying a hidden state; its last state decides "
    "whether the text is positive."
)

SOURCES = {
    "en-movies": "English movie reviews",
    "zh-reviews": "Chinese shopping reviews",
    "toy": "The course's three sentences",
    "csv": "Your CSV",
}


@st.cache_resource(show_spinner="Reading the corpus…")
def bundled(name: str) -> TextDataset:
    return load_dataset(name)


@st.cache_data(show_spinner="Tokenizing…", max_entries=8)
def prepared_for(dataset_key: str, _dataset: TextDataset, config: tc.TextTrainConfig) -> tc.PreparedText:
    return tc.prepare(_dataset, config)


url = settings_from_url(tc.TextTrainConfig, "sent")
tab_data, tab_train, tab_results, tab_try = st.tabs(
    ["① Text to numbers", "② Model and training", "③ Results", "④ Try a sentence"]
)

with tab_data:
    first = url.dataset if url.dataset in SOURCES else "en-movies"
    source = st.radio(
        "data",
        list(SOURCES),
        index=list(SOURCES).index(first),
        format_func=SOURCES.get,
        horizontal=True,
        key="sent.source",
    )
    dataset = None
    if source == "csv":
        upload = st.file_uploader(
            "CSV with a text column and a label column (two values)",
            type=["csv"],
            key="sent.csv",
            max_upload_size=UPLOAD_MB,
        )
        if upload is None:
            st.info("Upload a UTF-8 CSV, e.g. columns text,label with labels pos/neg or 1/0; at least 20 rows.")
        else:
            try:
                dataset = read_csv(upload.getvalue())
                dataset_key = "csv:" + hashlib.sha256(upload.getvalue()).hexdigest()
            except PlaygroundError as exc:
                st.error(str(exc))
    else:
        dataset, dataset_key = bundled(source), source
    cols = st.columns(5)
    language = dataset.language if dataset is not None else "en"
    modes = ["en"] if language == "en" else ["zh-char", "zh-word"]
    mode = cols[0].selectbox(
        "tokens",
        modes,
        format_func={"en": "English words", "zh-char": "Chinese characters", "zh-word": "Chinese words (jieba)"}.get,
        key=f"sent.mode.{language}",
    )
    num_words = cols[1].number_input(
        "num_words (0: auto)",
        0,
        50_000,
        int(min(max(url.num_words, 0), 50_000)),
        step=1000,
        key="sent.num_words",
        help="The vocabulary keeps the num_words − 1 most frequent tokens; auto is the course's 1000 for the toy set and 10,000 for real corpora.",
    )
    maxlen = cols[2].number_input(
        "maxlen (0: from the histogram)", 0, 500, int(min(max(url.maxlen, 0), 500)), key="sent.maxlen"
    )
    padding = cols[3].selectbox("padding", ["pre", "post"], index=0 if url.padding != "post" else 1, key="sent.padding")
    truncating = cols[4].selectbox(
        "truncating", ["pre", "post"], index=0 if url.truncating != "post" else 1, key="sent.truncating"
    )

    if dataset is not None:
        base = tc.TextTrainConfig(
            dataset=source,
            mode=mode,
            num_words=int(num_words),
            maxlen=int(maxlen),
            padding=padding,
            truncating=truncating,
            seed=int(st.session_state.get("sent.seed", url.seed)),
        )
        try:
            prepared = prepared_for(dataset_key, dataset, base)
        except PlaygroundError as exc:
            st.error(str(exc))
            st.stop()
        tok = prepared.tokenizer
        st.caption(
            f"{dataset.source}. Training {len(prepared.X_train):,} · validation {0 if prepared.X_val is None else len(prepared.X_val):,} · test {len(prepared.X_test):,} texts; the tokenizer is fitted on the training texts only."
        )
        left, right = st.columns([1, 1.4])
        with left:
            st.markdown(
                f"**Vocabulary**: {len(tok.word_index) - 1:,} distinct tokens seen, ids up to {tok.vocab_size - 1:,} kept; 0 is padding, 1 is `<OOV>`."
            )
            st.dataframe(pd.DataFrame(tok.top_words(15), columns=["token", "id", "count"]), hide_index=True, height=300)
        with right:
            st.plotly_chart(length_histogram(prepared.train_lengths, prepared.maxlen), key="sent.lengths")
        index = st.number_input("example text (index in the data)", 0, len(dataset.texts) - 1, 0, key="sent.example")
        example = dataset.texts[int(index)]
        tokens, ids = tok.encode(example[: tc.MAX_TEXT_CHARS])
        padded = prepared.encode([example])[0].tolist()
        st.markdown(f"> {example[:500]}")
        st.dataframe(pd.DataFrame({"token": tokens[:40], "id": ids[:40]}).T.astype(str), height=110)
        st.code(
            f"padded to maxlen={prepared.maxlen} ({padding}-padding, {truncating}-truncating):\n{padded}",
            language=None,
            wrap_lines=True,
        )

with tab_train:
    cols = st.columns(4)
    cells = ["rnn", "lstm", "gru"]
    cell = cols[0].selectbox(
        "recurrent layer",
        cells,
        index=cells.index(url.cell) if url.cell in cells else 2,
        format_func={"rnn": "SimpleRNN (the course's)", "lstm": "LSTM", "gru": "GRU"}.get,
        key="sent.cell",
    )
    bidirectional = cols[1].toggle("bidirectional", url.bidirectional, key="sent.bidirectional")
    embed_dim = cols[2].select_slider(
        "embedding size",
        [16, 32, 64, 128, 256],
        value=url.embed_dim if url.embed_dim in (16, 32, 64, 128, 256) else 64,
        key="sent.embed",
    )
    hidden = cols[3].select_slider(
        "hidden size",
        [16, 32, 64, 128, 256],
        value=url.hidden if url.hidden in (16, 32, 64, 128, 256) else 64,
        key="sent.hidden",
    )
    cols = st.columns(5)
    layers = cols[0].number_input("layers", 1, 3, int(min(max(url.layers, 1), 3)), key="sent.layers")
    dropout = cols[1].slider("dropout", 0.0, 0.8, float(min(max(url.dropout, 0.0), 0.8)), 0.1, key="sent.dropout")
    epochs = cols[2].number_input("epochs (0: auto)", 0, 500, int(min(max(url.epochs, 0), 500)), key="sent.epochs")
    lr = cols[3].select_slider(
        "learning rate",
        [0.0003, 0.001, 0.003, 0.01, 0.03],
        value=url.lr if url.lr in (0.0003, 0.001, 0.003, 0.01, 0.03) else 0.003,
        key="sent.lr",
    )
    seed = cols[4].number_input("seed", 0, 2**31 - 1, int(max(url.seed, 0)), key="sent.seed")
    if dataset is None:
        st.info("Choose or upload data in tab ① first.")
    else:
        config = dataclasses.replace(
            base,
            cell=cell,
            bidirectional=bool(bidirectional),
            embed_dim=int(embed_dim),
            hidden=int(hidden),
            layers=int(layers),
            dropout=float(dropout),
            epochs=int(epochs),
            lr=float(lr),
            seed=int(seed),
        )
        settings_to_url(config, "sent")
        model_preview = tc.build_model(prepared, config)
        total = sum(p.numel() for p in model_preview.parameters())
        st.markdown(
            f"**Embedding({prepared.tokenizer.vocab_size:,}, {embed_dim}) → {cell.upper() if cell != 'rnn' else 'SimpleRNN'}({hidden}{', bidirectional' if bidirectional else ''}) → Dense(1, sigmoid)**: **{total:,} parameters**."
        )
        with st.expander("Why PyTorch counts more parameters than Keras"):
            st.markdown(
                "For the course's model (num_words 1000, Embedding 64, SimpleRNN 64, Dense 1) PyTorch has **72,385** "
                "parameters where Keras reports **72,321**: the recurrent layer computes $h_t = \\tanh(W_{ih}x_t + b_{ih} + W_{hh}h_{t-1} + b_{hh})$ "
                "with two bias vectors ($b_{ih}$ and $b_{hh}$), Keras with one. The extra 64 are the second bias; "
                "LSTM and GRU have two biases per gate likewise."
            )
            rows = summarize(model_preview, prepared.X_train[:1]).rows
            st.dataframe(
                pd.DataFrame([(r.name, r.type, r.params) for r in rows], columns=["layer", "type", "parameters"]),
                hide_index=True,
            )
        job = st.session_state.get("sent.job")
        running = job is not None and not job.finished
        if st.button("Train", icon=":material/play_arrow:", type="primary", key="sent.train", disabled=running):
            model = tc.build_model(prepared, config)

            def target(ctx, model=model, prepared=prepared, config=config):
                history = tc.train(model, prepared, config, [ctx], ctx.stop)
                ctx.set_stage("the bag-of-words baseline")
                baseline = tc.train_baseline(prepared, config)
                return history, tc.evaluate(model, prepared), tc.evaluate(baseline, prepared)

            if start_job("sent.job", "the sentiment page's training", target) is not None:
                st.session_state["sent.run"] = {"model": model, "prepared": prepared, "config": config}
                running = True
        if running:
            live_job("sent.job")
        elif job is not None:
            job_outcome(job)

job = st.session_state.get("sent.job")
finished = job is not None and job.finished and job.result is not None

with tab_results:
    if not finished:
        st.info("Train a model in tab ② to see its results beside the baseline's.")
    else:
        history, evaluation, baseline = job.result
        run = st.session_state["sent.run"]
        prepared, names = run["prepared"], run["prepared"].meta["label_names"]
        cols = st.columns(4)
        cols[0].metric(
            "RNN test accuracy",
            f"{evaluation.accuracy:.1%}",
            f"{(evaluation.accuracy - baseline.accuracy) * 100:+.1f} points vs baseline",
        )
        cols[1].metric("RNN F1", f"{evaluation.f1:.3f}")
        cols[2].metric("bag-of-words accuracy", f"{baseline.accuracy:.1%}")
        cols[3].metric("bag-of-words F1", f"{baseline.f1:.3f}")
        if evaluation.accuracy <= baseline.accuracy:
            st.warning(
                "The RNN does not beat the bag-of-words baseline here: word order adds nothing the model "
                "could learn from this much data. Try more epochs, a GRU or LSTM, or more data."
            )
        st.caption(
            "The bag-of-words baseline is a logistic regression on which vocabulary words a text contains, "
            "trained on the same split and vocabulary; it ignores word order. The RNN keeps the weights of its best validation epoch."
        )
        st.plotly_chart(history_figure(history.epochs, "accuracy"), key="sent.history")
        left, right = st.columns([1, 1.5])
        left.plotly_chart(confusion_figure(evaluation.confusion, names, height=320), key="sent.confusion")
        with right:
            st.markdown("**Misclassified test texts**, most confident first")
            shown = [
                (prepared.texts_test[i][:300], names[int(prepared.y_test[i])], f"{evaluation.probabilities[i]:.2f}")
                for i in evaluation.mistakes[:12]
            ]
            st.dataframe(pd.DataFrame(shown, columns=["text", "true label", "P(positive)"]), hide_index=True)
        download_model(run["model"], prepared.meta, f"sentiment-{prepared.meta['dataset']}.pt", key="sent.download")

with tab_try:
    loaded = upload_model("sent.load", expected_arch="text-rnn")
    if loaded is not None:
        if loaded[1].get("task") != "text" or "tokenizer" not in loaded[1]:
            st.error("This model file holds no vocabulary, so it cannot read text.")
        else:
            st.session_state["sent.loaded"] = loaded
    if finished:
        model, meta = st.session_state["sent.run"]["model"], st.session_state["sent.run"]["prepared"].meta
    elif "sent.loaded" in st.session_state:
        model, meta = st.session_state["sent.loaded"]
    else:
        model = meta = None
        st.info("Train a model in tab ② or load a model file, then type a sentence.")
    if model is not None:
        examples = {
            "en": "A gorgeous, witty film, though the ending drags.",
            "zh": "质量很好，物流也快，就是价格有点贵。",
        }
        text = st.text_area("your sentence", examples.get(meta["language"], ""), key="sent.text", max_chars=100_000)
        try:
            explanation = tc.explain(model, meta, text)
        except PlaygroundError as exc:
            st.info(str(exc))
        else:
            p = explanation.probability
            verdict = meta["label_names"][int(p > 0.5)]
            st.subheader(f"{verdict}: probability of positive {p:.1%}")
            if explanation.truncated:
                st.info(
                    f"The text is longer than maxlen = {meta['maxlen']} tokens: the model reads {meta['maxlen']} and drops {explanation.truncated} ({meta['truncating']}-truncating)."
                )
            if explanation.unknown:
                st.warning(
                    f"Unknown tokens (read as <OOV>, underlined): {', '.join(dict.fromkeys(explanation.unknown))}."
                )
            joiner = " " if meta["tokenizer"]["mode"] == "en" else ""
            st.markdown(
                coloured_tokens(explanation.tokens, explanation.contributions, explanation.unknown, joiner),
                unsafe_allow_html=True,
            )
            st.caption(
                "Each token's colour is its occlusion effect: how much P(positive) drops (green) or rises (red) when that token is replaced by <OOV>."
            )
            st.plotly_chart(prefix_figure(explanation.tokens, explanation.prefix_probabilities), key="sent.prefix")
