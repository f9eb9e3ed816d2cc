"""Shared fixtures: the shipped samples opened once per session, and the golden-file comparison."""

from __future__ import annotations

import difflib
import importlib
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from auditkit import Case, open_case

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
GOLDEN = Path(__file__).parent / "golden"
#: Rewrite the golden files instead of comparing (only for a deliberate change; review the diff).
UPDATE_GOLDEN = "AUDITKIT_UPDATE_GOLDEN"


@pytest.fixture(scope="session")
def samples_case() -> Case:
    """The shipped samples (``samples/``) as one case; its results are computed once and shared by every test, so
    no test may change the frames it gets (copy first)."""
    return open_case([SAMPLES], progress=False)


@pytest.fixture
def commands_open(monkeypatch) -> Callable[[Case], None]:
    """``commands_open(case)``: the table commands (check, milestones, kpis) use ``case`` instead of opening their
    paths, for a test that runs commands many times on one case; the options that open a case must be the
    defaults (each command then opens exactly that case), or the command fails."""

    def use(case: Case) -> None:
        def opened(paths, contracts, evidence, employers, return_files, as_of, **options) -> Case:
            given = [contracts, evidence, employers, as_of, *return_files, *options.values()]
            assert not any(given), f"the shared case was opened with the default options, not {given}"
            return case

        monkeypatch.setattr(importlib.import_module("auditkit.cli.main"), "open_from_options", opened)

    return use


class Golden:
    """Compares a text or a frame's CSV to ``tests/golden/<path>``; rewrites it when ``AUDITKIT_UPDATE_GOLDEN=1``."""

    def __init__(self, folder: Path, update: bool) -> None:
        self.folder = folder
        self.update = update

    def __call__(self, path: str, content: str | pd.DataFrame, **csv_options: object) -> None:
        """``content`` (a frame is written as CSV without its index, with ``csv_options``) equals the golden file
        ``path`` (relative to ``tests/golden``); on a difference, the failure shows a unified diff of the first
        lines that differ."""
        text = content if isinstance(content, str) else content.to_csv(index=False, lineterminator="\n",
                                                                       **csv_options)  # type: ignore[call-overload]
        file = self.folder / path
        if self.update:
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(text, encoding="utf-8")
            pytest.skip(f"golden file {path} written")
        if not file.exists():
            pytest.fail(f"no golden file tests/golden/{path}: write it with {UPDATE_GOLDEN}=1 and review it")
        expected = file.read_text(encoding="utf-8")
        if text != expected:
            pytest.fail(diff_text(path, expected, text), pytrace=False)


def diff_text(path: str, expected: str, actual: str, limit: int = 40) -> str:
    """What differs between the golden file ``path`` and what the test got: counts, then a unified diff of at most
    ``limit`` lines."""
    old, new = expected.splitlines(), actual.splitlines()
    lines = list(difflib.unified_diff(old, new, f"tests/golden/{path}", "this run", n=1, lineterm=""))
    changed = sum(1 for line in lines[2:] if line[:1] in "+-")
    shown = lines[:limit] + ([f"... {len(lines) - limit} more diff lines"] if len(lines) > limit else [])
    if not lines:  # same lines, different line ends or final newline
        shown = ["(the lines are equal; the line ends or the final newline differ)"]
    return (f"{path} differs from its golden file ({len(old)} lines expected, {len(new)} got, {changed} changed "
            f"lines); rerun with {UPDATE_GOLDEN}=1 if the change is intended, and review the diff:\n"
            + "\n".join(shown))


@pytest.fixture
def golden() -> Golden:
    """``golden(path, text_or_frame, **csv_options)``: compare with ``tests/golden/<path>`` (see :class:`Golden`)."""
    return Golden(GOLDEN, os.environ.get(UPDATE_GOLDEN) == "1")


#: A PostgreSQL server URL for the workpaper tests (its user may create databases); without it, the tests start one.
TEST_PG = "AUDITKIT_TEST_PG"


@pytest.fixture(scope="session")
def pg_server_url():
    """The URL of a PostgreSQL server: ``AUDITKIT_TEST_PG``, else a throwaway server started for the session. When
    none starts, the PostgreSQL tests are skipped, but fail when ``CI`` is set (CI installs PostgreSQL)."""
    from tests.pg_server import PostgresUnavailable, start

    if os.environ.get(TEST_PG):
        yield os.environ[TEST_PG]
        return
    try:
        server = start()
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL did not start (CI is set, so this fails rather than skips): {exc}")
        pytest.skip(f"PostgreSQL did not start: {exc}")
    yield server.url
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    """A new, empty workpaper store's URL: a SQLite file, then a fresh PostgreSQL database (one parametrised
    fixture, so every store test runs on both back ends)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'workpapers.sqlite'}"
    from tests.pg_server import fresh_database

    return fresh_database(request.getfixturevalue("pg_server_url"))
