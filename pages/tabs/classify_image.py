"""The CNN page's last tab: a picture (uploaded or drawn) classified, each preprocessing step shown, and what
the network sees: Grad-CAM, its first filters, its feature maps."""

import numpy as np
import streamlit as st
from PIL import Image

from pages.canvas import drawing_canvas
from pages.common import UPLOAD_MB, radio, upload_model
from playground.data.decode import EXTENSIONS, decode_image
from playground.errors import PlaygroundError
from playground.figures.images import bar_figure, mosaic, normalise, overlay
from playground.i18n import N_, _, ngettext
from playground.models import get_spec
from playground.vision import classifier

IMAGE_TYPES = [e.lstrip(".") for e in EXTENSIONS]  # what the safe decoder accepts
MAX_PICTURES = 24  # classified at once; each takes a few hundredths of a second on a CPU
# a model file's data set id, as people name it; English, marked for the catalog: show it with ``_()``
DATASET_NAMES = {
    "mnist": "MNIST",
    "fashion-mnist": "Fashion-MNIST",
    "cifar10": "CIFAR-10",
    "own": N_("your own classes"),
}


def model_to_use(run) -> tuple | None:
    """The trained model, else one loaded from a file: (model, meta), or None."""
    loaded = upload_model("cnn.load", expected_task="image")
    if loaded is not None:
        st.session_state["cnn.loaded"] = loaded
    if run is not None:
        model, meta = run.kept["model"], run.kept["prepared"].meta
        st.caption(
            _("Using the model you trained on {dataset}: {model}.").format(
                dataset=_(DATASET_NAMES.get(meta["dataset"], meta["dataset"])), model=_(get_spec(meta["arch"]).title)
            )
        )
        return model, meta
    if "cnn.loaded" in st.session_state:
        model, meta = st.session_state["cnn.loaded"]
        name = meta.get("dataset")
        dataset = _(DATASET_NAMES.get(name, name)) if name else _("unknown data")
        st.caption(_("Using the model loaded from a file ({dataset}).").format(dataset=dataset))
        return model, meta
    st.info(_("Train a model in tab ② or load a model file above, then upload a picture to classify."))
    return None


def pictures() -> list[tuple[bytes, str]]:
    """The pictures to classify, as (content, name): a drawing, or up to ``MAX_PICTURES`` uploaded files."""
    how = radio(_("picture"), {"upload": _("Upload photos"), "draw": _("Draw")}, "cnn.how", show_label=False)
    if how == "draw":
        drawing = drawing_canvas("cnn.canvas")
        return [] if drawing is None else [(drawing, _("your drawing"))]
    uploads = st.file_uploader(
        _("pictures to classify (PNG, JPEG, WebP, GIF or BMP; several at once if you like)"),
        type=IMAGE_TYPES,
        key="cnn.picture",
        max_upload_size=UPLOAD_MB,
        accept_multiple_files=True,
    )
    uploads = list(uploads or [])
    if len(uploads) > MAX_PICTURES:
        st.warning(
            _("Only the first {shown} of your {count} pictures are classified.").format(
                shown=MAX_PICTURES, count=len(uploads)
            )
        )
    return [(upload.getvalue(), upload.name) for upload in uploads[:MAX_PICTURES]]


def trained_on(meta: dict) -> str:
    """What the model learned from, for the notice about unfamiliar pictures."""
    return {
        "mnist": _("the handwritten digits"),
        "fashion-mnist": _("the clothing pictures"),
    }.get(meta.get("dataset"), _("the pictures"))


def familiarity_notice(meta: dict, check) -> str:
    """One sentence that the picture is unlike the training data, then the numbers that say so."""
    lines = [
        _("This does not look like {data} this model learned from, so its answer means little.").format(
            data=trained_on(meta)
        )
    ]
    if check.unlike_in_evidence:
        lines.append(
            _(
                "No class gathers strong evidence: its energy, −log Σ exp(logit), is {energy:.2f}, above the "
                "{limit:.2f} that 99.5% of the model's own validation pictures stay under."
            ).format(energy=check.energy, limit=check.energy_limit)
        )
    if check.unlike_in_shape:
        lines.append(
            ngettext(
                "It breaks into {pieces} separate piece; 99.5% of the validation pictures have at most {limit}.",
                "It breaks into {pieces} separate pieces; 99.5% of the validation pictures have at most {limit}.",
                check.pieces,
            ).format(pieces=check.pieces, limit=check.pieces_limit)
        )
    return "  \n".join(lines)


