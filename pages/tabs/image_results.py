"""The CNN page's results tab: accuracy beside the majority baseline, curves, the confusion matrix and the worst mistakes."""

import numpy as np
import streamlit as st

from pages.common import download_model
from playground.figures import history_figure
from playground.figures.images import bar_figure, confusion_figure, mosaic, to_display
from playground.i18n import _, number
from playground.training.metrics import majority_baseline


def confusion_images(prepared, evaluation, classes: list[str]) -> None:
    left, right = st.columns([1.3, 1])
    with left:
        st.markdown(_("**Confusion matrix** — click a cell to see those test images"))
        event = st.plotly_chart(
            confusion_figure(evaluation.confusion, classes),
            key="cnn.confusion",
            on_select="rerun",
            selection_mode="points",
        )
    per_class = bar_figure(classes, evaluation.per_class, _("accuracy per class"), height=460)
    right.plotly_chart(per_class, key="cnn.per_class")
    points = event.selection.points if event and event.selection else []
    if points:
        true_c, pred_c = (int(v) for v in points[0]["customdata"])
        idx = np.nonzero((prepared.y_test.numpy() == true_c) & (evaluation.predicted == pred_c))[0][:40]
        st.write(
            _("True **{true}**, predicted **{predicted}**: {n} shown.").format(
                true=classes[true_c], predicted=classes[pred_c], n=len(idx)
            )
        )
        if len(idx):
            st.image(mosaic(prepared.raw_test[idx].numpy(), cols=20), clamp=True)


def worst_mistakes(prepared, evaluation, classes: list[str]) -> None:
    st.markdown(_("**The most confident mistakes**"))
    if not evaluation.mistakes:
        st.write(_("No mistakes on the test set."))
    cols = st.columns(8)
    for i, k in enumerate(evaluation.mistakes[:16]):
        cols[i % 8].image(
            to_display(prepared.raw_test[k : k + 1].numpy())[0],
            width=84,
            clamp=True,
            caption=f"{classes[int(prepared.y_test[k])]} → {classes[evaluation.predicted[k]]} "
            f"({evaluation.confidence[k]:.0%})",
        )


def results_tab(run) -> None:
    if run is None:
        st.info(_("Train a model in tab ② (or load one in tab ④) to see its results here."))
        return
    (history, evaluation), prepared = run.result, run.kept["prepared"]
    classes, last = prepared.meta["classes"], history.last
    cols = st.columns(4)
    cols[0].metric(_("test accuracy"), f"{evaluation.accuracy:.2%}")
    cols[1].metric(_("validation accuracy"), f"{last.val_metric:.2%}" if last.val_metric is not None else "—")
    cols[2].metric(
        _("training time"),
        _("{seconds:.1f} s").format(seconds=history.seconds),
        help=_(
            "Seconds in the training loop itself. The whole run, whose time tab ② shows, also counts reading the "
            "images, building the model and scoring the test set."
        ),
    )
    cols[3].metric(_("samples / s"), number(last.samples_per_s))
    st.caption(
        _("Baseline: always answering the most common class scores {baseline:.1%}; chance is {chance:.1%}.").format(
            baseline=majority_baseline(prepared.y_test), chance=1 / len(classes)
        )
    )
    st.plotly_chart(history_figure(history.epochs, "accuracy"), key="cnn.history")
    confusion_images(prepared, evaluation, classes)
    worst_mistakes(prepared, evaluation, classes)
    meta = prepared.meta
    download_model(run.kept["model"], meta, f"{meta['arch']}-{meta['dataset']}.pt", key="cnn.download_model")
