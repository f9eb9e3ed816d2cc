"""The PostgreSQL store tests never pass unnoticed without PostgreSQL: skipped on a developer's machine, failed
when ``CI`` is set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST = "tests/test_workpapers.py::test_reveals_and_samples_are_logged"


def _run(ci: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("AUDITKIT_TEST_PG", "CI")}
    env["AUDITKIT_PG_BIN"] = str(ROOT / "no-postgresql-here")
    if ci:
        env["CI"] = "true"
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", TEST],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("ci", [False, True], ids=["developer", "CI"])
def test_a_postgresql_that_does_not_start_is_skipped_but_fails_under_ci(ci):
    result = _run(ci)
    if ci:
        assert result.returncode == 1 and "CI is set, so this fails rather than skips" in result.stdout
    else:
        assert result.returncode == 0 and "1 passed, 1 skipped" in result.stdout
    assert "PostgreSQL did not start" in result.stdout
