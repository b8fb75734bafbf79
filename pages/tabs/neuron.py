"""Backpropagation's first tab: one neuron, its forward and backward pass number by number, then gradient descent."""

import math

import pandas as pd
import streamlit as st

from pages.common import radio
from pages.links import settings_to_url
from playground.backprop.neuron import (
    ACTIVATIONS,
    LOSSES,
    Neuron,
    backward,
    check_gradients,
    compare_rules,
    forward,
    run_steps,
    step,
    tutorial_rule,
)
from playground.errors import PlaygroundError
from playground.figures.backprop import trajectory_figure
from playground.i18n import _, ngettext

NEURON = "backprop.{}"  # the widget keys of the neuron's numbers: x0…x2, w0…w2, b, y, act, loss, lr
RULE = "backprop.rule"  # which update rule Step and Run N steps apply (playground.backprop.neuron.UPDATE_RULES)
STEPS_RUN = "backprop.steps_run"  # (steps, trajectory) of the last "Run N steps", shown while the neuron is its end
EQUATIONS = "backprop-equations"  # the key of the equations' container, whose long lines scroll sideways
SCROLLING_EQUATIONS = (
    f"<style>.st-key-{EQUATIONS} .katex-display {{overflow-x: auto; overflow-y: hidden; padding: 0.2em 0}}</style>"
)


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


def chosen_rule() -> str:
    return st.session_state.get(RULE, "loss")


def step_neuron() -> None:
    before = current_neuron()
    set_neuron(step(before, chosen_rule()))
    st.session_state["backprop.last_step"] = before
    st.session_state.pop(STEPS_RUN, None)


def run_neuron_steps() -> None:
    """Run N steps from the current neuron and make their end the current neuron, as Step does for one."""
    steps = int(st.session_state["backprop.nsteps"])
    trajectory = run_steps(current_neuron(), steps, chosen_rule())
    set_neuron(trajectory.final)
    st.session_state[STEPS_RUN] = (steps, trajectory)
    st.session_state.pop("backprop.last_step", None)


def rule_names(neuron: Neuron) -> dict[str, str]:
    """What each update rule is called, for the radio and the table."""
    loss_rule = _("MSE gradient (what the text names)") if neuron.loss == "mse" else _("binary cross-entropy gradient")
    return {"loss": loss_rule, "course": _("the course's code: ½(y−a)²")}


def both_rules(neuron: Neuron) -> None:
    """The next weights, bias and loss by each rule, side by side."""
    comparison = compare_rules(neuron)
    names = rule_names(neuron)
    rows = [f"w{i + 1}" for i in range(len(neuron.weights))] + ["b", _("loss")]
    table = {
        names[rule]: [*after.weights, after.bias, comparison.loss_after[rule]]
        for rule, after in comparison.after.items()
    }
    st.dataframe(
        pd.DataFrame(
            {_("now"): [*neuron.weights, neuron.bias, comparison.loss_before]} | table, index=rows
        ).style.format("{:.6f}"),
        width="content",
    )
    if math.isfinite(comparison.ratio):
        st.caption(
            _(
                "One step from the current numbers by each rule; the loss is the chosen one. The course's code "
                "descends ½(y − a)², so a step by “{rule}” is {ratio:.4g} times as large as the course's."
            ).format(rule=names["loss"], ratio=comparison.ratio)
        )
    else:  # f'(z) = 0 (ReLU below zero): neither rule moves
        st.caption(_("One step from the current numbers by each rule; the loss is the chosen one."))