def _classified(model, meta: dict, content: bytes, name: str) -> tuple[Image.Image | None, object]:
    """The picture and its ``Prediction``, or the one sentence that says why it could not be classified."""
    try:
        image = decode_image(content, name=name)
        return image, classifier.predict(model, meta, image, k=5)
    except PlaygroundError as exc:
        return None, str(exc)


def gallery(items: list[tuple[str, Image.Image | None, object]]) -> None:
    """Every picture with its best class, marked when it is unlike the training data."""
    columns = st.columns(4)
    for i, (name, image, result) in enumerate(items):
        cell = columns[i % 4].container(border=True)
        if isinstance(result, str):
            cell.caption(name)
            cell.error(result)
            continue
        image.thumbnail((240, 240))
        cell.image(image, caption=name, width="stretch")
        best, probability = result.top[0]
        cell.markdown(_("**{name}** ({probability:.1%})").format(name=best, probability=probability))
        if result.familiarity is not None and result.familiarity.unfamiliar:
            cell.markdown(":orange[:material/warning: " + _("unlike the training data") + "]")


def _shown(count: int, shown: int) -> str:
    if count <= shown:
        return _("all {count}").format(count=count)
    return _("first {shown} of {count}").format(shown=shown, count=count)


def what_the_network_sees(model, meta: dict, prediction, best: str) -> None:
    st.markdown(_("**What the network sees**"))
    cam = classifier.grad_cam(model, prediction.x, meta["classes"].index(best))
    cols = st.columns(3)
    cols[0].image(
        overlay(prediction.steps[-1].image, cam),
        caption=_("Grad-CAM for '{name}': where the evidence is").format(name=best),
        width="stretch",
    )
    filters = classifier.first_layer_filters(model)
    cols[1].image(
        mosaic((filters[:32] * 255).astype(np.uint8), cols=8, pad=1, fill=128),
        caption=_("first-layer filters ({height}×{width}, {shown})").format(
            height=filters.shape[1], width=filters.shape[2], shown=_shown(len(filters), 32)
        ),
        width="stretch",
    )
    maps = classifier.feature_maps(model, prediction.x)
    cols[2].image(
        mosaic(np.stack([normalise(m) for m in maps[0][:16]]), cols=4, pad=1),
        caption=_("layer 1 feature maps ({shown})").format(shown=_shown(len(maps[0]), 16)),
        width="stretch",
    )
    for i, fmap in enumerate(maps[1:], start=2):
        st.image(
            mosaic(np.stack([normalise(m) for m in fmap[:32]]), cols=16, pad=1),
            caption=_("layer {i} feature maps ({height}×{width}, {shown})").format(
                i=i, height=fmap.shape[1], width=fmap.shape[2], shown=_shown(len(fmap), 32)
            ),
            width="stretch",
        )


def closer_look(model, meta: dict, prediction) -> None:
    """One picture in full: its preprocessing, the notice, the top 5 and what the network sees."""
    st.markdown(_("**Preprocessing, step by step**"))
    for col, step in zip(st.columns(len(prediction.steps)), prediction.steps, strict=True):
        caption = f"{step.title} — {step.note}" if step.note else step.title
        col.image(step.image, caption=caption, clamp=True, width="stretch")
    check = prediction.familiarity
    if check is None:
        st.caption(
            _("This model file holds no measure of its training pictures, so unfamiliar pictures are not flagged.")
        )
    elif check.unfamiliar:
        st.warning(familiarity_notice(meta, check), icon=":material/warning:")
    best, best_p = prediction.top[0]
    st.subheader(_("Prediction: {name} ({probability:.1%})").format(name=best, probability=best_p))
    names, probabilities = zip(*prediction.top, strict=True)
    top = bar_figure(list(names), list(probabilities), _("top 5 classes (softmax)"), height=240)
    st.plotly_chart(top, key="cnn.topk")
    what_the_network_sees(model, meta, prediction, best)


def classify_tab(run) -> None:
    chosen = model_to_use(run)
    if chosen is None:
        return
    model, meta = chosen
    items = [(name, *_classified(model, meta, content, name)) for content, name in pictures()]
    if len(items) > 1:
        gallery(items)
        names = [f"{i + 1}. {name}" for i, (name, _image, _result) in enumerate(items)]
        pick = st.selectbox(_("Look closer at"), range(len(items)), format_func=names.__getitem__, key="cnn.closer")
        items = [items[pick]]
    for _name, _image, result in items:
        if isinstance(result, str):
            st.error(result)
        else:
            closer_look(model, meta, result)
