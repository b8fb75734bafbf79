"""Two replicas behind nginx, started by deploy/run.sh: each browser stays on one replica for everything.

Plain HTTP checks the pg_route cookie and where each cookie is routed; two browsers (two cookie jars) pinned
to different replicas then train, download their model (/media/...) and upload it back (/_stcore/upload_file/)
through the balancer; nginx's access log shows every request of each session on its own replica. Last,
SIGTERM to run.sh must stop the replicas and nginx.
"""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, REPO, assert_no_error, button, free_port, wait_ready

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.slow

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
ROUTE = re.compile(r"pg_route=([0-9a-f]{32}); Path=/; HttpOnly; SameSite=Lax")  # Path=/ covers /_stcore/...
LOG_LINE = re.compile(r'"\S+ (?P<path>\S+) [^"]*" \d+ \d+ replica=(?P<replica>\S*) route=(?P<route>\S*)')
SESSION_PATHS = {"/_stcore/stream", "/media/", "/_stcore/upload_file/"}  # what only the session's replica has


@dataclass
class Balancer:
    url: str
    replicas: list[str]  # the upstream addresses, as X-Playground-Replica names them
    run_dir: Path
    proc: subprocess.Popen

    def get(self, path: str = "/", route: str | None = None) -> tuple[str, str | None]:
        """(the replica that answered, the pg_route cookie the balancer set or None)."""
        request = urllib.request.Request(self.url + path, headers={"Cookie": f"pg_route={route}"} if route else {})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
            cookies = " ".join(response.headers.get_all("Set-Cookie") or [])
            found = ROUTE.search(cookies)
            return response.headers["X-Playground-Replica"], found.group(1) if found else None


def free_port_pair() -> int:
    """A free port P whose neighbour P + 1 is free too (run.sh puts replica i on P + i)."""
    for _ in range(100):
        port = free_port()
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two neighbouring free ports")


