"""Classic architectures: inspect LeNet, VGG and ResNet, train them side by side, see why skips matter, use ResNet-50."""

import dataclasses

import pandas as pd
import streamlit as st
import torch

from pages.common import header, layer_table
from pages.links import setting, settings_from_url, settings_to_url
from pages.runs import run_button
from pages.tabs.pretrained import pretrained_tab
from playground.data.images import load_bundled
from playground.errors import PlaygroundError
from playground.figures.architectures import block_diagram, comparison_figure, residual_figure
from playground.models import get_spec, list_models, models_for, summarize
from playground.vision import architectures
from playground.vision.architectures import ArchitecturesConfig
from playground.vision.classifier import prepare


@st.cache_data(show_spinner="Building the model…", max_entries=16)
def inspect(name: str, shape: tuple, classes: int):
    model = architectures.build(name, shape, classes)
    summary = summarize(model, torch.zeros(1, *shape))
    return summary, architectures.stages(model, summary)


@st.cache_resource(show_spinner="Reading the digits…")
def bundled(name: str):
    return load_bundled(name)


def title(name: str) -> str:
    return get_spec(name).title


def inspected(url: ArchitecturesConfig) -> dict:
    """The model to inspect and its input: the link's, else the model's own default input."""
    names = list_models("image")
    cols = st.columns([2, 1, 1, 1])
    name = cols[0].selectbox(
        "architecture", names, index=names.index(url.inspect), format_func=title, key="arch.inspect"
    )
    default = get_spec(name).input_shape
    own = (
        url
        if name == url.inspect
        else ArchitecturesConfig(
            inspect=name, channels=default[0], size=default[1], classes=1000 if default[1] == 224 else 10
        )
    )
    return {
        "inspect": name,
        "channels": setting(cols[1], "selectbox", "channels", own, "channels", f"arch.channels.{name}"),
        "size": setting(cols[2], "number_input", "image size", own, "size", f"arch.size.{name}"),
        "classes": setting(cols[3], "number_input", "classes", own, "classes", f"arch.classes.{name}"),
    }


def stage_table(stage_list) -> pd.DataFrame:
    rows = [
        (
            s.name,
            " × ".join(map(str, s.output_shape)),
            s.params,
            s.macs,
            str(s.receptive_field) if s.receptive_field else "—",
            "yes" if s.residual else "",
        )
        for s in stage_list
    ]
    return pd.DataFrame(rows, columns=["stage", "output", "parameters", "multiply-adds", "receptive field", "skips"])


def inspect_tab(url: ArchitecturesConfig) -> dict:
    chosen = inspected(url)
    shape = (int(chosen["channels"]), int(chosen["size"]), int(chosen["size"]))
    try:
        summary, stage_list = inspect(chosen["inspect"], shape, int(chosen["classes"]))
    except PlaygroundError as exc:
        st.error(str(exc))
        return chosen
    c = st.columns(3)
    c[0].metric("parameters", f"{summary.total_params:,}")
    c[1].metric("multiply-adds per image", f"{summary.total_macs:,}")
    c[2].metric("layers with weights", sum(r.type in ("Conv2d", "Linear") for r in summary.rows))
    st.plotly_chart(block_diagram(stage_list, shape), key="arch.diagram")
    st.markdown(
        "**Stages**: the feature map after each, and its receptive field (how many input pixels one position sees)"
    )
    st.dataframe(stage_table(stage_list), hide_index=True)
    layer_table(summary, f"Every layer ({len(summary.rows)})")
    st.caption(
        "Receptive field: r ← r + (k − 1)·j and j ← j·s through every convolution and pooling layer of kernel k "
        "and stride s on the main path. Multiply-adds count convolutions and dense layers for one image."
    )
    return chosen


def data_settings(url: ArchitecturesConfig, prefix: str, key: str) -> dict:
    """Data set, training images, epochs and seed for one experiment; ``prefix`` names its fields."""
    cols = st.columns(4)
    return {
        f"{prefix}dataset": setting(cols[0], "selectbox", "data", url, f"{prefix}dataset", f"{key}.dataset"),
        f"{prefix}train_size": setting(
            cols[1], "number_input", "training images", url, f"{prefix}train_size", f"{key}.train_size", step=500
        ),
        f"{prefix}epochs": setting(cols[2], "number_input", "epochs", url, f"{prefix}epochs", f"{key}.epochs"),
        f"{prefix}seed": setting(cols[3], "number_input", "seed", url, f"{prefix}seed", f"{key}.seed"),
    }


def on_bundled_digits(config, experiment, name=str):
    """A ``make`` for run_button: ``experiment(prepared, callbacks, stop, on_model)`` on ``config``'s bundled images,
    naming each model it trains in the progress line."""

    def make():
        prepared = prepare(bundled(config.dataset), config)

        def target(ctx):
            stage = lambda model, i, k: ctx.set_stage(f"{name(model)} ({i}/{k})")  # noqa: E731
            return experiment(prepared, [ctx], ctx.stop, stage)

        return target, None

    return make


