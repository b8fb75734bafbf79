"""Transfer learning with no download: a network trained in the app lends its frozen features to a new head."""

import dataclasses

import streamlit as st

from pages.common import UPLOAD_MB, radio, upload_model
from pages.links import setting, settings_from_url, settings_to_url
from pages.runs import finished_run, run_button
from playground.data.decode import read_class_zip
from playground.errors import PlaygroundError
from playground.figures.transfer import transfer_figure
from playground.i18n import N_, _, ngettext, number
from playground.vision import transfer

CNN_JOB = "cnn.job"  # the CNN page's run (pages/cnn.py): job.kept holds its model and prepared data
SOURCES = {
    "here": N_("the course CNN, trained on MNIST now"),
    "cnn": N_("the CNN page's trained model"),
    "file": N_("a model file from the CNN page"),
}
TARGETS = {"fashion-mnist": N_("Fashion-MNIST (bundled)"), "own": N_("your classes (zip)")}


def _cnn_page_source():
    """The CNN page's finished model as a Source, or None with a line saying why not."""
    run = finished_run(CNN_JOB)
    if run is None:
        st.info(_("Train a model on the CNN page first: it stays in this browser session, and its features come here."))
        return None
    _history, evaluation = run.result
    try:
        return transfer.check_source(
            run.kept["model"], run.kept["prepared"].meta, transfer.FROM_CNN_PAGE, evaluation.accuracy
        )
    except PlaygroundError as exc:
        st.error(str(exc))
        return None


def _file_source():
    """A model file's Source, kept in the session once read, or None until one is loaded."""
    loaded = upload_model("arch.tl_model", expected_task="image")
    if loaded is not None:
        try:
            st.session_state["arch.tl_file_source"] = transfer.check_source(*loaded, transfer.FROM_FILE)
        except PlaygroundError as exc:
            st.session_state["arch.tl_file_source"] = None
            st.error(str(exc))
    return st.session_state.get("arch.tl_file_source")


def source_settings(url: transfer.TransferConfig) -> tuple[str, transfer.Source | None, dict]:
    """(which source, the Source when it exists already, the settings of one trained here)."""
    kind = radio(_("the network that lends its features"), {k: _(v) for k, v in SOURCES.items()}, "arch.tl_source")
    if kind == "cnn":
        return kind, _cnn_page_source(), {}
    if kind == "file":
        return kind, _file_source(), {}
    c = st.columns(2)
    images = setting(c[0], "selectbox", _("MNIST training images"), url, "source_images", "arch.tl_src_images")
    epochs = setting(c[1], "number_input", _("its epochs"), url, "source_epochs", "arch.tl_src_epochs")
    return kind, None, {"source_images": images, "source_epochs": epochs}


def target_settings(url: transfer.TransferConfig) -> tuple[object | None, dict]:
    """(a function making the target images for a source's meta, or None until there are images; the settings)."""
    kind = radio(_("the new task"), {k: _(v) for k, v in TARGETS.items()}, "arch.tl_target")
    c = st.columns(4)
    values = {
        "epochs": setting(c[1], "number_input", _("epochs for both"), url, "epochs", "arch.tl_epochs"),
        "lr": setting(c[2], "selectbox", _("learning rate"), url, "lr", "arch.tl_lr"),
        "seed": setting(c[3], "number_input", _("seed"), url, "seed", "arch.tl_seed"),
    }
    if kind == "fashion-mnist":
        values["train_images"] = setting(
            c[0], "selectbox", _("training images"), url, "train_images", "arch.tl_train_images"
        )
        return lambda meta: transfer.fashion_target(meta, values["train_images"], values["seed"]), values
    archive = st.file_uploader(
        _("your classes as a zip (one folder per class)"), type=["zip"], key="arch.tl_zip", max_upload_size=UPLOAD_MB
    )
    if archive is None:
        return None, values
    try:
        classes = read_class_zip(archive.getvalue())
        classes.validate()
    except PlaygroundError as exc:
        st.error(str(exc))
        return None, values
    return lambda meta: transfer.own_target(classes, meta, values["seed"]), values


def _accuracy(value: float | None) -> str:
    return _("not trained") if value is None else f"{value:.1%}"


def show_result(result: transfer.TransferComparison) -> None:
    source = _(result.source)
    if result.source_accuracy is not None:
        source = _("{source}, {accuracy:.1%} on its own test images").format(
            source=source, accuracy=result.source_accuracy
        )
    st.caption(_("Features from: {source}.").format(source=source))
    c = st.columns(3)
    c[0].metric(_("frozen features + new head"), _accuracy(result.frozen and result.frozen.accuracy))
    if result.frozen is not None:
        c[0].caption(
            _("{trainable} of {parameters} parameters trained").format(
                trainable=number(result.frozen.trainable), parameters=number(result.frozen.parameters)
            )
        )
    c[1].metric(_("the same network from scratch"), _accuracy(result.scratch and result.scratch.accuracy))
    if result.scratch is not None:
        c[1].caption(
            _("{trainable} of {parameters} parameters trained").format(
                trainable=number(result.scratch.trainable), parameters=number(result.scratch.parameters)
            )
        )
    c[2].metric(_("always the largest class"), f"{result.majority_accuracy:.1%}")
    st.plotly_chart(transfer_figure(result), key="arch.tl_curves")
    st.markdown(transfer.lesson(result))
    st.caption(
        ngettext(
            "{train} training and {test} test images of {n} class; both models had the same epochs, batches, "
            "learning rate, seed and initial head.",
            "{train} training and {test} test images of {n} classes; both models had the same epochs, batches, "
            "learning rate, seed and initial head.",
            len(result.classes),
        ).format(train=result.n_train, test=result.n_test, n=len(result.classes))
    )


def app_transfer() -> None:
    st.markdown(
        _(
            "**Transfer learning without a download**: a network trained here, the course CNN on MNIST digits, "
            "keeps its convolution blocks frozen and turns each new image into features; only a new dense head "
            "learns the new classes. Beside it the same network learns the same images from scratch, with the same "
            "seed, epochs and batches. Few images and few epochs favour the frozen features; raise the epochs to "
            "see whether training from scratch catches up."
        )
    )
    url = settings_from_url(transfer.TransferConfig, "transfer")
    kind, source, source_values = source_settings(url)
    make_target, values = target_settings(url)
    config = dataclasses.replace(url, **values, **source_values)
    settings_to_url(config, "transfer")
    ready = make_target is not None and (kind == "here" or source is not None)

    def make():
        return lambda ctx: transfer.run(config, source, make_target, [ctx], ctx.stop, ctx.set_stage), None

    job = run_button("arch.tl_job", _("Train both"), make, name=N_("transfer learning"), disabled=not ready)
    if job is not None and job.result is not None:
        show_result(job.result)
