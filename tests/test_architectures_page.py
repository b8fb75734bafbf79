"""The architectures page through AppTest: inspect, train side by side, the residual experiment, ResNet-50."""

import io
import json
import threading

import numpy as np
import pandas as pd
import pytest
import torch
import torchvision
from PIL import Image
from streamlit import dataframe_util

from playground.i18n import language_of, number
from playground.training import jobs


def test_inspect_shows_counts_stages_and_a_diagram(open_page):
    at = open_page("architectures")
    assert [m.value for m in at.metric][:2] == ["44,426", "281,640"]  # LeNet-5 on 28×28×1
    at.selectbox(key="arch.inspect").set_value("resnet50").run()
    assert not at.exception and at.metric[0].value == "25,557,032"
    stages = next(df.value for df in at.dataframe if "receptive field" in df.value.columns)
    assert list(stages.stage)[:2] == ["stem", "layer1"] and "427" in list(stages["receptive field"])
    chinese = open_page("architectures", {"lang": "zh"})
    assert chinese.selectbox(key="arch.cmp.dataset").format_func("mnist") == "MNIST 手写数字（内置）"
    assert "分类器" in list(next(df.value for df in chinese.dataframe if "感受野" in df.value.columns).iloc[:, 0])
    at.number_input(key="arch.size.resnet50").set_value(12).run()  # tiny but still valid for a ResNet
    assert not at.exception
    at.selectbox(key="arch.inspect").set_value("vgg16").run()
    at.number_input(key="arch.size.vgg16").set_value(16).run()  # five halvings leave nothing
    assert not at.exception and "halve 16×16 images to nothing" in at.error[0].value


def displayed(table) -> pd.DataFrame:
    """A styled table's cells as the reader sees them (AppTest's ``.value`` holds the raw numbers)."""
    return dataframe_util.convert_arrow_bytes_to_pandas_df(table.proto.arrow_data.styler.display_values)


def test_layers_with_weights_are_explained_and_stage_counts_are_grouped(open_page):
    at = open_page("architectures", {"arch.inspect": "resnet50", "arch.channels": "3", "arch.size": "224"})
    assert any(m.label == "layers with weights" and m.value == "54" for m in at.metric)
    line = next(c.value for c in at.caption if c.value.startswith("Layers with weights"))
    assert "53 convolutional and 1 fully connected" in line and "batch norm" in line
    assert "4 1×1 convolutions on skip connections gives 50" in line
    table = next(t for t in at.dataframe if "receptive field" in t.value.columns)
    layer3 = displayed(table).set_axis(table.value.columns, axis=1).set_index("stage").loc["layer3"]
    assert table.value.set_index("stage").loc["layer3", "parameters"] == 7_098_368
    assert layer3["parameters"] == "7,098,368" and "," in layer3["multiply-adds"]
    at = open_page("architectures", {"arch.inspect": "lenet", "lang": "zh"})  # Chinese groups digits its own way
    table = next(t for t in at.dataframe if len(t.value.columns) == 6)  # the stages
    largest = int(table.value.iloc[:, 2].max())
    with language_of("zh"):
        assert largest > 1000 and number(largest) in list(displayed(table).iloc[:, 2])
    assert not any("1×1" in c.value for c in at.caption)  # no skip connections in LeNet-5


def chart(at, key: str) -> dict:
    """The Plotly figure (as JSON) of the chart with widget key ``key``."""
    return json.loads(next(c.proto.spec for c in at.get("plotly_chart") if c.proto.id.endswith(key)))


def smoothed_lines(figure: dict) -> dict[str, list[float]]:
    return {t["name"]: t["x"] for t in figure["data"] if "smoothed" in t.get("name", "")}


