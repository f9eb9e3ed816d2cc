"""The dependency lists agree: pyproject.toml, environment.yml, and the oldest versions CI tests against."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bounds(specs: list[str]) -> dict[str, str]:
    out = {}
    for spec in specs:
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)(?:\[[A-Za-z0-9_,.-]+\])?\s*>=\s*([0-9][0-9.]*)", spec.strip())
        assert m, f"{spec!r}: every dependency is written NAME>=VERSION (or NAME[EXTRAS]>=VERSION)"
        out[m[1].lower()] = _norm(m[2])
    return out


def _norm(version: str) -> str:
    """``0.24.0`` and ``0.24`` are the same version."""
    while version.endswith(".0") and version.count(".") > 0:
        version = version[:-2]
    return version


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_environment_yml_lists_the_same_dependencies():
    project = _pyproject()
    wanted = _bounds(project["dependencies"] + project["optional-dependencies"]["test"])
    lines = (ROOT / "environment.yml").read_text(encoding="utf-8").splitlines()
    listed = [ln.strip()[2:] for ln in lines if re.match(r"\s+- [a-z][a-z0-9_.-]*>=", ln)
              and not ln.strip().startswith("- python>=")]
    assert _bounds(listed) == wanted


def test_ci_oldest_pins_are_the_lower_bounds():
    runtime = _bounds(_pyproject()["dependencies"])
    pins = {}
    for line in (ROOT / ".ci" / "oldest.txt").read_text(encoding="utf-8").splitlines():
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)==([0-9][0-9.]*)", line.strip())
        if m:
            pins[m[1].lower()] = _norm(m[2])
    assert pins == runtime
