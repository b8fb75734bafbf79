"""Backpropagation's first tab: one neuron, its forward and backward pass number by number, then gradient descent."""

import pandas as pd
import streamlit as st

from pages.links import settings_to_url
from playground.backprop.neuron import (
    ACTIVATIONS,
    LOSSES,
    Neuron,
    backward,
    check_gradients,
    forward,
    run_steps,
    step,
    tutorial_rule,
)
from playground.errors import PlaygroundError
from playground.figures.backprop import trajectory_figure

NEURON = "backprop.{}"  # the widget keys of the neuron's numbers: x0…x2, w0…w2, b, y, act, loss, lr


def neuron_widgets(n: Neuron) -> dict:
    numbers = {f"x{i}": x for i, x in enumerate(n.inputs)} | {f"w{i}": w for i, w in enumerate(n.weights)}
    return numbers | {"b": n.bias, "y": n.target, "act": n.activation, "loss": n.loss, "lr": n.lr}


def set_neuron(n: Neuron) -> None:
    for name, value in neuron_widgets(n).items():
        st.session_state[NEURON.format(name)] = float(value) if isinstance(value, (int, float)) else value


def current_neuron() -> Neuron:
    value = lambda name: st.session_state[NEURON.format(name)]  # noqa: E731
    return Neuron(
        inputs=tuple(value(f"x{i}") for i in range(3)),
        weights=tuple(value(f"w{i}") for i in range(3)),
        bias=value("b"),
        target=value("y"),
        activation=value("act"),
        loss=value("loss"),
        lr=value("lr"),
    )


def step_neuron() -> None:
    before = current_neuron()
    set_neuron(step(before))
    st.session_state["backprop.last_step"] = before


def neuron_inputs() -> None:
    cols = st.columns(4)
    for i in range(3):
        cols[i].number_input(f"x{i + 1}", key=NEURON.format(f"x{i}"), step=0.1, format="%.4f")
        cols[i].number_input(f"w{i + 1}", key=NEURON.format(f"w{i}"), step=0.1, format="%.4f")
    cols[3].number_input("bias b", key=NEURON.format("b"), step=0.1, format="%.4f")
    cols[3].number_input("target y", key=NEURON.format("y"), step=0.1, format="%.4f")
    cols = st.columns(3)
    cols[0].selectbox("activation f", list(ACTIVATIONS), key=NEURON.format("act"))
    losses = {"mse": "mean squared error", "bce": "binary cross-entropy"}
    cols[1].selectbox("loss", list(LOSSES), key=NEURON.format("loss"), format_func=losses.get)
    cols[2].number_input("learning rate", key=NEURON.format("lr"), min_value=0.0, step=0.01, format="%.4f")


def forward_pass(neuron: Neuron, fwd) -> None:
    st.subheader("Forward pass")
    terms = " + ".join(f"({w:.4g})({x:.4g})" for w, x in zip(neuron.weights, neuron.inputs, strict=True))
    products = " + ".join(f"({p:.4g})" for p in fwd.products)
    b = f"({neuron.bias:.4g})"
    st.latex(rf"z = \sum_i w_i x_i + b = {terms} + {b} = {products} + {b} = {fwd.z:.6g}")
    st.latex(rf"a = {ACTIVATIONS[neuron.activation][2]} = f({fwd.z:.6g}) = {fwd.a:.6g}")
    st.latex(rf"L = {LOSSES[neuron.loss][2]} = {fwd.loss:.6g}")
    if neuron.loss == "bce" and not 0 < fwd.a < 1:
        st.warning(
            "Binary cross-entropy needs 0 < a < 1: with this activation a is clipped as Keras does, "
            "so the gradient is zero here. Use sigmoid with this loss."
        )


def backward_pass(neuron: Neuron, bwd) -> None:
    st.subheader("Backward pass, one chain-rule factor at a time")
    d = lambda top, bottom: rf"\frac{{\partial {top}}}{{\partial {bottom}}}"  # noqa: E731
    st.latex(rf"{d('L', 'a')} = {LOSSES[neuron.loss][3]} = {bwd.dL_da:.6g}")
    st.latex(rf"{d('a', 'z')} = {ACTIVATIONS[neuron.activation][3]} = {bwd.da_dz:.6g}")
    st.latex(rf"{d('L', 'z')} = {d('L', 'a')}\cdot{d('a', 'z')} = ({bwd.dL_da:.6g})({bwd.da_dz:.6g}) = {bwd.dL_dz:.6g}")
    for i, (x, g) in enumerate(zip(bwd.dz_dw, bwd.dL_dw, strict=True), start=1):
        chain = rf"{d('L', 'z')}\cdot{d('z', f'w_{i}')} = {d('L', 'z')}\cdot x_{i}"
        st.latex(rf"{d('L', f'w_{i}')} = {chain} = ({bwd.dL_dz:.6g})({x:.4g}) = {g:.6g}")
    st.latex(rf"{d('L', 'b')} = {d('L', 'z')}\cdot 1 = {bwd.dL_db:.6g}")


