"""The Voila app in a real browser (Playwright + Chromium, headless, network blocked except localhost): a verdict
and note recorded on a learner's stage are still there after a reload; the KPI trends draw, and a click on a point
lists its learners."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from tests.browser import browser_page, chromium_or_skip, screenshot
from tests.conftest import SAMPLES

POINTS = ".auditkit-kpi-trends .js-plotly-plot .scatterlayer .trace .points path"


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
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
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
    finally:  # the app and its kernels: the whole process group
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


WALK = ".auditkit-walkthrough"


def _open_learner(page, app_url: str, index: int) -> str:
    page.goto(app_url, timeout=180_000)
    page.wait_for_selector(f"{WALK} .learner-title", timeout=180_000)
    select = page.locator(f"{WALK} select").nth(1)  # provider, then learner
    option = select.locator("option").nth(index).inner_text()
    select.select_option(label=option)
    page.wait_for_function(f"document.querySelector('{WALK} .learner-title').innerText.includes('{option}')",
                           timeout=30_000)
    return option


def test_a_verdict_and_note_survive_a_reload(app_url: str) -> None:
    note = "ID seen; residency proof dated after the start"
    with browser_page(offline=True) as page:
        learner = _open_learner(page, app_url, 2)
        page.locator(f"{WALK} .verdict-eligibility button", has_text="fail").first.click()
        page.locator(f"{WALK} .note-eligibility textarea").first.fill(note)
        page.locator(f"{WALK} .save-eligibility").first.click()
        page.wait_for_selector(f"{WALK} .state-eligibility :text('saved: fail')", timeout=30_000)
        screenshot(page, "test_app_browser", "verdict-saved")
        again = _open_learner(page, app_url, 2)
        assert again == learner
        page.wait_for_selector(f"{WALK} .state-eligibility :text('saved: fail')", timeout=30_000)
        assert page.locator(f"{WALK} .note-eligibility textarea").first.input_value() == note
        screenshot(page, "test_app_browser", "verdict-after-reload")


def test_a_click_on_a_kpi_point_lists_its_learners(app_url: str) -> None:
    with browser_page(offline=True) as page:
        page.goto(app_url, timeout=180_000)
        page.locator(".lm-TabBar-tab, .p-TabBar-tab", has_text="KPI trends").first.click()
        page.wait_for_selector(POINTS, timeout=180_000)
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



