"""CNN image classifier: data, a registered image model trained live, results, and classifying your own pictures."""

import dataclasses

import streamlit as st
import torch

from pages.common import device_line, header, model_summary, optimiser_names, radio, schedule_names
from pages.language import resolve
from pages.links import setting, settings_from_url, settings_to_url
from pages.runs import finished_run, run_button
from pages.tabs.classify_image import DATASET_NAMES, classify_tab
from pages.tabs.course import course_tab
from pages.tabs.image_results import results_tab
from pages.tabs.own_classes import uploaded_classes
from playground.data import images as image_data
from playground.errors import PlaygroundError
from playground.figures.images import mosaic
from playground.i18n import N_, _, ngettext, number
from playground.models import get_spec, models_for
from playground.models.registry import create_for_input
from playground.share import limits
from playground.vision import classifier

resolve()  # the run's language before the first message: AppTest runs a page without app.py, which sets it
SOURCES = {
    "mnist": _("MNIST digits (bundled)"),
    "fashion-mnist": _("Fashion-MNIST clothing (bundled)"),
    "download": _("Full set from the internet (MNIST, Fashion-MNIST, CIFAR-10)"),
    "own": _("Your own classes"),
}
AUGMENT_HELP = _("Each training image is shifted by up to 10% and turned by up to 10°, differently every epoch.")
JOB = "cnn.job"  # the run; job.kept holds its model and prepared data
BEST = classifier.BEST_ACCURACY  # the "best accuracy" button's settings, and each one's widget key:
WIDGETS = {field: "cnn." + {"batch_size": "batch", "val_split": "val"}.get(field, field) for field in BEST}


@st.cache_resource(show_spinner=_("Reading the bundled images…"))
def bundled(name: str) -> image_data.ImageDataset:
    return image_data.load_bundled(name)  # read-only tensors, shared by every session


def show_samples(dataset: image_data.ImageDataset, per_class: int = 12) -> None:
    cols = st.columns(2)
    for label, name in enumerate(dataset.classes):
        idx = (dataset.y_train == label).nonzero().flatten()[:per_class].numpy()
        tile = mosaic(dataset.X_train[idx].numpy(), cols=per_class)
        cols[label % 2].image(tile, caption=name, clamp=True, width="stretch" if tile.shape[1] > 200 else "content")


def downloaded(name: str) -> image_data.ImageDataset:
    if st.button(_("Download"), key="cnn.download"):
        with st.spinner(_("Downloading…")):
            try:
                st.session_state["cnn.downloaded"] = image_data.download(name)
            except PlaygroundError as exc:
                st.session_state["cnn.downloaded"] = None
                st.warning(str(exc))
    got = st.session_state.get("cnn.downloaded")
    if got is None or got.name != name:
        st.info(_("Until a download succeeds, the bundled MNIST is used."))
        return bundled("mnist")
    return got


def data_tab(url: classifier.ImageTrainConfig) -> image_data.ImageDataset | None:
    source = radio(_("data"), SOURCES, "cnn.source", url.dataset)
    if source in ("mnist", "fashion-mnist"):
        dataset = bundled(source)
    elif source == "download":
        names = list(image_data.DOWNLOADABLE)
        dataset = downloaded(st.selectbox(_("data set"), names, format_func=DATASET_NAMES.get, key="cnn.download_name"))
    else:
        classes = uploaded_classes()
        seed = int(st.session_state.get("cnn.seed", url.seed))
        dataset = None if classes is None else classifier.own_dataset(classes, size=64, seed=seed)
    if dataset is not None:
        channels, size, _width = dataset.shape
        line = ngettext(
            "{source}; images are {size}×{size} with {n} channel.",
            "{source}; images are {size}×{size} with {n} channels.",
            channels,
        )
        st.caption(line.format(source=dataset.describe(), size=size, n=channels))
        show_samples(dataset)
    return dataset


def use_best_accuracy() -> None:
    """Run before the widgets are drawn: they open again at the preset's values, as at a link's."""
    st.session_state["cnn.url_config"] = dataclasses.replace(st.session_state["cnn.url_config"], **BEST)
    for field in BEST:
        st.session_state.pop(WIDGETS[field], None)


