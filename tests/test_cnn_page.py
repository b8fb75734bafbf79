"""The CNN page through AppTest: data, a short training run in the worker, results, classifying a picture."""

import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from playground.data import images as image_data
from playground.vision import probes
from tests.helpers import photo_of, png_bytes


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setattr(image_data, "online", lambda *a, **k: False)


def test_opens_on_bundled_mnist_with_samples_and_the_course_cnn(open_page):
    at = open_page("cnn")
    assert any("MNIST, bundled: 50,000 training" in c.value for c in at.caption)
    assert len(at.get("image")) >= 10  # a row of samples per class
    # conv 1·9·32+32, conv 32·9·64+64, conv 64·9·64+64, dense 64·64+64 (1×1×64 left), dense 64·10+10
    assert any("60,554 parameters" in m.value for m in at.markdown)


def test_the_settings_name_what_they_choose_in_chinese(open_page):
    at = open_page("cnn", {"lang": "zh"})
    assert at.selectbox(key="cnn.optimizer").options == ["Adam", "AdamW", "SGD", "带动量的 SGD", "RMSprop"]
    at.radio(key="cnn.source").set_value("download").run()
    assert at.selectbox(key="cnn.download_name").options == ["MNIST", "Fashion-MNIST", "CIFAR-10"]


def test_train_evaluate_and_classify_a_photo(open_page):
    at = open_page("cnn")
    at.select_slider(key="cnn.train_size").set_value(5000).run()
    at.button(key="cnn.job.start").click().run()
    job = at.session_state["cnn.job"]
    job.join(120)
    at.run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    accuracy = float(metrics["test accuracy"].rstrip("%")) / 100
    assert accuracy > 0.8  # 5,000 images, one epoch; chance is 0.1
    mnist = image_data.load_bundled("mnist")
    picture = png_bytes(photo_of(mnist.X_test[0, 0].numpy()))
    at.file_uploader(key="cnn.picture").upload("seven.png", picture, "image/png").run()
    assert not at.exception and not at.error
    assert any(s.value.startswith("Prediction:") for s in at.subheader)
    assert any("the model you trained on MNIST:" in c.value for c in at.caption)  # the data set's name, not its id
    captions = " ".join(c for img in at.get("image") for c in [str(img.proto)])
    assert "inverted" in captions and "Grad-CAM" in captions


def test_several_pictures_make_a_gallery_and_one_unlike_digits_is_flagged(open_page):
    at = open_page("cnn")
    at.select_slider(key="cnn.train_size").set_value(5000).run()
    at.button(key="cnn.job.start").click().run()
    at.session_state["cnn.job"].join(120)
    at.run()
    digit = probes.pictures("digits on paper", 1, seed=2)[0]
    text = probes.pictures("printed text", 1, seed=2)[0]
    uploader = at.file_uploader(key="cnn.picture")
    uploader.upload("digit.png", png_bytes(digit), "image/png").upload("text.png", png_bytes(text), "image/png").run()
    assert not at.exception and not at.error
    marks = [m.value for m in at.markdown if "unlike the training data" in m.value]
    assert len(marks) == 1  # the text, not the digit
    assert at.selectbox(key="cnn.closer").value == 0  # the digit, looked at closer: no notice
    assert not any("does not look like" in w.value for w in at.warning)
    at.selectbox(key="cnn.closer").set_value(1).run()
    notice = next(w.value for w in at.warning if "does not look like" in w.value)
    assert "handwritten digits" in notice and "99.5%" in notice
    assert any(s.value.startswith("Prediction:") for s in at.subheader)  # the answer and its top 5 stay


def test_bad_picture_gets_one_sentence(open_page):
    at = open_page("cnn")
    at.select_slider(key="cnn.train_size").set_value(5000).run()
    at.button(key="cnn.job.start").click().run()
    at.session_state["cnn.job"].join(120)
    at.run()
    at.file_uploader(key="cnn.picture").upload("photo.png", b"\x89PNG\r\n\x1a\n broken", "image/png").run()
    assert not at.exception
    assert at.error and "could not be read" in at.error[0].value


