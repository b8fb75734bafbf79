"""CNN image classifier: data, the course's CNN trained live, results, and classifying your own pictures."""

import numpy as np
import pandas as pd
import streamlit as st
import torch

from pages.common import (
    UPLOAD_MB,
    device_line,
    download_model,
    drawing_canvas,
    job_outcome,
    live_job,
    settings_from_url,
    settings_to_url,
    start_job,
    upload_model,
)
from playground.data import images as image_data
from playground.data.decode import EXTENSIONS, ClassImages, decode_image, read_class_zip
from playground.errors import PlaygroundError
from playground.figures import history_figure
from playground.figures.images import bar_figure, confusion_figure, mosaic, normalise, overlay, to_display
from playground.models import summarize
from playground.models.registry import create_for_input, get_spec
from playground.vision import classifier as clf

st.title("CNN image classifier")
st.caption(
    "A convolutional network learns filters that respond to strokes and shapes, pools them into a summary, "
    "and a dense layer turns the summary into class scores."
)

IMAGE_TYPES = [e.lstrip(".") for e in EXTENSIONS]  # what the safe decoder accepts
SOURCES = {
    "mnist": "MNIST digits (bundled)",
    "fashion-mnist": "Fashion-MNIST clothing (bundled)",
    "download": "Full set from the internet (MNIST, Fashion-MNIST, CIFAR-10)",
    "own": "Your own classes",
}
ARCHS = {  # the registered image models small enough to train here on a CPU
    "cnn": "The course's CNN",
    "lenet": "LeNet-5",
    "vgg-small": "A small VGG",
    "resnet-small": "A small ResNet",
}


@st.cache_resource(show_spinner="Reading the bundled images…")
def bundled(name: str) -> image_data.ImageDataset:
    return image_data.load_bundled(name)  # read-only tensors, shared by every session


def _samples(dataset: image_data.ImageDataset, per_class: int = 12) -> None:
    rows = []
    for label, name in enumerate(dataset.classes):
        idx = (dataset.y_train == label).nonzero().flatten()[:per_class].numpy()
        rows.append((name, mosaic(dataset.X_train[idx].numpy(), cols=per_class)))
    cols = st.columns(2)
    for i, (name, tile) in enumerate(rows):
        cols[i % 2].image(tile, caption=name, clamp=True, width="stretch" if tile.shape[1] > 200 else "content")


def _own_classes() -> ClassImages | None:
    how = st.radio(
        "how",
        ["Upload a .zip with one folder per class", "Create classes here"],
        horizontal=True,
        key="cnn.own_how",
        label_visibility="collapsed",
    )
    if how.startswith("Upload"):
        upload = st.file_uploader("zip of class folders", type=["zip"], key="cnn.zip", max_upload_size=UPLOAD_MB)
        if upload is None:
            st.info("A zip such as cats/1.jpg, cats/2.jpg, dogs/1.jpg …: one folder per class, at least 3 images each.")
            return None
        try:
            classes = read_class_zip(upload.getvalue())
        except PlaygroundError as exc:
            st.error(str(exc))
            return None
    else:
        count = st.number_input("number of classes", 2, 10, 2, key="cnn.own_count")
        classes = ClassImages()
        cols = st.columns(int(count))
        for i, col in enumerate(cols):
            name = col.text_input("class name", f"class {i + 1}", key=f"cnn.own_name{i}").strip() or f"class {i + 1}"
            files = col.file_uploader(
                "images",
                type=IMAGE_TYPES,
                accept_multiple_files=True,
                key=f"cnn.own_files{i}",
                max_upload_size=UPLOAD_MB,
            )
            for f in files or []:
                try:
                    classes.images.setdefault(name, []).append(decode_image(f.getvalue(), name=f.name))
                except PlaygroundError as exc:
                    classes.skipped.append(str(exc))
        try:
            classes.validate()
        except PlaygroundError as exc:
            st.info(str(exc))
            return None
    for line in classes.skipped[:5]:
        st.warning(f"Left out: {line}")
    return classes


def _how_many(count: int, shown: int) -> str:
    return f"all {count}" if count <= shown else f"first {shown} of {count}"


