"""Backpropagation: one neuron number by number, a network learning 2-D data, the computation graph."""

import dataclasses

import pandas as pd
import streamlit as st

from pages.common import (
    download_model,
    figure_once,
    job_outcome,
    live_job,
    settings_from_url,
    settings_to_url,
    start_job,
    upload_model,
)
from playground.backprop import neuron as nrn
from playground.backprop import scalar
from playground.backprop.network import (
    GradNormRecorder,
    LiveView,
    NetworkConfig,
    build,
    decision_grid,
    train,
)
from playground.data.toy2d import DATASETS, FEATURES
from playground.errors import PlaygroundError
from playground.figures import history_figure
from playground.figures.backprop import boundary_figure, grad_norm_figure, graph_figure, trajectory_figure
from playground.models import summarize
from playground.models.mlp import ACTIVATIONS

st.title("Backpropagation")
st.caption(
    "How a network computes its output, and how the chain rule turns the error into a gradient for every weight."
)

tab_neuron, tab_network, tab_graph = st.tabs(["① One neuron", "② A network on 2-D data", "③ The computation graph"])

# ---------------------------------------------------------------------------------------------
# ① One neuron
# ---------------------------------------------------------------------------------------------
NEURON_KEYS = [f"backprop.x{i}" for i in range(3)] + [f"backprop.w{i}" for i in range(3)] + ["backprop.b"]


def _set_neuron(n: nrn.Neuron) -> None:
    for i in range(3):
        st.session_state[f"backprop.x{i}"] = float(n.inputs[i])
        st.session_state[f"backprop.w{i}"] = float(n.weights[i])
    st.session_state["backprop.b"] = float(n.bias)
    st.session_state["backprop.y"] = float(n.target)
    st.session_state["backprop.act"] = n.activation
    st.session_state["backprop.loss"] = n.loss
    st.session_state["backprop.lr"] = float(n.lr)


def _current_neuron() -> nrn.Neuron:
    s = st.session_state
    return nrn.Neuron(
        inputs=tuple(s[f"backprop.x{i}"] for i in range(3)),
        weights=tuple(s[f"backprop.w{i}"] for i in range(3)),
        bias=s["backprop.b"],
        target=s["backprop.y"],
        activation=s["backprop.act"],
        loss=s["backprop.loss"],
        lr=s["backprop.lr"],
    )


def _step_neuron() -> None:
    before = _current_neuron()
    _set_neuron(nrn.step(before))
    st.session_state["backprop.last_step"] = before


if "backprop.w0" not in st.session_state:
    url_neuron = settings_from_url(nrn.Neuron, "neuron")
    if len(url_neuron.inputs) != 3:
        url_neuron = nrn.Neuron()
    _set_neuron(url_neuron)

