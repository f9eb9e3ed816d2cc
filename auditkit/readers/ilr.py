"""Read ILR XML returns into tidy frames, streaming, safely, without dropping anything silently.

``read_ilr(paths)`` takes files, folders and zips and gives one :class:`ILRData`: a frame per ILR entity
(see :mod:`auditkit.frames.ilr`), a ``returns`` frame (one row per file), a ``source_files`` frame and a
``problems`` frame holding everything that could not be read as the schema says.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import gc
import hashlib
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
from lxml import etree

from auditkit.errors import ILRFileError
from auditkit.frames.fields import NS_RANGE, TIME_ZONE_OFFSET, datetimes, key_array, parse_text
from auditkit.frames.ilr import (
    ENTITIES,
    ENTITY_FRAMES,
    ILR_FRAMES,
    PROBLEMS,
    RETURNS,
    SOURCE_FILES,
    UNKNOWN_ELEMENTS,
    Entity,
)
from auditkit.frames.ilr_schema import Element, schemas, year_schema
from auditkit.privacy import mask_frame
from auditkit.readers.discover import ILRSource, find_ilr_files
from auditkit.readers.ilr_facets import accepts_empty, has_facets, violations
from auditkit.readers.limits import ENV, Limits
from auditkit.reference import calendar as periods

HEADER_PATHS: dict[str, tuple[str, ...]] = {
    "collection": ("CollectionDetails", "Collection"),
    "year_code": ("CollectionDetails", "Year"),
    "file_preparation_date": ("CollectionDetails", "FilePreparationDate"),
    "protective_marking": ("Source", "ProtectiveMarking"),
    "header_ukprn": ("Source", "UKPRN"),
    "software_supplier": ("Source", "SoftwareSupplier"),
    "software_package": ("Source", "SoftwarePackage"),
    "release": ("Source", "Release"),
    "serial_no": ("Source", "SerialNo"),
    "date_time": ("Source", "DateTime"),
    "reference_data": ("Source", "ReferenceData"),
    "component_set_version": ("Source", "ComponentSetVersion"),
}
#: The version of the frames this reader gives: raise it whenever a change to the reader (or to the ILR frames'
#: declarations) changes what the same file gives, so that the Parquet cache (readers/ilr_cache.py) reads it again.
SCHEMA_VERSION = 2
STREAM_TAGS = ("Header", "SourceFiles", "LearningProvider", "Learner", "LearnerDestinationandProgression")
TOP_LEVEL = {"Header", "SourceFiles", "LearningProvider", "Learner", "LearnerDestinationandProgression"}


@dataclass(frozen=True)
class _Spec:
    """How to read one entity's element in one ILR year: the slot of each child element, the child entities."""

    entity: Entity
    width: int
    slots: dict[str, int]
    children: dict[str, Entity]
    path: str  # local names from the top, e.g. Learner/LearningDelivery
    folded: dict[str, str]  # casefolded name -> the schema's name, of every slot and child
    max_children: dict[str, int]  # child entity -> maxOccurs, where bounded
    min_children: tuple[str, ...]  # child entities the schema requires


@dataclass(frozen=True, eq=False)  # hashed by identity: counted per parent record
class _Bound:
    """A spec bound to one namespace: slots and children keyed by qualified tag (no local-name step)."""

    spec: _Spec
    ns: str
    slots: dict[str, int]
    children: dict[str, _Bound]
    local_children: dict[str, _Bound]
    most: int  # how often the year's schema allows this entity in its parent


_BOUND: dict[tuple[str, str | None], dict[str, _Bound]] = {}


def _bound(ns: str, year: str | None = None) -> dict[str, _Bound]:
    """Bound specs of every entity for namespace ``ns`` and ILR year ``year`` (None: every year's elements)."""
    hit = _BOUND.get((ns, year))
    if hit is None:
        q = (lambda n: f"{{{ns}}}{n}") if ns else (lambda n: n)
        specs = _specs(year)
        hit = {}
        for xml in reversed([e.xml for e in ENTITIES]):  # children are declared after their parents
            spec = specs[xml]
            kids = {k: hit[k] for k in spec.children}
            parent = specs[spec.entity.parent] if spec.entity.parent else None
            most = parent.max_children.get(xml, sys.maxsize) if parent else sys.maxsize
            hit[xml] = _Bound(spec, ns, {q(k): v for k, v in spec.slots.items()}, {q(k): b for k, b in kids.items()},
                              kids, most)
        _BOUND[(ns, year)] = hit
    return hit


@cache
def _specs(year: str | None) -> dict[str, _Spec]:
    """The specs of every entity for ``year`` (None: every element any year has, PriorAttain as the entity)."""
    schema = schemas()[year] if year else None
    paths: dict[str, str] = {}
    specs = {}
    for e in ENTITIES:
        paths[e.xml] = f"{paths[e.parent]}/{e.xml}" if e.parent else e.xml
        columns = e.columns
        slots = {f.xml: columns.index(f.column) for f in e.fields}
        if e.xml == "Learner":  # the learner's own key
            slots["LearnRefNumber"] = columns.index("learn_ref_number")
        if e.xml == "LearningDelivery":
            slots["AimSeqNumber"] = columns.index("aim_seq_number")
        children = {c.xml: c for c in ENTITIES if c.parent == e.xml}
        max_children: dict[str, int] = {}
        min_children: tuple[str, ...] = ()
        if schema is None or e.xml not in schema.entities:  # no year, or an entity the year does not have
            slots.pop("PriorAttain", None)
        else:
            fields, kids = schema.fields(e.xml), schema.children(e.xml)
            slots = {x: i for x, i in slots.items() if x in fields}
            children = {x: c for x, c in children.items() if x in kids}
            max_children = {x: most for x in children if (most := kids[x].max_occurs) is not None}
            min_children = tuple(x for x in children if kids[x].min_occurs > 0)
        folded = {x.casefold(): x for x in [*slots, *children]}
        specs[e.xml] = _Spec(e, len(columns), slots, children, paths[e.xml], folded, max_children, min_children)
    return specs


#: Raw rows of an entity converted into a typed chunk at a time (bounds the memory beyond the frames).
CHUNK_ROWS = 20_000
#: How often (in learners) the reader converts what it has gathered.
FLUSH_EVERY = 1000
_MISSING = object()
_INT64 = 1 << 63
_NO_PARSE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def _safe_parser_options() -> dict[str, Any]:
    return {
        "resolve_entities": False,
        "no_network": True,
        "load_dtd": False,
        "huge_tree": False,
        "remove_comments": True,
        "remove_pis": True,
    }


class _HashingReader:
    """File-like wrapper that hashes and counts what the parser reads (so a file is read once)."""

    def __init__(self, raw: BinaryIO, on_read: Any = None) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0
        self.on_read = on_read
        self.head = b""

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        if data:
            self.sha.update(data)
            self.size += len(data)
            if len(self.head) < 4096:
                self.head += data[: 4096 - len(self.head)]
                if _NO_PARSE.search(self.head):
                    raise ILRFileError("contains a DOCTYPE or ENTITY declaration; ILR files never do, refused")
            if self.on_read:
                self.on_read(len(data))
        return data


