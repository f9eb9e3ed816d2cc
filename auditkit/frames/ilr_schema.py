"""The schema of each ILR year, as data: which elements each entity has, their kinds, occurrence and facets.

Read from ``auditkit/data/ilr-schema.csv``, which :mod:`auditkit.frames.ilr_schema_build` derives from ESFA's
XSDs (see that module for how years without an XSD of their own are made). The reader reads each file
against its own year's schema; ``docs/frames.md`` says in which years each column exists.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TABLE = Path(__file__).resolve().parents[1] / "data" / "ilr-schema.csv"


@dataclass(frozen=True)
class Element:
    """One element of an entity in one ILR year: a leaf field, or a child entity (``kind == "entity"``)."""

    entity: str
    name: str
    kind: str
    position: int
    min_occurs: int
    max_occurs: int | None  # None: unbounded
    length: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    restricted: bool = False  # the year's RestrictedString pattern applies as well
    min_inclusive: float | None = None
    max_inclusive: float | None = None
    total_digits: int | None = None
    fraction_digits: int | None = None
    enumeration: tuple[str, ...] | None = None


@dataclass(frozen=True)
class YearSchema:
    """Everything the schema of one ILR year says, by entity (XML element) and element name."""

    year: str
    namespace: str
    restricted_pattern: str
    source: str
    entities: dict[str, dict[str, Element]]

    def fields(self, entity: str) -> dict[str, Element]:
        """The leaf elements of ``entity``, in schema order."""
        return {n: e for n, e in self.entities.get(entity, {}).items() if e.kind != "entity"}

    def children(self, entity: str) -> dict[str, Element]:
        """The child entities of ``entity``, in schema order."""
        return {n: e for n, e in self.entities.get(entity, {}).items() if e.kind == "entity"}


def _int(text: str) -> int | None:
    return int(text) if text else None


def _float(text: str) -> float | None:
    return float(text) if text else None


@cache
def schemas() -> dict[str, YearSchema]:
    """Every ILR year's schema, oldest first."""
    by_year: dict[str, dict[str, dict[str, Element]]] = {}
    meta: dict[str, tuple[str, str, str]] = {}
    with open(TABLE, encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            year = r["year"]
            entities = by_year.setdefault(year, {})
            if r["entity"] == "(types)":
                meta[year] = (r["namespace"], r["pattern"], r["source"])
                continue
            entities.setdefault(r["entity"], {})[r["element"]] = Element(
                r["entity"], r["element"], r["kind"], int(r["position"]), int(r["min_occurs"]),
                None if r["max_occurs"] == "unbounded" else int(r["max_occurs"]),
                _int(r["length"]), _int(r["min_length"]), _int(r["max_length"]), r["pattern"] or None,
                r["restricted"] == "1", _float(r["min_inclusive"]), _float(r["max_inclusive"]),
                _int(r["total_digits"]), _int(r["fraction_digits"]),
                tuple(r["enumeration"].split("|")) if r["enumeration"] else None)
    return {y: YearSchema(y, *meta[y], entities) for y, entities in sorted(by_year.items())}


def year_schema(year: str | None) -> YearSchema | None:
    """The schema of ``year`` (``"2024-25"``); for a year outside the table, the nearest year's; None for None."""
    if year is None:
        return None
    all_years = schemas()
    if year in all_years:
        return all_years[year]
    names = list(all_years)
    return all_years[names[0] if year < names[0] else names[-1]]


def years_of(entity: str, element: str) -> list[str]:
    """The ILR years whose schema has ``element`` as a field of ``entity``."""
    return [y for y, s in schemas().items() if element in s.fields(entity)]


def years_text(years: list[str]) -> str:
    """``["2017-18", "2018-19"]`` -> ``"2017-18 to 2018-19"``; every year -> ``"all"``; gaps listed apart."""
    every = list(schemas())
    if years == every:
        return "all"
    if not years:
        return "none"
    runs: list[list[str]] = []
    for y in years:
        if runs and every.index(y) == every.index(runs[-1][-1]) + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(r[0] if len(r) == 1 else f"{r[0]} to {r[-1]}" for r in runs)