def class_zip() -> bytes:
    buffer = io.BytesIO()
    rng = np.random.default_rng(0)
    with zipfile.ZipFile(buffer, "w") as z:
        for name, colour in (("red", (220, 20, 20)), ("green", (20, 200, 40))):
            for i in range(4):
                noise = rng.integers(-20, 20, (32, 32, 3))
                image = Image.fromarray((np.array(colour) + noise).clip(0, 255).astype(np.uint8))
                z.writestr(f"{name}/{i}.png", png_bytes(image))
    return buffer.getvalue()


def test_own_classes_from_a_zip_and_refused_zips(open_page):
    at = open_page("cnn")
    at.radio(key="cnn.source").set_value("own").run()
    at.file_uploader(key="cnn.zip").upload("classes.zip", class_zip(), "application/zip").run()
    assert not at.exception and not at.error
    assert any("your 2 classes" in c.value for c in at.caption)
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("../../etc/evil.png", b"x")
    at.file_uploader(key="cnn.zip").upload("evil.zip", evil.getvalue(), "application/zip").run()
    assert not at.exception
    assert "outside the archive" in at.error[0].value


def test_offline_download_says_why_and_keeps_the_bundled_set(open_page):
    at = open_page("cnn")
    at.radio(key="cnn.source").set_value("download").run()
    at.selectbox(key="cnn.download_name").set_value("cifar10").run()
    at.button(key="cnn.download").click().run()
    assert not at.exception
    assert "no internet connection" in at.warning[0].value
    assert any("bundled MNIST is used" in i.value for i in at.info)


def test_architecture_choice_trains_lenet_and_keeps_it_in_the_link(open_page):
    at = open_page("cnn")
    at.selectbox(key="cnn.arch").set_value("lenet").run()
    assert any("LeNet-5" in m.value and "44,426 parameters" in m.value for m in at.markdown)
    assert at.query_params.get("cnn.arch") == "lenet"
    at.select_slider(key="cnn.train_size").set_value(1000).run()
    at.button(key="cnn.job.start").click().run()
    at.session_state["cnn.job"].join(120)
    at.run()
    assert not at.exception and not at.error
    assert at.session_state["cnn.job"].kept["model"].playground_arch[0] == "lenet"
    mnist = image_data.load_bundled("mnist")
    seven = png_bytes(photo_of(mnist.X_test[0, 0].numpy()))
    at.file_uploader(key="cnn.picture").upload("seven.png", seven, "image/png").run()
    assert not at.exception and not at.error
    assert any(s.value.startswith("Prediction:") for s in at.subheader)


def test_model_files_of_other_architectures_classify_and_other_tasks_are_refused(open_page):
    from playground.models import create_model, model_bytes
    from playground.vision import classifier as clf

    at = open_page("cnn")
    mnist = image_data.load_bundled("mnist")
    meta = clf.prepare(mnist, clf.ImageTrainConfig(arch="resnet-small", train_size=100)).meta
    resnet = clf.build_model(meta, seed=0)
    at.tabs[3].run()
    at.file_uploader(key="cnn.load").upload("resnet.pt", model_bytes(resnet, meta), "application/octet-stream").run()
    assert not at.exception and not at.error
    assert any("loaded from a file (MNIST)" in c.value for c in at.caption)

    forecaster = create_model("forecast-rnn")
    at.file_uploader(key="cnn.load").upload("lstm.pt", model_bytes(forecaster, {}), "application/octet-stream").run()
    assert not at.exception
    assert at.error and at.error[0].value == "This file holds a 'forecast-rnn' model, which does not classify images."


