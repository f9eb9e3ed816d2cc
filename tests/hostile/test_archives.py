"""Hostile zips of ILR files: bombs, lying headers, bad CRCs, encrypted members, damaged zips, unreadable files.

Each is refused with a message naming the file (and member) and why; with ``errors="report"``
(``--skip-bad-files``) it is a problem row and the good files beside it are read."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditkit.cli import main
from auditkit.readers import discover
from auditkit.readers.discover import InputError, find_ilr_files
from auditkit.readers.ilr import ILRFileError, read_ilr
from auditkit.readers.limits import Limits, parse_size
from tests.hostile import corpus

GOOD = "ILR-10000001-2425-20241205-090000-01.xml"
BOMB = "ILR-10000002-2425-20241205-090000-01.xml"


def good_ilr(folder: Path, name: str = "ILR-10000003-2425-20241205-090000-01.xml") -> Path:
    path = folder / name
    path.write_bytes(corpus.ilr(["K1"], ukprn=10000003))
    return path


def messages(data) -> list[str]:
    return data.problems["message"].tolist()


def lrns(data) -> list[str]:
    return sorted(data.learners["learn_ref_number"])


def test_the_issues_zip_bomb_is_refused_from_its_headers_and_the_good_member_is_read(inputs, monkeypatch):
    zip_path = corpus.good_and_bomb_zip(inputs / "returns.zip")
    with zipfile.ZipFile(zip_path) as zf:
        assert zf.getinfo(BOMB).file_size > 2_500_000_000  # 2.5 GB declared, as in issue 11
    # refused before reading: expanding the member at all would fail this test
    real_open = zipfile.ZipFile.open

    def guarded(self, name, *a, **kw):
        assert getattr(name, "filename", name) != BOMB, "the bomb member was opened"
        return real_open(self, name, *a, **kw)

    monkeypatch.setattr(zipfile.ZipFile, "open", guarded)
    data = read_ilr(inputs, progress=False, errors="report")
    assert lrns(data) == ["G1", "G2"]
    [message] = messages(data)
    assert f"{zip_path}::{BOMB}" in message and "over the limit of 1.0 GB" in message
    assert "AUDITKIT_MAX_MEMBER_BYTES" in message
    with pytest.raises(ILRFileError, match="over the limit") as info:
        read_ilr(inputs, progress=False)
    assert f"{zip_path}::{BOMB}" in str(info.value)


def test_expansion_ratio_is_refused_from_the_headers(inputs):
    padded = corpus.bomb(BOMB, b"<Message>", b" " * corpus.MIB, b"</Message>", 300)  # 300 MB of spaces
    zip_path = corpus.write_zip(inputs / "r.zip", [corpus.deflated(GOOD, corpus.ilr(["G1"])), padded])
    assert len(padded.data) * 500 < padded.size  # under the size limits, over the ratio
    data = read_ilr(zip_path, progress=False, errors="report")
    assert lrns(data) == ["G1"]
    [message] = messages(data)
    assert BOMB in message and "times), over the limit of 200 times" in message and "AUDITKIT_MAX_RATIO" in message


def test_expansion_is_counted_while_reading_too(inputs, monkeypatch):
    """Headers can lie: with the header check passed (patched out here), the bytes read are counted again."""
    padded = corpus.bomb(BOMB, b"<Message>", b" " * corpus.MIB, b"</Message>", 300)
    zip_path = corpus.write_zip(inputs / "r.zip", [corpus.deflated(GOOD, corpus.ilr(["G1"])), padded])
    monkeypatch.setattr(discover, "member_problem", lambda info, limits: None)
    sources = find_ilr_files([zip_path])
    assert [s.error for s in sources] == [None, None]
    with sources[1].open() as stream:
        with pytest.raises(ILRFileError, match="expands to more than .* over the limit of 200 times"):
            while stream.read(1 << 16):
                pass
        assert stream.expanded < 300 * corpus.MIB  # stopped near 200 x the compressed size, not at the end
    data = read_ilr(zip_path, progress=False, errors="report")
    assert lrns(data) == ["G1"] and "expands to more than" in messages(data)[0]


def test_a_header_that_understates_the_size_gets_a_crc_error_not_the_bytes(inputs):
    """A member declaring 10 MB whose data would expand to 2.5 GB: zipfile stops at the declared size."""
    liar = corpus.ilr_bomb(declared=10 * corpus.MIB)
    zip_path = corpus.write_zip(inputs / "r.zip", [corpus.deflated(GOOD, corpus.ilr(["G1"])), liar])
    data = read_ilr(zip_path, progress=False, errors="report")
    assert lrns(data) == ["G1"]
    [message] = messages(data)
    assert f"{zip_path}::{BOMB}" in message and "damaged" in message and "CRC" in message


def test_total_of_a_zip_and_overrides_by_environment_and_keyword(inputs, monkeypatch):
    zip_path = corpus.write_zip(inputs / "r.zip", [corpus.deflated(GOOD, corpus.ilr(["G1"])),
                                                   corpus.deflated(BOMB, corpus.ilr(["G2"], ukprn=10000002))])
    good_ilr(inputs)
    monkeypatch.setenv("AUDITKIT_MAX_ARCHIVE_BYTES", "2K")
    data = read_ilr(inputs, progress=False, errors="report")
    assert lrns(data) == ["K1"]  # the loose file beside the zip is read
    [message] = messages(data)
    assert message.startswith(f"file not read: {zip_path}: the ILR files of this zip expand to")
    assert "over the limit of 2.0 kB (set AUDITKIT_MAX_ARCHIVE_BYTES" in message
    monkeypatch.delenv("AUDITKIT_MAX_ARCHIVE_BYTES")
    assert lrns(read_ilr(inputs, progress=False)) == ["G1", "G2", "K1"]
    small = Limits.current().replace(member_bytes=1000)
    assert all("over the limit of 1000 bytes" in s.error for s in find_ilr_files([zip_path], limits=small))
    monkeypatch.setenv("AUDITKIT_MAX_RATIO", "lots")
    with pytest.raises(ValueError, match="AUDITKIT_MAX_RATIO"):
        Limits.current()
    assert parse_size("3G") == 3 << 30 and parse_size("500M") == 500 << 20 and parse_size("64k") == 64 << 10


@pytest.mark.parametrize("kind", ["bad_crc", "encrypted", "bad_method", "bad_data"])
def test_a_damaged_member_is_a_problem_naming_zip_and_member(inputs, kind):
    content = corpus.ilr(["B1"], ukprn=10000002)
    bad = corpus.deflated(BOMB, content)
    bad = {"bad_crc": corpus.Member(bad.name, bad.data, bad.crc ^ 1, bad.size),
           "encrypted": corpus.Member(bad.name, bad.data, bad.crc, bad.size, flags=1),
           "bad_method": corpus.Member(bad.name, bad.data, bad.crc, bad.size, method=99),
           "bad_data": corpus.Member(bad.name, b"\xff" * len(bad.data), bad.crc, bad.size)}[kind]
    zip_path = corpus.write_zip(inputs / "r.zip", [corpus.deflated(GOOD, corpus.ilr(["G1"])), bad])
    data = read_ilr(zip_path, progress=False, errors="report")
    assert lrns(data) == ["G1"]
    [message] = messages(data)
    assert f"{zip_path}::{BOMB}" in message
    expected = {"bad_crc": "Bad CRC-32", "encrypted": "encrypted (it needs a password)",
                "bad_method": "cannot be read", "bad_data": "damaged"}[kind]
    assert expected in message
    with pytest.raises(ILRFileError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        read_ilr(zip_path, progress=False)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_a_corrupt_zip_does_not_stop_skip_bad_files(inputs, damage):
    good_ilr(inputs)
    whole = corpus.write_zip(inputs / "tmp.zip", [corpus.deflated(GOOD, corpus.ilr(["G1"]))]).read_bytes()
    (inputs / "tmp.zip").unlink()
    bad = inputs / "returns.zip"
    bad.write_bytes({"garbage": b"PK\x03\x04 not really a zip", "truncated": whole[: len(whole) // 2],
                     "empty": b""}[damage])
    data = read_ilr(inputs, progress=False, errors="report")
    assert lrns(data) == ["K1"]
    [message] = messages(data)
    assert message.startswith(f"file not read: {bad}: not a readable zip file")
    with pytest.raises(InputError, match="not a readable zip") as info:
        read_ilr(inputs, progress=False)
    assert str(bad) in str(info.value)
    result = CliRunner().invoke(main, ["load", str(inputs), "--skip-bad-files"])
    assert result.exit_code == 0, result.output
    assert "returns.zip" in result.output and "Traceback" not in result.output
    stopped = CliRunner().invoke(main, ["load", str(inputs)])
    assert stopped.exit_code != 0 and "returns.zip" in stopped.output and "not a readable zip" in stopped.output


def test_an_unreadable_ilr_file_is_a_problem_not_a_traceback(inputs, monkeypatch):
    good = good_ilr(inputs)
    locked = good_ilr(inputs, GOOD)
    real_open = open

    def no_permission(file, *a, **kw):
        if Path(file) == locked:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *a, **kw)

    monkeypatch.setattr(discover, "open", no_permission, raising=False)
    data = read_ilr(inputs, progress=False, errors="report")
    assert sorted(data.returns["path"]) == [str(good)]
    [message] = messages(data)
    assert message == f"file not read: {locked}: cannot be read (Permission denied)"
    with pytest.raises(ILRFileError, match="Permission denied"):
        read_ilr(locked, progress=False)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads a chmod 000 file anyway; "
                    "the monkeypatched PermissionError above covers it")
def test_a_chmod_000_ilr_file(inputs):
    locked = good_ilr(inputs, GOOD)
    good_ilr(inputs)
    locked.chmod(0)
    try:
        data = read_ilr(inputs, progress=False, errors="report")
    finally:
        locked.chmod(0o644)
    assert lrns(data) == ["K1"] and "Permission denied" in messages(data)[0]
