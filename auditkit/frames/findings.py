"""The findings frame: one row per problem a rule or check found, the same shape for every rule."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from auditkit.frames.fields import Field, Frame
from auditkit.frames.keys import AIM_SEQ_NUMBER, LEARN_REF_NUMBER, UKPRN, ULN

SEVERITIES = ("no-pay", "error", "warning")
#: Severity of the one finding per rule and provider that says a rule could not be evaluated.
NOT_EVALUATED = "not-evaluated"
SEVERITY_ORDER = {"no-pay": 0, "error": 1, "warning": 2, NOT_EVALUATED: 3}

FINDINGS = Frame("findings", "One row per problem a rule or check found.", (
    Field("rule_id", "", "str", "Id of the rule or evidence check (W5_..., EV_...)."),
    Field("severity", "", "str", "no-pay (no funding), error (mandatory data wrong), warning, or not-evaluated."),
    UKPRN,
    replace(LEARN_REF_NUMBER, description="Learner's reference at the provider (empty for provider-level findings)."),
    ULN,
    replace(AIM_SEQ_NUMBER, description="The aim concerned; empty for learner-level rules."),
    Field("field", "", "str", "The ILR field (or evidence column) the finding is about."),
    Field("value", "", "str", "The value found (personal values masked in displays and exports)."),
    Field("message", "", "str", "Plain English: what was found and what was expected."),
    Field("source", "", "str", "The return file (and line) the finding comes from."),
), given_by="What `auditkit check` gives: one row per problem a rule or check found.")


def sort_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """Stable order: provider, learner, aim, severity, rule."""
    order = findings["severity"].map(SEVERITY_ORDER).fillna(9)
    return (findings.assign(_sev=order)
            .sort_values(["ukprn", "learn_ref_number", "aim_seq_number", "_sev", "rule_id", "field", "value"],
                         na_position="first", kind="stable")
            .drop(columns="_sev").reset_index(drop=True))
