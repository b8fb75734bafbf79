"""The app in a real browser: navigation, a Step, and a training run started and stopped."""

import re
from urllib.parse import urlparse

import pytest

from playground.lessons import PAGES
from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, StreamlitServer, assert_no_error, button, main, wait_ready

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


@pytest.fixture(scope="module")
def server():
    srv = StreamlitServer(env={"PLAYGROUND_DEVICE": "cpu"})
    try:
        srv.wait_healthy()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


def test_every_page_opens_from_the_navigation(server, page):
    page.goto(server.url)
    wait_ready(page)
    for listed in PAGES:
        page.locator("[data-testid='stSidebarNav'] a", has_text=listed.title).click()
        page.get_by_role("heading", name=listed.page_title).first.wait_for(timeout=60_000)
        wait_ready(page)
        assert_no_error(page, listed.title)
        assert urlparse(page.url).path in (f"/{listed.slug}", "/" if listed.slug == "home" else None)
        page.screenshot(path=str(ARTIFACTS / f"page-{listed.slug}.png"), full_page=True)


def test_step_changes_the_weights(server, page):
    page.goto(f"{server.url}/backprop")
    wait_ready(page)
    w1 = page.get_by_label("w1")
    expect(w1).to_have_value("0.2000")
    button(page, "Step").click()
    expect(w1).to_have_value("0.2013")  # w1 - lr * dL/dw1 = 0.2 + 0.01 * 0.1256
    page.get_by_text("Last step").wait_for()
    assert_no_error(page, "after Step")


def test_train_then_stop_a_run_and_switch_pages(server, page):
    page.goto(f"{server.url}/backprop?net.dataset=spiral&net.epochs=5000")
    wait_ready(page)
    page.get_by_role("tab", name="② A network on 2-D data").click()
    button(page, "Train").click()
    progress = page.get_by_text(re.compile(r"epoch \d+/5000 · batch"))
    progress.wait_for()
    page.get_by_text(re.compile(r"test accuracy")).first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "backprop-training.png"), full_page=True)
    # leave and come back: the run goes on in its worker thread
    page.locator("[data-testid='stSidebarNav'] a", has_text="Home").click()
    page.get_by_role("heading", name="Deep Learning Playground").wait_for()
    page.locator("[data-testid='stSidebarNav'] a", has_text="Backpropagation").click()
    page.get_by_role("tab", name="② A network on 2-D data").click()
    progress.wait_for()
    button(page, "Stop").click()
    page.get_by_text(re.compile(r"Stopped after \d+ epoch")).wait_for()
    assert_no_error(page, "after Stop")
    page.screenshot(path=str(ARTIFACTS / "backprop-stopped.png"), full_page=True)


def test_a_run_in_chinese_shows_its_progress_and_stop_button_in_chinese(server, page):
    """The live progress redraws in a fragment, which reruns without the page's top: it must set the language too."""
    page.goto(f"{server.url}/backprop?lang=zh&net.dataset=spiral&net.epochs=5000")
    wait_ready(page)
    page.get_by_role("tab", name="② 二维数据上的网络").click()
    button(page, "训练").click()
    page.get_by_text(re.compile(r"第 \d+/5000 轮 · 批次")).wait_for()
    page.wait_for_timeout(3_000)  # three redraws by the fragment alone
    expect(page.get_by_text(re.compile(r"第 \d+/5000 轮 · 批次"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"epoch \d+/5000"))).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "backprop-training-zh.png"), full_page=True)
    button(page, "停止").click()
    page.get_by_text(re.compile(r"训练 \d+ 轮后停止")).wait_for()
    assert_no_error(page, "after 停止")


