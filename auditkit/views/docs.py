"""Generate ``docs/frames.md`` from the frame declarations (run ``auditkit docs``).

It sits above every layer because it documents frames declared in all of them."""

from __future__ import annotations

from auditkit.frames import FRAMES, Frame
from auditkit.frames.ilr import ENTITY_BY_FRAME, Entity
from auditkit.frames.ilr_schema import schemas, years_of, years_text
from auditkit.measures.kpis import KPIS

_INTRO = """# Frames

Generated from the frame declarations (`auditkit/frames/`, one `Frame` each, indexed by
`auditkit.frames.FRAMES` in this order) by `auditkit docs`; do not edit by hand (a test checks it).

`auditkit.read_ilr(paths)` returns an `ILRData` whose frames are below. Every ILR frame carries the
keys `return_id` (which file), `ukprn` and `learn_ref_number`; frames below a learning delivery also
carry `aim_seq_number`; employment status monitoring joins its status on `emp_status_seq`. `line` is
where the record starts in its file. Columns marked *personal* are masked in every display and export
unless revealed.
"""


def _table(frame: Frame) -> list[str]:
    lines = [f"## `{frame.name}`", "", frame.given_by or frame.description, "",
             "| column | dtype | ILR element | personal | description |", "|---|---|---|---|---|"]
    for f in frame.fields:
        xml = f"`{f.xml}`" if f.xml else ""
        lines.append(f"| `{f.column}` | {f.dtype} | {xml} | {f.personal or ''} | {f.description.replace('|', '/')} |")
    return [*lines, ""]


def _entity_table(e: Entity, frame: Frame) -> list[str]:
    """An ILR entity's table, with the ILR years whose schema has each element."""
    source = f"From `<{e.xml}>`" + (f" inside `<{e.parent}>`" if e.parent else "") + ". "
    years = [y for y, s in schemas().items() if e.xml in s.entities]
    lines = [f"## `{e.frame}`", "", source + e.description + f" ILR years: {years_text(years)}.", "",
             "| column | dtype | ILR element | years | personal | description |", "|---|---|---|---|---|---|"]
    own = {"learn_ref_number": "LearnRefNumber"} if e.xml == "Learner" else (
        {"aim_seq_number": "AimSeqNumber"} if e.xml == "LearningDelivery" else {})
    for f in frame.fields:
        xml = f.xml or own.get(f.column, "")
        shown = f"`{f.xml}`" if f.xml else ""
        when = years_text(years_of(e.xml, xml)) if xml else ""
        lines.append(f"| `{f.column}` | {f.dtype} | {shown} | {when} | {f.personal or ''} | "
                     f"{f.description.replace('|', '/')} |")
    return [*lines, ""]


def _years_section() -> list[str]:
    """Where each ILR year's schema comes from."""
    lines = ["## ILR years", "",
             "The reader reads each file against the schema of its own ILR year (from the namespace, else the header "
             "Year, else the file name; a problem says so when they disagree). The schemas are facts derived from "
             "ESFA's XSDs by `python -m auditkit.frames.ilr_schema_build XSD_FOLDER` into "
             "`auditkit/data/ilr-schema.csv`; the `years` columns below come from it. Elements a file's year does not "
             "define are kept in `unknown_elements`; values that break a facet (length, pattern, range, digits, "
             "occurrence) are kept as written and reported in `problems`.", "",
             "| ILR year | namespace | derived from |", "|---|---|---|"]
    for y, s in schemas().items():
        lines.append(f"| {y} | `{s.namespace}` | {s.source} |")
    return [*lines, ""]


def _kpi_catalogue() -> list[str]:
    """The KPIs, below the ``kpi_values`` frame."""
    out = ["| kpi | month of | denominator | numerator | target | needs |", "|---|---|---|---|---|---|"]
    for k in KPIS:
        target = "" if k.target is None else f"{'at most' if k.direction == 'at-most' else 'at least'} {k.target:.0%}"
        out.append(f"| `{k.id}` | {k.month} | {k.denominator or '(a count)'} | {k.numerator} | {target} | "
                   f"{', '.join(k.needs)}{' (per provider only)' if k.per_provider_only else ''} |")
    return [*out, ""]


#: What follows a frame's table: the ILR years after ``returns``, the KPIs after ``kpi_values``.
_AFTER = {"returns": _years_section, "kpi_values": _kpi_catalogue}


def frames_markdown() -> str:
    """The whole of ``docs/frames.md``: every frame of :data:`auditkit.frames.FRAMES`, in its order."""
    out = [_INTRO]
    for name, frame in FRAMES.items():
        entity = ENTITY_BY_FRAME.get(name)
        out += _entity_table(entity, frame) if entity else _table(frame)
        if name in _AFTER:
            out += _AFTER[name]()
    return "\n".join(out).rstrip() + "\n"
