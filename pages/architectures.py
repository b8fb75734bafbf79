"""Classic architectures: inspect LeNet, VGG and ResNet, train them side by side, see why skips matter, use ResNet-50."""

import dataclasses

import pandas as pd
import streamlit as st
import torch

from pages.common import header, layer_table
from pages.language import resolve
from pages.links import setting, settings_from_url, settings_to_url
from pages.runs import run_button
from pages.tabs.course import course_tab
from pages.tabs.pretrained import pretrained_tab
from playground.data.images import load_bundled
from playground.errors import PlaygroundError
from playground.figures.architectures import block_diagram, comparison_figure, residual_figure
from playground.i18n import N_, _, ngettext, number
from playground.models import get_spec, list_models, models_for, summarize
from playground.vision import architectures
from playground.vision.architectures import ArchitecturesConfig
from playground.vision.classifier import prepare

resolve()  # the run's language before the first message: AppTest runs a page without app.py, which sets it
DATA = {"mnist": _("MNIST digits (bundled)"), "fashion-mnist": _("Fashion-MNIST clothing (bundled)")}


@st.cache_data(show_spinner=_("Building the model…"), max_entries=16)
def inspect(name: str, shape: tuple, classes: int):
    model = architectures.build(name, shape, classes)
    summary = summarize(model, torch.zeros(1, *shape))
    return summary, architectures.stages(model, summary)


@st.cache_resource(show_spinner=_("Reading the digits…"))
def bundled(name: str):
    return load_bundled(name)


def title(name: str) -> str:
    return get_spec(name).title


def inspected(url: ArchitecturesConfig) -> dict:
    """The model to inspect and its input: the link's, else the model's own default input."""
    names = list_models("image")
    cols = st.columns([2, 1, 1, 1])
    name = cols[0].selectbox(
        _("architecture"), names, index=names.index(url.inspect), format_func=title, key="arch.inspect"
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
        "channels": setting(cols[1], "selectbox", _("channels"), own, "channels", f"arch.channels.{name}"),
        "size": setting(cols[2], "number_input", _("image size"), own, "size", f"arch.size.{name}"),
        "classes": setting(cols[3], "number_input", _("classes"), own, "classes", f"arch.classes.{name}"),
    }


def stage_table(stage_list):
    """The stages, their output, parameters, multiply-adds, receptive field and skips; counts grouped by thousands."""
    rows = [
        (
            s.title,
            " × ".join(map(str, s.output_shape)),
            s.params,
            s.macs,
            str(s.receptive_field) if s.receptive_field else "—",
            _("yes") if s.residual else "",
        )
        for s in stage_list
    ]
    columns = [_("stage"), _("output"), _("parameters"), _("multiply-adds"), _("receptive field"), _("skips")]
    return pd.DataFrame(rows, columns=columns).style.format(number, subset=columns[2:4])


def weighted_layers_line(counted: architectures.WeightedLayers) -> str:
    """What "layers with weights" counts; below it, the count without the skip projections (a name's, ResNet-50's)."""
    line = _(
        "Layers with weights: the {conv} convolutional and {dense} fully connected layers; batch norm, pooling "
        "and activations are not counted."
    ).format(conv=counted.convolutions, dense=counted.dense)
    if counted.shortcuts:
        line += "  \n" + ngettext(  # a line of its own: no space between sentences in Chinese
            "Leaving out the {n} 1×1 convolution on a skip connection gives {main}, the number in names like "
            "ResNet-50.",
            "Leaving out the {n} 1×1 convolutions on skip connections gives {main}, the number in names like "
            "ResNet-50.",
            counted.shortcuts,
        ).format(n=counted.shortcuts, main=counted.total - counted.shortcuts)
    return line