@dataclass
class _Collector:
    """Rows per frame, plus problems, for one or many files.

    Raw text rows are converted into typed frames in chunks of :data:`CHUNK_ROWS` as reading goes, so the
    memory beyond the frames stays flat however large the file.
    """

    rows: dict[str, list[list[Any]]] = field(default_factory=lambda: {e.frame: [] for e in ENTITIES})
    # typed chunks: column -> array, in the frame's column order
    chunks: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {e.frame: [] for e in ENTITIES})
    files: dict[str, str] = field(default_factory=dict)  # return_id -> file, for problems
    problems: list[dict[str, Any]] = field(default_factory=list)
    returns: list[dict[str, Any]] = field(default_factory=list)
    source_files: list[dict[str, Any]] = field(default_factory=list)
    unknown: list[dict[str, Any]] = field(default_factory=list)  # elements the file's year does not define
    years: dict[str, str | None] = field(default_factory=dict)  # return_id -> the ILR year whose schema read it
    positions: dict[str, int] = field(default_factory=dict)  # return_id -> the place of its file in the reading

    def flush(self, at_least: int) -> None:
        """Convert every entity's raw rows (when there are ``at_least``) into a typed chunk."""
        for e in ENTITIES:
            rows = self.rows[e.frame]
            if rows and len(rows) >= at_least:
                self.chunks[e.frame].append(_convert(e, rows, self.problems, self.files, self.years))
                rows.clear()  # in place: readers hold this list

    def frame(self, entity: Entity) -> pd.DataFrame:
        """All of one entity's rows as one typed frame.

        Built a column at a time, each chunk's arrays let go as soon as their column is joined: the memory beyond
        the frames stays at about one column's, instead of a second copy of the whole frame (``pd.concat`` of
        chunk frames)."""
        self.flush(at_least=1)
        chunks = self.chunks[entity.frame]
        self.chunks[entity.frame] = []
        if not chunks:
            return ENTITY_FRAMES[entity.frame].empty()
        n = sum(len(c["return_id"]) for c in chunks)
        columns = {}
        for name in ENTITY_FRAMES[entity.frame].columns:
            arrays = [c.pop(name) for c in chunks]
            columns[name] = arrays[0] if len(arrays) == 1 else _join(arrays)
            del arrays
            if len(chunks) > 1:
                _give_back()
        return pd.DataFrame(columns, index=pd.RangeIndex(n), copy=False)

    def drop_rows(self, rid: str) -> None:
        """Forget the rows (raw and converted) of one return."""
        for e in ENTITIES:
            self.rows[e.frame][:] = [r for r in self.rows[e.frame] if r[0] != rid]
            kept = []
            for c in self.chunks[e.frame]:
                keep = np.asarray(c["return_id"] != rid, dtype=bool)
                kept.append({k: v[keep] for k, v in c.items()})
            self.chunks[e.frame] = kept
        self.unknown[:] = [u for u in self.unknown if u["return_id"] != rid]