def choose_dataset() -> image_data.ImageDataset | None:
    first = url.dataset if url.dataset in SOURCES else "mnist"
    source = st.radio(
        "data",
        list(SOURCES),
        index=list(SOURCES).index(first),
        format_func=SOURCES.get,
        key="cnn.source",
        horizontal=True,
    )
    if source in ("mnist", "fashion-mnist"):
        return bundled(source)
    if source == "download":
        name = st.selectbox("data set", list(image_data.DOWNLOADABLE), key="cnn.download_name")
        if st.button("Download", key="cnn.download"):
            with st.spinner("Downloading…"):
                try:
                    st.session_state["cnn.downloaded"] = image_data.download(name)
                except PlaygroundError as exc:
                    st.session_state["cnn.downloaded"] = None
                    st.warning(str(exc))
        got = st.session_state.get("cnn.downloaded")
        if got is None or got.name != name:
            st.info("Until a download succeeds, the bundled MNIST is used.")
            return bundled("mnist")
        return got
    classes = _own_classes()
    if classes is None:
        return None
    return clf.own_dataset(classes, size=64, seed=int(st.session_state.get("cnn.seed", 0)))


# ---------------------------------------------------------------------------------------------
url = settings_from_url(clf.ImageTrainConfig, "cnn")
tab_data, tab_train, tab_results, tab_classify = st.tabs(
    ["① Data", "② Model and training", "③ Results", "④ Classify your picture"]
)

with tab_data:
    dataset = choose_dataset()
    if dataset is not None:
        st.caption(
            f"{dataset.source}; images are {dataset.shape[1]}×{dataset.shape[2]} with {dataset.shape[0]} channel(s)."
        )
        _samples(dataset)

# ---------------------------------------------------------------------------------------------
RUN = "cnn.run"  # the trained model, its data and results, for this session only

with tab_train:
    arch = st.selectbox(
        "architecture",
        list(ARCHS),
        index=list(ARCHS).index(url.arch) if url.arch in ARCHS else 0,
        format_func=ARCHS.get,
        key="cnn.arch",
        help="The Architectures page shows each one's stages and trains several side by side.",
    )
    cols = st.columns(4)
    epochs = cols[0].number_input("epochs", 1, 200, int(min(max(url.epochs, 1), 200)), key="cnn.epochs")
    batch_size = cols[1].select_slider(
        "batch size",
        [16, 32, 64, 128, 256],
        value=url.batch_size if url.batch_size in (16, 32, 64, 128, 256) else 64,
        key="cnn.batch",
    )
    lr = cols[2].select_slider(
        "learning rate",
        [0.0003, 0.001, 0.002, 0.004, 0.006, 0.01, 0.03, 0.1],
        value=url.lr if url.lr in (0.0003, 0.001, 0.002, 0.004, 0.006, 0.01, 0.03, 0.1) else 0.006,
        key="cnn.lr",
    )
    optimizer = cols[3].selectbox(
        "optimiser",
        ["adam", "adamw", "sgd", "momentum", "rmsprop"],
        index=["adam", "adamw", "sgd", "momentum", "rmsprop"].index(url.optimizer)
        if url.optimizer in ("adam", "adamw", "sgd", "momentum", "rmsprop")
        else 0,
        key="cnn.optimizer",
    )
    cols = st.columns(5)
    schedule = cols[0].selectbox(
        "learning-rate schedule",
        ["onecycle", "constant"],
        index=0 if url.schedule != "constant" else 1,
        key="cnn.schedule",
        help="One-cycle warms the rate up, then anneals it: good results in few epochs.",
    )
    val_split = cols[1].slider(
        "validation share", 0.0, 0.5, float(min(max(url.val_split, 0.0), 0.5)), 0.05, key="cnn.val"
    )
    sizes = [0, 1000, 5000, 10000, 20000]
    train_size = cols[2].select_slider(
        "training images",
        sizes,
        value=url.train_size if url.train_size in sizes else 0,
        format_func=lambda n: "all" if n == 0 else f"{n:,}",
        key="cnn.train_size",
        help="Fewer images train faster; compare the test accuracy.",
    )
    seed = cols[3].number_input("seed", 0, 2**31 - 1, int(max(url.seed, 0)), key="cnn.seed")
    augment = cols[4].toggle("augmentation (shifts, rotations)", url.augment, key="cnn.augment")
    config = clf.ImageTrainConfig(
        dataset=st.session_state.get("cnn.source", "mnist"),
        arch=arch,
        epochs=int(epochs),
        batch_size=int(batch_size),
        lr=float(lr),
        optimizer=optimizer,
        schedule=schedule,
        augment=bool(augment),
        val_split=float(val_split),
        train_size=int(train_size),
        seed=int(seed),
    )
    settings_to_url(config, "cnn")

    preview = None
    if dataset is None:
        st.info("Choose or upload data in tab ① first.")
    else:
        try:
            preview = create_for_input(arch, dataset.shape, num_classes=len(dataset.classes))
        except PlaygroundError as exc:  # e.g. images too small for this architecture; the other tabs go on
            st.error(str(exc))
    if preview is not None:
        channels, size, _ = dataset.shape
        summary = summarize(preview, torch.zeros(1, channels, size, size))
        st.markdown(
            f"**{ARCHS[arch]}** ({get_spec(arch).description}) for {size}×{size}×{channels} images and "
            f"{len(dataset.classes)} classes: **{summary.total_params:,} parameters**. {device_line()}"
        )
        with st.expander("Layer by layer (like Keras' model.summary())"):
            st.dataframe(
                pd.DataFrame(
                    [(r.name, r.type, str(list(r.output_shape)), r.params) for r in summary.rows],
                    columns=["layer", "type", "output shape", "parameters"],
                ),
                hide_index=True,
            )
            st.caption(
                "Conv2d(k×k) has k·k·in·out weights plus out biases; 'valid' convolutions shrink the image by k − 1, "
                "'same' ones keep its size, pooling halves it. The softmax is applied only for display: "
                "training uses the logits with cross-entropy."
            )
        run = st.session_state.get(RUN)
        job = run["job"] if run else None
        running = job is not None and not job.finished
        if st.button("Train", icon=":material/play_arrow:", type="primary", key="cnn.train", disabled=running):
            try:
                prepared = clf.prepare(dataset, config)
            except PlaygroundError as exc:
                st.error(str(exc))
                st.stop()
            model = clf.build_model(prepared.meta, config.seed)  # the architecture chosen above

            def target(ctx, model=model, prepared=prepared, config=config):
                history = clf.train(model, prepared, config, [ctx], ctx.stop)
                ctx.set_stage("evaluating on the test set")
                return history, clf.evaluate(model, prepared)

            job = start_job("cnn.job", "the CNN page's training", target)
            if job is not None:
                st.session_state[RUN] = {"job": job, "model": model, "prepared": prepared, "config": config}
                running = True
        if running:
            live_job("cnn.job")
        elif job is not None:
            job_outcome(job)

