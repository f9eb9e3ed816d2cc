"""Hypothesis strategies for ILR learners, plus small builders of hand-written test files.

A learner is a dict keyed by ILR XML element names, as :func:`auditkit.writers.ilr.write_ilr` takes it;
repeating children are lists of such dicts (``LearnerHE`` and ``LearningDeliveryHE``, which the XSD allows
once, are single dicts). Values follow the kinds declared in :mod:`auditkit.frames.ilr`: text from the XSD's
restricted character set (with XML-special and non-ASCII characters), whole numbers, dates and decimals
with one decimal place.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import string
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from auditkit.frames.fields import Field
from auditkit.frames.ilr import ENTITIES, ENTITY_BY_XML
from auditkit.frames.ilr_schema import years_of
from auditkit.writers.ilr import write_ilr

#: ContactPreference is only in older ILR years and not generated.
SKIPPED = {"ContactPreference"}
#: Children the XSD allows at most once (written as a single dict).
SINGLE = {"LearnerHE", "LearningDeliveryHE"}

#: The ILR XSD's RestrictedString characters, with é added: XML-special characters included on purpose.
TEXT_ALPHABET = string.ascii_letters + string.digits + " ~!\"@#$%&'()*+,-./:;<=>?[\\]_{}^£€é"
TRICKY_TEXT = ["O'Brien & Sons <Ltd>", '"quoted" £5 café', "a]]>b", "&amp;", "<Learner>", "Zoë-Éloïse"]

ukprns = st.integers(10_000_000, 99_999_999)


def texts(max_size: int = 24) -> st.SearchStrategy[str]:
    """Non-empty text without leading or trailing spaces (the reader strips element text)."""
    drawn = st.text(TEXT_ALPHABET, min_size=1, max_size=max_size).map(str.strip).filter(bool)
    return drawn | st.sampled_from(TRICKY_TEXT)


ints = st.integers(0, 2**31 - 1)
dates = st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))
decimals = st.integers(0, 999_999).map(lambda n: Decimal(n).scaleb(-1))  # one decimal place: 1234.5, 0.0

VALUES: dict[str, st.SearchStrategy[Any]] = {"str": texts(), "int": ints, "date": dates, "decimal": decimals}


#: The years generated files are of: their schemas have the same fields (LearnerDestinationandProgression aside).
CURRENT_YEARS = ("2023-24", "2024-25", "2025-26")


def current(xml: str, field: Field) -> bool:
    """Whether a field is one of the current years' (older years' fields, FworkCode, ..., are not generated)."""
    years = years_of(xml, field.xml)
    return not years or bool(set(years) & set(CURRENT_YEARS))


def _fields(xml: str) -> list[Field]:
    """The element's own value fields, including the keys written as elements (LearnRefNumber, AimSeqNumber)."""
    fields = [f for f in ENTITY_BY_XML[xml].fields if current(xml, f)]
    if xml == "Learner":
        fields.insert(0, Field("learn_ref_number", "LearnRefNumber", required=True))
    if xml == "LearningDelivery":
        fields.insert(2, Field("aim_seq_number", "AimSeqNumber", "int", required=True))
    return fields


def _children(xml: str) -> list[str]:
    return [e.xml for e in ENTITIES if e.parent == xml and e.xml not in SKIPPED]