def three_ways(check) -> None:
    st.subheader("The same gradients, three ways")
    st.dataframe(
        pd.DataFrame(
            {
                "by hand (chain rule, NumPy)": check.hand,
                "torch.autograd": check.autograd,
                "finite differences": check.numerical,
            },
            index=[f"∂L/∂w{i + 1}" for i in range(3)] + ["∂L/∂b"],
        ).style.format("{:.10f}"),
        width="content",
    )
    st.caption(
        f"Largest absolute difference between the three: {check.max_abs_diff:.2e}. Finite differences use "
        "(L(θ+h) − L(θ−h)) / 2h with h = 10⁻⁶, so they agree to about 10⁻¹⁰."
    )


def rounded(values) -> list[float]:
    return [round(v, 6) for v in values]


def descent(neuron: Neuron, loss: float) -> None:
    st.subheader("Gradient descent")
    st.latex(
        r"w_i \leftarrow w_i - \eta\,\frac{\partial L}{\partial w_i}, \qquad b \leftarrow b - \eta\,\frac{\partial L}{\partial b}"
    )
    cols = st.columns([1, 1, 2])
    cols[0].button("Step", key="backprop.step", on_click=step_neuron, type="primary")
    cols[1].button("Reset to the course's example", key="backprop.reset_neuron", on_click=set_neuron, args=(Neuron(),))
    last = st.session_state.get("backprop.last_step")
    if last is not None and last != neuron:
        st.write(
            f"Last step: w = {rounded(last.weights)} → **{rounded(neuron.weights)}**, b = {last.bias:.6g} → "
            f"**{neuron.bias:.6g}**, loss {forward(last).loss:.6g} → **{loss:.6g}**."
        )
    steps = cols[2].number_input("Run N steps", min_value=1, max_value=100_000, value=200, key="backprop.nsteps")
    if st.button(f"Run {steps} steps", key="backprop.run_steps"):
        traj = run_steps(neuron, int(steps))
        st.plotly_chart(trajectory_figure(traj.losses, traj.weights, traj.biases), key="backprop.trajectory")
        st.write(
            f"After {steps} steps the loss went from {traj.losses[0]:.6g} to {traj.losses[-1]:.6g}; "
            f"w = {rounded(traj.final.weights)}, b = {traj.final.bias:.6g}."
        )
    with st.expander("The update rule in many tutorials: `weights += lr * dot(x, error * σ'(z))`"):
        rule = tutorial_rule(neuron)
        st.markdown(
            "With `error = y − a` this is gradient descent on **½(y − a)²**: its gradient is "
            "$-(y-a)\\,f'(z)\\,x_i$, so subtracting it adds `lr · x · error · f'(z)`. Mean squared error "
            "$(y-a)^2$ has twice that gradient, so the same learning rate takes a step twice as large; averaged "
            "over N samples, the mean divides the step by N again."
        )
        st.write(
            f"From the current neuron: tutorial rule → w = {rounded(rule.tutorial_weights)}; "
            f"MSE step → w = {rounded(rule.mse_weights)}; ratio of the steps = {rule.ratio:.4f}."
        )


def neuron_tab() -> Neuron | None:
    st.markdown(
        "A neuron multiplies each input by a weight, adds a bias, and passes the sum through an activation: "
        "$a = f(z)$ with $z = \\sum_i w_i x_i + b$. The loss says how far $a$ is from the target $y$."
    )
    neuron_inputs()
    try:
        neuron = current_neuron()
    except PlaygroundError as exc:
        st.error(str(exc))
        return None
    settings_to_url(neuron, "neuron")
    fwd = forward(neuron)
    forward_pass(neuron, fwd)
    backward_pass(neuron, backward(neuron))
    three_ways(check_gradients(neuron))
    descent(neuron, fwd.loss)
    return neuron