with tab_neuron:
    st.markdown(
        "A neuron multiplies each input by a weight, adds a bias, and passes the sum through an activation: "
        "$a = f(z)$ with $z = \\sum_i w_i x_i + b$. The loss says how far $a$ is from the target $y$."
    )
    cols = st.columns(4)
    for i in range(3):
        cols[i].number_input(f"x{i + 1}", key=f"backprop.x{i}", step=0.1, format="%.4f")
        cols[i].number_input(f"w{i + 1}", key=f"backprop.w{i}", step=0.1, format="%.4f")
    cols[3].number_input("bias b", key="backprop.b", step=0.1, format="%.4f")
    cols[3].number_input("target y", key="backprop.y", step=0.1, format="%.4f")
    cols = st.columns(3)
    cols[0].selectbox("activation f", list(nrn.ACTIVATIONS), key="backprop.act")
    cols[1].selectbox(
        "loss",
        list(nrn.LOSSES),
        key="backprop.loss",
        format_func={"mse": "mean squared error", "bce": "binary cross-entropy"}.get,
    )
    cols[2].number_input("learning rate", key="backprop.lr", min_value=0.0, step=0.01, format="%.4f")

    try:
        neuron = _current_neuron()
    except PlaygroundError as exc:
        st.error(str(exc))
        st.stop()
    settings_to_url(neuron, "neuron")
    fwd, bwd, check = nrn.forward(neuron), nrn.backward(neuron), nrn.check_gradients(neuron)
    f_tex, df_tex = nrn.ACTIVATIONS[neuron.activation][2:]
    L_tex, dL_tex = nrn.LOSSES[neuron.loss][2:]

    st.subheader("Forward pass")
    terms = " + ".join(f"({w:.4g})({x:.4g})" for w, x in zip(neuron.weights, neuron.inputs))
    products = " + ".join(f"({p:.4g})" for p in fwd.products)
    st.latex(
        rf"z = \sum_i w_i x_i + b = {terms} + ({neuron.bias:.4g}) = {products} + ({neuron.bias:.4g}) = {fwd.z:.6g}"
    )
    st.latex(rf"a = {f_tex} = f({fwd.z:.6g}) = {fwd.a:.6g}")
    st.latex(rf"L = {L_tex} = {fwd.loss:.6g}")
    if neuron.loss == "bce" and not 0 < fwd.a < 1:
        st.warning(
            "Binary cross-entropy needs 0 < a < 1: with this activation a is clipped as Keras does, "
            "so the gradient is zero here. Use sigmoid with this loss."
        )

    st.subheader("Backward pass, one chain-rule factor at a time")
    st.latex(rf"\frac{{\partial L}}{{\partial a}} = {dL_tex} = {bwd.dL_da:.6g}")
    st.latex(rf"\frac{{\partial a}}{{\partial z}} = {df_tex} = {bwd.da_dz:.6g}")
    st.latex(
        rf"\frac{{\partial L}}{{\partial z}} = \frac{{\partial L}}{{\partial a}}\cdot\frac{{\partial a}}{{\partial z}}"
        rf" = ({bwd.dL_da:.6g})({bwd.da_dz:.6g}) = {bwd.dL_dz:.6g}"
    )
    for i, (x, g) in enumerate(zip(bwd.dz_dw, bwd.dL_dw), start=1):
        st.latex(
            rf"\frac{{\partial L}}{{\partial w_{i}}} = \frac{{\partial L}}{{\partial z}}\cdot\frac{{\partial z}}{{\partial w_{i}}}"
            rf" = \frac{{\partial L}}{{\partial z}}\cdot x_{i} = ({bwd.dL_dz:.6g})({x:.4g}) = {g:.6g}"
        )
    st.latex(rf"\frac{{\partial L}}{{\partial b}} = \frac{{\partial L}}{{\partial z}}\cdot 1 = {bwd.dL_db:.6g}")

    st.subheader("The same gradients, three ways")
    names = [f"∂L/∂w{i + 1}" for i in range(3)] + ["∂L/∂b"]
    st.dataframe(
        pd.DataFrame(
            {
                "by hand (chain rule, NumPy)": check.hand,
                "torch.autograd": check.autograd,
                "finite differences": check.numerical,
            },
            index=names,
        ).style.format("{:.10f}"),
        width="content",
    )
    st.caption(
        f"Largest absolute difference between the three: {check.max_abs_diff:.2e}. Finite differences use "
        "(L(θ+h) − L(θ−h)) / 2h with h = 10⁻⁶, so they agree to about 10⁻¹⁰."
    )

    st.subheader("Gradient descent")
    st.latex(
        r"w_i \leftarrow w_i - \eta\,\frac{\partial L}{\partial w_i}, \qquad b \leftarrow b - \eta\,\frac{\partial L}{\partial b}"
    )
    cols = st.columns([1, 1, 2])
    cols[0].button("Step", key="backprop.step", on_click=_step_neuron, type="primary")
    cols[1].button(
        "Reset to the course's example", key="backprop.reset_neuron", on_click=_set_neuron, args=(nrn.Neuron(),)
    )
    last = st.session_state.get("backprop.last_step")
    if last is not None and last != neuron:
        st.write(
            f"Last step: w = {[round(w, 6) for w in last.weights]} → **{[round(w, 6) for w in neuron.weights]}**, "
            f"b = {last.bias:.6g} → **{neuron.bias:.6g}**, loss {nrn.forward(last).loss:.6g} → **{fwd.loss:.6g}**."
        )
    steps = cols[2].number_input("Run N steps", min_value=1, max_value=100_000, value=200, key="backprop.nsteps")
    if st.button(f"Run {steps} steps", key="backprop.run_steps"):
        traj = nrn.run_steps(neuron, int(steps))
        st.plotly_chart(trajectory_figure(traj.losses, traj.weights, traj.biases), key="backprop.trajectory")
        st.write(
            f"After {steps} steps the loss went from {traj.losses[0]:.6g} to {traj.losses[-1]:.6g}; "
            f"w = {[round(w, 6) for w in traj.final.weights]}, b = {traj.final.bias:.6g}."
        )

    with st.expander("The update rule in many tutorials: `weights += lr * dot(x, error * σ'(z))`"):
        rule = nrn.tutorial_rule(neuron)
        st.markdown(
            "With `error = y − a` this is gradient descent on **½(y − a)²**: its gradient is "
            "$-(y-a)\\,f'(z)\\,x_i$, so subtracting it adds `lr · x · error · f'(z)`. Mean squared error "
            "$(y-a)^2$ has twice that gradient, so the same learning rate takes a step twice as large; averaged "
            "over N samples, the mean divides the step by N again."
        )
        st.write(
            f"From the current neuron: tutorial rule → w = {[round(w, 6) for w in rule.tutorial_weights]}; "
            f"MSE step → w = {[round(w, 6) for w in rule.mse_weights]}; ratio of the steps = {rule.ratio:.4f}."
        )

