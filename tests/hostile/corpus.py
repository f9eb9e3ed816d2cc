"""Builders of the hostile-input corpus: every file is made at test time (nothing big is committed).

Zip bombs are written by hand: a deflate segment that expands 1 MiB of repetitive text, ended by a full flush,
is independent of what came before it, so repeating its bytes N times gives a valid stream that expands to
N MiB (2,500 copies: a 2.4 MB file expanding to 2.5 GB, as in issue 11), written in well under a second.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from auditkit.samples.pdf import pdf_from_objects
from tests import ilr_strategies as ilrs

MIB = 1 << 20
BOMB_MIB = 2500  # the bomb: 2.5 GB expanded


@dataclass(frozen=True)
class Member:
    """A zip member as written by :func:`write_zip`: raw deflate bytes (or stored bytes), CRC and size as the
    headers will declare them."""

    name: str
    data: bytes
    crc: int
    size: int
    method: int = 8  # 8: deflate, 0: stored
    flags: int = 0


def deflated(name: str, content: bytes, **kw: int) -> Member:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return Member(name, c.compress(content) + c.flush(), zlib.crc32(content), len(content), **kw)


def bomb(name: str, head: bytes, chunk: bytes, tail: bytes, copies: int, *, declared: int | None = None,
         **kw: int) -> Member:
    """A member expanding to ``head + chunk * copies + tail``; ``declared``: the size its headers claim (a lie
    when not the real size)."""
    def segment(data: bytes, final: bool = False) -> bytes:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        return c.compress(data) + (c.flush() if final else c.flush(zlib.Z_FULL_FLUSH))

    body = segment(chunk)
    crc = zlib.crc32(head)
    for _ in range(copies):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + len(chunk) * copies + len(tail)
    data = segment(head) + body * copies + segment(tail, final=True)
    return Member(name, data, crc, size if declared is None else declared, **kw)


def write_zip(path: Path, members: list[Member]) -> Path:
    """A zip (no ZIP64: sizes under 4 GiB) with exactly the headers given."""
    out, central = io.BytesIO(), io.BytesIO()
    for m in members:
        name = m.name.encode()
        offset = out.tell()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, m.flags, m.method, 0, 0x21, m.crc, len(m.data),
                              m.size, len(name), 0) + name + m.data)
        central.write(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, m.flags, m.method, 0, 0x21, m.crc,
                                  len(m.data), m.size, len(name), 0, 0, 0, 0, 0, offset) + name)
    cd = central.getvalue()
    out.write(cd + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(cd), out.tell(), 0))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())
    return path


# -- ILR content ----------------------------------------------------------------------------------------------

def ilr(lrns: list[str], ukprn: int = ilrs.UKPRN) -> bytes:
    """A valid ILR file with one minimal learner per reference."""
    return ilrs.ilr_text([ilrs.minimal_learner(n) for n in lrns], ukprn=ukprn).encode()


def ilr_bomb(name: str = "ILR-10000002-2425-20241205-090000-01.xml", copies: int = BOMB_MIB,
             **kw: int) -> Member:
    """A well-formed ILR whose learners repeat to ``copies`` MiB: read as XML it would be 2.5 GB of learners."""
    text = ilr(["B1"], ukprn=10000002)
    start, end = text.index(b"<Learner>"), text.index(b"</Learner>") + len(b"</Learner>")
    learner = text[start:end] + b"\n"
    chunk = learner * (MIB // len(learner))
    return bomb(name, text[:start], chunk, text[end:], copies, **kw)


def good_and_bomb_zip(path: Path, **kw: int) -> Path:
    """A zip holding a good ILR (learners G1, G2) and an ILR bomb."""
    return write_zip(path, [deflated("ILR-10000001-2425-20241205-090000-01.xml", ilr(["G1", "G2"])),
                            ilr_bomb(**kw)])


# -- XLSX ------------------------------------------------------------------------------------------------------

def xlsx_bomb(path: Path, copies: int = BOMB_MIB) -> Path:
    """A workbook whose first sheet holds ``copies`` MiB of rows (2.5 GB: the issue's 2.4 MB XLSX)."""
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["ukprn", "learn_ref_number", "evidence_type", "document_date"])
    book.active.append([10000001, "L1", "job_offer", "2024-09-22"])
    buf = io.BytesIO()
    book.save(buf)
    members = []
    with zipfile.ZipFile(buf) as zf:
        for info in zf.infolist():
            content = zf.read(info)
            if info.filename != "xl/worksheets/sheet1.xml":
                members.append(deflated(info.filename, content))
                continue
            content = re.sub(rb"<dimension [^>]*/>", b"", content)  # so that a reader takes every row
            end = content.index(b"</sheetData>")  # after the header and the good row
            row = b"<row>" + b"".join(b'<c t="inlineStr"><is><t>%s</t></is></c>' % v
                                      for v in (b"10000001", b"L1", b"job_offer", b"2024-09-22")) + b"</row>"
            members.append(bomb(info.filename, content[:end], row * (MIB // len(row)), content[end:], copies))
    return write_zip(path, members)


# -- PDFs a reader may choke on --------------------------------------------------------------------------------

def bad_pdfs() -> dict[str, bytes]:
    """PDF-looking files that are garbage, cut short, or whose cross-reference table claims a billion objects."""
    from tests.test_evidence_checks import pdf_bytes

    good = pdf_bytes("D:20240922100000", text="cut")
    huge_xref = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
                 b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
                 b"xref\n0 1000000000\n0000000000 65535 f \n"
                 b"trailer << /Size 1000000000 /Root 1 0 R >>\nstartxref\n110\n%%EOF\n")
    loop = pdf_objects([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"])
    deep = pdf_objects([b"<< /Type /Catalog /Pages 2 0 R /Deep " + b"[" * 100_000 + b"]" * 100_000 + b" >>",
                        b"<< /Type /Pages /Kids [] /Count 0 >>"])
    return {"garbage": b"%PDF-1.7\n" + bytes(range(256)) * 64, "truncated": good[: len(good) // 2],
            "huge_xref": huge_xref, "page_loop": loop, "deep_nesting": deep, "empty": b"%PDF-"}


#: Bad PDFs that some pypdf versions read (pypdf 4.0 reads the deeply nested one): for these, present or
#: unreadable are both right; what matters is that reading them ends, within bounds, without a traceback.
PDFS_SOME_PYPDF_READ = frozenset({"deep_nesting"})


def pdf_objects(objects: list[bytes]) -> bytes:
    """A PDF of the given objects (1, 2, ...; object 1 the catalog) with a correct cross-reference table."""
    return pdf_from_objects(objects, header=b"%PDF-1.4\n")
