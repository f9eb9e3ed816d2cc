"""Benchmark: in a real browser, the time from choosing the next learner to the walk-through showing it.

Serves ``auditkit app`` on the shipped samples and on a generated case of ``--learners`` learners (default 10,000;
``benchmarks/learner_switch.py``'s ``scaled_case``: the samples' learners repeated with new references, each with
its evidence rows), opens it in headless Chromium (Playwright, ``--no-sandbox``), and clicks *Next* ``--switches``
times, timing each click until the learner's title shows the next learner. Reports the median and the 95th
percentile in milliseconds (the issue's aim: under 150 ms at the 95th percentile), and, as a same-run baseline, the
round trip of a widget that does nothing but echo (a button whose click sets a label): the part of each switch that
is the browser, the websocket and the kernel, not auditkit.

    python benchmarks/walkthrough_browser.py [--learners 10000] [--switches 40]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
_ECHO_SOURCE = """import ipywidgets as w
b = w.Button(description="go")
b.add_class("echo-go")
out = w.HTML("0")
out.add_class("echo-out")
n = [0]
def clicked(_):
    n[0] += 1
    out.value = f"<span>{n[0]}</span>"
b.on_click(clicked)
w.VBox([b, out])"""
ECHO = json.dumps({"cells": [{"cell_type": "code", "execution_count": None, "id": "echo", "metadata": {},
                              "outputs": [], "source": _ECHO_SOURCE}],
                   "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
                   "nbformat": 4, "nbformat_minor": 5})


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(command: list[str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=300).close()  # noqa: S310 - localhost
            return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("the app did not answer")


def _switch_times(port: int, switches: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "chromium", args=FLAGS)
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        page.goto(f"http://127.0.0.1:{port}/", timeout=600_000)
        title = ".auditkit-walkthrough .learner-title"
        page.wait_for_selector(title, timeout=600_000)
        for _ in range(switches + 3):
            before = page.inner_text(title)
            started = time.perf_counter()
            page.locator(".auditkit-walkthrough .next-learner").first.click()
            page.wait_for_function(f"document.querySelector('{title}').innerText !== {before!r}", timeout=60_000)
            times.append((time.perf_counter() - started) * 1000)
        browser.close()
    return times[3:]  # the first switches warm the kernel's indexes


def _echo_times(port: int, clicks: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "chromium", args=FLAGS)
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/", timeout=600_000)
        page.wait_for_selector(".echo-go", timeout=600_000)
        for i in range(1, clicks + 1):
            started = time.perf_counter()
            page.locator(".echo-go").first.click()
            page.wait_for_function(f"document.querySelector('.echo-out').innerText === '{i}'", timeout=60_000)
            times.append((time.perf_counter() - started) * 1000)
        browser.close()
    return times


def _report(name: str, times: list[float]) -> None:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(f"{name:<34} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   ({len(times)} switches)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--switches", type=int, default=40)
    args = parser.parse_args()
    from learner_switch import scaled_case

    with tempfile.TemporaryDirectory(prefix="auditkit-bench-") as tmp:
        base = Path(tmp)
        echo = base / "echo.ipynb"
        echo.write_text(ECHO, encoding="utf-8")
        port = _port()
        server = _serve([sys.executable, "-m", "voila", str(echo), f"--port={port}", "--no-browser",
                         "--Voila.ip=127.0.0.1"], port)
        try:
            _report("baseline: a widget round trip", _echo_times(port, args.switches))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
        samples = base / "samples"
        shutil.copytree(ROOT / "samples", samples, ignore=shutil.ignore_patterns(".auditkit"))
        cases = [("samples", samples)]
        if args.learners:
            cases.append((f"{args.learners:,} learners", scaled_case(ROOT / "samples", args.learners, base / "big")))
        for name, case in cases:
            port = _port()
            server = _serve([sys.executable, "-m", "auditkit.cli", "app", str(case), "--port", str(port)], port)
            try:
                _report(f"walk-through, {name}", _switch_times(port, args.switches))
            finally:
                os.killpg(server.pid, signal.SIGTERM)


if __name__ == "__main__":
    main()