def test_cnn_trains_briefly_classifies_photos_and_flags_the_cat(server, page, tmp_path):
    from playground.data.images import load_bundled
    from playground.vision.probes import PHOTOS
    from tests.helpers import photo_of

    photo = tmp_path / "seven.jpg"
    photo_of(load_bundled("mnist").X_test[0, 0].numpy()).save(photo)
    page.goto(f"{server.url}/cnn?cnn.train_size=5000")
    wait_ready(page)
    page.get_by_role("tab", name="② Model and training").click()
    button(page, "Train").click()
    page.get_by_text(re.compile(r"Trained 1 epoch")).wait_for(timeout=120_000)
    page.get_by_role("tab", name="③ Results").click()
    page.get_by_text("test accuracy").first.wait_for(timeout=120_000)
    page.screenshot(path=str(ARTIFACTS / "cnn-results.png"), full_page=True)
    page.get_by_role("tab", name="④ Classify your picture").click()
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="pictures to classify")
    uploader.locator("input[type=file]").set_input_files([str(photo), str(PHOTOS / "chelsea.jpg")])
    expect(main(page).get_by_text("unlike the training data")).to_have_count(1, timeout=60_000)  # the cat only
    page.get_by_text(re.compile(r"Prediction: \d")).wait_for(timeout=60_000)
    expect(page.get_by_text("does not look like the handwritten digits")).to_have_count(0)
    assert_no_error(page, "after classifying")
    page.screenshot(path=str(ARTIFACTS / "cnn-classify.png"), full_page=True)
    main(page).get_by_test_id("stSelectbox").filter(has_text="Look closer at").click()
    page.get_by_role("option", name="2. chelsea.jpg").click()
    expect(page.get_by_text(re.compile("does not look like the handwritten digits"))).to_be_visible(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "cnn-unfamiliar.png"), full_page=True)
    # draw a "1" on the canvas and classify it
    main(page).get_by_text("Draw", exact=True).click()
    canvas = page.locator("canvas[aria-label='drawing canvas']")
    canvas.wait_for()
    box = canvas.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + 30
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 23):
        page.mouse.move(x, y + step * 10)
    page.mouse.up()
    page.get_by_text("Classify the drawing").click()
    expect(page.get_by_text(re.compile(r"Prediction: 1 "))).to_be_visible(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "cnn-drawing.png"), full_page=True)


def test_sentiment_types_a_sentence_and_sees_a_probability(server, page):
    page.goto(f"{server.url}/sentiment?sent.dataset=toy")
    wait_ready(page)
    page.get_by_role("tab", name="② Model and training").click()
    button(page, "Train").click()
    page.get_by_text(re.compile(r"Trained \d+ epoch")).wait_for(timeout=120_000)
    page.get_by_role("tab", name="④ Try a sentence").click()
    box = page.get_by_label("your sentence")
    box.fill("我喜欢深度学习")
    box.press("Control+Enter")
    expect(page.get_by_text(re.compile(r"probability of positive \d+\.\d%"))).to_be_visible(timeout=30_000)
    assert_no_error(page, "after typing a sentence")
    page.screenshot(path=str(ARTIFACTS / "sentiment-try.png"), full_page=True)


def test_forecast_uploads_a_csv_and_sees_the_forecast_chart(server, page, tmp_path):
    from playground.series.data import load_bundled

    co2 = load_bundled("co2")
    path = tmp_path / "co2.csv"
    path.write_text("week,ppm\n" + "\n".join(f"{d.date()},{v}" for d, v in zip(co2.dates[-400:], co2.values[-400:])))
    page.goto(f"{server.url}/forecast?fc.epochs=5&fc.target=log-return")
    wait_ready(page)
    expect(main(page).get_by_text(re.compile("Yahoo Finance cannot be reached"))).to_be_visible()
    main(page).get_by_text("Your CSV", exact=True).click()
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="CSV with a date column")
    uploader.locator("input[type=file]").set_input_files(str(path))
    expect(main(page).get_by_text(re.compile(r"your CSV: 'ppm' by 'week'"))).to_be_visible(timeout=30_000)
    assert_no_error(page, "after the upload")
    page.get_by_role("tab", name="② Windows").click()
    page.screenshot(path=str(ARTIFACTS / "forecast-windows.png"), full_page=True)
    page.get_by_role("tab", name="③ Model and training").click()
    button(page, "Train").click()
    page.get_by_text(re.compile(r"Trained 5 epoch")).wait_for(timeout=120_000)
    page.get_by_role("tab", name="④ Forecast and verdict").click()
    expect(main(page).get_by_text(re.compile(r"The LSTM (beats|does not beat) the naive forecast"))).to_be_visible()
    chart = page.get_by_role("tabpanel", name="④ Forecast and verdict").locator("[data-testid='stPlotlyChart']").first
    expect(chart).to_be_visible(timeout=30_000)
    expect(chart.locator(".legendtext").filter(has_text="forecast")).to_have_count(1)
    assert_no_error(page, "after training")
    page.screenshot(path=str(ARTIFACTS / "forecast-results.png"), full_page=True)


