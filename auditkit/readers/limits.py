"""Limits on how much an input may make auditkit expand: zip archives of ILR files, XLSX workbooks, XML text.

Inputs come from the providers being audited. A small zip can declare (and expand to) gigabytes; an XLSX is a
zip too. Before anything is expanded the archive's own headers are checked against these limits, and while a
member is read the bytes it expands to are counted again (headers can lie): going over a limit refuses the file
with an :class:`~auditkit.errors.InputError` naming the file, the member and the limit.

Every limit has a default here and can be changed for one run with an environment variable (a number of bytes,
or with a ``K``, ``M`` or ``G`` suffix, binary: ``AUDITKIT_MAX_MEMBER_BYTES=3G``), or in code by passing a
:class:`Limits` (``Limits.current().replace(...)``) to :func:`auditkit.readers.discover.find_ilr_files` or
:func:`auditkit.readers.evidence.read_table`.

========================== ================================== ===========================================
limit                       environment variable               default
========================== ================================== ===========================================
``member_bytes``            ``AUDITKIT_MAX_MEMBER_BYTES``      1 GiB: one ILR file inside a zip, expanded
``archive_bytes``           ``AUDITKIT_MAX_ARCHIVE_BYTES``     2 GiB: all ILR files of one zip, expanded
``ratio``                   ``AUDITKIT_MAX_RATIO``             200: expanded size / compressed size of a member
``ratio_floor``             ``AUDITKIT_RATIO_FLOOR_BYTES``     1 MiB: members smaller than this skip the ratio
``xlsx_bytes``              ``AUDITKIT_MAX_XLSX_BYTES``        256 MiB: all parts of an XLSX workbook, expanded
``text_chars``              ``AUDITKIT_MAX_TEXT_CHARS``        1 Mi characters: one text node of an ILR file
========================== ================================== ===========================================

Real ILR XML compresses about 5 to 90 times (the largest ILR files seen are a few hundred MB), a spreadsheet less;
a zip bomb of zeros or spaces 1,000 times. The ZIP headers bound what Python's ``zipfile`` expands (it stops at
the declared size and then fails the CRC check), so the counts while reading are a second line of defence.

No ILR element holds more than a few hundred characters. A text node longer than ``text_chars`` is not read: the
value is left empty and a problem row names the file, line, learner and element; the rest of the learner and of
the file is read. lxml's ``huge_tree`` stays off, so libxml2 itself refuses text nodes of more than 10,000,000
characters whatever this limit says (the reader then cuts the node out and reads the learner without it).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields, replace
from typing import Any

__all__ = ["ENV", "Limits", "parse_size"]

KIB, MIB, GIB = 1 << 10, 1 << 20, 1 << 30

#: The environment variable of each limit.
ENV: dict[str, str] = {
    "member_bytes": "AUDITKIT_MAX_MEMBER_BYTES",
    "archive_bytes": "AUDITKIT_MAX_ARCHIVE_BYTES",
    "ratio": "AUDITKIT_MAX_RATIO",
    "ratio_floor": "AUDITKIT_RATIO_FLOOR_BYTES",
    "xlsx_bytes": "AUDITKIT_MAX_XLSX_BYTES",
    "text_chars": "AUDITKIT_MAX_TEXT_CHARS",
}
_UNITS = {"": 1, "K": KIB, "M": MIB, "G": GIB}


def parse_size(text: str) -> int:
    """``"3G"``, ``"500M"``, ``"64k"``, ``"1000"`` as a number of bytes; ValueError otherwise."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMG]?)(?:i?B)?\s*", text, flags=re.IGNORECASE)
    if not match:
        raise ValueError(f"{text!r} is not a size; expected a number of bytes, optionally with K, M or G")
    return int(float(match.group(1)) * _UNITS[match.group(2).upper()])


@dataclass(frozen=True)
class Limits:
    """The limits in force (see the module's table)."""

    member_bytes: int = 1 * GIB
    archive_bytes: int = 2 * GIB
    ratio: float = 200.0
    ratio_floor: int = 1 * MIB
    xlsx_bytes: int = 256 * MIB
    text_chars: int = 1 * MIB

    @classmethod
    def current(cls) -> Limits:
        """The defaults, with what the environment variables of :data:`ENV` set."""
        values: dict[str, Any] = {}  # a float for ratio, ints for the rest
        for f in fields(cls):
            raw = os.environ.get(ENV[f.name], "").strip()
            if not raw:
                continue
            try:
                values[f.name] = float(raw) if f.name == "ratio" else parse_size(raw)
            except ValueError as exc:
                raise ValueError(f"environment variable {ENV[f.name]}: {exc}") from None
        return cls(**values)

    def replace(self, **changes: float | int) -> Limits:
        values: dict[str, Any] = changes  # a float for ratio, ints for the rest
        return replace(self, **values)


def size_text(n: float) -> str:
    """A byte count for a message: ``2.5 GB``, ``300.0 MB``, ``512 bytes``."""
    for unit, size in (("GB", GIB), ("MB", MIB), ("kB", KIB)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} bytes"