# ---------------------------------------------------------------------------------------------
run = st.session_state.get(RUN)
finished = run is not None and run["job"].finished and run["job"].result is not None

with tab_results:
    if not finished:
        st.info("Train a model in tab ② (or load one in tab ④) to see its results here.")
    else:
        history, evaluation = run["job"].result
        prepared, classes = run["prepared"], run["prepared"].meta["classes"]
        last = history.last
        cols = st.columns(4)
        cols[0].metric("test accuracy", f"{evaluation.accuracy:.2%}")
        cols[1].metric("validation accuracy", f"{last.val_metric:.2%}" if last.val_metric is not None else "—")
        cols[2].metric("training time", f"{history.seconds:.1f} s")
        cols[3].metric("samples / s", f"{last.samples_per_s:,.0f}")
        majority = float(np.bincount(prepared.y_test.numpy()).max() / len(prepared.y_test))
        st.caption(
            f"Baseline: always answering the most common class scores {majority:.1%}; chance is {1 / len(classes):.1%}."
        )
        st.plotly_chart(history_figure(history.epochs, "accuracy"), key="cnn.history")
        left, right = st.columns([1.3, 1])
        with left:
            st.markdown("**Confusion matrix** — click a cell to see those test images")
            event = st.plotly_chart(
                confusion_figure(evaluation.confusion, classes),
                key="cnn.confusion",
                on_select="rerun",
                selection_mode="points",
            )
        right.plotly_chart(
            bar_figure(classes, evaluation.per_class, "accuracy per class", height=460), key="cnn.per_class"
        )
        points = event.selection.points if event and event.selection else []
        if points:
            true_c, pred_c = (int(v) for v in points[0]["customdata"])
            idx = np.nonzero((prepared.y_test.numpy() == true_c) & (evaluation.predicted == pred_c))[0][:40]
            st.write(f"True **{classes[true_c]}**, predicted **{classes[pred_c]}**: {len(idx)} shown.")
            if len(idx):
                st.image(mosaic(prepared.raw_test[idx].numpy(), cols=20), clamp=True)
        st.markdown("**The most confident mistakes**")
        worst = evaluation.mistakes[:16]
        if worst:
            cols = st.columns(8)
            for i, k in enumerate(worst):
                cols[i % 8].image(
                    to_display(prepared.raw_test[k : k + 1].numpy())[0],
                    width=84,
                    clamp=True,
                    caption=f"{classes[int(prepared.y_test[k])]} → {classes[evaluation.predicted[k]]} ({evaluation.confidence[k]:.0%})",
                )
        else:
            st.write("No mistakes on the test set.")
        download_model(
            run["model"],
            prepared.meta,
            f"{prepared.meta.get('arch', 'cnn')}-{prepared.meta['dataset']}.pt",
            key="cnn.download_model",
        )

