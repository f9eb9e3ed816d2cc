"""Derive the per-year ILR schema facts from ESFA's XSDs into ``auditkit/data/ilr-schema.csv``.

    python -m auditkit.frames.ilr_schema_build XSD_FOLDER [--out auditkit/data/ilr-schema.csv]

``XSD_FOLDER`` holds ``ILR-2018-19.xsd``, ``ILR-2019-20.xsd``, ``ILR-2020-21.xsd`` and ``ILR-2025-26.xsd``
(ESFA's published schemas). Every ILR year from 2017-18 to 2025-26 is written, one row per element of each
complex element (entity): its kind, position, occurrence and facets (length, pattern, range, digits,
enumeration). Years without an XSD of their own are derived as :data:`YEARS` says, and the ``source`` column
of every row says where its facts came from. Adding next year: put its XSD in the folder, add a line to
:data:`YEARS`, run this.

Only lxml is used; the XSDs are parsed without network or entity resolution.
"""

from __future__ import annotations

import argparse
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from lxml import etree

XS = "{http://www.w3.org/2001/XMLSchema}"
COLUMNS = ["year", "namespace", "entity", "element", "kind", "position", "min_occurs", "max_occurs", "length",
           "min_length", "max_length", "pattern", "restricted", "min_inclusive", "max_inclusive", "total_digits",
           "fraction_digits", "enumeration", "source"]
#: The shared base type of ILR text fields; its pattern is kept once per year, as entity ``(types)``.
RESTRICTED = "RestrictedString"
_KINDS = {"string": "str", "normalizedString": "str", "token": "str", "int": "int", "long": "int", "integer": "int",
          "short": "int", "byte": "int", "nonNegativeInteger": "int", "positiveInteger": "int", "decimal": "decimal",
          "date": "date", "dateTime": "datetime"}


@dataclass(frozen=True)
class Year:
    """How one ILR year's facts are made: from which XSD, and what changes."""

    year: str
    xsd: str
    namespace: str
    #: the XSD is ESFA's "loose" schema (every element optional, text up to 1000 characters): occurrence and
    #: facets of an element come from this strict XSD where it has the same element.
    facets_from: str | None = None
    #: entities (with their own children) to add from another XSD: entity -> (xsd, parent)
    add: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: how the year is made when it has no XSD of its own (for the docs)
    note: str = ""


_LDP = {"LearnerDestinationandProgression": ("ILR-2020-21.xsd", "Message")}
#: Every year auditkit reads, oldest first.
YEARS: tuple[Year, ...] = (
    Year("2017-18", "ILR-2018-19.xsd", "SFA/ILR/2017-18", facets_from="ILR-2019-20.xsd",
         note="no 2017-18 XSD: taken as 2018-19, with occurrence and facets from 2019-20"),
    Year("2018-19", "ILR-2018-19.xsd", "ESFA/ILR/2018-19", facets_from="ILR-2019-20.xsd",
         note="ESFA's loose 2018-19 XSD: occurrence and facets of the elements 2019-20 shares taken from 2019-20"),
    Year("2019-20", "ILR-2019-20.xsd", "ESFA/ILR/2019-20"),
    Year("2020-21", "ILR-2020-21.xsd", "ESFA/ILR/2020-21"),
    Year("2021-22", "ILR-2025-26.xsd", "ESFA/ILR/2021-22", add=_LDP,
         note="no 2021-22 XSD: taken as 2025-26 with LearnerDestinationandProgression"),
    Year("2022-23", "ILR-2025-26.xsd", "ESFA/ILR/2022-23", add=_LDP,
         note="no 2022-23 XSD: taken as 2025-26 with LearnerDestinationandProgression"),
    Year("2023-24", "ILR-2025-26.xsd", "ESFA/ILR/2023-24", add=_LDP,
         note="no 2023-24 XSD: taken as 2025-26 with LearnerDestinationandProgression"),
    Year("2024-25", "ILR-2025-26.xsd", "ESFA/ILR/2024-25", note="no 2024-25 XSD: taken as 2025-26"),
    Year("2025-26", "ILR-2025-26.xsd", "ESFA/ILR/2025-26"),
)


@dataclass(frozen=True)
class Fact:
    """One element of one entity in one year."""

    entity: str
    element: str
    kind: str
    position: int
    min_occurs: int
    max_occurs: str  # a number or "unbounded"
    facets: dict[str, str]
    restricted: bool
    source: str


def _parse(path: Path) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True)
    return etree.parse(str(path), parser).getroot()


def _restriction(el: etree._Element) -> tuple[str, dict[str, str], bool]:
    """Kind, facets and whether the RestrictedString base applies, of a leaf element."""
    typ = el.get("type")
    if typ:
        return _KINDS[typ.split(":")[-1]], {}, False
    res = el.find(f"{XS}simpleType/{XS}restriction")
    if res is None:
        raise ValueError(f"element {el.get('name')} has neither a type nor a restriction")
    base = res.get("base", "").split(":")[-1]
    restricted = base == RESTRICTED
    kind = "str" if restricted else _KINDS[base]
    facets: dict[str, str] = {}
    patterns, enums = [], []
    for f in res:
        if not isinstance(f.tag, str):
            continue
        name, value = etree.QName(f).localname, (f.get("value") or "").strip()
        if name == "pattern":
            patterns.append(value)
        elif name == "enumeration":
            enums.append(value)
        else:
            facets[{"length": "length", "minLength": "min_length", "maxLength": "max_length",
                    "minInclusive": "min_inclusive", "maxInclusive": "max_inclusive", "totalDigits": "total_digits",
                    "fractionDigits": "fraction_digits"}[name]] = value
    if patterns:  # patterns of one restriction are alternatives
        facets["pattern"] = patterns[0] if len(patterns) == 1 else "|".join(f"(?:{p})" for p in patterns)
    if enums:
        facets["enumeration"] = "|".join(enums)
    return kind, facets, restricted