def wait_until_served(url: str, proc: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"deploy/run.sh exited with {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"nothing served at {url} after {timeout} s; see {log}")


@pytest.fixture(scope="module")
def balancer():
    if not os.access(NGINX, os.X_OK):
        pytest.skip("nginx is not installed (bash scripts/install-system-deps.sh installs it)")
    public_port, first_port = free_port(), free_port_pair()
    run_dir = ARTIFACTS / "deploy"  # nginx.conf and every log, kept for a failure's post-mortem
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    log = run_dir / "run.log"
    env = {
        **os.environ,
        "PLAYGROUND_DEVICE": "cpu",
        "PLAYGROUND_OFFLINE": "1",
        "PLAYGROUND_DEPLOY_DIR": str(run_dir),
        "PYTHON": sys.executable,
        "NGINX": NGINX,
    }
    command = ["bash", "deploy/run.sh", "--replicas", "2", "--port", str(public_port), "--first-port", str(first_port)]
    with open(log, "w") as out:  # run.sh leads a new process group: the replicas and nginx join it
        proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=out, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{public_port}"
        wait_until_served(f"{url}/_stcore/health", proc, log)
        yield Balancer(url, [f"127.0.0.1:{first_port}", f"127.0.0.1:{first_port + 1}"], run_dir, proc)
    finally:
        # run.sh's own process group: the replicas and nginx too, whatever state a failure left them in
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


@pytest.fixture(scope="module")
def routes(balancer) -> dict[str, list[str]]:
    """Replica -> the pg_route cookies the balancer gave to new browsers that it sent there."""
    found: dict[str, list[str]] = {replica: [] for replica in balancer.replicas}
    for _ in range(40):  # both replicas within 40 random ids unless hashing is broken (chance 2^-39)
        replica, route = balancer.get("/")
        assert replica in found, f"{replica} is not one of {balancer.replicas}"
        assert route, "a request without the cookie got no pg_route cookie"
        found[replica].append(route)
        if all(len(cookies) >= 3 for cookies in found.values()):
            break
    return found


def requests_by_replica(balancer, browsers: dict[str, str]) -> dict[str, Counter]:
    """Replica -> how many requests of each kind (SESSION_PATHS, or "other") reached it, per nginx's access log.

    ``browsers`` maps a route cookie to the replica its browser should be on; any request with that cookie
    that went elsewhere fails the test.
    """
    served = {replica: Counter() for replica in browsers.values()}
    for line in (balancer.run_dir / "logs" / "access.log").read_text().splitlines():
        entry = LOG_LINE.search(line)
        if entry is None or entry["route"] not in browsers:
            continue
        replica = browsers[entry["route"]]
        assert entry["replica"] == replica, f"a request of {replica}'s browser went elsewhere: {line}"
        kind = next((path for path in SESSION_PATHS if entry["path"].startswith(path)), "other")
        served[replica][kind] += 1
    return served


def test_each_new_browser_gets_a_cookie_that_keeps_it_on_one_replica(balancer, routes):
    print("new browsers per replica:", {replica: len(cookies) for replica, cookies in routes.items()})
    assert all(routes.values()), f"new browsers all went to one replica: {routes}"
    for replica, cookies in routes.items():
        for route in cookies:
            for path in ("/", "/_stcore/health", "/backprop", "/_stcore/host-config"):
                served_by, new_route = balancer.get(path, route)
                assert served_by == replica, f"pg_route={route} went to {replica}, then {path} to {served_by}"
                assert new_route is None, "a browser that has the cookie got another one"


def test_two_browsers_train_on_their_own_replicas(balancer, routes):
    from playground.models.io import load_model

    assert all(routes.values()), f"no cookie for one of the replicas: {routes}"
    datasets = dict(zip(balancer.replicas, ("xor", "spiral")))  # a different experiment on each replica
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages = {}
        for replica, dataset in datasets.items():
            context = browser.new_context(viewport={"width": 1400, "height": 1000})  # its own cookie jar
            context.add_cookies([{"name": "pg_route", "value": routes[replica][0], "url": balancer.url}])
            page = context.new_page()
            page.set_default_timeout(60_000)
            response = page.goto(f"{balancer.url}/backprop?net.dataset={dataset}&net.epochs=30")
            assert response.headers["x-playground-replica"] == replica
            wait_ready(page)
            page.get_by_role("tab", name="② A network on 2-D data").click()
            pages[replica] = page
        for page in pages.values():  # both train at once, each in its replica's run slot
            button(page, "Train").click()
        for replica, page in pages.items():
            page.get_by_text(re.compile(r"Trained 30 epoch")).wait_for()
            assert_no_error(page, f"after training on {replica}")
            page.screenshot(path=str(ARTIFACTS / f"deploy-{datasets[replica]}.png"), full_page=True)
            # the trained model is a media file in this replica's memory; uploading it back reaches the session
            with page.expect_download() as download_info:
                button(page, "Download model").click()
            download = download_info.value
            assert download.url.startswith(f"{balancer.url}/media/")
            model_file = balancer.run_dir / f"mlp-{datasets[replica]}.pt"
            download.save_as(model_file)
            _, meta = load_model(model_file.read_bytes())
            assert meta["config"]["dataset"] == datasets[replica]
            uploader = page.get_by_test_id("stFileUploader").filter(has_text="Load model")
            uploader.locator("input[type=file]").set_input_files(str(model_file))
            page.get_by_text("Loaded the model and the settings it was trained with").wait_for()
            assert_no_error(page, f"after loading the model on {replica}")
        for page in pages.values():
            page.context.close()  # closes the websockets, so nginx logs them
        browser.close()

    # nginx's access log: every request carrying a browser's cookie went to that browser's replica
    end = time.time() + 10  # a websocket's line is written just after it closes
    while True:
        served = requests_by_replica(balancer, {routes[replica][0]: replica for replica in balancer.replicas})
        if all(set(kinds) >= SESSION_PATHS for kinds in served.values()) or time.time() > end:
            break
        time.sleep(0.5)
    print("each browser's requests by replica:", {replica: dict(kinds) for replica, kinds in served.items()})
    for replica, kinds in served.items():
        assert set(kinds) >= SESSION_PATHS, f"{replica}'s browser: {dict(kinds)}"


def test_sigterm_to_run_sh_stops_the_replicas_and_nginx(balancer):
    # Last in this file: it ends the module's deployment.
    os.kill(balancer.proc.pid, signal.SIGTERM)  # run.sh alone, as a service manager would
    assert balancer.proc.wait(30) == 128 + signal.SIGTERM
    with pytest.raises(ProcessLookupError):
        os.killpg(balancer.proc.pid, 0)  # nothing left in its process group
    for address in [*balancer.replicas, balancer.url.removeprefix("http://")]:
        host, port = address.split(":")
        with pytest.raises(ConnectionRefusedError), socket.create_connection((host, int(port)), timeout=2):
            pass
