"""The sentiment page's last tabs: the RNN beside the TF-IDF baseline, and a sentence explained."""

import dataclasses

import pandas as pd
import streamlit as st

from pages.common import download_model, upload_model
from playground.errors import PlaygroundError
from playground.figures import history_figure
from playground.figures.images import confusion_figure
from playground.figures.text import coloured_tokens, prefix_figure
from playground.i18n import _, ngettext, percent
from playground.text import classifier
from playground.text.advice import advice
from playground.text.data import shown_labels
from playground.text.familiarity import UNAVAILABLE, Familiarity

EXAMPLES = {"en": "A gorgeous, witty film, though the ending drags.", "zh": "质量很好，物流也快，就是价格有点贵。"}


def accuracy_note(prepared) -> None:
    """Say what the accuracy below is measured on when it is not a held-out test set of a useful size."""
    scored_on, n_test = classifier.scored_on(prepared), len(prepared.X_test)
    if scored_on == "training":
        st.warning(
            _(
                "No text is held out: the model is scored on the very texts it was trained on, so this training "
                "accuracy only shows that it can memorise them, not that it can judge a text it has never seen."
            )
        )
    elif scored_on == "test" and n_test < classifier.FEW_TEST_TEXTS:
        st.info(
            ngettext(
                "Only {n} test text: each one is worth {points:.0f} points of accuracy, so small differences mean "
                "little.",
                "Only {n} test texts: each one is worth {points:.0f} points of accuracy, so small differences mean "
                "little.",
                n_test,
            ).format(n=n_test, points=100 / n_test)
        )


def run_meta(run) -> dict:
    """The model file's meta for ``run``: the prepared texts' meta with the settings the model was trained with."""
    meta, config = run.kept["prepared"].meta, run.kept.get("config")
    return meta | {"config": dataclasses.asdict(config)} if config is not None else meta


def results_tab(run) -> None:
    if run is None:
        st.info(_("Train a model in tab ② to see its results beside the baseline's."))
        return
    (history, evaluation, baseline), prepared = run.result, run.kept["prepared"]
    names = shown_labels(prepared.meta["label_names"])
    scored_on = classifier.scored_on(prepared)
    if scored_on == "none":
        st.info(_("There are no test texts to score the model on; the curves show how training went."))
        st.plotly_chart(history_figure(history.epochs, "accuracy"), key="sent.history")
        return
    on_training = scored_on == "training"
    accuracy_note(prepared)
    cols = st.columns(4)
    gain = (evaluation.accuracy - baseline.accuracy) * 100
    delta = _("{gain:+.1f} points vs baseline").format(gain=gain)
    rnn_label = _("RNN training accuracy") if on_training else _("RNN test accuracy")
    cols[0].metric(rnn_label, f"{evaluation.accuracy:.1%}", delta)
    cols[1].metric(_("RNN F1"), f"{evaluation.f1:.3f}")
    cols[2].metric(
        _("TF-IDF baseline training accuracy") if on_training else _("TF-IDF baseline accuracy"),
        f"{baseline.accuracy:.1%}",
    )
    cols[3].metric(_("TF-IDF baseline F1"), f"{baseline.f1:.3f}")
    meta = run_meta(run)
    if not on_training:
        sentences = advice(
            meta["config"], history, evaluation.accuracy, baseline.accuracy, prepared.train_lengths, prepared.maxlen
        )
        if sentences:
            st.warning("\n".join([sentences[0], *(f"- {s}" for s in sentences[1:])]))
    if prepared.X_val is not None:
        st.caption(
            _(
                "The baseline is the strong, standard one: logistic regression on TF-IDF word and character "
                "n-grams (scikit-learn), trained on the same training texts, its regularisation chosen on the "
                "validation texts. The RNN keeps the weights of its best validation epoch."
            )
        )
    else:
        st.caption(
            _(
                "The baseline is the strong, standard one: logistic regression on TF-IDF word and character "
                "n-grams (scikit-learn), trained on the same texts."
            )
        )
    st.plotly_chart(history_figure(history.epochs, "accuracy"), key="sent.history")
    left, right = st.columns([1, 1.5])
    left.plotly_chart(confusion_figure(evaluation.confusion, names, height=320), key="sent.confusion")
    if on_training:
        right.markdown(_("**Misclassified training texts**, most confident first"))
    else:
        right.markdown(_("**Misclassified test texts**, most confident first"))
    shown = [  # the short columns first: a long text would push them out of sight
        (names[int(prepared.y_test[i])], f"{evaluation.probabilities[i]:.2f}", prepared.texts_test[i][:300])
        for i in evaluation.mistakes[:12]
    ]
    columns = [_("true label"), _("P(positive)"), _("text")]
    right.dataframe(pd.DataFrame(shown, columns=columns), hide_index=True)
    download_model(run.kept["model"], meta, f"sentiment-{meta['dataset']}.pt", key="sent.download")