def neuron_inputs() -> None:
    cols = st.columns(4)
    for i in range(3):
        cols[i].number_input(f"x{i + 1}", key=NEURON.format(f"x{i}"), step=0.1, format="%.4f")
        cols[i].number_input(f"w{i + 1}", key=NEURON.format(f"w{i}"), step=0.1, format="%.4f")
    cols[3].number_input(_("bias b"), key=NEURON.format("b"), step=0.1, format="%.4f")
    cols[3].number_input(_("target y"), key=NEURON.format("y"), step=0.1, format="%.4f")
    cols = st.columns(3)
    cols[0].selectbox(_("activation f"), list(ACTIVATIONS), key=NEURON.format("act"))
    losses = {"mse": _("mean squared error"), "bce": _("binary cross-entropy")}
    cols[1].selectbox(_("loss"), list(LOSSES), key=NEURON.format("loss"), format_func=losses.get)
    cols[2].number_input(_("learning rate"), key=NEURON.format("lr"), min_value=0.0, step=0.01, format="%.4f")


def forward_pass(neuron: Neuron, fwd) -> None:
    st.subheader(_("Forward pass"))
    terms = " + ".join(f"({w:.4g})({x:.4g})" for w, x in zip(neuron.weights, neuron.inputs, strict=True))
    products = " + ".join(f"({p:.4g})" for p in fwd.products)
    b = f"({neuron.bias:.4g})"
    # one step per line, so the sum fits a phone; a line still too wide scrolls (SCROLLING_EQUATIONS)
    lines = [r"z &= \sum_i w_i x_i + b", f"&= {terms} + {b}", f"&= {products} + {b}", f"&= {fwd.z:.6g}"]
    st.latex(r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}")
    st.latex(rf"a = {ACTIVATIONS[neuron.activation][2]} = f({fwd.z:.6g}) = {fwd.a:.6g}")
    st.latex(rf"L = {LOSSES[neuron.loss][2]} = {fwd.loss:.6g}")
    if neuron.loss == "bce" and not 0 < fwd.a < 1:
        st.warning(
            _(
                "Binary cross-entropy needs 0 < a < 1: with this activation a is clipped as Keras does, "
                "so the gradient is zero here. Use sigmoid with this loss."
            )
        )


def backward_pass(neuron: Neuron, bwd) -> None:
    st.subheader(_("Backward pass, one chain-rule factor at a time"))
    d = lambda top, bottom: rf"\frac{{\partial {top}}}{{\partial {bottom}}}"  # noqa: E731
    st.latex(rf"{d('L', 'a')} = {LOSSES[neuron.loss][3]} = {bwd.dL_da:.6g}")
    st.latex(rf"{d('a', 'z')} = {ACTIVATIONS[neuron.activation][3]} = {bwd.da_dz:.6g}")
    st.latex(rf"{d('L', 'z')} = {d('L', 'a')}\cdot{d('a', 'z')} = ({bwd.dL_da:.6g})({bwd.da_dz:.6g}) = {bwd.dL_dz:.6g}")
    for i, (x, g) in enumerate(zip(bwd.dz_dw, bwd.dL_dw, strict=True), start=1):
        chain = rf"{d('L', 'z')}\cdot{d('z', f'w_{i}')} = {d('L', 'z')}\cdot x_{i}"
        st.latex(rf"{d('L', f'w_{i}')} = {chain} = ({bwd.dL_dz:.6g})({x:.4g}) = {g:.6g}")
    st.latex(rf"{d('L', 'b')} = {d('L', 'z')}\cdot 1 = {bwd.dL_db:.6g}")


def three_ways(check) -> None:
    st.subheader(_("The same gradients, three ways"))
    st.dataframe(
        pd.DataFrame(
            {
                _("by hand (chain rule, NumPy)"): check.hand,
                "torch.autograd": check.autograd,
                _("finite differences"): check.numerical,
            },
            index=[f"∂L/∂w{i + 1}" for i in range(3)] + ["∂L/∂b"],
        ).style.format("{:.10f}"),
        width="content",
    )
    st.caption(
        _(
            "Largest absolute difference between the three: {difference:.2e}. Finite differences use "
            "(L(θ+h) − L(θ−h)) / 2h with h = 10⁻⁶, so they agree to about 10⁻¹⁰."
        ).format(difference=check.max_abs_diff)
    )


def rounded(values) -> list[float]:
    return [round(v, 6) for v in values]


