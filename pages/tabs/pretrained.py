"""The architectures page's last tab: ResNet-50 with ImageNet weights classifies a photo, then transfer learning."""

import hashlib

import streamlit as st

from pages.common import UPLOAD_MB, WEIGHTS_UPLOAD_MB, radio
from pages.runs import run_button
from pages.tabs.transfer import app_transfer
from playground.data.decode import EXTENSIONS, decode_image, read_class_zip
from playground.errors import PlaygroundError
from playground.figures.architectures import top_classes_figure
from playground.i18n import N_, _, ngettext
from playground.vision import pretrained, weights

FEATURES = {"app": N_("a network trained here (no download)"), "resnet50": N_("ResNet-50 (ImageNet)")}
SOURCES = {"download": N_("torchvision (download once)"), "file": N_("a weights file (.pth)")}


def _load(how) -> None:
    """Load the backbone with ``how()``, keeping it, or the one sentence why it failed, in the session."""
    try:
        st.session_state["arch.backbone"] = how()
        st.session_state["arch.weights_error"] = None
    except PlaygroundError as exc:
        st.session_state["arch.backbone"] = None
        st.session_state["arch.weights_error"] = str(exc)


def _cache_line(source: str) -> None:
    """Say, without any network, whether torchvision's cache already holds the weights, and if not which file."""
    if source != "download":
        return
    found = weights.find_cached()
    if found is not None:
        st.caption(
            _("Found {file} in torchvision's cache ({folder}): it loads without a network connection.").format(
                file=found.name, folder=found.folder
            )
        )
        return
    needed = weights.weights_file()
    st.caption(
        _(
            "Not downloaded yet. Offline, this needs {file} ({size:.1f} MiB, SHA-256 starting {sha256}) in "
            "{folder}: `{command}` on a connected machine writes it there."
        ).format(
            file=needed.name,
            size=needed.size_mib,
            sha256=needed.sha256_prefix,
            folder=needed.folder,
            command=weights.FETCH_COMMAND,
        )
    )


def backbone():
    """(model, where its weights came from), or None until loaded."""
    source = radio(_("weights"), {k: _(v) for k, v in SOURCES.items()}, "arch.weights_source")
    _cache_line(source)
    if source == "file":
        upload = st.file_uploader(
            _("ResNet-50 weights (.pth / .pt, a state_dict)"),
            type=["pth", "pt"],
            key="arch.weights",
            max_upload_size=WEIGHTS_UPLOAD_MB,
        )
        if upload is None:
            return None
        digest = hashlib.sha256(upload.getvalue()).hexdigest()
        if st.session_state.get("arch.weights_digest") != digest:  # each file is read once
            _load(lambda: pretrained.load_resnet50(upload.getvalue()))
            st.session_state["arch.weights_digest"] = digest
    elif st.button(_("Load ResNet-50"), icon=":material/download:", key="arch.load_pretrained"):
        with st.spinner(_("Loading the ImageNet weights…")):
            _load(pretrained.load_resnet50)
    if st.session_state.get("arch.weights_error"):
        (st.error if source == "file" else st.warning)(st.session_state["arch.weights_error"])
    return st.session_state.get("arch.backbone")


def classify_photo(model) -> None:
    photo = st.file_uploader(
        _("a photo to classify"), type=list(EXTENSIONS), key="arch.photo", max_upload_size=UPLOAD_MB
    )
    if photo is None:
        return
    try:
        image = decode_image(photo.getvalue(), name=photo.name)
    except PlaygroundError as exc:
        st.error(str(exc))
        return
    left, right = st.columns([1, 2])
    left.image(image, caption=photo.name, width="stretch")
    top = pretrained.classify(model, image)
    right.markdown(f"**{top[0][0]}**: {top[0][1]:.1%}")
    right.plotly_chart(top_classes_figure(top), key="arch.top5")


def _accuracy(value: float | None) -> str:
    return _("not trained") if value is None else f"{value:.1%}"


def resnet_transfer(model) -> None:
    st.markdown(
        _(
            "**Transfer learning**: the frozen network up to its global average pool (`include_top=False`) turns "
            "each image into 2048 numbers; a new Dense layer learns your classes from them. Beside it, the course "
            "CNN trains from scratch on the same images and split."
        )
    )
    archive = st.file_uploader(
        _("your classes as a zip (one folder per class)"), type=["zip"], key="arch.zip", max_upload_size=UPLOAD_MB
    )
    if archive is None:
        return
    try:
        classes = read_class_zip(archive.getvalue())
        classes.validate()
    except PlaygroundError as exc:
        st.error(str(exc))
        return
    st.caption(
        ", ".join(
            ngettext("{name}: {n} image", "{name}: {n} images", len(v)).format(name=c, n=len(v))
            for c, v in classes.images.items()
        )
    )

    def make():
        return lambda ctx: pretrained.transfer(model, classes, 0, 30, [ctx], ctx.stop, ctx.set_stage), None

    job = run_button("arch.tr_job", _("Train both"), make, name=N_("transfer learning"))
    if job is None or job.result is None:
        return
    r = job.result
    c = st.columns(3)
    c[0].metric(_("ResNet-50 features + new head"), _accuracy(r.transfer_accuracy))
    c[0].caption(
        _("{seconds:.0f} s, most of it the frozen network's forward passes").format(seconds=r.transfer_seconds)
    )
    c[1].metric(_("course CNN from scratch"), _accuracy(r.scratch_accuracy))
    c[1].caption(_("{seconds:.0f} s of training").format(seconds=r.scratch_seconds))
    c[2].metric(_("always the largest class"), f"{r.majority_accuracy:.1%}")
    st.caption(
        ngettext(
            "{train} training and {test} test images of {n} class.",
            "{train} training and {test} test images of {n} classes.",
            len(r.classes),
        ).format(train=r.n_train, test=r.n_test, n=len(r.classes))
    )


def transfer_section(loaded) -> None:
    """Transfer learning from ResNet-50's features when it is loaded, or from a network trained here (offline)."""
    st.subheader(_("Transfer learning"))
    kind = radio(_("features from"), {k: _(v) for k, v in FEATURES.items()}, "arch.tl_features")
    if kind == "app":
        app_transfer()
    elif loaded is None:
        st.info(_("Load ResNet-50 above to learn your classes from its features, or use a network trained here."))
    else:
        resnet_transfer(loaded[0])


def pretrained_tab() -> None:
    st.markdown(
        _(
            "The course loads `ResNet50(weights='imagenet', include_top=False)`. Here: torchvision's ImageNet "
            "weights (IMAGENET1K_V2, 80.9% top-1), found in torchvision's cache or downloaded there once, or a "
            "ResNet-50 weights file of your own."
        )
    )
    loaded = backbone()
    if loaded is not None:
        model, where = loaded
        st.success(_("ResNet-50 ready: {source}.").format(source=_(where)))
        classify_photo(model)
    transfer_section(loaded)
