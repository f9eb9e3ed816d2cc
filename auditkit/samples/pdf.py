"""Tiny one-page PDFs with fixed bytes: standard fonts, uncompressed content, metadata set by the caller.

Written by hand rather than with reportlab so that the bytes depend on nothing but the arguments (no library
version, no zlib build, no clock): the shipped samples can then be compared byte for byte with a fresh run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

_STYLES = {"title": (b"/F2", 15, 24), "heading": (b"/F2", 12, 20), "text": (b"/F1", 10, 15)}
PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points


def pdf_text(text: str) -> bytes:
    """A PDF literal string in WinAnsi (cp1252) encoding, with ``\\``, ``(`` and ``)`` escaped."""
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def pdf_date(when: dt.datetime) -> bytes:
    """A PDF date string in UTC: ``D:20240701101500+00'00'``."""
    return pdf_text(f"D:{when:%Y%m%d%H%M%S}+00'00'")


def _content(lines: Sequence[tuple[str, str]]) -> bytes:
    out = [b"BT", b"56 786 Td"]
    for style, text in lines:
        font, size, leading = _STYLES[style]
        out.append(b"%s %d Tf %d TL T* %s Tj" % (font, size, leading, pdf_text(text)))
    out.append(b"ET")
    return b"\n".join(out)


def _info(title: str, author: str, subject: str, producer: str, creator: str, created: dt.datetime,
          modified: dt.datetime) -> bytes:
    pairs = [(b"Title", pdf_text(title)), (b"Author", pdf_text(author)), (b"Subject", pdf_text(subject)),
             (b"Producer", pdf_text(producer)), (b"Creator", pdf_text(creator)),
             (b"CreationDate", pdf_date(created)), (b"ModDate", pdf_date(modified))]
    return b"<< " + b" ".join(b"/%s %s" % (k, v) for k, v in pairs) + b" >>"


def one_page_pdf(
    lines: Sequence[tuple[str, str]],
    *,
    title: str,
    author: str,
    subject: str,
    producer: str,
    creator: str,
    created: dt.datetime,
    modified: dt.datetime | None = None,
) -> bytes:
    """A one-page A4 PDF showing ``lines`` (``(style, text)``, style ``title``, ``heading`` or ``text``)."""
    content = _content(lines)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> "
        b"/Contents 6 0 R >>" % (PAGE_WIDTH, PAGE_HEIGHT),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        _info(title, author, subject, producer, creator, created, modified or created),
    ]
    return pdf_from_objects(objects, info=len(objects), file_id=True)


def pdf_from_objects(objects: list[bytes], *, header: bytes = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", info: int | None = None,
                     file_id: bool = False) -> bytes:
    """A PDF of the given object bodies (numbered 1, 2, ...; object 1 the catalog) with a correct cross-reference
    table; ``info`` names the document information object, ``file_id`` adds an /ID made from the bytes."""
    out = bytearray(header)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer = b"<< /Size %d /Root 1 0 R" % (len(objects) + 1)
    if info is not None:
        trailer += b" /Info %d 0 R" % info
    if file_id:
        digest = hashlib.md5(bytes(out), usedforsecurity=False).hexdigest().encode()
        trailer += b" /ID [<%s> <%s>]" % (digest, digest)
    out += b"trailer\n" + trailer + b" >>\n"
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)
