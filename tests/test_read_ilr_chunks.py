"""The reader converts rows in chunks as it goes; chunking must not change anything it gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from auditkit import read_ilr
from auditkit.readers import ilr as reader

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def _read(path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int | None) -> dict[str, pd.DataFrame]:
    if chunk:
        monkeypatch.setattr(reader, "CHUNK_ROWS", chunk)
        monkeypatch.setattr(reader, "FLUSH_EVERY", 1)
    data = read_ilr(path, progress=False)
    return {name: frame for name, frame in data.frames.items()}


def _same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


def test_chunked_read_of_the_samples_equals_an_unchunked_one(monkeypatch):
    whole = _read(SAMPLES, monkeypatch, None)
    chunked = _read(SAMPLES, monkeypatch, 7)
    assert len(whole["deliveries"]) > 7 * 10  # many chunks were made
    _same(whole, chunked)


def test_chunks_of_a_broken_file_are_undone_before_it_is_read_learner_by_learner(tmp_path, monkeypatch):
    """A file that breaks after chunks were converted is re-read; nothing of the first pass stays."""
    source = sorted((SAMPLES / "ilr" / "canal-basin-code").glob("ILR-*.xml"))[-1]
    text = source.read_text(encoding="utf-8")
    cut = text.rindex("</Learner>")  # break the last learner's closing tag
    broken = tmp_path / source.name
    broken.write_text(text[:cut] + "</Learnr>" + text[cut + len("</Learner>"):], encoding="utf-8")
    shutil.copy(sorted((SAMPLES / "ilr" / "tipton-forge-tech").glob("ILR-*.xml"))[0], tmp_path)
    whole = _read(tmp_path, monkeypatch, None)
    chunked = _read(tmp_path, monkeypatch, 5)
    _same(whole, chunked)
    assert whole["problems"]["message"].str.contains("not well-formed").any()
    rid = source.stem
    assert (whole["learners"]["return_id"] == rid).sum() == text.count("<Learner>") - 1  # all but the broken one
