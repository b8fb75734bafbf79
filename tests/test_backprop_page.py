"""The backprop page through AppTest: the neuron's numbers and steps, the 2-D network, its model files."""

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
