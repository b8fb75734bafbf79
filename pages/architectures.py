"""Classic architectures: inspect LeNet, VGG and ResNet, train them side by side, see why skips matter, use ResNet-50."""

import hashlib

import pandas as pd
import streamlit as st
import torch

from pages.common import UPLOAD_MB, WEIGHTS_UPLOAD_MB, job_button
from playground.data.decode import EXTENSIONS, decode_image, read_class_zip
from playground.data.images import load_bundled
from playground.errors import PlaygroundError
from playground.figures.architectures import block_diagram, comparison_figure, residual_figure, top_classes_figure
from playground.models import get_spec, list_models, summarize
from playground.vision import architectures as arch
from playground.vision import pretrained
from playground.vision.classifier import ImageTrainConfig, prepare

st.title("Classic architectures")
st.caption(
    "LeNet-5 (1998) read digits with two small convolutions; VGG (2014) stacked 3×3 convolutions deep; ResNet (2015) "
    "added skip connections so that networks of 50 layers and more still train."
)

NAMES = {
    "lenet": "LeNet-5",
    "cnn": "the course CNN",
    "vgg-small": "VGG (small)",
    "vgg11": "VGG-11",
    "vgg16": "VGG-16",
    "resnet-small": "ResNet (small)",
    "resnet18": "ResNet-18",
    "resnet34": "ResNet-34",
    "resnet50": "ResNet-50",
}


@st.cache_data(show_spinner="Building the model…", max_entries=16)
def inspect(name: str, shape: tuple, classes: int):
    model = arch.build(name, shape, classes)
    summary = summarize(model, torch.zeros(1, *shape))
    return summary, arch.stages(model, summary)


@st.cache_resource(show_spinner="Reading the digits…")
def bundled(name: str):
    return load_bundled(name)


tab_inspect, tab_compare, tab_residual, tab_pretrained = st.tabs(
    ["① Inspect", "② Train side by side", "③ Why residual connections", "④ Pretrained ResNet-50"]
)

with tab_inspect:
    names = [n for n in NAMES if n in list_models("image")]
    cols = st.columns([2, 1, 1, 1])
    name = cols[0].selectbox("architecture", names, format_func=NAMES.get, key="arch.inspect")
    default = get_spec(name).input_shape
    channels = cols[1].selectbox("channels", [1, 3], index=[1, 3].index(default[0]), key=f"arch.channels.{name}")
    size = cols[2].number_input("image size", 12, 512, default[1], key=f"arch.size.{name}")
    classes = cols[3].number_input("classes", 2, 1000, 1000 if default[1] == 224 else 10, key=f"arch.classes.{name}")
    try:
        summary, stage_list = inspect(name, (int(channels), int(size), int(size)), int(classes))
    except PlaygroundError as exc:
        st.error(str(exc))
    else:
        c = st.columns(3)
        c[0].metric("parameters", f"{summary.total_params:,}")
        c[1].metric("multiply-adds per image", f"{summary.total_macs:,}")
        c[2].metric("layers with weights", sum(r.type in ("Conv2d", "Linear") for r in summary.rows))
        st.plotly_chart(block_diagram(stage_list, (int(channels), int(size), int(size))), key="arch.diagram")
        st.markdown(
            "**Stages**: the feature map after each, and its receptive field (how many input pixels one position sees)"
        )
        st.dataframe(
            pd.DataFrame(
                [
                    (
                        s.name,
                        " × ".join(map(str, s.output_shape)),
                        s.params,
                        s.macs,
                        str(s.receptive_field) if s.receptive_field else "—",
                        "yes" if s.residual else "",
                    )
                    for s in stage_list
                ],
                columns=["stage", "output", "parameters", "multiply-adds", "receptive field", "skips"],
            ),
            hide_index=True,
        )
        with st.expander(f"Every layer ({len(summary.rows)})"):
            st.dataframe(
                pd.DataFrame(
                    [(r.name, r.type, " × ".join(map(str, r.output_shape)), r.params, r.macs) for r in summary.rows],
                    columns=["layer", "type", "output shape", "parameters", "multiply-adds"],
                ),
                hide_index=True,
            )
        st.caption(
            "Receptive field: r ← r + (k − 1)·j and j ← j·s through every convolution and pooling layer of kernel k "
            "and stride s on the main path. Multiply-adds count convolutions and dense layers for one image."
        )