# ---------------------------------------------------------------------------------------------
# ② A network on 2-D data
# ---------------------------------------------------------------------------------------------
NET = "backprop.net"
LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
REGULARISATION = [0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1]


def _structure(c: NetworkConfig) -> tuple:
    """Settings that change the data or the network: changing one starts afresh."""
    return (c.dataset, c.n_points, c.noise, c.test_ratio, c.features, c.hidden, c.activation, c.seed)


def _reset(config: NetworkConfig) -> None:
    old = st.session_state.get(NET)
    if old and old["job"] is not None:
        old["job"].stop()
    model, data = build(config)
    st.session_state[NET] = {
        "structure": _structure(config),
        "model": model,
        "data": data,
        "rows": [],
        "grad_norms": [],
        "job": None,
        "finished": None,
        "grid": decision_grid(model, data),
    }


def _absorb(state: dict) -> None:
    """Merge a finished job's epochs into the session's history."""
    job = state["job"]
    if job is None or not job.finished:
        return
    p = job.snapshot()
    offset = len(state["rows"])
    state["rows"] += [dataclasses.replace(r, epoch=r.epoch + offset) for r in p.rows]
    state["grad_norms"] += p.extras.get("grad_norms", [])
    if "grid" in p.extras:
        state["grid"] = p.extras["grid"]
    state["job"], state["finished"] = None, job


def _start(state: dict, config: NetworkConfig, epochs: int) -> None:
    model, data = state["model"], state["data"]

    def target(ctx):
        norms = GradNormRecorder()
        return train(model, data, config, epochs, [ctx, norms, LiveView(data, ctx.publish, norms)], ctx.stop)

    state["job"] = start_job(f"{NET}.job", "the network's training", target)