# ---------------------------------------------------------------------------------------------
with tab_classify:
    loaded = upload_model("cnn.load", expected_task="image")
    if loaded is not None:
        model, meta = loaded
        if meta.get("task") != "image" or "input" not in meta:
            st.error("This model file does not say how its images were prepared, so it cannot classify pictures.")
        else:
            st.session_state["cnn.loaded"] = (model, meta)
    if finished:
        model, meta = run["model"], run["prepared"].meta
        st.caption(f"Using the model you trained on {meta['dataset']}: {ARCHS.get(meta.get('arch'), 'a CNN')}.")
    elif "cnn.loaded" in st.session_state:
        model, meta = st.session_state["cnn.loaded"]
        st.caption(f"Using the model loaded from a file ({meta.get('dataset', 'unknown data')}).")
    else:
        model = meta = None
        st.info("Train a model in tab ② or load a model file above, then upload a picture to classify.")
    if model is not None:
        how = st.radio(
            "picture", ["Upload a photo", "Draw"], horizontal=True, key="cnn.how", label_visibility="collapsed"
        )
        if how == "Draw":
            content, name = drawing_canvas("cnn.canvas"), "your drawing"
        else:
            picture = st.file_uploader(
                "a picture to classify (PNG, JPEG, WebP, GIF or BMP)",
                type=IMAGE_TYPES,
                key="cnn.picture",
                max_upload_size=UPLOAD_MB,
            )
            content, name = (picture.getvalue(), picture.name) if picture is not None else (None, "")
        if content is not None:
            try:
                prediction = clf.predict(model, meta, decode_image(content, name=name), k=5)
            except PlaygroundError as exc:
                st.error(str(exc))
                st.stop()
            st.markdown("**Preprocessing, step by step**")
            cols = st.columns(len(prediction.steps))
            for col, step in zip(cols, prediction.steps):
                col.image(
                    step.image,
                    caption=f"{step.title}" + (f" — {step.note}" if step.note else ""),
                    clamp=True,
                    width="stretch",
                )
            best, best_p = prediction.top[0]
            st.subheader(f"Prediction: {best} ({best_p:.1%})")
            st.plotly_chart(
                bar_figure(
                    [c for c, _ in prediction.top],
                    [p for _, p in prediction.top],
                    "top 5 classes (softmax)",
                    height=240,
                ),
                key="cnn.topk",
            )
            st.markdown("**What the network sees**")
            model_input = prediction.steps[-1].image
            k = meta["classes"].index(best)
            cam = clf.grad_cam(model, prediction.x, k)
            cols = st.columns(3)
            cols[0].image(
                overlay(model_input, cam), caption=f"Grad-CAM for '{best}': where the evidence is", width="stretch"
            )
            filters = clf.first_layer_filters(model)
            cols[1].image(
                mosaic((filters[:32] * 255).astype(np.uint8), cols=8, pad=1, fill=128),
                caption=f"first-layer filters ({filters.shape[1]}×{filters.shape[2]}, {_how_many(len(filters), 32)})",
                width="stretch",
            )
            maps = clf.feature_maps(model, prediction.x)
            cols[2].image(
                mosaic(np.stack([normalise(m) for m in maps[0][:16]]), cols=4, pad=1),
                caption=f"layer 1 feature maps ({_how_many(len(maps[0]), 16)})",
                width="stretch",
            )
            for i, fmap in enumerate(maps[1:], start=2):
                st.image(
                    mosaic(np.stack([normalise(m) for m in fmap[:32]]), cols=16, pad=1),
                    caption=f"layer {i} feature maps ({fmap.shape[1]}×{fmap.shape[2]}, {_how_many(len(fmap), 32)})",
                    width="stretch",
                )