def test_two_small_architectures_train_side_by_side_with_a_curve_each_as_they_train(open_page, monkeypatch):
    # hold the run in the first model's only epoch, reading its losses after every batch
    monkeypatch.setattr(jobs, "READ_LOSSES_S", 0.0)
    held, release = threading.Event(), threading.Event()
    on_batch_end = jobs.JobContext.on_batch_end

    def holding(self, model, event):
        on_batch_end(self, model, event)
        if event.batch == 5 and not release.is_set():
            held.set()
            release.wait(30)

    monkeypatch.setattr(jobs.JobContext, "on_batch_end", holding)
    at = open_page("architectures")
    at.multiselect(key="arch.compare").set_value(["lenet", "vgg-small"]).run()
    at.number_input(key="arch.cmp.train_size").set_value(1000).run()
    at.button(key="arch.cmp_job.start").click()
    at.run()
    assert held.wait(60)
    at.run()  # the page while the first model is half way through its only epoch
    (live,) = smoothed_lines(chart(at, "arch.cmp_job.live_curves")).values()
    assert len(live) == 5 and 0 < max(live) < 1  # x in epochs: fractions of the first
    release.set()
    at.session_state["arch.cmp_job"].join(180)
    at.run()
    assert not at.exception
    table = next(df.value for df in at.dataframe if "architecture" in df.value.columns)
    assert list(table.architecture) == ["LeNet-5", "VGG (small)"] and "peak memory (MB)" in table.columns
    lines = smoothed_lines(chart(at, "arch.cmp_curves"))
    assert list(lines) == ["LeNet-5 train (smoothed)", "VGG (small) train (smoothed)"]
    assert all(len(x) > 5 and max(x) == pytest.approx(1.0) for x in lines.values())


def test_residual_experiment_and_offline_resnet50_then_a_weights_file(open_page):
    at = open_page("architectures")
    at.slider(key="arch.res_blocks").set_value(2).run()
    at.number_input(key="arch.res.train_size").set_value(500).run()
    at.button(key="arch.res_job.start").click().run()
    at.session_state["arch.res_job"].join(180)
    at.run()
    assert not at.exception
    assert any("with skips" in m.label for m in at.metric) and any("plain" in m.label for m in at.metric)
    at.button(key="arch.load_pretrained").click().run()
    assert any("without a network connection" in w.value for w in at.warning)
    at.radio(key="arch.weights_source").set_value("file").run()
    at.file_uploader(key="arch.weights").upload("junk.pth", b"junk", "application/octet-stream").run()
    assert "not a readable PyTorch weights file" in at.error[0].value
    buffer = io.BytesIO()
    torch.save(torchvision.models.resnet50(weights=None).state_dict(), buffer)
    at.file_uploader(key="arch.weights").upload("resnet50.pth", buffer.getvalue(), "application/octet-stream").run()
    assert not at.exception and any("ResNet-50 ready" in s.value for s in at.success)
    png = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (240, 320, 3), dtype=np.uint8)).save(png, "PNG")
    at.file_uploader(key="arch.photo").upload("photo.png", png.getvalue(), "image/png").run()
    assert not at.exception and at.get("plotly_chart")


def test_a_shared_link_opens_the_same_model_and_comparison(open_page):
    link = {"arch.inspect": "resnet50", "arch.channels": "3", "arch.size": "224", "arch.classes": "1000"}
    at = open_page("architectures", link | {"arch.compare": "lenet,cnn", "arch.blocks": "3"})
    assert at.selectbox(key="arch.inspect").value == "resnet50"
    assert at.number_input(key="arch.size.resnet50").value == 224
    assert any(m.value == "25,557,032" for m in at.metric)  # torchvision's ResNet-50
    assert at.multiselect(key="arch.compare").value == ["lenet", "cnn"]
    assert at.slider(key="arch.res_blocks").value == 3
    at.selectbox(key="arch.inspect").set_value("vgg11").run()
    assert at.query_params.get("arch.inspect") == "vgg11"


def test_a_link_naming_a_model_the_page_cannot_train_is_named(open_page):
    at = open_page("architectures", {"arch.compare": "lenet,resnet50"})
    assert "compare=lenet,resnet50 (This page does not train resnet50)" in at.info[0].value
    assert at.multiselect(key="arch.compare").value == ["lenet", "vgg-small", "resnet-small"]
