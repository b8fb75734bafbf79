"""Backpropagation: one neuron number by number, a network learning 2-D data, the computation graph."""

import dataclasses

import streamlit as st

from pages.common import download_model, figure_once, header, model_summary, optimiser_names, upload_model
from pages.language import resolve
from pages.links import settings_from_url, settings_to_url
from pages.runs import run_button
from pages.tabs.course import course_tab
from pages.tabs.neuron import NEURON, neuron_tab, set_neuron
from playground.backprop import scalar
from playground.backprop.network import NetworkConfig, config_from_meta, model_meta
from playground.backprop.neuron import Neuron
from playground.backprop.session import NetworkRun
from playground.data.toy2d import DATASET_LABELS, DATASETS, FEATURES
from playground.errors import PlaygroundError
from playground.figures import history_figure
from playground.figures.backprop import boundary_figure, grad_norm_figure, graph_figure
from playground.i18n import N_, _, language
from playground.models.mlp import ACTIVATIONS
from playground.share import limits

resolve()  # the run's language before the first message: AppTest runs a page without app.py, which sets it

NET = "backprop.net"  # the NetworkRun; its job is at NET + ".job"
LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
REGULARISATION = [0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1]
OPTIMIZERS = ("sgd", "momentum", "adam")  # the network tab offers these; names from optimiser_names()


def nearest(value: float, options: list[float]) -> float:
    return min(options, key=lambda o: abs(o - value))


def set_network_widgets(c: NetworkConfig) -> None:
    """Put ``c`` into the widgets' keys; a value no widget offers (from a model file) snaps to the nearest."""
    values = {
        "dataset": c.dataset,
        "noise": c.noise,
        "test_ratio": c.test_ratio,
        "points": c.n_points,
        "features": list(c.features),
        "hidden": ",".join(map(str, c.hidden)),
        "activation": c.activation,
        "optimizer": c.optimizer,
        "net_lr": nearest(c.lr, LEARNING_RATES),
        "batch": c.batch_size,
        "l1": nearest(c.l1, REGULARISATION),
        "l2": nearest(c.l2, REGULARISATION),
        "epochs": c.epochs,
        "seed": c.seed,
    }
    for name, value in values.items():
        st.session_state[f"backprop.{name}"] = value


def network_settings() -> NetworkConfig:
    """The network's settings from its widgets; PlaygroundError for hidden layers that are not numbers."""
    cols = st.columns(4)
    values = {
        "dataset": cols[0].selectbox(
            _("data set"), DATASETS, format_func={d: _(DATASET_LABELS[d]) for d in DATASETS}.get, key="backprop.dataset"
        ),
        "noise": cols[1].slider(_("noise"), *limits(NetworkConfig, "noise")["range"], step=0.05, key="backprop.noise"),
        "test_ratio": cols[2].slider(
            _("test share"), *limits(NetworkConfig, "test_ratio")["range"], step=0.1, key="backprop.test_ratio"
        ),
        "n_points": cols[3].select_slider(
            _("points"), limits(NetworkConfig, "n_points")["choices"], key="backprop.points"
        ),
        "features": tuple(
            st.multiselect(
                _("input features"), list(FEATURES), format_func=lambda f: FEATURES[f][0], key="backprop.features"
            )
        ),
    }
    cols = st.columns(4)
    hidden = cols[0].text_input(
        _("neurons per hidden layer"),
        key="backprop.hidden",
        help=_("Comma-separated, e.g. 8,8 for two hidden layers of 8."),
    )
    values |= {
        "activation": cols[1].selectbox(_("activation"), list(ACTIVATIONS), key="backprop.activation"),
        "optimizer": cols[2].selectbox(
            _("optimiser"),
            OPTIMIZERS,
            format_func=optimiser_names().get,
            key="backprop.optimizer",
        ),
        "lr": cols[3].select_slider(_("learning rate"), LEARNING_RATES, key="backprop.net_lr"),
    }
    cols = st.columns(5)
    values |= {
        "batch_size": cols[0].select_slider(
            _("batch size"), limits(NetworkConfig, "batch_size")["choices"], key="backprop.batch"
        ),
        "l1": cols[1].select_slider("L1", REGULARISATION, key="backprop.l1"),
        "l2": cols[2].select_slider("L2", REGULARISATION, key="backprop.l2"),
        "epochs": cols[3].number_input(
            _("epochs per Train"), *limits(NetworkConfig, "epochs")["range"], key="backprop.epochs"
        ),
        "seed": cols[4].number_input(_("seed"), *limits(NetworkConfig, "seed")["range"], key="backprop.seed"),
    }
    try:
        layers = tuple(int(h) for h in hidden.replace(" ", "").split(",") if h)
    except ValueError:
        raise PlaygroundError(_("Write the hidden layers as whole numbers separated by commas, e.g. 8,8.")) from None
    return NetworkConfig(hidden=layers, **values)