def results_table(results) -> None:
    table = pd.DataFrame(
        [
            {
                "architecture": title(r.name),
                "parameters": r.params,
                "multiply-adds": r.macs,
                "s / epoch": r.seconds_per_epoch,
                "samples / s": r.samples_per_s,
                "peak memory (MB)": r.peak_memory / 2**20,
                "test accuracy": r.test_accuracy,
            }
            for r in results
        ]
    )
    formats = {"parameters": "{:,}", "multiply-adds": "{:,}", "s / epoch": "{:.1f}", "samples / s": "{:,.0f}"}
    formats |= {"peak memory (MB)": "{:.0f}", "test accuracy": "{:.2%}"}
    st.dataframe(table.style.format(formats), hide_index=True)
    st.caption(
        "Peak memory is measured on the GPU (max_memory_allocated)."
        if results[0].memory_measured
        else "Peak memory on a CPU is estimated: weights, gradients and Adam's two moments, plus every layer's "
        "output for one batch and its gradient."
    )


def compare_tab(url: ArchitecturesConfig) -> dict:
    chosen = st.multiselect(
        "architectures", models_for("architectures"), default=list(url.compare), format_func=title, key="arch.compare"
    )
    values = {"compare": tuple(chosen)} | data_settings(url, "", "arch.cmp")
    config = dataclasses.replace(url, **values).comparison()
    st.caption("Each one trains on the same images, split, seed, optimiser (Adam, one-cycle) and number of epochs.")

    def experiment(prepared, callbacks, stop, on_model):
        return architectures.compare(chosen, prepared, config, callbacks, stop, on_model)

    make = on_bundled_digits(config, experiment, title)
    job = run_button("arch.cmp_job", "Train them", make, disabled=not chosen, name="the architecture comparison")
    if job is not None and job.result:
        st.plotly_chart(comparison_figure(job.result), key="arch.cmp_curves")
        results_table(job.result)
    return values


def residual_tab(url: ArchitecturesConfig) -> dict:
    st.markdown(
        "Deeper should never be worse: a deep network could copy a shallow one and make its extra layers identities. "
        "Yet plain deep networks train worse than shallower ones (He et al., 2015, the *degradation problem*). "
        "A residual block computes $y = \\mathrm{ReLU}(F(x) + x)$: it only has to learn the change $F$, and the gradient "
        "reaches early layers through the $+x$ path. Below, the same network with and without its skips."
    )
    blocks = setting(
        st, "slider", "blocks per stage (3 stages of two convolutions each)", url, "blocks", "arch.res_blocks"
    )
    st.caption(f"{6 * blocks + 2} layers with weights, 16 channels wide.")
    values = {"blocks": blocks} | data_settings(url, "residual_", "arch.res")
    config = dataclasses.replace(url, **values).residual()

    def experiment(prepared, callbacks, stop, on_model):
        return architectures.residual_experiment(prepared, config, blocks, callbacks, stop, on_model)

    job = run_button(
        "arch.res_job", "Train both", on_bundled_digits(config, experiment), name="the residual experiment"
    )
    if job is None or not job.result:
        return values
    runs = job.result
    for col, run in zip(st.columns(len(runs)), runs, strict=True):
        name = "with skips" if run.skip else "plain"
        col.metric(f"{name} ({run.depth} layers): test accuracy", f"{run.test_accuracy:.1%}")
        col.caption(f"final training loss {run.history.epochs[-1].train_loss:.3f}, {run.seconds:.0f} s of training")
    st.plotly_chart(residual_figure(runs), key="arch.res_figure")
    if len(runs) == 2:
        st.caption(
            f"Gradient norm of the first convolution over the last: {runs[0].gradient_balance:.2g} with skips, "
            f"{runs[1].gradient_balance:.2g} without. Far from 1, the layers learn at very different speeds: the "
            "plain network's updates are badly balanced, and its training loss stays higher."
        )
    return values


tab_inspect, tab_compare, tab_residual, tab_pretrained = header(
    "architectures",
    "LeNet-5 (1998) read digits with two small convolutions; VGG (2014) stacked 3×3 convolutions deep; ResNet (2015) "
    "added skip connections so that networks of 50 layers and more still train.",
)
url = settings_from_url(ArchitecturesConfig, "arch")
with tab_inspect:
    values = inspect_tab(url)
with tab_compare:
    values |= compare_tab(url)
with tab_residual:
    values |= residual_tab(url)
settings_to_url(dataclasses.replace(url, **values), "arch")
with tab_pretrained:
    pretrained_tab()