def inspect_tab(url: ArchitecturesConfig) -> dict:
    chosen = inspected(url)
    shape = (int(chosen["channels"]), int(chosen["size"]), int(chosen["size"]))
    try:
        summary, stage_list = inspect(chosen["inspect"], shape, int(chosen["classes"]))
    except PlaygroundError as exc:
        st.error(str(exc))
        return chosen
    c = st.columns(3)
    c[0].metric(_("parameters"), number(summary.total_params))
    c[1].metric(_("multiply-adds per image"), number(summary.total_macs))
    counted = architectures.weighted_layers(summary)
    c[2].metric(_("layers with weights"), counted.total)
    st.caption(weighted_layers_line(counted))
    st.plotly_chart(block_diagram(stage_list, shape), key="arch.diagram")
    st.markdown(
        _("**Stages**: the feature map after each, and its receptive field (how many input pixels one position sees)")
    )
    st.dataframe(stage_table(stage_list), hide_index=True)
    layer_table(summary, _("Every layer ({n})").format(n=len(summary.rows)))
    st.caption(
        _(
            "Receptive field: r ← r + (k − 1)·j and j ← j·s through every convolution and pooling layer of kernel "
            "k and stride s on the main path. Multiply-adds count convolutions and dense layers for one image."
        )
    )
    return chosen


def data_settings(url: ArchitecturesConfig, prefix: str, key: str) -> dict:
    """Data set, training images, epochs and seed for one experiment; ``prefix`` names its fields."""
    cols = st.columns(4)
    return {
        f"{prefix}dataset": setting(
            cols[0], "selectbox", _("data"), url, f"{prefix}dataset", f"{key}.dataset", format_func=DATA.get
        ),
        f"{prefix}train_size": setting(
            cols[1], "number_input", _("training images"), url, f"{prefix}train_size", f"{key}.train_size", step=500
        ),
        f"{prefix}epochs": setting(cols[2], "number_input", _("epochs"), url, f"{prefix}epochs", f"{key}.epochs"),
        f"{prefix}seed": setting(cols[3], "number_input", _("seed"), url, f"{prefix}seed", f"{key}.seed"),
    }


def on_bundled_digits(config, experiment, name=str):
    """A ``make`` for run_button: ``experiment(prepared, callbacks, stop, on_model)`` on ``config``'s bundled images,
    naming each model it trains in the progress line."""

    def make():
        prepared = prepare(bundled(config.dataset), config)

        def target(ctx):
            stage = lambda model, i, k: ctx.set_stage(_("{model} ({i}/{k})").format(model=name(model), i=i, k=k))  # noqa: E731
            return experiment(prepared, [ctx], ctx.stop, stage)

        return target, None

    return make


def results_table(results) -> None:
    # (column, its format, the value for a result)
    columns = [
        (_("architecture"), None, lambda r: title(r.name)),
        (_("parameters"), "{:,}", lambda r: r.params),
        (_("multiply-adds"), "{:,}", lambda r: r.macs),
        (_("s / epoch"), "{:.1f}", lambda r: r.seconds_per_epoch),
        (_("samples / s"), "{:,.0f}", lambda r: r.samples_per_s),
        (_("peak memory (MB)"), "{:.0f}", lambda r: r.peak_memory / 2**20),
        (_("test accuracy"), "{:.2%}", lambda r: r.test_accuracy),
    ]
    table = pd.DataFrame([{column: value(r) for column, _format, value in columns} for r in results])
    formats = {column: spec for column, spec, _value in columns if spec}
    st.dataframe(table.style.format(formats), hide_index=True)
    st.caption(
        _("Peak memory is measured on the GPU (max_memory_allocated).")
        if results[0].memory_measured
        else _(
            "Peak memory on a CPU is estimated: weights, gradients and Adam's two moments, plus every layer's "
            "output for one batch and its gradient."
        )
    )