def familiarity(known: Familiarity) -> None:
    """The notice above the prediction when the text is unlike the training texts, else the numbers behind it."""
    if not known.available:
        st.caption(_(UNAVAILABLE))
        return
    if known.unfamiliar:
        st.warning(known.notice())
    unknown = percent(known.unknown_share, 0) if known.unknown_share is not None else "–"
    numbers = _("Unknown tokens: {unknown} of this text (the notice appears above {threshold}).").format(
        unknown=unknown, threshold=percent(known.threshold, 0)
    )
    if known.script is not None and known.training_script is not None:
        numbers += " " + _(
            "Han characters {han} and Latin words {latin} of its letters; in the training texts {train_han} and "
            "{train_latin}."
        ).format(
            han=percent(known.script.han, 0),
            latin=percent(known.script.latin, 0),
            train_han=percent(known.training_script.han, 0),
            train_latin=percent(known.training_script.latin, 0),
        )
    st.caption(numbers)


def explain(model, meta: dict, text: str) -> None:
    try:
        explanation = classifier.explain(model, meta, text)
    except PlaygroundError as exc:
        st.info(str(exc))
        return
    p, unfamiliar = explanation.probability, bool(explanation.familiarity.unfamiliar)
    familiarity(explanation.familiarity)
    verdict = _("{label}: probability of positive {probability:.1%}").format(
        label=shown_labels(meta["label_names"])[int(p > 0.5)], probability=p
    )
    if unfamiliar:  # the notice above says why; no headline for an answer that means little
        st.markdown(_("The model's answer, which means little here: {verdict}").format(verdict=verdict))
    else:
        st.subheader(verdict)
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
    mode = meta["tokenizer"]["mode"]
    if explanation.unknown:
        unknown = ", ".join(dict.fromkeys(explanation.unknown))
        if mode == "keras":
            warning = _("Unknown tokens, left out as Keras' default tokenizer has no OOV id: {tokens}.")
        else:
            warning = _("Unknown tokens (read as <OOV>, underlined): {tokens}.")
        (st.caption if unfamiliar else st.warning)(warning.format(tokens=unknown))  # one warning at most
    joiner = " " if mode in ("en", "keras") else ""
    st.markdown(
        coloured_tokens(explanation.tokens, explanation.contributions, explanation.unknown, joiner),
        unsafe_allow_html=True,
    )
    if mode == "keras":
        occlusion = _(
            "Each token's colour is its occlusion effect: how much P(positive) drops (green) or rises (red) when "
            "that token is left out (replaced by padding, as an unknown word would be)."
        )
    else:
        occlusion = _(
            "Each token's colour is its occlusion effect: how much P(positive) drops (green) or rises (red) when "
            "that token is replaced by <OOV>."
        )
    st.caption(occlusion)
    st.plotly_chart(prefix_figure(explanation.tokens, explanation.prefix_probabilities), key="sent.prefix")


def try_tab(run) -> None:
    loaded = upload_model("sent.load", expected_arch="text-rnn")
    if loaded is not None:
        st.session_state["sent.loaded"] = loaded
    if run is not None:
        model, meta = run.kept["model"], run_meta(run)
    elif "sent.loaded" in st.session_state:
        model, meta = st.session_state["sent.loaded"]
    else:
        st.info(_("Train a model in tab ② or load a model file, then type a sentence."))
        return
    text = st.text_area(_("your sentence"), EXAMPLES.get(meta["language"], ""), key="sent.text", max_chars=100_000)
    explain(model, meta, text)
