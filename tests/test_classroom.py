"""A one-slot server shared by two browsers: the queue, and a closed tab's run freed for the next student."""

import re
import time

import pytest

from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, StreamlitServer, assert_no_error, button, wait_ready

playwright_api = pytest.importorskip("playwright.sync_api")

ABANDON_S = 3
NETWORK_TAB = "② A network on 2-D data"


@pytest.fixture(scope="module")
def server():
    env = {"PLAYGROUND_MAX_RUNS": "1", "PLAYGROUND_ABANDON_S": str(ABANDON_S), "PLAYGROUND_WORKERS": "process"}
    srv = StreamlitServer(env={"PLAYGROUND_DEVICE": "cpu", **env})  # runs in a worker process: Stop must reach it
    try:
        srv.wait_healthy()
        yield srv
    finally:
        srv.stop()


def test_a_closed_tabs_run_is_stopped_and_the_queued_student_trains(server):
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            first = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            first.goto(f"{server.url}/backprop?net.dataset=spiral&net.epochs=5000")  # a long run: a minute or more
            wait_ready(first)
            first.get_by_role("tab", name=NETWORK_TAB).click()
            button(first, "Train").click()
            first.get_by_text(re.compile(r"epoch \d+/5000 · batch")).wait_for(timeout=60_000)

            second = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            second.goto(f"{server.url}/backprop?net.dataset=xor&net.epochs=20")
            wait_ready(second)
            second.get_by_role("tab", name=NETWORK_TAB).click()
            button(second, "Train").click()
            second.get_by_text(re.compile(r"number 1 in the queue")).wait_for(timeout=30_000)
            second.screenshot(path=str(ARTIFACTS / "classroom-queued.png"), full_page=True)

            first.context.close()  # the student closes the tab mid-run
            closed = time.monotonic()
            second.get_by_text(re.compile(r"Trained 20 epoch")).wait_for(timeout=90_000)
            waited = time.monotonic() - closed
            assert_no_error(second, "after the queued run trained")
            second.screenshot(path=str(ARTIFACTS / "classroom-freed.png"), full_page=True)
        finally:
            browser.close()
    # the slot came free about ABANDON_S after the tab closed, not when 5000 epochs would have ended
    assert waited < ABANDON_S + 30, waited
    log = server.log.read_text()
    assert re.search(r"Stopping run 'the network's training' of session \S+: nobody has watched it for \d+ s", log)
