"""A new image model is one decorated function: the CNN page trains it, the architectures page compares it,
and the CLI trains it, with no other file edited."""

import json

import pytest
from torch import nn

from playground.cli.main import main as cli_main
from playground.models.classic import image_kwargs
from playground.models.registry import register_model, unregister_model

NAME = "throwaway-linear"


@pytest.fixture
def throwaway_model():
    @register_model(
        NAME,
        "image",
        (1, 28, 28),
        shape_kwargs=image_kwargs,
        description="Softmax regression on the pixels (a test's throwaway model)",
        label="Pixel softmax",
        trained_on=("cnn", "architectures"),
    )
    def pixel_softmax(in_channels: int = 1, image_size: int = 28, num_classes: int = 10) -> nn.Module:
        return nn.Sequential(nn.Flatten(), nn.Linear(in_channels * image_size * image_size, num_classes))

    yield NAME
    unregister_model(NAME)


def test_the_cnn_page_trains_it(throwaway_model, open_page):
    at = open_page("cnn")
    assert "Pixel softmax" in at.selectbox(key="cnn.arch").options  # shown by its label
    at.selectbox(key="cnn.arch").set_value(throwaway_model).run()
    assert any("Pixel softmax" in m.value and "7,850 parameters" in m.value for m in at.markdown)
    at.select_slider(key="cnn.train_size").set_value(1000).run()
    at.button(key="cnn.job.start").click().run()
    at.session_state["cnn.job"].join(120)
    at.run()
    assert not at.exception and not at.error
    assert at.session_state["cnn.job"].kept["model"].playground_arch[0] == throwaway_model
    accuracy = float({m.label: m.value for m in at.metric}["test accuracy"].rstrip("%")) / 100
    assert accuracy > 0.6  # softmax regression on 1,000 digits, one epoch; chance is 0.1


def test_the_architectures_page_compares_it(throwaway_model, open_page):
    at = open_page("architectures")
    assert "Pixel softmax" in at.multiselect(key="arch.compare").options
    at.multiselect(key="arch.compare").set_value(["lenet", throwaway_model]).run()
    at.number_input(key="arch.cmp.train_size").set_value(500).run()
    at.button(key="arch.cmp_job.start").click().run()
    at.session_state["arch.cmp_job"].join(180)
    at.run()
    assert not at.exception and not at.error
    assert [r.name for r in at.session_state["arch.cmp_job"].result] == ["lenet", throwaway_model]
    table = next(df.value for df in at.dataframe if "architecture" in df.value.columns)
    assert "Pixel softmax" in table["architecture"].tolist()


def test_the_cli_trains_it(throwaway_model, capsys):
    code = cli_main(["train", throwaway_model, "--train-size", "500", "--epochs", "1", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["model"] == throwaway_model
    assert result["final"]["test_accuracy"] > 0.5  # softmax regression on 500 digits; chance is 0.1