@cache
def _trim() -> Any:
    """glibc's ``malloc_trim``, where there is one (Linux); None elsewhere."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None


def _give_back() -> None:
    """Hand the memory of freed chunks back to the system (glibc keeps freed blocks in its heap, where the larger
    joined columns do not fit: without this the peak memory would hold the chunks and the frames at once)."""
    trim = _trim()
    if trim is not None:
        trim(0)


def _join(arrays: list[Any]) -> Any:
    """One column's chunk arrays (each of the column's dtype) as one array."""
    return pd.concat([pd.Series(a, copy=False) for a in arrays], ignore_index=True).array


_NAME_YEAR = re.compile(r"^ILR-\d+-(?P<year>\d{4})[-.]", re.IGNORECASE)
_HEADER_CHILDREN = {parent: {c for p, c in HEADER_PATHS.values() if p == parent} for parent in ("CollectionDetails",
                                                                                              "Source")}


#: libxml2 keeps line numbers up to this one in the element; past it, it gives the line of what follows the start tag.
_BIG_LINE = 65535


def _line(node: Any) -> int | None:
    """The line of ``node``'s start tag. Past line 65,535 libxml2 gives the line where the element's first text (or,
    for an empty element, its tail) ends, one line too far after a newline: those newlines are taken off."""
    line = node.sourceline
    if line is None or line < _BIG_LINE:
        return line
    text = node.text if node.text is not None or len(node) else node.tail
    return line - text.count("\n") if text else line


class _FileReader:
    """Reads one ILR file's elements into a collector, against the schema of the file's own ILR year."""

    def __init__(self, source: ILRSource, return_id: str, out: _Collector, line_offset: int = 0,
                 max_text: int | None = None) -> None:
        self.source = source
        self.max_text = Limits.current().text_chars if max_text is None else max_text
        self.return_id = return_id
        self.out = out
        self.line_offset = line_offset
        self.ukprn: int | None = None
        self.local: dict[str, str] = {}
        self.learners = 0
        self.deliveries = 0
        self.header: dict[str, Any] = {}
        self.namespace: str | None = None
        self.sink = {e.xml: out.rows[e.frame] for e in ENTITIES}
        self.decided = False
        self.ilr_year: str | None = None  # the file's year (namespace, else header Year, else file name)
        self.year: str | None = None  # the year whose schema reads it (None: no year known, every year's elements)
        self.bounds: dict[str, dict[str, _Bound]] = {}
        self.resolved: dict[tuple[int, str], Any] = {}  # (bound, tag) -> slot, child bound or None
        self.once: set[Any] = set()  # problems reported once per file
        self.bad_ukprn = False  # a LearningProvider UKPRN was there but could not be read (reported)

    def inherit(self, other: _FileReader) -> None:
        """Share what ``other`` (the same file) has found out: provider, header, year, once-only problems."""
        other.decide_year()
        self.ukprn, self.local, self.header = other.ukprn, other.local, other.header
        self.decided, self.ilr_year, self.year = True, other.ilr_year, other.year
        self.resolved, self.once = other.resolved, other.once

    # -- helpers -----------------------------------------------------------------------------------
    def name(self, tag: Any) -> str | None:
        if tag.__class__ is not str:
            return None
        local = self.local.get(tag)
        if local is None:
            local = tag.rpartition("}")[2]
            self.local[tag] = local
        return local

    def text_of(self, node: Any, entity: str | None, lrn: Any = None) -> str | None:
        """A node's stripped text; empty (and reported) when over the limit."""
        text = node.text
        if text is None:
            return None
        text = text.strip()
        if len(text) > self.max_text:
            self.too_long(self.name(node.tag) or "", len(text), _line(node), lrn, entity)
            return ""
        return text

    def too_long(self, name: str | None, size: int, line: int | None, lrn: Any, entity: str | None = None) -> None:
        """Report a text node over the limit (read as empty)."""
        self.problem(line, f"<{name}> holds {size:,} characters, more than the limit of {self.max_text:,} "
                     f"({ENV['text_chars']}); read as empty", lrn=lrn, entity=entity, field_name=name, facet="limit",
                     expected=f"at most {self.max_text:,} characters")

    def problem(self, line: int | None, message: str, *, lrn: Any = None, entity: str | None = None,
                field_name: str | None = None, value: Any = None, severity: str = "error",
                facet: str | None = None, expected: str | None = None) -> None:
        self.out.problems.append({
            "file": self.source.name, "return_id": self.return_id,
            "line": None if line is None else line + self.line_offset,
            "learn_ref_number": lrn.strip() if isinstance(lrn, str) else lrn, "entity": entity,
            "field": field_name, "value": value, "facet": facet, "expected": expected, "severity": severity,
            "message": message,
        })

    # -- the year ------------------------------------------------------------------------------------
    def decide_year(self) -> None:
        """Pick the file's ILR year: the namespace's, else the header Year's, else the file name's."""
        if self.decided:
            return
        self.decided = True
        code = self.header.get("year_code")
        name = _NAME_YEAR.match(self.source.file_name)
        said = {"the namespace": periods.year_from_namespace(self.namespace or ""),
                f"the header Year {code}": periods.year_from_code(code),
                "the file name": periods.year_from_code(name["year"]) if name else None}
        known = {k: v for k, v in said.items() if v}
        self.ilr_year = next(iter(known.values()), None)
        if len(set(known.values())) > 1:
            first = next(iter(known))
            self.problem(None, "the ILR year differs: " + ", ".join(f"{k} says {v}" for k, v in known.items())
                         + f"; read as {self.ilr_year}, from {first}", entity="Header", field_name="Year",
                         value=code, severity="warning")
        schema = year_schema(self.ilr_year)
        self.year = schema.year if schema else None
        if schema and schema.year != self.ilr_year:
            self.problem(None, f"auditkit has no schema of ILR year {self.ilr_year}; read against the {schema.year} "
                         "schema", entity="Message", value=self.ilr_year, severity="warning")
        self.out.years[self.return_id] = self.year

    def bound(self, el: Any, xml: str) -> _Bound:
        """The bound spec of entity ``xml`` for ``el``'s namespace (reporting a namespace unlike the root's)."""
        tag = el.tag
        ns = tag[1:tag.index("}")] if tag[0] == "{" else ""
        b = self.bounds.get(ns)
        if b is None:
            self.decide_year()
            if ns != (self.namespace or ""):
                self.mixed(ns, _line(el))
            b = self.bounds[ns] = _bound(ns, self.year)
        return b[xml]

    def mixed(self, ns: str, line: int | None) -> None:
        root = self.namespace or ""
        if ("ns", ns) in self.once:
            return
        self.once.add(("ns", ns))
        self.problem(line, f"mixed namespaces: the root <Message> is in {root!r} but elements from line "
                     f"{(line or 0) + self.line_offset} on are in {ns!r}; read by their local names",
                     entity="Message", value=ns, severity="warning")

    def resolve(self, tag: str, bound: _Bound, line: int | None) -> Any:
        """An element the bound spec does not know by its qualified tag: its slot or child bound by local name
        (another namespace) or by case-insensitive name (with a warning once per file); None when unknown."""
        key = (id(bound), tag)
        hit = self.resolved.get(key, _MISSING)
        if hit is not _MISSING:
            return hit
        local = self.name(tag) or ""
        spec = bound.spec
        ns = tag[1:tag.index("}")] if tag[0] == "{" else ""
        if ns != bound.ns:
            self.mixed(ns, line)
        name = local if local in spec.folded.values() else spec.folded.get(local.casefold())
        if name is not None and name != local and ("case", spec.entity.xml, local) not in self.once:
            self.once.add(("case", spec.entity.xml, local))
            self.problem(line, f"<{local}> in <{spec.entity.xml}> differs from the {self.year} schema's <{name}> only "
                         f"in case; read as {name} (here and wherever else the file has it)", entity=spec.entity.xml,
                         field_name=local, severity="warning")
        hit = None if name is None else spec.slots.get(name, bound.local_children.get(name))
        self.resolved[key] = hit
        return hit

    def unknown(self, el: Any, path: str, entity: str, lrn: Any) -> None:
        """Keep an element the year does not define (and whatever is inside it) in ``unknown_elements``."""
        name = self.name(el.tag)
        where = f"{path}/{name}" if path else name
        first = (el.text or "").strip()
        self.problem(_line(el), f"element <{name}> is not in the {self.year or 'ILR'} schema of <{entity}>; "
                     "kept in unknown_elements", lrn=lrn, entity=entity, field_name=name,
                     value=first if 0 < len(first) <= self.max_text else None, severity="warning")
        stack = [(el, where)]
        while stack:
            node, p = stack.pop()
            text = self.text_of(node, entity, lrn) or ""
            kids = [c for c in node if c.tag.__class__ is str]
            if text or not kids:
                self.out.unknown.append({
                    "return_id": self.return_id, "file": self.source.name,
                    "line": (_line(node) or 0) + self.line_offset,
                    "learn_ref_number": lrn.strip() if isinstance(lrn, str) else lrn, "entity": entity, "path": p,
                    "field": self.name(node.tag), "value": text})
            stack += [(c, f"{p}/{self.name(c.tag)}") for c in reversed(kids)]

    # -- records -----------------------------------------------------------------------------------
    def record(self, el: Any, bound: _Bound, prefix: list[Any], lrn: Any) -> None:
        spec = bound.spec
        row = prefix + [None] * (spec.width - len(prefix))
        line = el.sourceline
        row[-1] = (line if line < _BIG_LINE else _line(el) or 0) + self.line_offset
        slots, children = bound.slots, bound.children
        pending: list[tuple[Any, _Bound]] | None = None
        for child in el:
            tag = child.tag
            slot = slots.get(tag)
            if slot is None:
                sub = children.get(tag)
                if sub is None:
                    if tag.__class__ is not str:
                        continue
                    sub = self.resolve(tag, bound, _line(child))
                    if sub is None:
                        self.unknown(child, spec.path, spec.entity.xml, lrn if lrn is not None else row[2])
                        continue
                    if sub.__class__ is int:
                        slot = sub
                if slot is None:
                    if pending is None:
                        pending = []
                    pending.append((child, sub))
                    continue
            text = child.text
            text = "" if text is None else text.strip()
            if len(text) > self.max_text:
                self.too_long(self.name(tag), len(text), _line(child),
                              lrn or row[2], spec.entity.xml)
                text = ""
            if row[slot] is None:
                row[slot] = text
            else:
                name = self.name(tag)
                self.problem(_line(child), f"<{name}> appears more than once in <{spec.entity.xml}>; the first "
                             "value is kept", lrn=lrn or row[2], entity=spec.entity.xml, field_name=name, value=text,
                             severity="warning", facet="maxOccurs", expected="at most once")
        self.sink[spec.entity.xml].append(row)
        if pending:
            emp_seq = 0
            is_learner = spec.entity.xml == "Learner"
            prev: _Bound | None = None
            run = 0  # consecutive records of one child entity (the schema's sequence keeps them together)
            seen: list[str] | None = [] if spec.min_children else None
            for child, sub in pending:
                if sub is not prev:
                    if prev is not None and run > prev.most:
                        self.too_many(el, spec, prev, run, lrn if lrn is not None else row[2])
                    prev, run = sub, 1
                    if seen is not None:
                        seen.append(sub.spec.entity.xml)
                else:
                    run += 1
                if sub.spec.entity.xml == "LearnerEmploymentStatus":
                    emp_seq += 1
                    keys = row[:3] + [str(emp_seq)]
                elif is_learner:  # the learner's own keys only: row[3] is PrevLearnRefNumber, not an AimSeqNumber
                    keys = row[:3]
                else:
                    keys = row[: len(sub.spec.entity.keys)]
                self.record(child, sub, keys, row[2] if is_learner else lrn)
            if prev is not None and run > prev.most:  # prev is the last run's entity (pending is not empty)
                self.too_many(el, spec, prev, run, lrn if lrn is not None else row[2])
            if seen is not None:
                for x in spec.min_children:
                    if x not in seen:
                        self.too_few(el, spec, x, lrn if lrn is not None else row[2])
        elif spec.min_children:
            for x in spec.min_children:
                self.too_few(el, spec, x, lrn if lrn is not None else row[2])

    def too_many(self, el: Any, spec: _Spec, sub: _Bound, n: int, lrn: Any) -> None:
        entity, x = spec.entity.xml, sub.spec.entity.xml
        self.problem(_line(el), f"<{entity}> has {n} <{x}>; the {self.year} schema allows at most {sub.most}; "
                     "all are kept", lrn=lrn, entity=entity, field_name=x, value=str(n), facet="maxOccurs",
                     expected=f"at most {sub.most}")

    def too_few(self, el: Any, spec: _Spec, x: str, lrn: Any) -> None:
        entity = spec.entity.xml
        self.problem(_line(el), f"<{entity}> has no <{x}>; the {self.year} schema requires at least one",
                     lrn=lrn, entity=entity, field_name=x, value="0", facet="minOccurs", expected="at least 1")

    def learner(self, el: Any) -> None:
        self.learners += 1
        if self.learners % FLUSH_EVERY == 0:
            self.out.flush(CHUNK_ROWS)
        before = len(self.out.rows["deliveries"])
        bound = self.bound(el, "Learner")  # first: the file-level problems it may report are not the learner's
        problems_before, unknown_before = len(self.out.problems), len(self.out.unknown)
        self.record(el, bound, [self.return_id, self.ukprn], None)
        self.deliveries += len(self.out.rows["deliveries"]) - before
        row = self.out.rows["learners"][-1]
        if row[2]:  # problems in the learner's own elements were reported before its LearnRefNumber was known
            for p in self.out.problems[problems_before:]:
                if p["learn_ref_number"] is None:
                    p["learn_ref_number"] = row[2].strip()
            for u in self.out.unknown[unknown_before:]:
                if u["learn_ref_number"] is None:
                    u["learn_ref_number"] = row[2].strip()
        if row[2] is None or not str(row[2]).strip():
            self.problem(_line(el), "learner has no LearnRefNumber; kept with an empty reference",
                         entity="Learner", field_name="LearnRefNumber")

    def destination(self, el: Any) -> None:
        bound = self.bound(el, "LearnerDestinationandProgression")
        schema = schemas().get(self.year or "")
        if schema and "LearnerDestinationandProgression" not in schema.entities and "ldp" not in self.once:
            self.once.add("ldp")
            self.problem(_line(el), f"<LearnerDestinationandProgression> is not in the {self.year} schema (ILR "
                         "years up to 2023-24 have it); read into destinations all the same",
                         entity="LearnerDestinationandProgression", severity="warning")
        self.record(el, bound, [self.return_id, self.ukprn], None)

    def header_el(self, el: Any) -> None:
        values: dict[str, Any] = {}
        for key, (parent, child) in HEADER_PATHS.items():
            node = None
            for p in el:
                if self.name(p.tag) == parent:
                    for c in p:
                        if self.name(c.tag) == child:
                            node = c
                            break
            values[key] = self.text_of(node, parent) if node is not None and node.text else None
        self.header = values
        root = self.namespace or ""
        for p in el:
            pname = self.name(p.tag)
            if pname is None:
                continue
            if pname not in _HEADER_CHILDREN:
                self.unknown(p, "Header", "Header", None)
                continue
            for c in p:
                cname = self.name(c.tag)
                if cname is not None and cname not in _HEADER_CHILDREN[pname]:
                    self.unknown(c, f"Header/{pname}", pname, None)
                elif cname is not None and c.tag[0] == "{" and c.tag[1:c.tag.index("}")] != root:
                    self.mixed(c.tag[1:c.tag.index("}")], _line(c))

    def source_files_el(self, el: Any) -> None:
        for sf in el:
            if self.name(sf.tag) != "SourceFile":
                if sf.tag.__class__ is str:
                    self.unknown(sf, "SourceFiles", "SourceFiles", None)
                continue
            rec: dict[str, str | None] = {"return_id": self.return_id}
            for c in sf:
                n = self.name(c.tag)
                col = _SOURCE_FILE_COLUMNS.get(n or "")
                if col:
                    rec[col] = self.text_of(c, "SourceFile") if c.text else None
                elif n:
                    self.unknown(c, "SourceFiles/SourceFile", "SourceFile", None)
            self.out.source_files.append(rec)

    def provider(self, el: Any) -> None:
        for c in el:
            name = self.name(c.tag)
            if name == "UKPRN" and c.text:
                text = self.text_of(c, "LearningProvider")
                try:
                    number = int(text) if text else None
                except ValueError:
                    self.problem(_line(c), f"LearningProvider UKPRN {text!r} is not a number",
                                 entity="LearningProvider", field_name="UKPRN", value=c.text, facet="type",
                                 expected="a whole number")
                    self.bad_ukprn = True
                    continue
                if number is not None and not -_INT64 <= number < _INT64:
                    self.problem(_line(c), f"LearningProvider UKPRN {text!r} is too large to be a UKPRN (8 "
                                 "digits); read as empty", entity="LearningProvider", field_name="UKPRN",
                                 value=text, facet="type", expected=_EXPECTED["int"])
                    self.bad_ukprn = True
                    continue
                self.ukprn = number
            elif name and name != "UKPRN":
                self.unknown(c, "LearningProvider", "LearningProvider", None)

    def top(self, el: Any) -> None:
        name = self.name(el.tag)
        if name == "Learner":
            if self.ukprn is None and not self.header:
                self.problem(_line(el), "Learner before the Header and LearningProvider", entity="Learner",
                             severity="warning")
            self.learner(el)
        elif name == "LearnerDestinationandProgression":
            self.destination(el)
        elif name == "Header":
            self.header_el(el)
        elif name == "LearningProvider":
            self.provider(el)
        elif name == "SourceFiles":
            self.source_files_el(el)