def test_architectures_compares_two_small_networks_for_one_epoch(server, page):
    page.goto(f"{server.url}/architectures")
    wait_ready(page)
    inspect = page.get_by_role("tabpanel", name="① Inspect")
    expect(inspect.get_by_test_id("stMetricValue").first).to_have_text("44,426", timeout=30_000)  # LeNet-5's
    expect(inspect.locator("[data-testid='stPlotlyChart'] .main-svg").first).to_be_visible(timeout=30_000)
    expect(inspect.get_by_text("RF 16")).to_have_count(1)  # the diagram labels the receptive field
    page.screenshot(path=str(ARTIFACTS / "architectures-inspect.png"), full_page=True)
    page.get_by_role("tab", name="② Train side by side").click()
    panel = page.get_by_role("tabpanel", name="② Train side by side")
    panel.get_by_role("button", name="Remove ResNet (small)").first.click()
    expect(panel.get_by_role("button", name="Remove ResNet (small)")).to_have_count(0)
    size = panel.get_by_label("training images")
    size.fill("1000")
    size.press("Enter")
    wait_ready(page)
    button(page, "Train them").click()
    page.get_by_text(re.compile(r"Trained 1 epoch")).wait_for(timeout=120_000)
    table = panel.locator("[data-testid='stDataFrame']")
    expect(table).to_be_visible(timeout=30_000)
    expect(panel.get_by_text(re.compile("Peak memory"))).to_be_visible()
    assert_no_error(page, "after training side by side")
    page.screenshot(path=str(ARTIFACTS / "architectures-compare.png"), full_page=True)


def test_a_chinese_browser_reads_chinese_switches_to_english_and_shares_the_language(server, browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(server.url)
    wait_ready(page)
    page.get_by_role("heading", name="深度学习实验场").wait_for(timeout=30_000)
    nav = page.locator("[data-testid='stSidebarNav']")
    expect(nav.get_by_text("反向传播")).to_be_visible()
    expect(main(page).get_by_text("从这里开始")).to_be_visible()  # the course outline starts at 1.1
    page.screenshot(path=str(ARTIFACTS / "home-zh.png"), full_page=True)
    nav.get_by_text("CNN 图像分类器").click()
    page.get_by_role("heading", name="CNN 图像分类器").wait_for(timeout=60_000)
    wait_ready(page)
    assert_no_error(page, "the CNN page in Chinese")
    page.screenshot(path=str(ARTIFACTS / "cnn-zh.png"), full_page=True)
    page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
    page.get_by_role("heading", name="CNN image classifier").wait_for(timeout=30_000)
    expect(nav.get_by_text("Backpropagation")).to_be_visible()
    expect(page).to_have_url(re.compile(r"lang=en"))
    link = page.url
    context.close()
    shared = browser.new_context(locale="zh-CN")  # a Chinese browser opening an English link reads English
    other = shared.new_page()
    other.goto(link)
    wait_ready(other)
    other.get_by_role("heading", name="CNN image classifier").wait_for(timeout=30_000)
    shared.close()
