"""Generate ``docs/frames.md`` from the frame declarations (run ``auditkit docs``).

It sits above every layer because it documents frames declared in all of them."""

from __future__ import annotations

from auditkit.frames.ilr import (
    ENTITIES,
    PROBLEM_FIELDS,
    RETURN_FIELDS,
    SCHEMAS,
    SOURCE_FILE_FIELDS,
    UNKNOWN_FIELDS,
    Entity,
    Field,
    entity_columns,
)
from auditkit.frames.ilr_schema import schemas, years_of, years_text

_INTRO = """# Frames

Generated from the frame declarations (`auditkit/frames/ilr.py` and the readers) by `auditkit docs`;
do not edit by hand (a test checks it).

`auditkit.read_ilr(paths)` returns an `ILRData` whose frames are below. Every ILR frame carries the
keys `return_id` (which file), `ukprn` and `learn_ref_number`; frames below a learning delivery also
carry `aim_seq_number`; employment status monitoring joins its status on `emp_status_seq`. `line` is
where the record starts in its file. Columns marked *personal* are masked in every display and export
unless revealed.
"""


def _table(name: str, description: str, fields: list[Field]) -> list[str]:
    lines = [f"## `{name}`", "", description, "",
             "| column | dtype | ILR element | personal | description |", "|---|---|---|---|---|"]
    for f in fields:
        xml = f"`{f.xml}`" if f.xml else ""
        lines.append(f"| `{f.column}` | {f.dtype} | {xml} | {f.personal or ''} | {f.description.replace('|', '/')} |")
    return [*lines, ""]


def _entity_table(e: Entity) -> list[str]:
    """An ILR entity's table, with the ILR years whose schema has each element."""
    source = f"From `<{e.xml}>`" + (f" inside `<{e.parent}>`" if e.parent else "") + ". "
    years = [y for y, s in schemas().items() if e.xml in s.entities]
    lines = [f"## `{e.frame}`", "", source + e.description + f" ILR years: {years_text(years)}.", "",
             "| column | dtype | ILR element | years | personal | description |", "|---|---|---|---|---|---|"]
    own = {"learn_ref_number": "LearnRefNumber"} if e.xml == "Learner" else (
        {"aim_seq_number": "AimSeqNumber"} if e.xml == "LearningDelivery" else {})
    for f in entity_columns(e):
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


def _other_frames() -> list[str]:
    """Frames declared outside the ILR reader: contracts, findings."""
    from auditkit.frames.findings import FINDING_FIELDS
    from auditkit.readers.contracts import AIM_FIELDS, CONTRACT_FIELDS

    out = _table("contracts", "From `contracts.toml` (`auditkit.readers.contracts.read_contracts`): one row per "
                 "provider's contract.", list(CONTRACT_FIELDS))
    out += _table("contract_aims", "From `[[contract.aim]]`: one row per bootcamp aim allocated to a provider.",
                  list(AIM_FIELDS))
    out += _table("findings", "What `auditkit check` gives: one row per problem a rule or check found.",
                  list(FINDING_FIELDS))
    out += _evidence_frames()
    out += _milestone_frames()
    out += _kpi_frames()
    return out


def _evidence_frames() -> list[str]:
    """Evidence documents, the problems found reading them, and the employer register."""
    from auditkit.readers.employers import EMPLOYER_FIELDS
    from auditkit.readers.evidence import EVIDENCE_FIELDS
    from auditkit.readers.evidence import PROBLEM_FIELDS as EVIDENCE_PROBLEM_FIELDS

    out = _table("evidence", "`auditkit.readers.evidence.read_evidence(manifest, documents)`: one row per evidence "
                 "document, from a manifest (CSV or XLSX; the ILR element column names the manifest column, matched "
                 "without regard to case, spaces or underscores; extra columns are kept after these) and/or a "
                 "document folder `<ukprn>/<learn_ref_number>/<evidence_type>[__<yyyy-mm-dd>][__<anything>].<ext>`.",
                 list(EVIDENCE_FIELDS))
    out += _table("evidence_problems", "`read_evidence(...).problems` and `read_employers(...).problems`: one row "
                  "per manifest, folder or register row that could not be read as expected.",
                  list(EVIDENCE_PROBLEM_FIELDS))
    out += _table("employers", "`auditkit.readers.employers.read_employers(path)`: the employer register (CSV or "
                  "XLSX), one row per employer; the ILR element column names the register column.",
                  list(EMPLOYER_FIELDS))
    return out


