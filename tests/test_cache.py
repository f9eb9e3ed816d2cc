"""The Parquet cache of the ILR frames (issue 19): hits give the parsed frames exactly; a changed file, a new reader
version or a damaged cache file is read from the XML again; ``--no-cache`` and ``cache=False`` skip it."""

from __future__ import annotations

import shutil
import tempfile
import warnings
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditkit.case import open_case
from auditkit.cli import main
from auditkit.frames.fields import DTYPES
from auditkit.readers import ilr, ilr_cache
from auditkit.readers.ilr import read_ilr
from auditkit.readers.ilr_cache import CacheWarning, cache_folder, read_ilr_cached
from tests import ilr_strategies as ilrs
from tests.conftest import SAMPLES


def _equal(a: ilr.ILRData, b: ilr.ILRData) -> None:
    assert list(a.frames) == list(b.frames)
    for name in a.frames:
        pd.testing.assert_frame_equal(a.frames[name], b.frames[name], check_exact=True, obj=name)


def _cached(case: Path, **kw) -> ilr.ILRData:
    return read_ilr_cached([case], cache_folder(case), progress=False, min_bytes=0, **kw)


def _files(case: Path) -> list[Path]:
    return sorted(cache_folder(case).rglob("*.parquet"))


@pytest.fixture
def case(tmp_path) -> Path:
    folder = tmp_path / "case"
    shutil.copytree(SAMPLES, folder, ignore=shutil.ignore_patterns(".auditkit"))  # what runs of the notebooks leave
    return folder


def test_a_cached_load_gives_the_parsed_frames_exactly(case, monkeypatch):
    parsed = read_ilr([case], progress=False)
    first = _cached(case)
    files = _files(case)
    assert files, "the first load writes the cache"
    assert all(".auditkit/cache/ilr/" in p.as_posix() for p in files)
    assert {p.parent.parent.name.split("=")[0] for p in files} == {"ilr_year"}
    assert {p.parent.name.split("=")[0] for p in files} == {"ukprn"}
    monkeypatch.setattr(ilr_cache, "_parse", lambda *a: pytest.fail("a hit parses nothing"))
    second = _cached(case)
    _equal(parsed, first)
    _equal(parsed, second)
    assert second.learners["learn_ref_number"].dtype == pd.api.types.pandas_dtype(DTYPES["str"])


def test_problems_naming_file_and_line_come_back_from_the_cache(tmp_path):
    case = tmp_path / "case"
    text = ilrs.ilr_text([ilrs.minimal_learner("L1", DateOfBirth="not-a-date"), ilrs.minimal_learner("L1")])
    path = case / ilrs.file_name()
    case.mkdir()
    path.write_text(text, encoding="utf-8")
    other = case / "sub" / path.name  # the same name: return id ~2; other bytes
    other.parent.mkdir()
    other.write_text(text.replace("L1", "L2"), encoding="utf-8")
    (case / "copy").mkdir()
    shutil.copy(path, case / "copy" / "ILR-copy.xml")  # the same bytes: reported, not read twice
    parsed = read_ilr([case], progress=False)
    assert parsed.problems["message"].str.contains("appears more than once").any()
    assert parsed.problems["message"].str.contains("same bytes").any()
    assert parsed.problems["line"].notna().any() and parsed.problems["file"].notna().all()
    _cached(case)
    again = _cached(case)
    _equal(parsed, again)
    assert sorted(again.returns["return_id"]) == sorted(parsed.returns["return_id"])


def test_a_changed_file_is_read_again(case):
    _cached(case)
    target = next((case / "ilr").rglob("ILR-10090009-*.xml"))
    old = _files(case)
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("<FamilyName>", "<FamilyName>Changed", 1), encoding="utf-8")
    again = _cached(case)
    _equal(read_ilr([case], progress=False), again)
    assert set(_files(case)) != set(old), "the changed return is cached under its new SHA-256, the old one pruned"
    sha = again.returns.set_index("path").loc[str(target), "sha256"]
    assert any(p.stem == sha for p in _files(case))