def descent(neuron: Neuron, loss: float) -> None:
    st.subheader(_("Gradient descent"))
    st.latex(
        r"w_i \leftarrow w_i - \eta\,\frac{\partial L}{\partial w_i}, \qquad b \leftarrow b - \eta\,\frac{\partial L}{\partial b}"
    )
    radio(_("update rule"), rule_names(neuron), RULE)
    both_rules(neuron)
    cols = st.columns([1, 1, 2])
    cols[0].button(_("Step"), key="backprop.step", on_click=step_neuron, type="primary")
    cols[1].button(
        _("Reset to the course's example"), key="backprop.reset_neuron", on_click=set_neuron, args=(Neuron(),)
    )
    last = st.session_state.get("backprop.last_step")
    if last is not None and last != neuron:
        st.write(
            _(
                "Last step: w = {weights_before} → **{weights}**, b = {bias_before:.6g} → **{bias:.6g}**, "
                "loss {loss_before:.6g} → **{loss:.6g}**."
            ).format(
                weights_before=rounded(last.weights),
                weights=rounded(neuron.weights),
                bias_before=last.bias,
                bias=neuron.bias,
                loss_before=forward(last).loss,
                loss=loss,
            )
        )
    steps = cols[2].number_input(_("Run N steps"), min_value=1, max_value=100_000, value=200, key="backprop.nsteps")
    label = ngettext("Run {n} step", "Run {n} steps", steps).format(n=steps)
    st.button(label, key="backprop.run_steps", on_click=run_neuron_steps)
    steps_run = st.session_state.get(STEPS_RUN)
    if steps_run is not None and steps_run[1].final == neuron:  # until the numbers change
        steps, traj = steps_run
        st.plotly_chart(trajectory_figure(traj.losses, traj.weights, traj.biases), key="backprop.trajectory")
        after = ngettext(
            "After {n} step the loss went from {start:.6g} to {end:.6g}; w = {weights}, b = {bias:.6g}.",
            "After {n} steps the loss went from {start:.6g} to {end:.6g}; w = {weights}, b = {bias:.6g}.",
            steps,
        )
        st.write(
            after.format(
                n=steps,
                start=traj.losses[0],
                end=traj.losses[-1],
                weights=rounded(traj.final.weights),
                bias=traj.final.bias,
            )
        )
    with st.expander(_("The update rule in many tutorials: `weights += lr * dot(x, error * σ'(z))`")):
        rule = tutorial_rule(neuron)
        st.markdown(
            _(
                "With `error = y − a` this is gradient descent on **½(y − a)²**: its gradient is "
                "$-(y-a)\\,f'(z)\\,x_i$, so subtracting it adds `lr · x · error · f'(z)`. Mean squared error "
                "$(y-a)^2$ has twice that gradient, so the same learning rate takes a step twice as large; "
                "averaged over N samples, the mean divides the step by N again."
            )
        )
        st.write(
            _(
                "From the current neuron: tutorial rule → w = {tutorial}; MSE step → w = {mse}; "
                "ratio of the steps = {ratio:.4f}."
            ).format(tutorial=rounded(rule.tutorial_weights), mse=rounded(rule.mse_weights), ratio=rule.ratio)
        )


def neuron_tab() -> Neuron | None:
    st.markdown(
        _(
            "A neuron multiplies each input by a weight, adds a bias, and passes the sum through an activation: "
            "$a = f(z)$ with $z = \\sum_i w_i x_i + b$. The loss says how far $a$ is from the target $y$."
        )
    )
    neuron_inputs()
    try:
        neuron = current_neuron()
    except PlaygroundError as exc:
        st.error(str(exc))
        return None
    settings_to_url(neuron, "neuron")
    fwd = forward(neuron)
    st.html(SCROLLING_EQUATIONS)
    with st.container(key=EQUATIONS):
        forward_pass(neuron, fwd)
        backward_pass(neuron, backward(neuron))
    three_ways(check_gradients(neuron))
    descent(neuron, fwd.loss)
    return neuron