def record(xml: str, max_children: int = 2, full: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """One record of entity ``xml`` with all required fields, any optional ones and its child records.

    ``full``: every field present and at least one record of every child entity.
    """
    fields = _fields(xml)
    required = {f.xml: VALUES[f.kind] for f in fields if f.required or full}
    optional: dict[str, st.SearchStrategy[Any]] = {f.xml: VALUES[f.kind] for f in fields if f.xml not in required}
    children = required if full else optional
    low = 1 if full else 0
    for child in _children(xml):
        sub = record(child, max_children, full)
        if child in SINGLE:
            children[child] = sub
        elif child == "LearningDelivery":
            children[child] = st.lists(sub, min_size=low, max_size=3, unique_by=lambda d: d["AimSeqNumber"])
        else:
            children[child] = st.lists(sub, min_size=low, max_size=max_children)
    return st.fixed_dictionaries(required, optional=optional)


def learners(max_size: int = 4, full: bool = False) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Learners of one file, with distinct LearnRefNumbers; ``full``: every field and child entity present."""
    return st.lists(record("Learner", full=full), min_size=1 if full else 0, max_size=max_size,
                    unique_by=lambda d: d["LearnRefNumber"])


def destinations(max_size: int = 3, full: bool = False) -> st.SearchStrategy[list[dict[str, Any]]]:
    return st.lists(record("LearnerDestinationandProgression", full=full), min_size=1 if full else 0,
                    max_size=max_size)


def any_learners() -> st.SearchStrategy[list[dict[str, Any]]]:
    """Sparse learners (optional parts left out at random) or full ones."""
    return learners() | learners(max_size=2, full=True)


def any_destinations() -> st.SearchStrategy[list[dict[str, Any]]]:
    return destinations() | destinations(max_size=2, full=True)


# -- hand-written files -------------------------------------------------------------------------------

UKPRN = 10000001


def minimal_learner(lrn: str | None, **extra: Any) -> dict[str, Any]:
    """A valid learner with one valid learning delivery; ``extra`` overrides learner elements."""
    learner: dict[str, Any] = {
        "LearnRefNumber": lrn, "ULN": "1000000018", "FamilyName": "Smith", "Ethnicity": 31, "Sex": "F",
        "LLDDHealthProb": 2, "PostcodePrior": "B1 1AA", "Postcode": "B1 1AA",
        "LearningDelivery": [minimal_delivery(1)],
    }
    learner.update(extra)
    return learner


def minimal_delivery(aim_seq: int, **extra: Any) -> dict[str, Any]:
    delivery: dict[str, Any] = {
        "LearnAimRef": "ZSBC0001", "AimType": 1, "AimSeqNumber": aim_seq, "LearnStartDate": dt.date(2024, 9, 2),
        "LearnPlanEndDate": dt.date(2024, 12, 20), "FundModel": 37, "DelLocPostCode": "B1 1AA", "CompStatus": 1,
    }
    delivery.update(extra)
    return delivery


def prepared_in(year: str) -> dt.date:
    """A preparation date inside ILR year ``year``: 5 December (period R04)."""
    return dt.date(int(year[:4]), 12, 5)


def ilr_text(learners: list[dict[str, Any]], *, ukprn: int = UKPRN, year: str = "2024-25",
             prepared: dt.date | None = None, namespace: bool = True, **kw: Any) -> str:
    """An ILR file as text (to edit before writing)."""
    buf = io.BytesIO()
    write_ilr(buf, ukprn=ukprn, year=year, file_preparation_date=prepared or prepared_in(year), learners=learners,
              namespace=namespace, **kw)
    return buf.getvalue().decode("utf-8")


def file_name(ukprn: int = UKPRN, year: str = "2024-25", prepared: dt.date | None = None, serial: int = 1) -> str:
    """The standard ESFA file name."""
    prepared = prepared or prepared_in(year)
    return f"ILR-{ukprn}-{year[2:4]}{year[5:7]}-{prepared:%Y%m%d}-090000-{serial:02d}.xml"


def write_file(folder: Path, learners: list[dict[str, Any]], name: str | None = None, **kw: Any) -> Path:
    """Write an ILR file into ``folder`` (standard ESFA name unless ``name``); returns its path."""
    path = folder / (name or file_name(kw.get("ukprn", UKPRN), kw.get("year", "2024-25"), kw.get("prepared"),
                                       int(kw.get("serial_no", "01"))))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ilr_text(learners, **kw), encoding="utf-8")
    return path


def prefixed(text: str) -> str:
    """The same file with every element in a prefixed namespace (``<ilr:Learner>``); same lines."""
    text = re.sub(r"<(/?)([A-Za-z])", r"<\1ilr:\2", text)
    return text.replace('<ilr:Message xmlns="', '<ilr:Message xmlns:ilr="')


def line_of(text: str, needle: str, start: int = 1) -> int:
    """1-based line number of the first line at or after ``start`` containing ``needle``."""
    for number, line in enumerate(text.splitlines(), 1):
        if number >= start and needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the text")