def settings(url: classifier.ImageTrainConfig) -> classifier.ImageTrainConfig:
    """The training settings, opening at the link's."""
    st.button(
        _("Best accuracy (about 99% on MNIST)"),
        key="cnn.best",
        on_click=use_best_accuracy,
        help=_("The course's CNN, 3 epochs of all training images: about 99.05% on MNIST in about 25 s on 2 cores."),
    )
    archs = models_for("cnn")
    left, right = st.columns([3, 2])
    arch = left.selectbox(
        _("architecture"),
        archs,
        index=archs.index(url.arch) if url.arch in archs else archs.index("cnn"),
        format_func={name: _(get_spec(name).title) for name in archs}.get,
        key="cnn.arch",
        help=_("The Architectures page shows each one's stages and trains several side by side."),
    )
    inputs = {"native": _("as the data comes"), "course": _("the course's 64×64×3")}
    values = {
        "input": setting(
            right,
            "radio",
            _("input size"),
            url,
            "input",
            "cnn.input",
            format_func=inputs.get,
            horizontal=True,
            help=_(
                "The course defines its CNN for 64×64 colour images: the pictures are resized and grey is copied "
                "into the three colour channels."
            ),
        )
    }
    cols = st.columns(4)
    values |= {
        "epochs": setting(cols[0], "number_input", _("epochs"), url, "epochs", "cnn.epochs"),
        "batch_size": setting(cols[1], "select_slider", _("batch size"), url, "batch_size", "cnn.batch"),
        "lr": setting(cols[2], "select_slider", _("learning rate"), url, "lr", "cnn.lr"),
        "optimizer": setting(
            cols[3], "selectbox", _("optimiser"), url, "optimizer", "cnn.optimizer", format_func=optimiser_names().get
        ),
    }
    cols = st.columns(5)
    values |= {
        "schedule": setting(
            cols[0],
            "selectbox",
            _("learning-rate schedule"),
            url,
            "schedule",
            "cnn.schedule",
            format_func=schedule_names().get,
            help=_("One-cycle warms the rate up, then anneals it: good results in few epochs."),
        ),
        "val_split": setting(cols[1], "slider", _("validation share"), url, "val_split", "cnn.val", step=0.01),
        "train_size": setting(
            cols[2],
            "select_slider",
            _("training images"),
            url,
            "train_size",
            "cnn.train_size",
            format_func={n: _("all") if n == 0 else number(n) for n in limits(type(url), "train_size")["choices"]}.get,
            help=_("Fewer images train faster; compare the test accuracy."),
        ),
        "seed": setting(cols[3], "number_input", _("seed"), url, "seed", "cnn.seed"),
        "augment": setting(cols[4], "toggle", _("augmentation"), url, "augment", "cnn.augment", help=AUGMENT_HELP),
    }
    # the link's config with the widgets' values: settings without a widget (label smoothing, precision) stay
    config = dataclasses.replace(url, dataset=st.session_state.get("cnn.source", "mnist"), arch=arch, **values)
    settings_to_url(config, "cnn")
    return config


def train_tab(dataset: image_data.ImageDataset | None, url: classifier.ImageTrainConfig) -> classifier.ImageTrainConfig:
    config = settings(url)
    if dataset is None:
        st.info(_("Choose or upload data in tab ① first."))
        return config
    shape = classifier.input_shape(dataset.shape, config.input)
    try:
        preview = create_for_input(config.arch, shape, num_classes=len(dataset.classes))
    except PlaygroundError as exc:  # e.g. images too small for this architecture; the other tabs go on
        st.error(str(exc))
        return config
    channels, size, _width = shape
    spec = get_spec(config.arch)
    parameters = sum(p.numel() for p in preview.parameters())
    line = ngettext(
        "**{model}** ({description}) for {size}×{size}×{channels} images and {n} class: "
        "**{parameters} parameters**. {device}",
        "**{model}** ({description}) for {size}×{size}×{channels} images and {n} classes: "
        "**{parameters} parameters**. {device}",
        len(dataset.classes),
    )
    st.markdown(
        line.format(
            model=_(spec.title),
            description=_(spec.description),
            size=size,
            channels=channels,
            n=len(dataset.classes),
            parameters=number(parameters),
            device=device_line(),
        )
    )
    if note := classifier.input_note(classifier.input_sizes(config.arch, dataset.shape, len(dataset.classes))):
        st.caption(note)
    model_summary(
        preview,
        torch.zeros(1, *shape),
        note=_(
            "Conv2d(k×k) has k·k·in·out weights plus out biases; 'valid' convolutions shrink the image by k − 1, "
            "'same' ones keep its size, pooling halves it. The softmax is applied only for display: training uses "
            "the logits with cross-entropy."
        ),
    )

    def make():
        prepared = classifier.prepare(dataset, config)
        model = classifier.build_model(prepared.meta, config.seed)

        def target(ctx):
            history = classifier.train(model, prepared, config, [ctx], ctx.stop)
            ctx.set_stage(_("evaluating on the test set"))
            evaluation = classifier.evaluate(model, prepared)
            classifier.calibrate(model, prepared)  # so pictures unlike the training data are flagged
            return history, evaluation

        return target, {"model": model, "prepared": prepared}

    run_button(JOB, _("Train"), make, name=N_("the CNN page's training"))
    return config


tab_data, tab_train, tab_results, tab_classify, tab_course = header(
    "cnn",
    _(
        "A convolutional network learns filters that respond to strokes and shapes, pools them into a summary, "
        "and a dense layer turns the summary into class scores."
    ),
)
url = settings_from_url(classifier.ImageTrainConfig, "cnn")
with tab_data:
    dataset = data_tab(url)
with tab_train:
    config = train_tab(dataset, url)
run = finished_run(JOB)
with tab_results:
    results_tab(run)
with tab_classify:
    classify_tab(run)
with tab_course:
    channels, size, _width = classifier.input_shape(dataset.shape if dataset else (1, 28, 28), config.input)
    model = {
        "arch": config.arch,
        "channels": channels,
        "size": size,
        "classes": len(dataset.classes) if dataset else 10,
    }
    course_tab("cnn", model, config if dataset is not None else None, dataset)
