"""Write ILR XML from plain Python records, in the ESFA schema's element order.

A learner is a dict keyed by ILR element names (``{"LearnRefNumber": "A1", "ULN": "1000000018",
"LearningDelivery": [{...}], ...}``); repeating children are lists of such dicts. Element order comes
from :mod:`auditkit.frames.ilr`, so the output validates against the XSD when the values do.
Values may be ``str``, ``int``, ``float``, ``datetime.date`` or ``datetime.datetime``; ``None`` and
missing keys are left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

from auditkit.frames.ilr import ENTITIES, ENTITY_BY_XML, LEARNER_FIELDS, Entity

_FIELD_ORDER: dict[str, list[str]] = {e.xml: [f.xml for f in e.fields] for e in ENTITIES}
_FIELD_ORDER["Learner"] = [f.xml for f in LEARNER_FIELDS]
_FIELD_ORDER["LearningDelivery"] = [f.xml for f in ENTITY_BY_XML["LearningDelivery"].fields]
_FIELD_ORDER["LearningDelivery"].insert(2, "AimSeqNumber")
_CHILDREN: dict[str, list[Entity]] = {}
for _e in ENTITIES:
    if _e.parent:
        _CHILDREN.setdefault(_e.parent, []).append(_e)

Record = Mapping[str, Any]


def ilr_namespace(year: str) -> str:
    """``"2024-25"`` -> ``"ESFA/ILR/2024-25"``."""
    return f"ESFA/ILR/{year}"


def year_code(year: str) -> str:
    """``"2024-25"`` -> ``"2425"``."""
    return year[2:4] + year[5:7]


def _text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _write_record(out: list[str], tag: str, record: Record, depth: int) -> None:
    pad = "  " * depth
    out.append(f"{pad}<{tag}>\n")
    inner = pad + "  "
    for name in _FIELD_ORDER[tag]:
        value = record.get(name)
        if value is not None and not isinstance(value, (list, tuple, Mapping)):  # PriorAttain: field or entity
            out.append(f"{inner}<{name}>{escape(_text(value))}</{name}>\n")
    for child in _CHILDREN.get(tag, []):
        items = record.get(child.xml)
        if items is None or not isinstance(items, (list, tuple, Mapping)):  # a PriorAttain code: a field
            continue
        if isinstance(items, Mapping):
            items = [items]
        for item in items:
            _write_record(out, child.xml, item, depth + 1)
    out.append(f"{pad}</{tag}>\n")


def _element(tag: str, value: Any, depth: int) -> str:
    return f"{'  ' * depth}<{tag}>{escape(_text(value))}</{tag}>\n"


def write_ilr(
    target: str | Path | IO[bytes],
    *,
    ukprn: int,
    year: str,
    file_preparation_date: dt.date,
    learners: Iterable[Record],
    destinations: Iterable[Record] = (),
    serial_no: str = "01",
    date_time: dt.datetime | None = None,
    namespace: bool = True,
    software_supplier: str | None = "auditkit synthetic samples",
    header_ukprn: int | None = None,
) -> None:
    """Write one ILR file for one provider and ILR year (``"2024-25"``), streaming the learners."""
    date_time = date_time or dt.datetime.combine(file_preparation_date, dt.time(9, 0, 0))
    ns_attr = f' xmlns="{ilr_namespace(year)}"' if namespace else ""
    head = [
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n",
        f"<Message{ns_attr}>\n",
        "  <Header>\n",
        "    <CollectionDetails>\n",
        _element("Collection", "ILR", 3),
        _element("Year", year_code(year), 3),
        _element("FilePreparationDate", file_preparation_date, 3),
        "    </CollectionDetails>\n",
        "    <Source>\n",
        _element("ProtectiveMarking", "OFFICIAL-SENSITIVE-Personal", 3),
        _element("UKPRN", header_ukprn or ukprn, 3),
        _element("SoftwareSupplier", software_supplier, 3) if software_supplier else "",
        _element("SerialNo", serial_no, 3),
        _element("DateTime", date_time, 3),
        "    </Source>\n",
        "  </Header>\n",
        "  <LearningProvider>\n",
        _element("UKPRN", ukprn, 2),
        "  </LearningProvider>\n",
    ]
    own = isinstance(target, (str, Path))
    fh: IO[bytes] = open(target, "wb") if isinstance(target, (str, Path)) else target  # noqa: SIM115
    try:
        fh.write("".join(head).encode("utf-8"))
        for tag, records in (("Learner", learners), ("LearnerDestinationandProgression", destinations)):
            for record in records:
                out: list[str] = []
                _write_record(out, tag, record, 1)
                fh.write("".join(out).encode("utf-8"))
        fh.write(b"</Message>\n")
    finally:
        if own:
            fh.close()


def ilr_file_name(ukprn: int, year: str, prepared: dt.datetime, serial_no: str = "01") -> str:
    """The ESFA file name: ``ILR-<UKPRN>-<YYYY>-<yyyymmdd>-<hhmmss>-<NN>.xml``."""
    return f"ILR-{ukprn}-{year_code(year)}-{prepared:%Y%m%d}-{prepared:%H%M%S}-{int(serial_no):02d}.xml"
