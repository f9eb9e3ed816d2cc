"""The findings frame: one row per problem a rule or check found, the same shape for every rule."""

from __future__ import annotations

from typing import Any

import pandas as pd

from auditkit.frames.fields import Field, empty_frame_of, frame_schema

SEVERITIES = ("no-pay", "error", "warning")
#: Severity of the one finding per rule and provider that says a rule could not be evaluated.
NOT_EVALUATED = "not-evaluated"
SEVERITY_ORDER = {"no-pay": 0, "error": 1, "warning": 2, NOT_EVALUATED: 3}

F = Field
FINDING_FIELDS: tuple[Field, ...] = (
    F("rule_id", "", "str", "Id of the rule or evidence check (W5_..., EV_...)."),
    F("severity", "", "str", "no-pay (no funding), error (mandatory data wrong), warning, or not-evaluated."),
    F("ukprn", "", "int", "Provider."),
    F("learn_ref_number", "", "str", "Learner's reference at the provider (empty for provider-level findings)."),
    F("uln", "", "str", "Learner's ULN as recorded."),
    F("aim_seq_number", "", "int", "The aim concerned; empty for learner-level rules."),
    F("field", "", "str", "The ILR field (or evidence column) the finding is about."),
    F("value", "", "str", "The value found (personal values masked in displays and exports)."),
    F("message", "", "str", "Plain English: what was found and what was expected."),
    F("source", "", "str", "The return file (and line) the finding comes from."),
)
FINDINGS_COLUMNS = [f.column for f in FINDING_FIELDS]
FINDINGS_SCHEMA = frame_schema("findings", FINDING_FIELDS, "One row per problem a rule or check found.")


def empty_findings() -> pd.DataFrame:
    return empty_frame_of(FINDING_FIELDS)


def typed_findings(rows: pd.DataFrame | list[dict[str, Any]]) -> pd.DataFrame:
    """Give rows the findings columns and dtypes (missing columns become empty)."""
    df = pd.DataFrame(rows) if not isinstance(rows, pd.DataFrame) else rows
    if df.empty:
        return empty_findings()
    out = {}
    for f in FINDING_FIELDS:
        s = df[f.column] if f.column in df else pd.Series([None] * len(df), index=df.index)
        if f.kind == "int":
            out[f.column] = pd.to_numeric(s, errors="coerce").astype("Int64")
        else:
            out[f.column] = s.map(_text, na_action="ignore").astype("string")
    return pd.DataFrame(out).reset_index(drop=True)


def _text(value: Any) -> str:
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def sort_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """Stable order: provider, learner, aim, severity, rule."""
    order = findings["severity"].map(SEVERITY_ORDER).fillna(9)
    return (findings.assign(_sev=order)
            .sort_values(["ukprn", "learn_ref_number", "aim_seq_number", "_sev", "rule_id", "field", "value"],
                         na_position="first", kind="stable")
            .drop(columns="_sev").reset_index(drop=True))
