"""The Voila app in a real browser (Playwright + Chromium, headless, network blocked except localhost): the KPI
trends draw, a click on a point lists its learners."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from tests.browser import browser_page, chromium_or_skip, screenshot
from tests.conftest import SAMPLES

POINTS = ".js-plotly-plot .scatterlayer .trace .points path"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def app_url(tmp_path_factory) -> Iterator[str]:
    chromium_or_skip()
    case = tmp_path_factory.mktemp("app") / "case"
    shutil.copytree(SAMPLES, case, ignore=shutil.ignore_patterns(".auditkit"))
    port = _free_port()
    log = (case.parent / "voila.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "auditkit.cli", "app", str(case), "--port", str(port)],
                              stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(url, timeout=60).close()  # noqa: S310 - localhost
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(f"the app stopped: {(case.parent / 'voila.log').read_text()[-2000:]}")
                time.sleep(0.5)
        else:
            pytest.fail("the app did not answer within 90 s")
        yield url
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_a_click_on_a_kpi_point_lists_its_learners(app_url: str) -> None:
    with browser_page(offline=True) as page:
        page.goto(app_url, timeout=90_000)
        page.wait_for_selector(POINTS, timeout=90_000)
        screenshot(page, "test_app_browser", "kpi-trends")
        points = page.query_selector_all(POINTS)
        box = points[-1].bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_selector(".kpi-members", timeout=30_000)
        text = page.inner_text(".kpi-members")
        screenshot(page, "test_app_browser", "kpi-members")
        assert "members" in text and "numerator" in text
        scripts = [u for u in page.blocked if u.split("?")[0].endswith(".js")]
        assert scripts == [], f"the app asked the network for scripts: {scripts}"


def test_the_app_listens_on_localhost_only(app_url: str) -> None:
    assert app_url.startswith("http://127.0.0.1:")
    port = int(app_url.rsplit(":", 1)[1].strip("/"))
    addresses = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    for address in addresses - {"127.0.0.1"}:
        with socket.socket() as s, pytest.raises(OSError):
            s.settimeout(2)
            s.connect((address, port))