def _view(state: dict, rows, grid, grad_norms) -> None:
    data = state["data"]
    left, right = st.columns([1.1, 1])
    boundary = figure_once(  # redrawn every second while training: rebuilt only when the grid changes
        "backprop.boundary_figure",
        grid,
        lambda: boundary_figure(*grid, data.points_train, data.y_train.numpy(), data.points_test, data.y_test.numpy()),
    )
    left.plotly_chart(boundary, key="backprop.boundary")
    with right:
        if rows:
            last = rows[-1]
            st.markdown(
                f"Epoch **{last.epoch}** · train loss **{last.train_loss:.4f}** · test loss "
                f"**{last.val_loss:.4f}** · test accuracy **{last.val_metric:.1%}**"
            )
            curves = figure_once(
                "backprop.curves_figure", (len(rows), rows[-1]), lambda: history_figure(rows, "accuracy", "test", 260)
            )
            st.plotly_chart(curves, key="backprop.curves")
            norms = figure_once(
                "backprop.norms_figure",
                (len(grad_norms), tuple(grad_norms[-1:][0]) if grad_norms else ()),
                lambda: grad_norm_figure(grad_norms, 240),
            )
            st.plotly_chart(norms, key="backprop.gradnorms")
        else:
            st.info(
                "Press **Train** to watch the decision boundary form. The shading is the network's "
                "probability of class 1; circles are training points, crosses test points."
            )


def _adopt(model) -> None:
    state = st.session_state[NET]
    state.update(model=model, rows=[], grad_norms=[], finished=None, grid=decision_grid(model, state["data"]))
    st.success("Loaded the model and the settings it was trained with; its data set is regenerated from the seed.")


def _model_files(state: dict, config: NetworkConfig) -> None:
    """The network's summary table, and Download / Load model."""
    model, data = state["model"], state["data"]
    summary = summarize(model, data.X_train[:1])
    with st.expander(f"Network summary: {summary.total_params:,} parameters"):
        st.dataframe(
            pd.DataFrame(
                [(r.name, r.type, str(list(r.output_shape)), r.params) for r in summary.rows],
                columns=["layer", "type", "output shape", "parameters"],
            ),
            hide_index=True,
        )
    cols = st.columns(2)
    with cols[0]:
        meta = {
            "config": dataclasses.asdict(config),
            "features": list(data.features),
            "mean": data.mean.tolist(),
            "std": data.std.tolist(),
            "classes": ["0", "1"],
        }
        download_model(model, meta, f"mlp-{config.dataset}.pt", key="backprop.download")
    with cols[1]:
        uploaded = upload_model("backprop.upload", expected_arch="mlp")
    if uploaded is not None:
        model, meta = uploaded
        try:
            raw = dict(meta["config"])
            for key in ("features", "hidden"):
                raw[key] = tuple(raw[key])
            loaded_config = NetworkConfig(**raw)
        except (KeyError, TypeError):
            st.error("This model file does not say which data and settings it was trained with.")
            return
        if model.linear_layers()[0].in_features != len(loaded_config.features):
            st.error("This model file's settings do not match its network.")
            return
        st.session_state["backprop.loaded"] = {"config": loaded_config, "model": model}
        st.rerun()


POINT_COUNTS = [100, 200, 400, 800, 1600]
BATCH_SIZES = [1, 4, 8, 16, 32, 64, 128]
OPTIMIZERS = {"sgd": "SGD", "momentum": "SGD with momentum", "adam": "Adam"}


def _nearest(value, options):
    return min(options, key=lambda o: abs(o - value))


def _set_network_widgets(c: NetworkConfig) -> None:
    """Put ``c`` into the widgets' session keys (snapped to the values the widgets offer)."""
    s = st.session_state
    s["backprop.dataset"] = c.dataset if c.dataset in DATASETS else "circle"
    s["backprop.noise"] = round(min(max(c.noise, 0.0), 0.5) * 20) / 20
    s["backprop.test_ratio"] = round(min(max(c.test_ratio, 0.1), 0.9), 1)
    s["backprop.points"] = _nearest(c.n_points, POINT_COUNTS)
    s["backprop.features"] = [f for f in c.features if f in FEATURES] or ["x1", "x2"]
    s["backprop.hidden"] = ",".join(map(str, c.hidden))
    s["backprop.activation"] = c.activation if c.activation in ACTIVATIONS else "tanh"
    s["backprop.optimizer"] = c.optimizer if c.optimizer in OPTIMIZERS else "adam"
    s["backprop.net_lr"] = _nearest(c.lr, LEARNING_RATES)
    s["backprop.batch"] = _nearest(c.batch_size, BATCH_SIZES)
    s["backprop.l1"] = _nearest(c.l1, REGULARISATION)
    s["backprop.l2"] = _nearest(c.l2, REGULARISATION)
    s["backprop.epochs"] = int(min(max(c.epochs, 1), 5000))
    s["backprop.seed"] = int(min(max(c.seed, 0), 2**31 - 1))