_SOURCE_FILE_COLUMNS = {
    "SourceFileName": "source_file_name", "FilePreparationDate": "file_preparation_date",
    "SoftwareSupplier": "software_supplier", "SoftwarePackage": "software_package", "Release": "release",
    "SerialNo": "serial_no", "DateTime": "date_time",
}


def _stream(reader: _FileReader, stream: Any) -> None:
    """Stream the file's top-level records into ``reader``; raises XMLSyntaxError where the XML breaks."""
    tags = [f"{{*}}{t}" for t in STREAM_TAGS] + list(STREAM_TAGS)
    context = etree.iterparse(stream, events=("end",), tag=tags, **_safe_parser_options())
    root_checked = False
    for _, el in context:
        parent = el.getparent()
        if parent is None or parent.getparent() is not None:
            continue  # a nested element that happens to share a top-level name
        if not root_checked:
            _check_root(reader, parent)
            root_checked = True
        reader.top(el)
        el.clear(keep_tail=False)
        while el.getprevious() is not None:
            del parent[0]
    root = getattr(context, "root", None)
    if not root_checked:
        if root is None:
            raise ILRFileError("no XML elements found")
        _check_root(reader, root)
    if root is not None:
        for child in root:
            name = reader.name(child.tag)
            if name and name not in TOP_LEVEL:
                reader.unknown(child, "", "Message", None)


def _check_root(reader: _FileReader, root: Any) -> None:
    if root.getroottree().docinfo.doctype:
        raise ILRFileError("contains a DOCTYPE declaration; ILR files never do, refused")
    qname = etree.QName(root)
    if qname.localname != "Message":
        raise ILRFileError(f"not an ILR file: the root element is <{qname.localname}>, expected <Message>")
    reader.namespace = qname.namespace or ""


_LEARNER_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(Learner|LearnerDestinationandProgression)[\s>/]")
_MESSAGE_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?Message\s*>")
_ROOT_START = re.compile(rb"<((?:[\w.-]+:)?Message)\b")
_XMLNS = re.compile(rb'\sxmlns="([^"]*)"')
_LRN_TEXT = re.compile(rb"<(?:[\w.-]+:)?LearnRefNumber>([^<]{0,200})")
#: Bytes handed to the parser at a time while recovering (no copy of a large record is made).
_FEED = 1 << 20


