"""Reading with several processes gives the frames of the single-process read, in the same order: a large return
split at learner boundaries, many returns one per process, and the files that must not be split."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditkit.readers import ilr_parallel as par
from auditkit.readers.ilr import read_ilr
from tests.conftest import SAMPLES

LEARNER = re.compile(rb"<Learner>.*?</Learner>\s*", re.DOTALL)
REF = re.compile(rb"<LearnRefNumber>[^<]*</LearnRefNumber>")


def _sample_file() -> Path:
    return sorted(SAMPLES.rglob("ILR-*.xml"))[-1]


def scaled(out: Path, learners: int, edit=None) -> Path:
    """A return of ``learners`` learners made by repeating a shipped return's learners with new references;
    ``edit(i, block)`` may change learner ``i``'s bytes."""
    text = _sample_file().read_bytes()
    blocks = LEARNER.findall(text)
    head, tail = text[: text.index(b"<Learner>")], text[text.rindex(b"</Learner>") + len(b"</Learner>"):]
    parts = [head]
    for i in range(learners):
        block = REF.sub(b"<LearnRefNumber>P%07d</LearnRefNumber>" % i, blocks[i % len(blocks)], count=1)
        parts.append(edit(i, block) if edit else block)
    out.write_bytes(b"".join(parts) + tail.lstrip())
    return out