def network_view(run: NetworkRun, rows, grid, grad_norms) -> None:
    """The decision boundary beside the loss curves and the gradient norms of each layer."""
    data = run.data
    left, right = st.columns([1.1, 1])
    boundary = figure_once(  # redrawn every second while training: rebuilt only when the grid changes
        "backprop.boundary_figure",
        (grid, language()),
        lambda: boundary_figure(*grid, data.points_train, data.y_train.numpy(), data.points_test, data.y_test.numpy()),
    )
    left.plotly_chart(boundary, key="backprop.boundary")
    if not rows:
        right.info(
            _(
                "Press **Train** to watch the decision boundary form. The shading is the network's "
                "probability of class 1; circles are training points, crosses test points."
            )
        )
        return
    last = rows[-1]
    right.markdown(
        _(
            "Epoch **{epoch}** · train loss **{train_loss:.4f}** · test loss **{test_loss:.4f}** · "
            "test accuracy **{test_accuracy:.1%}**"
        ).format(epoch=last.epoch, train_loss=last.train_loss, test_loss=last.val_loss, test_accuracy=last.val_metric)
    )
    curves = figure_once(
        "backprop.curves_figure",
        (len(rows), last, language()),
        lambda: history_figure(rows, "accuracy", _("test"), 260),
    )
    right.plotly_chart(curves, key="backprop.curves")
    latest = tuple(grad_norms[-1]) if grad_norms else ()
    norms = figure_once(
        "backprop.norms_figure", (len(grad_norms), latest, language()), lambda: grad_norm_figure(grad_norms, 280)
    )
    right.plotly_chart(norms, key="backprop.gradnorms")


def model_files(run: NetworkRun, config: NetworkConfig) -> None:
    """Download the network, or load one: a loaded file's settings go into the widgets on the next run."""
    model_summary(run.model, run.data.X_train[:1], _("Network summary"))
    cols = st.columns(2)
    with cols[0]:
        download_model(run.model, model_meta(config, run.data), f"mlp-{config.dataset}.pt", key="backprop.download")
    with cols[1]:
        uploaded = upload_model("backprop.upload", expected_arch="mlp")
    if uploaded is not None:
        model, meta = uploaded
        try:
            loaded = config_from_meta(meta, model)
        except PlaygroundError as exc:
            st.error(str(exc))
            return
        st.session_state["backprop.loaded"] = (loaded, model)
        st.rerun()


def current_run(config: NetworkConfig, loaded) -> NetworkRun:
    """The session's network for these settings: kept while only the training settings change."""
    run: NetworkRun | None = st.session_state.get(NET)
    if run is None or not run.matches(config):
        job = st.session_state.pop(f"{NET}.job", None)
        if job is not None:
            job.stop()
        run = st.session_state[NET] = NetworkRun.fresh(config)
    if loaded is not None:
        run.adopt(loaded[1])
        st.success(
            _("Loaded the model and the settings it was trained with; its data set is regenerated from the seed.")
        )
    return run


def absorb(run: NetworkRun, job) -> None:
    """Add a finished run's epochs to the network's history, once."""
    if job is not None and job.finished and st.session_state.get(f"{NET}.absorbed") is not job:
        p = job.snapshot()
        run.add(p.rows, p.extras.get("grad_norms", []), p.extras.get("grid"))
        st.session_state[f"{NET}.absorbed"] = job