with tab_network:
    if "backprop.dataset" not in st.session_state:
        _set_network_widgets(settings_from_url(NetworkConfig, "net"))
    loaded = st.session_state.pop("backprop.loaded", None)
    if loaded is not None:  # a model file was loaded on the previous run: adopt its settings
        _set_network_widgets(loaded["config"])
    cols = st.columns(4)
    dataset = cols[0].selectbox("data set", DATASETS, key="backprop.dataset")
    noise = cols[1].slider("noise", 0.0, 0.5, step=0.05, key="backprop.noise")
    test_ratio = cols[2].slider("test share", 0.1, 0.9, step=0.1, key="backprop.test_ratio")
    n_points = cols[3].select_slider("points", POINT_COUNTS, key="backprop.points")
    features = st.multiselect(
        "input features", list(FEATURES), format_func=lambda f: FEATURES[f][0], key="backprop.features"
    )
    cols = st.columns(4)
    hidden_text = cols[0].text_input(
        "neurons per hidden layer",
        key="backprop.hidden",
        help="Comma-separated, e.g. 8,8 for two hidden layers of 8; empty for none.",
    )
    activation = cols[1].selectbox("activation", list(ACTIVATIONS), key="backprop.activation")
    optimizer = cols[2].selectbox("optimiser", list(OPTIMIZERS), format_func=OPTIMIZERS.get, key="backprop.optimizer")
    lr = cols[3].select_slider("learning rate", LEARNING_RATES, key="backprop.net_lr")
    cols = st.columns(5)
    batch_size = cols[0].select_slider("batch size", BATCH_SIZES, key="backprop.batch")
    l1 = cols[1].select_slider("L1", REGULARISATION, key="backprop.l1")
    l2 = cols[2].select_slider("L2", REGULARISATION, key="backprop.l2")
    epochs = cols[3].number_input("epochs per Train", 1, 5000, key="backprop.epochs")
    seed = cols[4].number_input("seed", 0, 2**31 - 1, key="backprop.seed")

    try:
        hidden = tuple(int(h) for h in hidden_text.replace(" ", "").split(",") if h)
        config = NetworkConfig(
            dataset=dataset,
            n_points=int(n_points),
            noise=float(noise),
            test_ratio=float(test_ratio),
            features=tuple(features),
            hidden=hidden,
            activation=activation,
            optimizer=optimizer,
            lr=float(lr),
            batch_size=int(batch_size),
            l1=float(l1),
            l2=float(l2),
            epochs=int(epochs),
            seed=int(seed),
        )
        settings_to_url(config, "net")
        if NET not in st.session_state or st.session_state[NET]["structure"] != _structure(config):
            _reset(config)
        if loaded is not None:
            _adopt(loaded["model"])
    except ValueError:
        st.error("Write the hidden layers as whole numbers separated by commas, e.g. 8,8.")
        st.stop()
    except PlaygroundError as exc:
        st.error(str(exc))
        st.stop()

    state = st.session_state[NET]
    _absorb(state)
    running = state["job"] is not None
    cols = st.columns(4)
    if cols[0].button("Train", icon=":material/play_arrow:", key="backprop.train", type="primary", disabled=running):
        _start(state, config, int(epochs))
        running = state["job"] is not None
    if cols[1].button("Pause", icon=":material/pause:", key="backprop.pause", disabled=not running):
        state["job"].stop()
    if cols[2].button("Step one epoch", key="backprop.step_epoch", disabled=running):
        norms = GradNormRecorder()
        try:
            history = train(state["model"], state["data"], config, 1, [norms])
        except PlaygroundError as exc:
            st.error(str(exc))
        else:
            offset = len(state["rows"])
            state["rows"] += [dataclasses.replace(r, epoch=r.epoch + offset) for r in history.epochs]
            state["grad_norms"] += norms.per_epoch
            state["grid"] = decision_grid(state["model"], state["data"])
            state["finished"] = None
    if cols[3].button("Reset", icon=":material/restart_alt:", key="backprop.reset_net", disabled=running):
        _reset(config)
        state = st.session_state[NET]
    st.caption(
        "Features are standardised with the training part's mean and standard deviation. The test curve "
        "is computed on points the network never trains on."
    )

    if state["job"] is not None:

        def render(p):
            offset = len(state["rows"])
            rows = state["rows"] + [dataclasses.replace(r, epoch=r.epoch + offset) for r in p.rows]
            _view(
                state, rows, p.extras.get("grid", state["grid"]), state["grad_norms"] + p.extras.get("grad_norms", [])
            )

        st.session_state[f"{NET}.job"] = state["job"]
        live_job(f"{NET}.job", render)
    else:
        if state["finished"] is not None:
            job_outcome(state["finished"])
        _view(state, state["rows"], state["grid"], state["grad_norms"])
        _model_files(state, config)