def test_a_new_reader_version_reads_again(case, monkeypatch):
    _cached(case)
    parsed: list[str] = []
    real = ilr_cache._parse
    monkeypatch.setattr(ilr_cache, "_parse", lambda source, *a: parsed.append(source.name) or real(source, *a))
    monkeypatch.setattr(ilr, "SCHEMA_VERSION", ilr.SCHEMA_VERSION + 1)
    _equal(read_ilr([case], progress=False), _cached(case))
    assert len(parsed) == len(read_ilr([case], progress=False).returns)
    parsed.clear()
    _cached(case)
    assert parsed == [], "rewritten under the new version"


@pytest.mark.parametrize("damage", ["truncate", "garbage", "delete", "other frame"])
def test_a_damaged_cache_file_is_warned_about_and_not_used(case, damage):
    _cached(case)
    victim = next(p for p in _files(case) if p.parts[-4] == "learners")
    if damage == "truncate":
        victim.write_bytes(victim.read_bytes()[:100])
    elif damage == "garbage":
        victim.write_bytes(b"PAR1" + b"\0" * 500 + b"PAR1")
    elif damage == "delete":
        victim.unlink()
    else:
        shutil.copy(next(p for p in _files(case) if p.parts[-4] == "deliveries"), victim)
    with pytest.warns(CacheWarning, match=r"learners/ilr_year=.*\.parquet: the cache file cannot be used .* read "
                      r"from the XML again") as caught:
        again = _cached(case)
    assert len([w for w in caught if issubclass(w.category, CacheWarning)]) == 1
    _equal(read_ilr([case], progress=False), again)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        _equal(read_ilr([case], progress=False), _cached(case))  # repaired


def test_open_case_caches_only_in_a_case_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(ilr_cache, "MIN_BYTES", 0)
    case = tmp_path / "case"
    ilrs.write_file(case, [ilrs.minimal_learner("L1")])
    open_case(case, progress=False, cache=False)
    assert not (case / ".auditkit").exists()
    opened = open_case(next(case.glob("*.xml")), progress=False)  # a file: no case folder to hold a cache
    assert not (case / ".auditkit").exists()
    open_case([case, next(case.glob("*.xml"))], progress=False)  # several paths: none is the case folder
    assert not (case / ".auditkit").exists()
    assert len(opened.loaded.learners) == 1
    cached = open_case(case, progress=False)
    assert _files(case)
    _equal(opened.loaded, cached.loaded)


def test_a_cache_folder_through_a_symbolic_link_is_not_used(case, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (case / ".auditkit").symlink_to(outside, target_is_directory=True)
    with pytest.warns(CacheWarning, match="symbolic link"):
        data = _cached(case)
    assert not any(outside.rglob("*")), "nothing is written out of the case folder"
    _equal(read_ilr([case], progress=False), data)


def test_small_returns_are_parsed_without_a_cache(case):
    read_ilr_cached([case], cache_folder(case), progress=False)  # the samples are each under MIN_BYTES
    assert not cache_folder(case).exists()


def test_no_cache_on_the_command_line(case, monkeypatch):
    monkeypatch.setattr(ilr_cache, "MIN_BYTES", 0)
    result = CliRunner().invoke(main, ["load", str(case), "--no-cache"])
    assert result.exit_code == 0, result.output
    assert not (case / ".auditkit").exists()
    result = CliRunner().invoke(main, ["load", str(case)])
    assert result.exit_code == 0, result.output
    assert _files(case)
    help_text = CliRunner().invoke(main, ["check", "--help"]).output
    assert "--no-cache" in help_text


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(learners=ilrs.any_learners(), destinations=ilrs.any_destinations(), ukprn=ilrs.ukprns,
       year=st.sampled_from(["2023-24", "2024-25", "2025-26"]))
def test_generated_returns_come_back_equal(learners, destinations, ukprn, year):
    with tempfile.TemporaryDirectory() as tmp:
        case = Path(tmp)
        ilrs.write_file(case, learners, ukprn=ukprn, year=year, destinations=destinations)
        parsed = read_ilr([case], progress=False)
        _equal(parsed, _cached(case))
        _equal(parsed, _cached(case))
        assert _files(case)