def _entities(el: etree._Element, name: str, source: str) -> Iterator[Fact]:
    """Facts of entity ``name`` (the complex element ``el``) and, depth first, of its child entities."""
    children = el.findall(f"{XS}complexType/{XS}sequence/{XS}element")
    nested = []
    for pos, child in enumerate(children, 1):
        cname = child.get("name")
        occurs = int(child.get("minOccurs", "1")), child.get("maxOccurs", "1")
        if child.find(f"{XS}complexType") is not None:
            yield Fact(name, cname, "entity", pos, *occurs, {}, False, source)
            nested.append(child)
        else:
            kind, facets, restricted = _restriction(child)
            yield Fact(name, cname, kind, pos, *occurs, facets, restricted, source)
    for child in nested:
        yield from _entities(child, child.get("name"), source)


def _facts(folder: Path, xsd: str) -> tuple[list[Fact], str]:
    root = _parse(folder / xsd)
    message = root.find(f"{XS}element[@name='Message']")
    base = root.find(f"{XS}simpleType[@name='{RESTRICTED}']/{XS}restriction/{XS}pattern")
    return list(_entities(message, "Message", xsd)), base.get("value")


def _find(root_facts: list[Fact], entity: str) -> list[Fact]:
    """The facts of ``entity`` and every entity below it."""
    by_entity: dict[str, list[Fact]] = {}
    for f in root_facts:
        by_entity.setdefault(f.entity, []).append(f)
    out, todo = [], [entity]
    while todo:
        e = todo.pop(0)
        out += by_entity.get(e, [])
        todo += [f.element for f in by_entity.get(e, []) if f.kind == "entity"]
    return out


def year_facts(folder: Path, year: Year) -> tuple[list[Fact], str]:
    """The facts of one ILR year, and its RestrictedString pattern."""
    facts, base = _facts(folder, year.xsd)
    for entity, (xsd, parent) in year.add.items():
        extra, _ = _facts(folder, xsd)
        top = next(f for f in extra if f.entity == parent and f.element == entity)
        last = max(f.position for f in facts if f.entity == parent)
        facts += [replace(top, position=last + 1), *_find(extra, entity)]
    if year.facets_from:
        strict = {(f.entity, f.element): f for f in _facts(folder, year.facets_from)[0]}
        facts = [_tightened(f, strict.get((f.entity, f.element)), year.facets_from) for f in facts]
    return facts, base


def _tightened(loose: Fact, strict: Fact | None, xsd: str) -> Fact:
    """A loose-schema element with the occurrence and facets of the strict schema's same element."""
    if strict is None or loose.entity in ("Header", "CollectionDetails", "Source", "SourceFile", "LearningProvider"):
        return loose  # the loose schema's header is strict already; elements only it has stay loose
    facets = {k: v for k, v in strict.facets.items() if k != "enumeration"}
    return replace(loose, kind=strict.kind, min_occurs=strict.min_occurs, max_occurs=strict.max_occurs,
                   facets=facets, restricted=strict.restricted,
                   source=f"{loose.source}; facets {xsd}")


def rows(folder: Path) -> list[dict[str, str]]:
    """Every row of the table, for every year of :data:`YEARS`."""
    out = []
    for year in YEARS:
        facts, base = year_facts(folder, year)
        code = year.year[2:4] + year.year[5:7]
        out.append({"year": year.year, "namespace": year.namespace, "entity": "(types)", "element": RESTRICTED,
                    "kind": "str", "pattern": base,
                    "source": "; ".join(x for x in (year.xsd, year.note) if x)})
        for f in facts:
            facets = dict(f.facets)
            if f.entity == "CollectionDetails" and f.element == "Year":
                facets["enumeration"] = code  # derived years: their own year code
            out.append({"year": year.year, "namespace": year.namespace, "entity": f.entity, "element": f.element,
                        "kind": f.kind, "position": str(f.position), "min_occurs": str(f.min_occurs),
                        "max_occurs": f.max_occurs, "restricted": "1" if f.restricted else "", **facets,
                        "source": f.source})
    return out


def table_text(folder: Path) -> str:
    """The CSV text of the table (what ``auditkit/data/ilr-schema.csv`` holds)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows(folder):
        writer.writerow(row)
    return buf.getvalue()


DEFAULT_OUT = Path(__file__).resolve().parents[1] / "data" / "ilr-schema.csv"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="folder holding ESFA's ILR-YYYY-YY.xsd files")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    text = table_text(args.folder)
    args.out.write_text(text, encoding="utf-8")
    print(f"{args.out}: {text.count(chr(10)) - 1} rows, years {YEARS[0].year} to {YEARS[-1].year}")


if __name__ == "__main__":
    main()