# ---------------------------------------------------------------------------------------------
# ③ The computation graph
# ---------------------------------------------------------------------------------------------
with tab_graph:
    st.markdown(
        "Every number in a forward pass is a node; backpropagation walks the graph from the loss back to "
        "the inputs, multiplying local derivatives (the chain rule) and adding them where paths meet. "
        "These graphs come from a tiny scalar autograd engine in `playground/backprop/scalar.py`, "
        "whose gradients the tests check against PyTorch's."
    )
    show_grad = st.toggle("after backward: show each node's gradient ∂L/∂node", value=True, key="backprop.show_grad")
    st.subheader("A small expression: L = tanh(a·b + c)")
    cols = st.columns(3)
    a = cols[0].number_input("a", value=2.0, step=0.5, key="backprop.ga")
    b = cols[1].number_input("b", value=-3.0, step=0.5, key="backprop.gb")
    c = cols[2].number_input("c", value=6.5, step=0.5, key="backprop.gc")
    va, vb, vc = scalar.Value(a, "a"), scalar.Value(b, "b"), scalar.Value(c, "c")
    e = va * vb
    e.label = "e = a·b"
    d = e + vc
    d.label = "d = e + c"
    out = d.tanh()
    out.label = "L = tanh d"
    if show_grad:
        out.backward()
    st.plotly_chart(graph_figure(*scalar.graph_of(out), show_grad=show_grad), key="backprop.graph_expr")
    if show_grad:
        st.caption(
            f"∂L/∂d = 1 − tanh²d = {d.grad:.4g}; ∂L/∂a = ∂L/∂d · b = {va.grad:.4g}; "
            f"∂L/∂b = ∂L/∂d · a = {vb.grad:.4g}; ∂L/∂c = ∂L/∂d = {vc.grad:.4g}."
        )

    st.subheader("The neuron from tab ①")
    try:
        root = scalar.neuron_expression(
            neuron.inputs, neuron.weights, neuron.bias, neuron.target, neuron.activation, neuron.loss
        )
    except PlaygroundError as exc:
        st.info(str(exc))
    else:
        if show_grad:
            root.backward()
        st.plotly_chart(graph_figure(*scalar.graph_of(root), show_grad=show_grad), key="backprop.graph_neuron")
        st.caption("The gradients at w₁, w₂, w₃ and b are the ones derived by hand in tab ①.")
