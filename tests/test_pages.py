"""Every page through streamlit's AppTest: renders without exception, and the main flows work."""

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = [
    "pages/home.py",
    "pages/backprop.py",
    "pages/cnn.py",
    "pages/architectures.py",
    "pages/forecast.py",
    "pages/sentiment.py",
]


def open_page(path: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    if path != "pages/home.py":
        at.switch_page(path)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_without_error(path):
    at = open_page(path)
    assert at.title and not at.error


def test_home_shows_device_and_links():
    at = open_page("pages/home.py")
    text = " ".join(m.value for m in at.markdown)
    assert "Training runs on" in text and "CPU" in text


def test_step_updates_the_weights_and_the_loss():
    at = open_page("pages/backprop.py")
    w1 = at.number_input(key="backprop.w0").value
    assert w1 == pytest.approx(0.2)
    at.button(key="backprop.step").click().run()
    # default gradient ∂L/∂w1 ≈ -0.1256, lr 0.01: w1 grows by ≈ 0.001256
    assert at.number_input(key="backprop.w0").value == pytest.approx(0.2 + 0.01 * 0.1256218542, abs=1e-9)
    assert any("Last step" in m.value for m in at.markdown)


def test_editing_a_weight_updates_every_value():
    at = open_page("pages/backprop.py")
    before = [latex.value for latex in at.latex]
    at.number_input(key="backprop.w1").set_value(-0.8).run()
    after = [latex.value for latex in at.latex]
    assert "-0.01" in before[0] and "0.31" in after[0]  # z = 0.1 + 0.16 - 0.05 + 0.1
    assert sum(a != b for a, b in zip(before, after)) >= 6


def test_run_n_steps_draws_the_trajectory():
    at = open_page("pages/backprop.py")
    at.number_input(key="backprop.nsteps").set_value(30)
    at.button(key="backprop.run_steps").click().run()
    assert not at.exception
    assert any("After 30 steps" in m.value for m in at.markdown)


def test_bad_hidden_layers_get_one_sentence():
    at = open_page("pages/backprop.py")
    at.text_input(key="backprop.hidden").input("8,eight").run()
    assert not at.exception
    assert at.error and "whole numbers" in at.error[0].value


def test_network_step_and_train_in_a_worker():
    at = open_page("pages/backprop.py")
    at.number_input(key="backprop.epochs").set_value(20).run()
    at.button(key="backprop.step_epoch").click().run()
    state = at.session_state["backprop.net"]
    assert len(state["rows"]) == 1
    at.button(key="backprop.train").click().run()
    job = at.session_state["backprop.net.job"]
    job.join(60)
    time.sleep(0.1)
    at.run()
    state = at.session_state["backprop.net"]
    assert state["job"] is None
    assert [r.epoch for r in state["rows"]] == list(range(1, 22))
    assert at.success and "Trained 20 epoch" in at.success[0].value


def test_settings_come_from_the_url():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["net.dataset"] = "spiral"
    at.query_params["net.hidden"] = "4,4,4"
    at.run()
    at.switch_page("pages/backprop.py")
    at.run()
    assert at.selectbox(key="backprop.dataset").value == "spiral"
    assert at.text_input(key="backprop.hidden").value == "4,4,4"


def trained_spiral_file() -> bytes:
    import dataclasses

    from playground.backprop.network import NetworkConfig, build, train
    from playground.models import model_bytes

    config = NetworkConfig(dataset="spiral", hidden=(6, 5), features=("x1", "x2", "sin_x1"), epochs=3, seed=4)
    model, data = build(config)
    train(model, data, config)
    meta = {"config": dataclasses.asdict(config), "features": list(data.features)}
    return model_bytes(model, meta)


def test_load_model_adopts_its_settings_and_weights():
    at = open_page("pages/backprop.py")
    at.file_uploader(key="backprop.upload").upload("spiral.pt", trained_spiral_file()).run()
    assert not at.exception and not at.error
    at.run()
    assert at.selectbox(key="backprop.dataset").value == "spiral"
    assert at.text_input(key="backprop.hidden").value == "6,5"
    assert at.multiselect(key="backprop.features").value == ["x1", "x2", "sin_x1"]
    model = at.session_state["backprop.net"]["model"]
    assert [m.out_features for m in model.linear_layers()] == [6, 5, 2]
    at.run()  # the file stays in the uploader: it is not loaded again
    assert at.session_state["backprop.net"]["model"] is model


def test_bad_model_file_gets_one_sentence_and_the_page_keeps_working():
    at = open_page("pages/backprop.py")
    at.file_uploader(key="backprop.upload").upload("junk.pt", b"not a model at all").run()
    assert not at.exception
    assert "not a readable PyTorch model file" in at.error[0].value
    at.button(key="backprop.step").click().run()
    assert not at.exception
    assert "not a readable PyTorch model file" in at.error[0].value
