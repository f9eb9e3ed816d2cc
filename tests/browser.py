"""A real browser for the tests: Playwright driving Debian's Chromium, headless, ``--no-sandbox``.

:func:`chromium_or_skip` finds Chromium (``AUDITKIT_CHROMIUM``, else ``chromium`` on the PATH); without it the test
is skipped, except under CI (``CI`` set), where it fails: CI installs Chromium itself (``.ci/run``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

#: Chromium's flags on these machines: no sandbox (root in a container), no background connections (the
#: network is closed; they would be refused many at a time).
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
#: Where the browser tests save their screenshots (one folder per test).
SCREENSHOTS = Path(os.environ.get("AUDITKIT_SCREENSHOTS",
                                  Path(__file__).resolve().parents[1] / "build" / "screenshots"))


def chromium_or_skip() -> str:
    found = os.environ.get("AUDITKIT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        import playwright  # noqa: F401
    except ImportError:
        found = None
    if not found:
        if os.environ.get("CI"):
            pytest.fail("Chromium and Playwright are needed for the browser tests and CI installs them (.ci/run)")
        pytest.skip("no Chromium or Playwright here (Debian: apt-get install chromium; pip install playwright)")
    return found


@contextmanager
def browser_page(*, offline: bool = True, width: int = 1300, height: int = 900) -> Iterator[object]:
    """A fresh page; with ``offline`` every request that is not to a file or localhost is aborted (and counted in
    the page's ``blocked`` list)."""
    from playwright.sync_api import sync_playwright

    executable = chromium_or_skip()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            blocked: list[str] = []
            if offline:
                def route(r: object) -> None:
                    url = r.request.url  # type: ignore[attr-defined]
                    if url.startswith(("file:", "data:", "blob:", "http://127.0.0.1", "http://localhost")):
                        r.continue_()  # type: ignore[attr-defined]
                    else:
                        blocked.append(url)
                        r.abort()  # type: ignore[attr-defined]
                page.route("**/*", route)
            page.blocked = blocked  # type: ignore[attr-defined]
            yield page
        finally:
            browser.close()


def screenshot(page: object, test: str, name: str) -> Path:
    folder = SCREENSHOTS / test
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