def _milestone_frames() -> list[str]:
    """Milestones and their funding summary (``auditkit milestones``)."""
    from auditkit.funding.milestones import MILESTONE_FIELDS, SUMMARY_FIELDS

    out = _table("milestones", "`auditkit.funding.milestones.milestones(ctx, findings)` (`auditkit milestones`): "
                 "one row per bootcamp aim and milestone (M1, M2, M3); the rules for claimed, earned and `blocked_by` "
                 "are in the module's docstring.", list(MILESTONE_FIELDS))
    out += _table("milestone_summary", "`auditkit.funding.milestones.funding_summary(milestones)` "
                  "(`auditkit milestones --summary`): one row per provider, bootcamp aim and milestone, pounds exact "
                  "to the penny.",
                  list(SUMMARY_FIELDS))
    return out


def _kpi_frames() -> list[str]:
    """KPI values and members, KPI trends, change history (``auditkit kpis``)."""
    from auditkit.measures.changes import CHANGE_FIELDS
    from auditkit.measures.kpis import KPI_MEMBER_FIELDS, KPI_VALUE_FIELDS, KPIS
    from auditkit.measures.trends import TREND_FIELDS

    out = _table("kpi_values", "`auditkit.measures.kpis.kpis(...).values` (`auditkit kpis`): one row per provider, "
                 "bootcamp aim (and `all`), KPI and calendar month; the KPIs are below (`auditkit.measures.kpis` "
                 "explains the months, cumulative values and statuses).", list(KPI_VALUE_FIELDS))
    out += ["| kpi | month of | denominator | numerator | target | needs |", "|---|---|---|---|---|---|"]
    for k in KPIS:
        target = "" if k.target is None else f"{'at most' if k.direction == 'at-most' else 'at least'} {k.target:.0%}"
        out.append(f"| `{k.id}` | {k.month} | {k.denominator or '(a count)'} | {k.numerator} | {target} | "
                   f"{', '.join(k.needs)}{' (per provider only)' if k.per_provider_only else ''} |")
    out.append("")
    out += _table("kpi_members", "`auditkit.measures.kpis.kpis(...).members`: the bootcamp aims (or employers) "
                  "behind each KPI value, as numerator or denominator members.", list(KPI_MEMBER_FIELDS))
    out += _table("kpi_trends", "`auditkit.measures.trends.kpi_trends` (`auditkit kpis --trends`): "
                  "the cumulative KPIs as of each snapshot return of each provider.", list(TREND_FIELDS))
    out += _table("changes", "`auditkit.measures.changes.change_history` (`auditkit kpis --changes`): "
                  "one row per change a provider made between two returns.", list(CHANGE_FIELDS))
    return out


def frames_markdown() -> str:
    """The whole of ``docs/frames.md``."""
    out = [_INTRO]
    out += _table("returns", SCHEMAS["returns"].description, list(RETURN_FIELDS))
    out += _years_section()
    for e in ENTITIES:
        out += _entity_table(e)
    out += _table("source_files", SCHEMAS["source_files"].description, list(SOURCE_FILE_FIELDS))
    out += _table("problems", SCHEMAS["problems"].description, list(PROBLEM_FIELDS))
    out += _table("unknown_elements", SCHEMAS["unknown_elements"].description, list(UNKNOWN_FIELDS))
    out += _other_frames()
    return "\n".join(out).rstrip() + "\n"