def compare_tab(url: ArchitecturesConfig) -> dict:
    chosen = st.multiselect(
        _("architectures"),
        models_for("architectures"),
        default=list(url.compare),
        format_func=title,
        key="arch.compare",
    )
    values = {"compare": tuple(chosen)} | data_settings(url, "", "arch.cmp")
    config = dataclasses.replace(url, **values).comparison()
    st.caption(_("Each one trains on the same images, split, seed, optimiser (Adam, one-cycle) and number of epochs."))

    def experiment(prepared, callbacks, stop, on_model):
        return architectures.compare(chosen, prepared, config, callbacks, stop, on_model)

    make = on_bundled_digits(config, experiment, title)
    job = run_button("arch.cmp_job", _("Train them"), make, disabled=not chosen, name=N_("the architecture comparison"))
    if job is not None and job.result:
        st.plotly_chart(comparison_figure(job.result, title), key="arch.cmp_curves")
        results_table(job.result)
    return values


def residual_tab(url: ArchitecturesConfig) -> dict:
    st.markdown(
        _(
            "Deeper should never be worse: a deep network could copy a shallow one and make its extra layers "
            "identities. Yet plain deep networks train worse than shallower ones (He et al., 2015, the *degradation "
            "problem*). A residual block computes $y = \\mathrm{ReLU}(F(x) + x)$: it only has to learn the change "
            "$F$, and the gradient reaches early layers through the $+x$ path. Below, the same network with and "
            "without its skips."
        )
    )
    blocks = setting(
        st, "slider", _("blocks per stage (3 stages of two convolutions each)"), url, "blocks", "arch.res_blocks"
    )
    depth = 6 * blocks + 2
    st.caption(
        ngettext(
            "{n} layer with weights, 16 channels wide.", "{n} layers with weights, 16 channels wide.", depth
        ).format(n=depth)
    )
    values = {"blocks": blocks} | data_settings(url, "residual_", "arch.res")
    config = dataclasses.replace(url, **values).residual()

    def experiment(prepared, callbacks, stop, on_model):
        return architectures.residual_experiment(prepared, config, blocks, callbacks, stop, on_model)

    job = run_button(
        "arch.res_job", _("Train both"), on_bundled_digits(config, experiment), name=N_("the residual experiment")
    )
    if job is None or not job.result:
        return values
    runs = job.result
    for col, run in zip(st.columns(len(runs)), runs, strict=True):
        if run.skip:
            label = ngettext(
                "with skips ({n} layer): test accuracy", "with skips ({n} layers): test accuracy", run.depth
            )
        else:
            label = ngettext("plain ({n} layer): test accuracy", "plain ({n} layers): test accuracy", run.depth)
        col.metric(label.format(n=run.depth), f"{run.test_accuracy:.1%}")
        col.caption(
            _("final training loss {loss:.3f}, {seconds:.0f} s of training").format(
                loss=run.history.epochs[-1].train_loss, seconds=run.seconds
            )
        )
    st.plotly_chart(residual_figure(runs), key="arch.res_figure")
    if len(runs) == 2:
        st.caption(
            _(
                "Gradient norm of the first convolution over the last: {with_skips:.2g} with skips, "
                "{without:.2g} without. Far from 1, the layers learn at very different speeds: the "
                "plain network's updates are badly balanced, and its training loss stays higher."
            ).format(with_skips=runs[0].gradient_balance, without=runs[1].gradient_balance)
        )
    return values


tab_inspect, tab_compare, tab_residual, tab_pretrained, tab_course = header(
    "architectures",
    _(
        "LeNet-5 (1998) read digits with two small convolutions; VGG (2014) stacked 3×3 convolutions deep; "
        "ResNet (2015) added skip connections so that networks of 50 layers and more still train."
    ),
)
url = settings_from_url(ArchitecturesConfig, "arch")
with tab_inspect:
    values = inspect_tab(url)
with tab_compare:
    values |= compare_tab(url)
with tab_residual:
    values |= residual_tab(url)
config = dataclasses.replace(url, **values)
settings_to_url(config, "arch")
with tab_pretrained:
    pretrained_tab()
with tab_course:
    course_tab("architectures", {name: values[name] for name in ("inspect", "channels", "size", "classes")}, config)