def data_settings(prefix: str, train_size: int):
    cols = st.columns(4)
    dataset = cols[0].selectbox("data", ["mnist", "fashion-mnist"], key=f"{prefix}.dataset")
    size = cols[1].number_input("training images", 500, 50_000, train_size, step=500, key=f"{prefix}.train_size")
    epochs = cols[2].number_input("epochs", 1, 20, 1, key=f"{prefix}.epochs")
    seed = cols[3].number_input("seed", 0, 2**31 - 1, 0, key=f"{prefix}.seed")
    config = ImageTrainConfig(dataset=dataset, epochs=int(epochs), train_size=int(size), seed=int(seed))
    return dataset, config


with tab_compare:
    chosen = st.multiselect(
        "architectures",
        list(arch.COMPARABLE),
        default=["lenet", "vgg-small", "resnet-small"],
        format_func=NAMES.get,
        key="arch.compare",
    )
    dataset, config = data_settings("arch.cmp", 5000)
    st.caption("Each one trains on the same images, split, seed, optimiser (Adam, one-cycle) and number of epochs.")

    def compare_target(chosen=tuple(chosen), config=config):
        prepared = prepare(bundled(dataset), config)

        def target(ctx):
            stage = lambda n, i, k: ctx.set_stage(f"{NAMES[n]} ({i}/{k})")  # noqa: E731
            return arch.compare(chosen, prepared, config, [ctx], ctx.stop, stage)

        return target

    job = job_button(
        "arch.cmp_job", "Train them", compare_target, disabled=not chosen, name="the architecture comparison"
    )
    if job is not None and job.result:
        results = job.result
        st.plotly_chart(comparison_figure(results), key="arch.cmp_curves")
        measured = results[0].memory_measured
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "architecture": NAMES[r.name],
                        "parameters": r.params,
                        "multiply-adds": r.macs,
                        "s / epoch": r.seconds_per_epoch,
                        "samples / s": r.samples_per_s,
                        "peak memory (MB)": r.peak_memory / 2**20,
                        "test accuracy": r.test_accuracy,
                    }
                    for r in results
                ]
            ).style.format(
                {
                    "parameters": "{:,}",
                    "multiply-adds": "{:,}",
                    "s / epoch": "{:.1f}",
                    "samples / s": "{:,.0f}",
                    "peak memory (MB)": "{:.0f}",
                    "test accuracy": "{:.2%}",
                }
            ),
            hide_index=True,
        )
        st.caption(
            "Peak memory is measured on the GPU (max_memory_allocated)."
            if measured
            else "Peak memory on a CPU is estimated: weights, gradients and Adam's two moments, plus every layer's output for one batch and its gradient."
        )

with tab_residual:
    st.markdown(
        "Deeper should never be worse: a deep network could copy a shallow one and make its extra layers identities. "
        "Yet plain deep networks train worse than shallower ones (He et al., 2015, the *degradation problem*). "
        "A residual block computes $y = \\mathrm{ReLU}(F(x) + x)$: it only has to learn the change $F$, and the gradient "
        "reaches early layers through the $+x$ path. Below, the same network with and without its skips."
    )
    blocks = st.slider("blocks per stage (3 stages of two convolutions each)", 2, 8, 6, key="arch.res_blocks")
    st.caption(f"{6 * blocks + 2} layers with weights, 16 channels wide.")
    res_dataset, res_config = data_settings("arch.res", 3000)

    def residual_target(config=res_config, blocks=int(blocks)):
        prepared = prepare(bundled(res_dataset), config)

        def target(ctx):
            stage = lambda n, i, k: ctx.set_stage(f"{n} ({i}/{k})")  # noqa: E731
            return arch.residual_experiment(prepared, config, blocks, [ctx], ctx.stop, stage)

        return target

    res_job = job_button("arch.res_job", "Train both", residual_target, name="the residual experiment")
    if res_job is not None and res_job.result:
        runs = res_job.result
        c = st.columns(len(runs))
        for col, run in zip(c, runs, strict=True):
            last = run.history.epochs[-1]
            col.metric(
                f"{'with skips' if run.skip else 'plain'} ({run.depth} layers): test accuracy",
                f"{run.test_accuracy:.1%}",
            )
            col.caption(f"final training loss {last.train_loss:.3f}, {run.seconds:.0f} s of training")
        st.plotly_chart(residual_figure(runs), key="arch.res_figure")
        if len(runs) == 2:
            with_skips, plain = runs
            ratio = plain.gradient_norms[0] / max(plain.gradient_norms[-1], 1e-12)
            st.caption(
                f"Gradient norm of the first convolution over the last: {with_skips.gradient_norms[0] / max(with_skips.gradient_norms[-1], 1e-12):.2g} "
                f"with skips, {ratio:.2g} without. Far from 1, the layers learn at very different speeds: the "
                "plain network's updates are badly balanced, and its training loss stays higher."
            )