@pytest.fixture
def split_always(monkeypatch):
    """Split or fan out whatever the size, and record whether each file was split."""
    monkeypatch.setattr(par, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(par, "MANY_MIN_BYTES", 0)
    outcomes: list[bool] = []
    real = par._read_split

    def recording(*args, **kwargs):
        row = real(*args, **kwargs)
        outcomes.append(row is not None)
        return row

    monkeypatch.setattr(par, "_read_split", recording)
    return outcomes


def assert_same(paths, workers: int, **options) -> None:
    one = read_ilr(*paths, progress=False, workers=1, **options)
    many = read_ilr(*paths, progress=False, workers=workers, **options)
    assert list(one.frames) == list(many.frames)
    for name in one.frames:
        pd.testing.assert_frame_equal(one.frames[name], many.frames[name], obj=name)


def test_a_large_return_read_in_parts_gives_the_same_frames(tmp_path, split_always):
    path = scaled(tmp_path / "ILR-10090001-2425-20250404-120000-01.xml", 600)
    assert_same([path], workers=3)
    assert split_always == [True]


def test_line_numbers_past_65535_are_the_start_tags_lines(tmp_path, split_always):
    # libxml2 gives the line after a start tag past line 65,535: the reader corrects it, split or not
    path = scaled(tmp_path / "ILR-10090001-2425-20250404-120000-01.xml", 2500)
    data = path.read_bytes()
    assert data.count(b"\n") > 70_000
    true = [data.count(b"\n", 0, m.start()) + 1 for m in re.finditer(rb"<Learner>", data)]
    for workers in (1, 2):
        lines = read_ilr(path, progress=False, workers=workers).learners["line"].astype(int).tolist()
        assert lines == true
    deliveries = read_ilr(path, progress=False, workers=1).deliveries["line"].astype(int).tolist()
    assert deliveries == [data.count(b"\n", 0, m.start()) + 1 for m in re.finditer(rb"<LearningDelivery>", data)]


def _bad(i: int, block: bytes) -> bytes:
    """Learners with problems all through the file: bad dates, unknown elements, a repeated element."""
    if i % 97 == 5:
        block = block.replace(b"<DateOfBirth>", b"<DateOfBirth>31/02/", 1)
    if i % 89 == 7:
        block = block.replace(b"</ULN>", b"</ULN><Shoesize>9</Shoesize>", 1)
    if i % 83 == 11:
        block = block.replace(b"<Sex>", b"<Sex>M</Sex><Sex>", 1)
    return block


def test_problems_and_unknown_elements_are_those_of_the_single_read(tmp_path, split_always):
    path = scaled(tmp_path / "ILR-10090001-2425-20250404-120000-01.xml", 900, _bad)
    assert_same([path], workers=2)
    assert split_always == [True]
    data = read_ilr(path, progress=False, workers=2)
    assert len(data.problems) > 20 and len(data.unknown_elements) >= 10
    lines = data.problems["line"].dropna().astype(int).tolist()
    assert lines == sorted(lines)  # problems are in file order


def test_a_broken_part_is_read_again_by_one_process(tmp_path, split_always):
    broken = scaled(tmp_path / "ILR-10090001-2425-20250404-120000-01.xml", 800,
                    lambda i, b: b.replace(b"</Ethnicity>", b"</Ethnicty>", 1) if i == 700 else b)
    assert_same([broken], workers=2)
    assert split_always == [False]
    problems = read_ilr(broken, progress=False, workers=2).problems
    assert problems["message"].str.contains("not well-formed").any()


def test_mixed_namespaces_are_read_by_one_process(tmp_path, split_always):
    mixed = scaled(tmp_path / "ILR-10090001-2425-20250404-120000-01.xml", 800,
                   lambda i, b: b.replace(b"<Learner>", b'<Learner xmlns="ESFA/ILR/2023-24">', 1) if i == 600 else b)
    assert_same([mixed], workers=2)
    assert split_always == [False]


def test_another_encoding_is_not_split(tmp_path, split_always):
    path = scaled(tmp_path / "ILR-10090001-2425-20250404-120000-01.xml", 400,
                  lambda i, b: b.replace(b"<FamilyName>", "<FamilyName>Ó".encode("latin-1"), 1))
    text = path.read_bytes()
    path.write_bytes(re.sub(rb'encoding="[^"]*"', b'encoding="ISO-8859-1"', text, count=1))
    assert_same([path], workers=2)
    assert split_always == [False]
    assert read_ilr(path, progress=False, workers=2).learners["family_name"].str.startswith("Ó").all()


def test_many_returns_one_per_process_give_the_same_frames(split_always):
    assert_same([SAMPLES], workers=2)
    assert split_always == []  # many files: one process each, none split


def test_many_returns_with_refused_and_repeated_files(tmp_path, split_always):
    folder = tmp_path / "case"
    folder.mkdir()
    for f in sorted(SAMPLES.rglob("ILR-*.xml"))[:3]:
        shutil.copy(f, folder / f.name)
    first = sorted(folder.iterdir())[0]
    shutil.copy(first, folder / ("ILR-10099999-2425-20250404-120000-09.xml"))  # the same bytes again
    (folder / "ILR-10099998-2425-20250404-120000-01.xml").write_text("<NotILR/>")
    assert_same([folder], workers=2, errors="report")
    problems = read_ilr(folder, progress=False, workers=2, errors="report").problems["message"]
    assert problems.str.contains("not read twice").any() and problems.str.contains("file not read").any()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(learners=st.integers(1, 120), workers=st.integers(2, 6))
def test_any_split_gives_the_same_frames(tmp_path_factory, monkeypatch, learners, workers):
    monkeypatch.setattr(par, "SPLIT_MIN_BYTES", 0)
    path = scaled(tmp_path_factory.mktemp("split") / "ILR-10090001-2425-20250404-120000-01.xml", learners, _bad)
    assert_same([path], workers=workers)


def test_workers_from_the_environment(monkeypatch):
    monkeypatch.setenv(par.WORKERS_ENV, "3")
    assert par.workers_wanted(None) == 3
    assert par.workers_wanted(1) == 1
    monkeypatch.setenv(par.WORKERS_ENV, "two")
    with pytest.raises(ValueError, match="AUDITKIT_READ_WORKERS='two': expected a whole number"):
        par.workers_wanted(None)
    with pytest.raises(ValueError, match="at least 1"):
        par.workers_wanted(0)


def test_the_real_esfa_files_read_in_parts_and_together_give_the_same_frames(split_always):
    from tests.test_read_ilr_external import _files

    files = _files()
    for path in files:  # each split in two
        assert_same([path], workers=2, errors="report")
    assert sum(split_always) >= len(files) // 2  # most of them split (some hold learners in one part only)
    assert_same(files, workers=2, errors="report")  # all at once, one per process
