"""The CNN page's last tab: a picture (uploaded or drawn) classified, each preprocessing step shown, and what
the network sees: Grad-CAM, its first filters, its feature maps."""

import numpy as np
import streamlit as st

from pages.canvas import drawing_canvas
from pages.common import UPLOAD_MB, radio, upload_model
from playground.data.decode import EXTENSIONS, decode_image
from playground.errors import PlaygroundError
from playground.figures.images import bar_figure, mosaic, normalise, overlay
from playground.i18n import _
from playground.models import get_spec
from playground.vision import classifier

IMAGE_TYPES = [e.lstrip(".") for e in EXTENSIONS]  # what the safe decoder accepts


def model_to_use(run) -> tuple | None:
    """The trained model, else one loaded from a file: (model, meta), or None."""
    loaded = upload_model("cnn.load", expected_task="image")
    if loaded is not None:
        st.session_state["cnn.loaded"] = loaded
    if run is not None:
        model, meta = run.kept["model"], run.kept["prepared"].meta
        st.caption(
            _("Using the model you trained on {dataset}: {model}.").format(
                dataset=meta["dataset"], model=_(get_spec(meta["arch"]).title)
            )
        )
        return model, meta
    if "cnn.loaded" in st.session_state:
        model, meta = st.session_state["cnn.loaded"]
        dataset = meta.get("dataset") or _("unknown data")
        st.caption(_("Using the model loaded from a file ({dataset}).").format(dataset=dataset))
        return model, meta
    st.info(_("Train a model in tab ② or load a model file above, then upload a picture to classify."))
    return None


def picture() -> tuple[bytes | None, str]:
    how = radio(_("picture"), {"upload": _("Upload a photo"), "draw": _("Draw")}, "cnn.how", show_label=False)
    if how == "draw":
        return drawing_canvas("cnn.canvas"), _("your drawing")
    upload = st.file_uploader(
        _("a picture to classify (PNG, JPEG, WebP, GIF or BMP)"),
        type=IMAGE_TYPES,
        key="cnn.picture",
        max_upload_size=UPLOAD_MB,
    )
    return (upload.getvalue(), upload.name) if upload is not None else (None, "")


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


def classify_tab(run) -> None:
    chosen = model_to_use(run)
    if chosen is None:
        return
    model, meta = chosen
    content, name = picture()
    if content is None:
        return
    try:
        prediction = classifier.predict(model, meta, decode_image(content, name=name), k=5)
    except PlaygroundError as exc:
        st.error(str(exc))
        return
    st.markdown(_("**Preprocessing, step by step**"))
    for col, step in zip(st.columns(len(prediction.steps)), prediction.steps, strict=True):
        caption = f"{step.title} — {step.note}" if step.note else step.title
        col.image(step.image, caption=caption, clamp=True, width="stretch")
    best, best_p = prediction.top[0]
    st.subheader(_("Prediction: {name} ({probability:.1%})").format(name=best, probability=best_p))
    names, probabilities = zip(*prediction.top, strict=True)
    top = bar_figure(list(names), list(probabilities), _("top 5 classes (softmax)"), height=240)
    st.plotly_chart(top, key="cnn.topk")
    what_the_network_sees(model, meta, prediction, best)
