"""The CNN page's last tab: a picture (uploaded or drawn) classified, each preprocessing step shown, and what
the network sees: Grad-CAM, its first filters, its feature maps."""

import numpy as np
import streamlit as st

from pages.canvas import drawing_canvas
from pages.common import UPLOAD_MB, radio, upload_model
from playground.data.decode import EXTENSIONS, decode_image
from playground.errors import PlaygroundError
from playground.figures.images import bar_figure, mosaic, normalise, overlay
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
        st.caption(f"Using the model you trained on {meta['dataset']}: {get_spec(meta['arch']).title}.")
        return model, meta
    if "cnn.loaded" in st.session_state:
        model, meta = st.session_state["cnn.loaded"]
        st.caption(f"Using the model loaded from a file ({meta.get('dataset', 'unknown data')}).")
        return model, meta
    st.info("Train a model in tab ② or load a model file above, then upload a picture to classify.")
    return None


def picture() -> tuple[bytes | None, str]:
    how = radio("picture", {"upload": "Upload a photo", "draw": "Draw"}, "cnn.how", show_label=False)
    if how == "draw":
        return drawing_canvas("cnn.canvas"), "your drawing"
    upload = st.file_uploader(
        "a picture to classify (PNG, JPEG, WebP, GIF or BMP)",
        type=IMAGE_TYPES,
        key="cnn.picture",
        max_upload_size=UPLOAD_MB,
    )
    return (upload.getvalue(), upload.name) if upload is not None else (None, "")


def _shown(count: int, shown: int) -> str:
    return f"all {count}" if count <= shown else f"first {shown} of {count}"


def what_the_network_sees(model, meta: dict, prediction, best: str) -> None:
    st.markdown("**What the network sees**")
    cam = classifier.grad_cam(model, prediction.x, meta["classes"].index(best))
    cols = st.columns(3)
    cols[0].image(
        overlay(prediction.steps[-1].image, cam),
        caption=f"Grad-CAM for '{best}': where the evidence is",
        width="stretch",
    )
    filters = classifier.first_layer_filters(model)
    cols[1].image(
        mosaic((filters[:32] * 255).astype(np.uint8), cols=8, pad=1, fill=128),
        caption=f"first-layer filters ({filters.shape[1]}×{filters.shape[2]}, {_shown(len(filters), 32)})",
        width="stretch",
    )
    maps = classifier.feature_maps(model, prediction.x)
    cols[2].image(
        mosaic(np.stack([normalise(m) for m in maps[0][:16]]), cols=4, pad=1),
        caption=f"layer 1 feature maps ({_shown(len(maps[0]), 16)})",
        width="stretch",
    )
    for i, fmap in enumerate(maps[1:], start=2):
        st.image(
            mosaic(np.stack([normalise(m) for m in fmap[:32]]), cols=16, pad=1),
            caption=f"layer {i} feature maps ({fmap.shape[1]}×{fmap.shape[2]}, {_shown(len(fmap), 32)})",
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
    st.markdown("**Preprocessing, step by step**")
    for col, step in zip(st.columns(len(prediction.steps)), prediction.steps, strict=True):
        note = f" — {step.note}" if step.note else ""
        col.image(step.image, caption=step.title + note, clamp=True, width="stretch")
    best, best_p = prediction.top[0]
    st.subheader(f"Prediction: {best} ({best_p:.1%})")
    names, probabilities = zip(*prediction.top, strict=True)
    st.plotly_chart(bar_figure(list(names), list(probabilities), "top 5 classes (softmax)", height=240), key="cnn.topk")
    what_the_network_sees(model, meta, prediction, best)
