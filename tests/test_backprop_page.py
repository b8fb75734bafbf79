"""The backprop page through AppTest: the neuron's numbers and steps, the 2-D network, its model files."""

import numpy as np
import pytest

from playground.backprop.network import NetworkConfig, build, model_meta, train
from playground.models import model_bytes


def test_step_updates_the_weights_and_the_loss(open_page):
    at = open_page("backprop")
    w1 = at.number_input(key="backprop.w0").value
    assert w1 == pytest.approx(0.2)
    at.button(key="backprop.step").click().run()
    # default gradient ∂L/∂w1 ≈ -0.1256, lr 0.01: w1 grows by ≈ 0.001256
    assert at.number_input(key="backprop.w0").value == pytest.approx(0.2 + 0.01 * 0.1256218542, abs=1e-9)
    assert any("Last step" in m.value for m in at.markdown)


def test_editing_a_weight_updates_every_value(open_page):
    at = open_page("backprop")
    before = [latex.value for latex in at.latex]
    at.number_input(key="backprop.w1").set_value(-0.8).run()
    after = [latex.value for latex in at.latex]
    assert "-0.01" in before[0] and "0.31" in after[0]  # z = 0.1 + 0.16 - 0.05 + 0.1
    assert sum(a != b for a, b in zip(before, after)) >= 6


def test_run_n_steps_draws_the_trajectory(open_page):
    at = open_page("backprop")
    at.number_input(key="backprop.nsteps").set_value(30)
    at.button(key="backprop.run_steps").click().run()
    assert not at.exception
    assert any("After 30 steps" in m.value for m in at.markdown)


def test_bad_hidden_layers_get_one_sentence(open_page):
    at = open_page("backprop")
    at.text_input(key="backprop.hidden").input("8,eight").run()
    assert not at.exception
    assert at.error and "whole numbers" in at.error[0].value


def test_network_step_then_train_continues_the_epochs(open_page):
    at = open_page("backprop")
    at.number_input(key="backprop.epochs").set_value(20).run()
    at.button(key="backprop.step_epoch").click().run()
    assert len(at.session_state["backprop.net"].rows) == 1
    at.button(key="backprop.net.job.start").click().run()
    assert not at.exception  # the click's run draws the live view once, not the page's view beside it
    at.session_state["backprop.net.job"].join(60)
    at.run()
    assert [r.epoch for r in at.session_state["backprop.net"].rows] == list(range(1, 22))
    assert at.success and "Trained 20 epoch" in at.success[0].value
    assert any("Epoch **21**" in m.value for m in at.markdown)


def test_settings_come_from_the_url(open_page):
    at = open_page("backprop", {"net.dataset": "spiral", "net.hidden": "4,4,4"})
    assert at.selectbox(key="backprop.dataset").value == "spiral"
    assert at.text_input(key="backprop.hidden").value == "4,4,4"


def trained_spiral_file() -> bytes:
    config = NetworkConfig(dataset="spiral", hidden=(6, 5), features=("x1", "x2", "sin_x1"), epochs=3, seed=4)
    model, data = build(config)
    train(model, data, config)
    return model_bytes(model, model_meta(config, data))


def test_load_model_adopts_its_settings_and_weights(open_page):
    at = open_page("backprop")
    at.file_uploader(key="backprop.upload").upload("spiral.pt", trained_spiral_file()).run()
    assert not at.exception and not at.error
    at.run()
    assert at.selectbox(key="backprop.dataset").value == "spiral"
    assert at.text_input(key="backprop.hidden").value == "6,5"
    assert at.multiselect(key="backprop.features").value == ["x1", "x2", "sin_x1"]
    model = at.session_state["backprop.net"].model
    assert [m.out_features for m in model.linear_layers()] == [6, 5, 2]
    at.run()  # the file stays in the uploader: it is not loaded again
    assert at.session_state["backprop.net"].model is model


def test_bad_model_file_gets_one_sentence_and_the_page_keeps_working(open_page):
    at = open_page("backprop")
    at.file_uploader(key="backprop.upload").upload("junk.pt", b"not a model at all").run()
    assert not at.exception
    assert "not a readable PyTorch model file" in at.error[0].value
    at.button(key="backprop.step").click().run()
    assert not at.exception
    assert "not a readable PyTorch model file" in at.error[0].value


def test_run_n_steps_leaves_the_neuron_at_its_last_step(open_page):
    from playground.backprop.neuron import Neuron, forward, run_steps

    at = open_page("backprop")
    at.number_input(key="backprop.nsteps").set_value(50)
    at.button(key="backprop.run_steps").click().run()
    end = run_steps(Neuron(), 50, "loss").final
    weights = [at.number_input(key=f"backprop.w{i}").value for i in range(3)]
    assert weights == pytest.approx(list(end.weights), abs=1e-12) and weights[0] != pytest.approx(0.2)
    assert at.number_input(key="backprop.b").value == pytest.approx(end.bias, abs=1e-12)
    assert f"{forward(end).z:.6g}" in at.latex[0].value  # the forward pass is the new neuron's
    assert any("After 50 steps" in m.value for m in at.markdown) and at.get("plotly_chart")
    at.button(key="backprop.run_steps").click().run()  # the next 50 start where these ended
    assert at.number_input(key="backprop.w0").value == pytest.approx(run_steps(end, 50, "loss").final.weights[0])
    at.number_input(key="backprop.w1").set_value(0.5).run()  # new numbers: the old trajectory is gone
    assert not any("After 50 steps" in m.value for m in at.markdown)


def test_the_equations_break_into_lines_and_scroll_sideways(open_page):
    from pages.tabs.neuron import EQUATIONS

    at = open_page("backprop")
    at.button(key="backprop.step").click().run()
    forward_sum = at.latex[0].value.strip("$\n")
    assert forward_sum.startswith(r"\begin{aligned}") and forward_sum.count(r"\\") == 3  # four lines
    styles = [h.proto.body for h in at.get("html")]
    assert any(f".st-key-{EQUATIONS} .katex-display" in s and "overflow-x: auto" in s for s in styles)
    assert any(c.proto.id.endswith(EQUATIONS) for c in at.get("flex_container") + at.get("vertical_block"))


def test_the_gradient_norm_chart_keeps_its_legend_off_the_axes_and_few_labels():
    from playground.figures.backprop import grad_norm_figure

    norms = [[10.0 ** -(e / 40), 0.003 * (1 + e), 0.5] for e in range(300)]  # three layers over 300 epochs
    layout = grad_norm_figure(norms, 280).layout
    legend = layout.legend
    assert legend.orientation == "h" and legend.yanchor == "bottom" and legend.y >= 1  # above the plot
    assert legend.title.text == "gradient norm per layer" and not layout.title.text
    ticks = list(layout.yaxis.tickvals)
    assert 2 <= len(ticks) <= 5
    assert all(abs(np.log10(t) - round(np.log10(t))) < 1e-9 for t in ticks)  # powers of ten only
    assert ticks[0] <= min(min(r) for r in norms) and ticks[-1] >= max(max(r) for r in norms)
    assert layout.xaxis.nticks <= 6 and layout.xaxis.automargin and layout.yaxis.automargin


def test_the_computation_graph_text_is_large_enough_to_read():
    from playground.backprop import scalar
    from playground.figures.backprop import graph_figure

    nodes, edges = scalar.graph_of(scalar.example_expression(2.0, -3.0, 6.5))
    (trace,) = graph_figure(nodes, edges).data
    assert trace.textfont.size >= 14 and trace.marker.size >= 5.5 * trace.textfont.size  # three lines inside