def _root_tag(data: bytes, stop: int) -> tuple[bytes, bytes] | None:
    """The file's own root start tag and its qualified name, found in linear time (the first ``<Message``, up to
    the first ``>`` after it: when that has no ``>``, no later one has)."""
    m = _ROOT_START.search(data, 0, stop)
    if m is None:
        return None
    gt = data.find(b">", m.end(), stop)
    return None if gt < 0 else (data[m.start():gt + 1], m.group(1))


def _long_texts(data: bytes, begin: int, stop: int, limit: int) -> list[tuple[int, int, bytes]]:
    """Text runs of ``data[begin:stop]`` longer than ``limit`` bytes: (start, end, the element's name); one pass
    from ``<`` to ``<``."""
    out = []
    pos = data.find(b"<", begin, stop)
    while 0 <= pos < stop:
        lt = data.find(b"<", pos + 1, stop)
        end = stop if lt < 0 else lt
        gt = data.find(b">", pos, end)
        if gt >= 0 and end - gt - 1 > limit:
            name = (data[pos + 1:min(gt, pos + 200)].split(None, 1) or [b""])[0].rstrip(b"/")
            out.append((gt + 1, end, name.rpartition(b":")[2]))
        pos = lt
    return out


def _parse(pieces: Iterable[bytes]) -> Any:
    """Parse the concatenation of ``pieces`` (fed one by one: nothing is copied whole) with the safe options."""
    parser = etree.XMLParser(**_safe_parser_options())
    for piece in pieces:
        parser.feed(piece)
    return parser.close()


def _slices(data: bytes, begin: int, stop: int, cuts: Sequence[tuple[int, int, bytes]] = ()) -> Iterator[bytes]:
    """``data[begin:stop]`` in pieces of at most :data:`_FEED` bytes, each cut (start, end) replaced by its newlines
    (so that line numbers stay right)."""
    for start, end, _ in cuts:
        yield from _slices(data, begin, start)
        yield b"\n" * data.count(b"\n", start, end)
        begin = end
    for i in range(begin, stop, _FEED):
        yield data[i:min(i + _FEED, stop)]


@cache
def _entity_of(name: str) -> str | None:
    """The entity whose element ``name`` is, when only one entity has it."""
    owners = {e.xml for e in ENTITIES for f in e.fields if f.xml == name}
    return owners.pop() if len(owners) == 1 else None


def _parse_part(reader: _FileReader, data: bytes, spans: list[tuple[int, int, int]], before: bytes = b"",
                after: bytes = b"", entity: str | None = None) -> Any:
    """Parse ``before``, the spans (begin, stop, lines before begin) of ``data``, ``after``. A text node over the
    limit (or over libxml2's own, ``huge_tree`` being off) is cut out, reported as a problem of its element (file,
    line, learner) and the rest is parsed; raises XMLSyntaxError where the XML breaks otherwise."""
    try:
        return _parse([before, *(p for b, e, _ in spans for p in _slices(data, b, e)), after])
    except etree.XMLSyntaxError:
        cuts = {b: _long_texts(data, b, e, reader.max_text) for b, e, _ in spans}
        if not any(cuts.values()):
            raise
    root = _parse([before, *(p for b, e, _ in spans for p in _slices(data, b, e, cuts[b])), after])
    ref = next((m for m in (_LRN_TEXT.search(data, b, e) for b, e, _ in spans) if m), None)
    lrn = ref.group(1).strip().decode("utf-8", "replace") if ref else None
    for b, _, lines in spans:
        for start, end, name in cuts[b]:
            text = name.decode("utf-8", "replace")
            reader.too_long(text, end - start, lines + data.count(b"\n", b, start) + 1, lrn,
                            _entity_of(text) or entity)
    return root


def _recover(reader: _FileReader, data: bytes) -> None:
    """Read a file that is not well-formed, learner by learner, reporting the learners that are broken.

    One pass over the bytes: they are split where learners (and destination records) start, each part is parsed
    once, wrapped in the file's own root start tag, and line numbers are counted as the parts go by, so the time
    is linear in the file's size."""
    starts = [m.start() for m in _LEARNER_START.finditer(data)]
    end_match = _MESSAGE_END.search(data, starts[-1] if starts else 0)
    end = end_match.start() if end_match else len(data)
    head_end = starts[0] if starts else end
    root_tag = _root_tag(data, head_end)
    ns_match = _XMLNS.search(root_tag[0]) if root_tag else None
    ns = ns_match.group(1).decode("utf-8", "replace") if ns_match else ""
    if root_tag:  # the file's own root start tag, so its namespace declarations apply to every learner
        wrapper_open = re.sub(rb"\s+", b" ", root_tag[0])  # on one line: chunk line numbers stay right
        wrapper_close = b"</" + root_tag[1] + b">"
    else:
        wrapper_open, wrapper_close = (f'<Message xmlns="{ns}">'.encode() if ns else b"<Message>"), b"</Message>"
    try:
        tail = [(end, len(data), data.count(b"\n", 0, end))] if end_match else []
        root = _parse_part(reader, data, [(0, head_end, 0), *tail], after=b"" if end_match else wrapper_close,
                           entity="Header")
        _check_root(reader, root)
        for child in root:
            reader.top(child)
    except etree.XMLSyntaxError as exc:
        if not starts:
            raise ILRFileError(f"not well-formed XML (line {exc.lineno}: {exc.msg})") from exc
        reader.namespace = ns
        reader.problem(exc.lineno, f"the header is not well-formed XML: {exc.msg}", entity="Header")
    if reader.namespace is None:
        reader.namespace = ns
    line0, counted = reader.line_offset, 0
    boundaries = [*starts, end]
    for n, (begin, stop) in enumerate(zip(boundaries, boundaries[1:], strict=False), 1):
        line0 += data.count(b"\n", counted, begin)  # lines before this part, counted once
        counted = begin
        if n % FLUSH_EVERY == 0:
            reader.out.flush(CHUNK_ROWS)
        piece = _FileReader(reader.source, reader.return_id, reader.out, line_offset=line0,
                            max_text=reader.max_text)
        piece.inherit(reader)
        kind = _LEARNER_START.match(data, begin).group(1)  # type: ignore[union-attr]  # begin is where it matched
        try:
            root = _parse_part(piece, data, [(begin, stop, 0)], before=wrapper_open, after=wrapper_close,
                               entity=kind.decode())
        except etree.XMLSyntaxError as exc:
            ref = _LRN_TEXT.search(data, begin, stop)
            lrn = ref.group(1).strip().decode("utf-8", "replace") if ref else None
            msg = re.sub(r", line \d+, column \d+$", "", exc.msg)  # the line within the chunk, not the file
            piece.problem(exc.lineno, f"{'learner' if kind == b'Learner' else 'destination record'} is not "
                          f"well-formed XML and was not read: {msg}", lrn=lrn, entity=kind.decode())
            continue
        piece.namespace = reader.namespace
        for child in root:
            piece.top(child)
        reader.learners += piece.learners
        reader.deliveries += piece.deliveries


def _return_id(source: ILRSource, taken: set[str]) -> str:
    base = Path(source.file_name).stem
    rid, n = base, 1
    while rid in taken:
        n += 1
        rid = f"{base}~{n}"
    taken.add(rid)
    return rid


