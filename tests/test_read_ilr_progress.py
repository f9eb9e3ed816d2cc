"""The progress bar: ``progress=False`` never prints, ``progress=True`` always does."""

from __future__ import annotations

from auditkit.readers.ilr import read_ilr
from tests import ilr_strategies as ilrs


def _folder(tmp_path):
    for ukprn in (10000001, 10000002, 10000003):
        ilrs.write_file(tmp_path, [ilrs.minimal_learner(f"L{i}") for i in range(50)], ukprn=ukprn)
    return tmp_path


def test_progress_false_prints_nothing(tmp_path, capsys):
    data = read_ilr(_folder(tmp_path), progress=False)
    assert len(data.returns) == 3
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_progress_false_prints_nothing_when_reporting_problems(tmp_path, capsys):
    folder = _folder(tmp_path)
    (folder / "ILR-bad.xml").write_text("not xml", encoding="utf-8")
    data = read_ilr(folder, progress=False, errors="report")
    assert len(data.problems) == 1
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_progress_true_shows_a_bar_on_stderr(tmp_path, capsys):
    """Proves the capture above works: the same read with progress=True does print."""
    read_ilr(_folder(tmp_path), progress=True)
    captured = capsys.readouterr()
    assert "reading ILR" in captured.err and captured.out == ""

