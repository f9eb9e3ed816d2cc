"""Generate ``docs/frames.md`` from the frame declarations (run ``auditkit docs``).

It sits above every layer because it documents frames declared in all of them."""

from __future__ import annotations

from auditkit.frames.ilr import (
    ENTITIES,
    PROBLEM_FIELDS,
    RETURN_FIELDS,
    SCHEMAS,
    SOURCE_FILE_FIELDS,
    Field,
    entity_columns,
)

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


def _other_frames() -> list[str]:
    """Frames declared outside the ILR reader: contracts, findings."""
    from auditkit.readers.contracts import AIM_FIELDS, CONTRACT_FIELDS
    from auditkit.rules.findings import FINDING_FIELDS

    out = _table("contracts", "From `contracts.toml` (`auditkit.readers.contracts.read_contracts`): one row per "
                 "provider's contract.", list(CONTRACT_FIELDS))
    out += _table("contract_aims", "From `[[contract.aim]]`: one row per bootcamp aim allocated to a provider.",
                  list(AIM_FIELDS))
    out += _table("findings", "What `auditkit check` gives: one row per problem a rule or check found.",
                  list(FINDING_FIELDS))
    return out


def frames_markdown() -> str:
    """The whole of ``docs/frames.md``."""
    out = [_INTRO]
    out += _table("returns", SCHEMAS["returns"].description, list(RETURN_FIELDS))
    for e in ENTITIES:
        source = f"From `<{e.xml}>`" + (f" inside `<{e.parent}>`" if e.parent else "") + ". "
        out += _table(e.frame, source + e.description, entity_columns(e))
    out += _table("source_files", SCHEMAS["source_files"].description, list(SOURCE_FILE_FIELDS))
    out += _table("problems", SCHEMAS["problems"].description, list(PROBLEM_FIELDS))
    out += _other_frames()
    return "\n".join(out).rstrip() + "\n"