def _read_file(source: ILRSource, return_id: str, out: _Collector, on_read: Any = None) -> dict[str, Any]:
    """Read one file into ``out``; returns its row of the returns frame."""
    reader = _FileReader(source, return_id, out)
    out.files[return_id] = source.name
    problems_before = len(out.problems)
    with source.open() as raw:
        hashing = _HashingReader(raw, on_read)
        try:
            _stream(reader, hashing)
            sha, size = hashing.sha.hexdigest(), hashing.size
        except etree.XMLSyntaxError as exc:
            if not reader.header and reader.learners == 0 and not _looks_like_ilr(hashing.head):
                raise ILRFileError(f"not well-formed XML (line {exc.lineno}: {exc.msg})") from exc
            # Undo the partial streaming pass, then read learner by learner.
            out.drop_rows(return_id)
            out.problems[problems_before:] = [p for p in out.problems[problems_before:]
                                              if p.get("return_id") != return_id]
            reader = _FileReader(source, return_id, out)
            with source.open() as again:
                data = again.read()
            sha, size = hashlib.sha256(data).hexdigest(), len(data)
            reader.problem(exc.lineno, f"the file is not well-formed XML ({exc.msg}); it was read learner by "
                           "learner and the broken parts are reported below", entity="Message")
            _recover(reader, data)
    return _return_row(source, reader, sha, size, len(out.problems) - problems_before)


def _looks_like_ilr(head: bytes) -> bool:
    return re.search(rb"<(?:[\w.-]+:)?Message[\s>]", head) is not None


def _parse_date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()[:10]) if text else None
    except ValueError:
        return None


def _return_row(source: ILRSource, reader: _FileReader, sha: str, size: int, n_problems: int) -> dict[str, Any]:
    h = reader.header
    ns = reader.namespace or ""
    reader.decide_year()
    year = reader.ilr_year
    _header_facets(reader)
    _header_dates(reader)
    prepared = _parse_date(h.get("file_preparation_date"))
    if prepared and _out_of_range(h.get("file_preparation_date")):
        prepared = None
    when = periods.file_name_date(source.file_name) or prepared
    period = periods.period_of_date(when, year) if when and year else None
    if not h:
        reader.problem(None, "the file has no <Header>", entity="Header")
    if reader.ukprn is None and not reader.bad_ukprn:
        reader.problem(None, "the file has no LearningProvider UKPRN", entity="LearningProvider")
    if ns and periods.year_from_namespace(ns) is None:
        reader.problem(None, f"unexpected namespace {ns!r}; expected ESFA/ILR/YYYY-YY", entity="Message",
                       value=ns, severity="warning")
    if year and when and period is None:
        reader.problem(None, f"the file's date {when} is before ILR year {year}: no collection period",
                       entity="Header", field_name="FilePreparationDate", value=str(when), severity="warning")
    n_problems = sum(1 for p in reader.out.problems if p["return_id"] == reader.return_id)
    return {
        "return_id": reader.return_id, "path": source.name, "sha256": sha, "file_size": size,
        "ukprn": reader.ukprn, **h, "ilr_year": year, "namespace": ns,
        "period": periods.period_label(period), "period_number": period,
        "learner_count": reader.learners, "delivery_count": reader.deliveries, "problem_count": n_problems,
    }


_HEADER_DATES = {"file_preparation_date": "date", "date_time": "datetime"}


def _header_dates(reader: _FileReader) -> None:
    """Header dates that do not convert (not a date, or out of the range pandas holds) are problems, read as
    empty; so are those of the source files."""
    records = [("Header", HEADER_PATHS[key][1], key, reader.header) for key in _HEADER_DATES]
    records += [("SourceFile", xml, col, sf) for sf in reader.out.source_files if sf["return_id"] == reader.return_id
                for xml, col in _SOURCE_FILE_COLUMNS.items() if col in _HEADER_DATES]
    for entity, xml, key, values in records:
        expected = _unreadable_date(values.get(key), _HEADER_DATES[key])
        if expected:
            reader.problem(None, f"<{xml}> is {values[key]!r}, expected {expected}; read as empty", entity=entity,
                           field_name=xml, value=values[key], facet="type", expected=expected)


def _header_facets(reader: _FileReader) -> None:
    """Header and LearningProvider values against the facets of the file's year (the Year itself aside: a year
    unlike the file's is reported once, by :meth:`_FileReader.decide_year`)."""
    schema = schemas().get(reader.year or "")
    if schema is None:
        return
    values = [(parent, child, reader.header.get(key)) for key, (parent, child) in HEADER_PATHS.items()
              if child != "Year"]
    values.append(("LearningProvider", "UKPRN", None if reader.ukprn is None else str(reader.ukprn)))
    for parent, child, value in values:
        el = schema.fields(parent).get(child)
        if value is None or el is None or el.kind not in ("str", "int", "decimal"):
            continue
        for _, facet, expected in violations(el, np.array([value], dtype=object), None, schema.restricted_pattern):
            reader.problem(None, f"<{child}> {value!r} breaks the {schema.year} schema: expected {expected} ({facet}); "
                           "kept as written", entity=parent, field_name=child, value=value, facet=facet,
                           expected=expected)


# -- frames ----------------------------------------------------------------------------------------

_EXPECTED = {
    "int": "a whole number",
    "decimal": "a number",
    "date": "a date as YYYY-MM-DD",
    "datetime": "a date and time as YYYY-MM-DDThh:mm:ss",
}


def _expected(kind: str, value: Any) -> str:
    """What a value of ``kind`` should have been: a date in the range pandas holds, a whole number that fits in
    64 bits, or the kind's form."""
    if kind in ("date", "datetime") and _out_of_range(value):
        return _RANGE_TEXT
    if kind == "int" and isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        return "a whole number of at most 18 digits"
    return _EXPECTED[kind]


_RANGE_TEXT = "a date from 1677-09-22 to 2262-04-11"


def _out_of_range(text: Any) -> bool:
    """Whether ``text`` is a real date (or date-time) that a ``datetime64[ns]`` column cannot hold."""
    if not isinstance(text, str):
        return False
    text = TIME_ZONE_OFFSET.sub("", text.strip())
    try:
        when = dt.datetime.fromisoformat(text) if len(text) > 10 else dt.datetime.fromisoformat(text[:10])
    except ValueError:
        return False
    return not NS_RANGE[0] <= pd.Timestamp(when) <= NS_RANGE[1]


def _unreadable_date(text: Any, kind: str) -> str | None:
    """What a header date (``kind`` date or datetime) should have been, when ``text`` does not convert."""
    if not isinstance(text, str) or not text.strip():
        return None
    if datetimes(pd.Series([text], dtype=object)).notna().all():
        return None
    return _expected(kind, text)


_ONE = np.ones(1, bool)
_OWN_KEYS = {("Learner", "learn_ref_number"): "LearnRefNumber", ("LearningDelivery", "aim_seq_number"): "AimSeqNumber"}


@cache
def _checks(entity: Entity, year: str | None) -> dict[str, tuple[Element | None, bool]]:
    """Column -> (the year's element, whether the year requires it), for an entity's columns read from elements."""
    schema = schemas().get(year or "")
    out: dict[str, tuple[Element | None, bool]] = {}
    for f in ENTITY_FRAMES[entity.frame].fields:
        xml = f.xml or _OWN_KEYS.get((entity.xml, f.column))
        if not xml:
            continue
        if schema is None:
            out[f.column] = (None, f.required and bool(f.xml))
            continue
        el = schema.fields(entity.xml).get(xml)
        out[f.column] = (el, el is not None and el.min_occurs > 0 and bool(f.xml))
    return out