def test_a_link_asking_for_too_much_is_named_and_left_at_the_defaults(open_page):
    at = open_page("cnn", {"cnn.epochs": "999999", "cnn.train_size": "2000", "cnn.batch_size": "lots"})
    notice = " ".join(i.value for i in at.info)
    assert "epochs=999999 (1 to 200)" in notice and "train_size=2000 (one of 0, 1000" in notice
    assert "batch_size" in notice  # unreadable values are named in the same notice
    assert at.number_input(key="cnn.epochs").value == 1
    assert at.select_slider(key="cnn.train_size").value == 30000  # the default


def test_the_course_input_trains_at_64x64x3_and_classifies_a_picture(open_page, monkeypatch):
    import streamlit as st

    full = image_data.load_bundled("mnist")
    small = image_data.ImageDataset(
        "mnist", full.X_train[:1200], full.y_train[:1200], full.X_test[:300], full.y_test[:300], full.classes, "subset"
    )
    monkeypatch.setattr(image_data, "load_bundled", lambda name: small)
    st.cache_resource.clear()  # the page keeps the bundled set in a shared cache
    try:
        at = open_page("cnn")
        assert any("60,554 parameters at 28×28×1 but 204,490 at 64×64×3" in c.value for c in at.caption)
        at.radio(key="cnn.input").set_value("course").run()
        assert any("for 64×64×3 images" in m.value and "204,490 parameters" in m.value for m in at.markdown)
        assert at.query_params.get("cnn.input") == "course"
        at.select_slider(key="cnn.train_size").set_value(1000).run()
        at.button(key="cnn.job.start").click().run()
        job = at.session_state["cnn.job"]
        job.join(120)
        at.run()
        assert not at.exception and not at.error
        prepared = job.kept["prepared"]
        assert prepared.X_test.shape == (300, 3, 64, 64) and prepared.meta["input"] == [3, 64, 64]
        assert sum(p.numel() for p in job.kept["model"].parameters()) == 204_490
        assert "test accuracy" in {m.label for m in at.metric}
        seven = png_bytes(photo_of(full.X_test[0, 0].numpy()))
        at.file_uploader(key="cnn.picture").upload("seven.png", seven, "image/png").run()
        assert not at.exception and not at.error
        assert any(s.value.startswith("Prediction:") for s in at.subheader)
    finally:
        st.cache_resource.clear()


def test_best_accuracy_button_sets_the_fields_and_keeps_them_in_the_link(open_page):
    at = open_page("cnn", {"cnn.epochs": "5", "cnn.train_size": "1000", "cnn.val_split": "0.3"})
    at.select_slider(key="cnn.batch").set_value(32).run()
    at.button(key="cnn.best").click().run()
    assert not at.exception
    assert at.number_input(key="cnn.epochs").value == 3
    assert at.select_slider(key="cnn.batch").value == 64
    assert at.select_slider(key="cnn.train_size").value == 0
    assert at.slider(key="cnn.val").value == 0.02
    assert at.query_params.get("cnn.epochs") == "3" and at.query_params.get("cnn.lr") == "0.006"
    assert at.query_params.get("cnn.train_size") == "0"  # all images, where the default takes 30,000
    assert at.query_params.get("cnn.val_split") == "0.02"  # 1,000 images to validate: more to train on
    at.number_input(key="cnn.epochs").set_value(5).run()  # the fields stay editable after the preset
    assert at.query_params.get("cnn.epochs") == "5"


def test_a_links_settings_without_a_widget_are_kept_and_used(open_page):
    """Label smoothing and precision have no widget: a link (or the CLI's export) sets them, and the page keeps them."""
    at = open_page("cnn", {"cnn.label_smoothing": "0", "cnn.precision": "float32"})
    assert at.query_params.get("cnn.label_smoothing") == "0" and at.query_params.get("cnn.precision") == "float32"
    at.select_slider(key="cnn.train_size").set_value(1000).run()
    at.button(key="cnn.job.start").click().run()
    at.session_state["cnn.job"].join(120)
    at.run()
    assert not at.exception and not at.error
    trained = at.session_state["cnn.job"].kept["prepared"].meta["config"]
    assert (trained["label_smoothing"], trained["precision"]) == (0.0, "float32")