with tab_pretrained:
    st.markdown(
        "The course loads `ResNet50(weights='imagenet', include_top=False)`. Here: torchvision's ImageNet weights "
        "(IMAGENET1K_V2, 80.9% top-1), downloaded once into the torch cache, or a ResNet-50 weights file of your own."
    )
    source = st.radio(
        "weights",
        ["download", "file"],
        format_func={"download": "torchvision (download once)", "file": "a weights file (.pth)"}.get,
        horizontal=True,
        key="arch.weights_source",
    )
    backbone = None
    if source == "file":
        upload = st.file_uploader(
            "ResNet-50 weights (.pth / .pt, a state_dict)",
            type=["pth", "pt"],
            key="arch.weights",
            max_upload_size=WEIGHTS_UPLOAD_MB,
        )
        if upload is not None:
            digest = hashlib.sha256(upload.getvalue()).hexdigest()
            if st.session_state.get("arch.weights_digest") != digest:
                try:
                    st.session_state["arch.backbone"] = pretrained.load_resnet50(upload.getvalue())
                    st.session_state["arch.weights_error"] = None
                except PlaygroundError as exc:
                    st.session_state["arch.backbone"] = None
                    st.session_state["arch.weights_error"] = str(exc)
                st.session_state["arch.weights_digest"] = digest
            if st.session_state.get("arch.weights_error"):
                st.error(st.session_state["arch.weights_error"])
            loaded = st.session_state.get("arch.backbone")
            backbone = loaded
    else:
        if st.button("Load ResNet-50", icon=":material/download:", key="arch.load_pretrained"):
            try:
                with st.spinner("Loading the ImageNet weights…"):
                    st.session_state["arch.backbone"] = pretrained.load_resnet50()
                st.session_state["arch.weights_error"] = None
            except PlaygroundError as exc:
                st.session_state["arch.weights_error"] = str(exc)
        if st.session_state.get("arch.weights_error"):
            st.warning(st.session_state["arch.weights_error"])
        backbone = st.session_state.get("arch.backbone")
    if backbone is not None:
        model, where = backbone
        st.success(f"ResNet-50 ready: {where}.")
        photo = st.file_uploader(
            "a photo to classify", type=list(EXTENSIONS), key="arch.photo", max_upload_size=UPLOAD_MB
        )
        if photo is not None:
            try:
                image = decode_image(photo.getvalue(), name=photo.name)
            except PlaygroundError as exc:
                st.error(str(exc))
            else:
                left, right = st.columns([1, 2])
                left.image(image, caption=photo.name, width="stretch")
                top = pretrained.classify(model, image)
                right.markdown(f"**{top[0][0]}**: {top[0][1]:.1%}")
                right.plotly_chart(top_classes_figure(top), key="arch.top5")
        st.markdown(
            "**Transfer learning**: the frozen network up to its global average pool (`include_top=False`) turns each "
            "image into 2048 numbers; a new Dense layer learns your classes from them. Beside it, the course CNN "
            "trains from scratch on the same images and split."
        )
        archive = st.file_uploader(
            "your classes as a zip (one folder per class)", type=["zip"], key="arch.zip", max_upload_size=UPLOAD_MB
        )
        if archive is not None:
            try:
                classes = read_class_zip(archive.getvalue())
                classes.validate()
            except PlaygroundError as exc:
                st.error(str(exc))
            else:
                st.caption(", ".join(f"{c}: {len(v)} images" for c, v in classes.images.items()))

                def transfer_target(model=model, classes=classes):
                    return lambda ctx: pretrained.transfer(model, classes, 0, 30, [ctx], ctx.stop, ctx.set_stage)

                tr_job = job_button("arch.tr_job", "Train both", transfer_target, name="transfer learning")
                if tr_job is not None and tr_job.result is not None:
                    r = tr_job.result
                    c = st.columns(3)
                    c[0].metric("ResNet-50 features + new head", f"{r.transfer_accuracy:.1%}")
                    c[0].caption(f"{r.transfer_seconds:.0f} s, most of it the frozen network's forward passes")
                    c[1].metric("course CNN from scratch", f"{r.scratch_accuracy:.1%}")
                    c[1].caption(f"{r.scratch_seconds:.0f} s of training")
                    c[2].metric("always the largest class", f"{r.majority_accuracy:.1%}")
                    st.caption(f"{r.n_train} training and {r.n_test} test images of {len(r.classes)} classes.")