def _convert(entity: Entity, rows: list[list[Any]], problems: list[dict[str, Any]],
             files: dict[str, str], years: dict[str, str | None] | None = None) -> dict[str, Any]:
    """Build an entity's typed columns (column -> array) from raw text rows; values that do not convert are reported
    and left empty, values that break a facet of their file's year are reported and kept."""
    years = years or {}
    columns = ENTITY_FRAMES[entity.frame].fields
    table = np.empty((len(rows), len(columns)), dtype=object)
    table[:] = rows  # one C-level copy; columns are then views
    raw = [table[:, i] for i in range(len(columns))]
    index = {f.column: i for i, f in enumerate(columns)}
    lrns = raw[index["learn_ref_number"]] if "learn_ref_number" in index else np.full(len(rows), None)
    rids = raw[0]
    distinct = {years.get(r) for r in set(rids.tolist())}
    if len(distinct) == 1:
        groups: list[tuple[str | None, np.ndarray | None]] = [(distinct.pop(), None)]
    else:
        year_of = np.array([years.get(r) for r in rids], dtype=object)
        groups = [(y, np.flatnonzero(year_of == y)) for y in sorted(distinct, key=str)]
    out = {}
    for f, values in zip(columns, raw, strict=True):
        if f.column in ("return_id", "ukprn", "line"):
            out[f.column] = key_array(values, f.kind)
            continue
        present = values.astype(bool)  # values are stripped text or None
        typed, bad = parse_text(values, f.kind, present)
        xml = f.xml or _OWN_KEYS.get((entity.xml, f.column))
        if xml is None:
            out[f.column] = typed
            continue
        numbers = None
        for year, where in groups:
            el, required = _checks(entity, year)[f.column]
            if where is None:
                vals, have, g_rids, g_lines, g_lrns = values, present, rids, raw[-1], lrns
            else:
                vals, have = values[where], present[where]
                g_rids, g_lines, g_lrns = rids[where], raw[-1][where], lrns[where]
            if not have.any() and not required and el is not None and accepts_empty(el):
                continue  # common: an optional element nobody fills in
            if required:
                _report(problems, files, g_rids, g_lines, g_lrns, ~have, entity.xml, xml, None,
                        f"required element <{xml}> is missing from <{entity.xml}>; the record is kept",
                        facet="minOccurs", expected="the element, with a value")
            if el is None:
                continue
            if not required and not accepts_empty(el) and vals.tolist().count(""):
                empty = vals == ""
                if empty.any():
                    _report(problems, files, g_rids, g_lines, g_lrns, empty, entity.xml, xml, "",
                            f"<{xml}> is empty; the {year} schema expects a value", facet="minLength",
                            expected="a value")
            if has_facets(el):
                if numbers is None and f.kind in ("int", "decimal"):
                    numbers = typed.to_numpy(dtype="float64", na_value=np.nan)
                nums = None if numbers is None else (numbers if where is None else numbers[where])
                for i, facet, expected in violations(el, vals, nums, schemas()[year or ""].restricted_pattern, have):
                    _report(problems, files, g_rids[i:i + 1], g_lines[i:i + 1], g_lrns[i:i + 1], _ONE, entity.xml,
                            xml, vals[i],
                            f"<{xml}> {vals[i]!r} breaks the {year} schema: expected {expected} ({facet}); kept as "
                            "written", facet=facet, expected=expected)
        if bad.any():
            for i in np.flatnonzero(bad).tolist():
                expected = _expected(f.kind, values[i])
                _report(problems, files, raw[0][i:i + 1], raw[-1][i:i + 1], lrns[i:i + 1], np.ones(1, bool),
                        entity.xml, xml, values[i], f"<{xml}> is {values[i]!r}, expected {expected}; read as empty",
                        facet="type", expected=expected)
        out[f.column] = typed
    return out


def _report(problems: list[dict[str, Any]], files: dict[str, str], rids: np.ndarray, lines: np.ndarray,
            lrns: np.ndarray, mask: np.ndarray, entity: str, field_name: str, value: Any, message: str, *,
            facet: str | None = None, expected: str | None = None, severity: str = "error") -> None:
    if not mask.any():
        return
    for rid, line, lrn in zip(rids[mask], lines[mask], lrns[mask], strict=True):
        problems.append({
            "file": files.get(rid), "return_id": rid, "line": line, "learn_ref_number": lrn or None,
            "entity": entity, "field": field_name, "value": value, "facet": facet, "expected": expected,
            "severity": severity, "message": message,
        })


def _duplicate_problems(frames: dict[str, pd.DataFrame], problems: list[dict[str, Any]],
                        files: dict[str, str]) -> None:
    for frame, keys, what in (
        ("learners", ["return_id", "learn_ref_number"], "LearnRefNumber"),
        ("deliveries", ["return_id", "learn_ref_number", "aim_seq_number"], "AimSeqNumber"),
    ):
        df = frames[frame]
        dup = df.duplicated(keys, keep="first") & df[keys[1:]].notna().all(axis=1)  # learners without a ref differ
        for row in df.loc[dup].itertuples(index=False):
            value = getattr(row, keys[-1])
            problems.append({
                "file": files.get(row.return_id), "return_id": row.return_id, "line": row.line,
                "learn_ref_number": row.learn_ref_number, "entity": ENTITY_BY_XML_FRAME[frame], "field": what,
                "value": str(value), "severity": "warning",
                "message": f"{what} {value} appears more than once in the return; both records are kept",
            })


ENTITY_BY_XML_FRAME = {"learners": "Learner", "deliveries": "LearningDelivery"}


def _in_file_order(rows: list[dict[str, Any]], positions: dict[str, int]) -> list[dict[str, Any]]:
    """``rows`` (problems, unknown elements) by the file they are about (in reading order; a file refused or not read
    twice where it was reached), then line (a file's own problems, with no line, first), then as reported: the
    order does not depend on how the reading was split into chunks, parts or processes."""
    def key(r: dict[str, Any]) -> tuple[int, int]:
        rid = r.get("return_id")
        where = positions.get(rid, sys.maxsize) if rid is not None else r.get("_position", sys.maxsize)
        return where, -1 if r.get("line") is None else r["line"]

    return sorted(rows, key=key)


def _build(out: _Collector) -> dict[str, pd.DataFrame]:
    files = out.files
    frames: dict[str, pd.DataFrame] = {e.frame: out.frame(e) for e in ENTITIES}
    _duplicate_problems(frames, out.problems, files)
    out.problems[:] = _in_file_order(out.problems, out.positions)
    out.unknown[:] = _in_file_order(out.unknown, out.positions)
    returns = pd.DataFrame(out.returns, columns=RETURNS.columns) if out.returns else None
    frames["returns"] = RETURNS.conform(returns)
    counts = pd.Series([p["return_id"] for p in out.problems], dtype="string").value_counts()
    if len(frames["returns"]):
        frames["returns"]["problem_count"] = (
            frames["returns"]["return_id"].map(counts).fillna(0).astype("Int64")
        )
    frames["source_files"] = SOURCE_FILES.conform(out.source_files)
    frames["problems"] = PROBLEMS.conform(out.problems)
    frames["unknown_elements"] = UNKNOWN_ELEMENTS.conform(out.unknown)
    return frames




# -- the public object ---------------------------------------------------------------------------------

