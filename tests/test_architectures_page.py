"""The architectures page through AppTest: inspect, train side by side, the residual experiment, ResNet-50."""

import io

import numpy as np
import torch
import torchvision
from PIL import Image


def test_inspect_shows_counts_stages_and_a_diagram(open_page):
    at = open_page("architectures")
    assert [m.value for m in at.metric][:2] == ["44,426", "281,640"]  # LeNet-5 on 28×28×1
    at.selectbox(key="arch.inspect").set_value("resnet50").run()
    assert not at.exception and at.metric[0].value == "25,557,032"
    stages = next(df.value for df in at.dataframe if "receptive field" in df.value.columns)
    assert list(stages.stage)[:2] == ["stem", "layer1"] and "427" in list(stages["receptive field"])
    at.number_input(key="arch.size.resnet50").set_value(12).run()  # tiny but still valid for a ResNet
    assert not at.exception
    at.selectbox(key="arch.inspect").set_value("vgg16").run()
    at.number_input(key="arch.size.vgg16").set_value(16).run()  # five halvings leave nothing
    assert not at.exception and "halve 16×16 images to nothing" in at.error[0].value


def test_two_small_architectures_train_side_by_side(open_page):
    at = open_page("architectures")
    at.multiselect(key="arch.compare").set_value(["lenet", "vgg-small"]).run()
    at.number_input(key="arch.cmp.train_size").set_value(1000).run()
    at.button(key="arch.cmp_job.start").click().run()
    at.session_state["arch.cmp_job"].join(180)
    at.run()
    assert not at.exception
    table = next(df.value for df in at.dataframe if "architecture" in df.value.columns)
    assert list(table.architecture) == ["LeNet-5", "VGG (small)"] and "peak memory (MB)" in table.columns


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