def network_tab() -> NetworkConfig | None:
    """The network's settings, its training and its view; the settings, for the export (None if unreadable)."""
    if "backprop.dataset" not in st.session_state:
        set_network_widgets(settings_from_url(NetworkConfig, "net"))
    loaded = st.session_state.pop("backprop.loaded", None)
    if loaded is not None:  # a model file was loaded on the previous run: its settings, then its weights
        set_network_widgets(loaded[0])
    try:
        config = network_settings()
        settings_to_url(config, "net")
        run = current_run(config, loaded)
    except PlaygroundError as exc:
        st.error(str(exc))
        return None

    def render(p):
        rows, norms = run.with_epochs(p.rows, p.extras.get("grad_norms", []))
        network_view(run, rows, p.extras.get("grid", run.grid), norms)

    cols = st.columns([2, 1, 1])
    with cols[0]:
        finished = run_button(
            f"{NET}.job",
            _("Train"),
            lambda: (run.target(config, config.epochs), None),
            name=N_("the network's training"),
            render=render,
        )
    absorb(run, finished)
    running = finished is None and st.session_state.get(f"{NET}.job") is not None  # drawn live above, not below
    if cols[1].button(_("Step one epoch"), key="backprop.step_epoch", disabled=running):
        try:
            run.step(config)
        except PlaygroundError as exc:
            st.error(str(exc))
    if cols[2].button(_("Reset"), icon=":material/restart_alt:", key="backprop.reset_net", disabled=running):
        st.session_state.pop(f"{NET}.job", None)
        run = st.session_state[NET] = NetworkRun.fresh(config)
    st.caption(
        _(
            "Features are standardised with the training part's mean and standard deviation. The test curve "
            "is computed on points the network never trains on."
        )
    )
    if not running:
        network_view(run, run.rows, run.grid, run.grad_norms)
        model_files(run, config)
    return config


def graph_tab(neuron: Neuron | None) -> None:
    st.markdown(
        _(
            "Every number in a forward pass is a node; backpropagation walks the graph from the loss back to "
            "the inputs, multiplying local derivatives (the chain rule) and adding them where paths meet. "
            "These graphs come from a tiny scalar autograd engine in `playground/backprop/scalar.py`, "
            "whose gradients the tests check against PyTorch's."
        )
    )
    show_grad = st.toggle(_("after backward: show each node's gradient ∂L/∂node"), value=True, key="backprop.show_grad")
    st.subheader(_("A small expression: L = tanh(a·b + c)"))
    cols = st.columns(3)
    a = cols[0].number_input("a", value=2.0, step=0.5, key="backprop.ga")
    b = cols[1].number_input("b", value=-3.0, step=0.5, key="backprop.gb")
    c = cols[2].number_input("c", value=6.5, step=0.5, key="backprop.gc")
    out = scalar.example_expression(a, b, c)
    if show_grad:
        out.backward()
    st.plotly_chart(graph_figure(*scalar.graph_of(out), show_grad=show_grad), key="backprop.graph_expr")
    if show_grad:
        v = scalar.nodes_by_label(out)
        st.caption(
            f"∂L/∂d = 1 − tanh²d = {v['d = e + c'].grad:.4g}; ∂L/∂a = ∂L/∂d · b = {v['a'].grad:.4g}; "
            f"∂L/∂b = ∂L/∂d · a = {v['b'].grad:.4g}; ∂L/∂c = ∂L/∂d = {v['c'].grad:.4g}."
        )
    st.subheader(_("The neuron from tab ①"))
    try:
        if neuron is None:
            raise PlaygroundError(_("Fix the neuron's numbers in tab ① to see its graph."))
        n = neuron
        root = scalar.neuron_expression(n.inputs, n.weights, n.bias, n.target, n.activation, n.loss)
    except PlaygroundError as exc:
        st.info(str(exc))
        return
    if show_grad:
        root.backward()
    st.plotly_chart(graph_figure(*scalar.graph_of(root), show_grad=show_grad), key="backprop.graph_neuron")
    st.caption(_("The gradients at w₁, w₂, w₃ and b are the ones derived by hand in tab ①."))


tab_neuron, tab_network, tab_graph, tab_course = header(
    "backprop",
    _("How a network computes its output, and how the chain rule turns the error into a gradient for every weight."),
)
if NEURON.format("w0") not in st.session_state:
    url_neuron = settings_from_url(Neuron, "neuron")
    set_neuron(url_neuron if len(url_neuron.inputs) == 3 else Neuron())
with tab_neuron:
    neuron = neuron_tab()
with tab_network:
    network = network_tab()
with tab_graph:
    graph_tab(neuron)
with tab_course:
    course_tab("backprop", dataclasses.asdict(neuron) if neuron is not None else {}, network)