@dataclass
class ILRData:
    """Everything read from one or more ILR returns: a frame per entity, plus returns and problems.

    Frames are attributes (``data.learners``, ``data.deliveries``, ``data.returns``, ``data.problems``, ...)
    and items of :attr:`frames`. Keys: ``return_id`` (which file), ``ukprn``, ``learn_ref_number`` and,
    below a learning delivery, ``aim_seq_number``.
    """

    frames: dict[str, pd.DataFrame]

    def __getattr__(self, name: str) -> pd.DataFrame:
        frames = self.__dict__.get("frames", {})
        if name in frames:
            return frames[name]
        raise AttributeError(name)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self.frames))

    def __repr__(self) -> str:
        s = self.summary()
        return (f"<ILRData: {s['returns']} returns, {s['providers']} providers, {s['learners']} learners, "
                f"{s['deliveries']} aims, {s['problems']} problems>")

    def select(self, return_ids: Iterable[str]) -> ILRData:
        """The same data restricted to some returns."""
        keep = set(return_ids)
        frames = {}
        for name, df in self.frames.items():
            if name == "problems":  # file-level problems (no return) stay with every selection
                frames[name] = df[df["return_id"].isin(keep) | df["return_id"].isna()].reset_index(drop=True)
            elif "return_id" in df.columns:
                frames[name] = df[df["return_id"].isin(keep)].reset_index(drop=True)
            else:
                frames[name] = df
        return ILRData(frames)

    def masked(self, reveal: bool = False) -> ILRData:
        """A copy with personal data masked in every frame (what notebooks and exports show)."""
        return ILRData({name: mask_frame(df, reveal=reveal) for name, df in self.frames.items()})

    def latest(self) -> ILRData:
        """Only the latest return of each provider and ILR year (see :func:`latest_returns`)."""
        return self.select(latest_returns(self.returns)["return_id"])

    def summary(self) -> dict[str, object]:
        """Counts of returns, providers, learners, aims, destinations and problems; the years and periods."""
        r = self.returns
        return {
            "returns": len(r),
            "providers": r["ukprn"].nunique(),
            "years": sorted(r["ilr_year"].dropna().unique().tolist()),
            "periods": sorted(r["period"].dropna().unique().tolist()),
            "learners": len(self.learners),
            "deliveries": len(self.deliveries),
            "destinations": len(self.destinations),
            "problems": len(self.problems),
        }


def latest_returns(returns: pd.DataFrame) -> pd.DataFrame:
    """The latest snapshot of each provider and ILR year.

    Several returns of one provider and year are snapshots of the same learners; the latest is the one
    with the highest period, then the latest preparation date, header date-time and serial number.
    """
    if returns.empty:
        return returns
    order = returns.sort_values(
        ["ukprn", "ilr_year", "period_number", "file_preparation_date", "date_time", "serial_no", "return_id"],
        na_position="first",
    )
    return order.groupby(["ukprn", "ilr_year"], dropna=False).tail(1).sort_values("return_id").reset_index(drop=True)


def read_ilr(*paths: str | Path | Iterable[str | Path], progress: bool | None = None,
             errors: str = "raise", workers: int | None = None) -> ILRData:
    """Read ILR files, folders (``ILR-*.xml`` at any depth, also in zips) and zips into :class:`ILRData`.

    ``progress``: None shows a progress bar only when a load takes more than a second; True always;
    False never. ``errors``: ``"raise"`` stops with :class:`ILRFileError` naming a file that is not an
    ILR; ``"report"`` puts such a file in ``problems`` and reads the rest. A file whose bytes equal an
    earlier one's is reported and not read twice.

    ``workers``: how many processes read (None: ``AUDITKIT_READ_WORKERS``, else the CPUs, at most 4; 1: this
    process only). A large return is split at learner boundaries and its parts read at once, many returns are
    read one per process; the frames are those of a single-process read (see :mod:`auditkit.readers.ilr_parallel`).
    """
    from auditkit.readers.ilr_parallel import workers_wanted

    if errors not in ("raise", "report"):
        raise ValueError("errors must be 'raise' or 'report'")
    n_workers = workers_wanted(workers)
    flat: list[str | Path] = []
    for p in paths:
        if isinstance(p, (str, Path)):
            flat.append(p)
        else:
            flat.extend(p)
    sources = find_ilr_files(flat)
    out = _Collector()
    bar = _progress_bar(sources, progress)
    with _gc_paused():
        return ILRData(_read_all(sources, out, bar, errors, n_workers))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while reading: the rows being built are millions of small lists that
    hold no reference cycles, and the collector would otherwise scan them again and again as they grow
    (a third of the reading time on large files)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_all(sources: list[ILRSource], out: _Collector, bar: Any, errors: str,
              workers: int = 1) -> dict[str, pd.DataFrame]:
    """Read every source into ``out`` and build the frames (with ``workers`` processes when that pays)."""
    from auditkit.readers import ilr_parallel as par

    taken: set[str] = set()
    seen: dict[str, str] = {}
    split = workers > 1 and len(sources) == 1 and sources[0].size >= par.SPLIT_MIN_BYTES
    many = workers > 1 and len(sources) > 1 and sum(s.size for s in sources) >= par.MANY_MIN_BYTES
    on_read = bar.update if bar else None
    with ExitStack() as stack:
        executor = stack.enter_context(par.pool(min(workers, len(sources)) if many else workers)) if (
            split or many) else None
        read: Iterable[tuple[ILRSource, par.Pieces | None]] = (
            par._read_many(executor, sources) if many and executor else ((s, None) for s in sources))
        try:
            for position, (source, pieces) in enumerate(read):
                rid = _return_id(source, taken)
                out.positions[rid] = position
                try:
                    row = None
                    if pieces is not None:
                        if "error" in pieces:
                            raise pieces["error"]
                        row = par._add_one(out, pieces, rid)
                        if on_read:
                            on_read(source.size)
                    elif split and executor:
                        row = par._read_split(executor, source, rid, out, workers, on_read)
                    if row is None:
                        row = _read_file(source, rid, out, on_read)
                except ILRFileError as exc:
                    exc = ILRFileError(f"{source.name}: {exc}")
                    if errors == "raise":
                        raise exc from None
                    _drop_return(out, rid)  # whatever was read of the file before it was refused
                    out.problems.append({"file": source.name, "return_id": None, "line": None, "entity": None,
                                         "field": None, "value": None, "severity": "error",
                                         "message": f"file not read: {exc}", "_position": position})
                    taken.discard(rid)
                    continue
                if row["sha256"] in seen:
                    _drop_return(out, rid)
                    out.problems.append({"file": source.name, "return_id": None, "line": None, "entity": None,
                                         "field": None, "value": None, "severity": "warning",
                                         "message": f"same bytes as {seen[row['sha256']]}; not read twice",
                                         "_position": position})
                    taken.discard(rid)
                    continue
                seen[row["sha256"]] = source.name
                out.returns.append(row)
        finally:
            if bar:
                bar.close()
    return _build(out)


def _drop_return(out: _Collector, rid: str) -> None:
    out.drop_rows(rid)
    out.problems[:] = [p for p in out.problems if p.get("return_id") != rid]
    out.source_files[:] = [s for s in out.source_files if s.get("return_id") != rid]


def _progress_bar(sources: list[ILRSource], progress: bool | None) -> Any:
    if progress is False or not sources:
        return None
    from tqdm.auto import tqdm

    total = sum(s.size for s in sources)
    return tqdm(total=total, unit="B", unit_scale=True, desc="reading ILR", delay=0 if progress else 1.0,
                leave=False)


def iter_frames(data: ILRData) -> Iterator[tuple[str, pd.DataFrame]]:
    """Each frame with its name, in declaration order (returns first)."""
    for frame in ILR_FRAMES:
        yield frame.name, data.frames[frame.name]
