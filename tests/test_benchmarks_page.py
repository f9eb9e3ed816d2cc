"""``benchmarks/performance.py`` runs benchmarks as their own commands and writes what they print into a page."""

from __future__ import annotations

import importlib.util
import sys

from tests.conftest import ROOT


def _performance():
    spec = importlib.util.spec_from_file_location("performance", ROOT / "benchmarks" / "performance.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["performance"] = module
    spec.loader.exec_module(module)
    return module


def test_a_quick_read_benchmark_lands_in_the_page(tmp_path, monkeypatch):
    perf = _performance()
    out = tmp_path / "performance.md"
    monkeypatch.setattr(sys, "argv", ["performance.py", "--quick", "--only", "read_ilr", "--out", str(out)])
    perf.main()
    page = out.read_text()
    assert page.startswith("# Performance")
    assert "## read_ilr" in page and "read/floor" in page and "2 procs" in page
    assert "python benchmarks/read_ilr.py --learners 2000 --repeat 1" in page
    assert "Machine: " in page and "pandas " in page


def test_a_failing_benchmark_is_reported_and_the_run_fails(tmp_path, monkeypatch):
    perf = _performance()
    out = tmp_path / "performance.md"
    monkeypatch.setitem(perf.BENCHMARKS, "read_ilr", ("what", "aim", ["--no-such-option"], ["--no-such-option"]))
    monkeypatch.setattr(sys, "argv", ["performance.py", "--quick", "--only", "read_ilr", "--out", str(out)])
    try:
        perf.main()
    except SystemExit as exc:
        assert exc.code == 1
    else:
        raise AssertionError("a failing benchmark must fail the run")
    assert "FAILED (exit 2)" in out.read_text()
