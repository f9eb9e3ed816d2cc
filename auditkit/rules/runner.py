"""Run rules over loaded data and collect one findings frame."""

from __future__ import annotations

import pandas as pd

from auditkit.rules.context import LEARNER_KEYS, RuleContext
from auditkit.rules.findings import FINDINGS_COLUMNS, empty_findings, sort_findings, typed_findings
from auditkit.rules.registry import Rule, get_rules


def run_rule(rule: Rule, ctx: RuleContext) -> pd.DataFrame:
    """One rule's findings, typed, with ULN, source and severity filled in."""
    raw = rule.func(ctx)
    if raw is None or len(raw) == 0:
        return empty_findings()
    raw = raw.reset_index(drop=True)
    if "severity" not in raw:
        raw["severity"] = rule.severity
    raw["severity"] = raw["severity"].fillna(rule.severity)
    raw["rule_id"] = rule.id
    if "message" not in raw:
        raw["message"] = pd.NA
    blank = raw["message"].astype("string").fillna("").str.strip() == ""
    if blank.any():  # never an empty message (a rule's bug): at least say what the rule checks
        raw["message"] = raw["message"].astype("string").mask(blank.to_numpy(), f"{rule.id}: {rule.summary}")
    if "uln" not in raw:
        people = ctx.all.learners[[*LEARNER_KEYS, "uln"]].drop_duplicates(LEARNER_KEYS)
        raw = raw.merge(people, on=LEARNER_KEYS, how="left")
    if "source" not in raw:
        paths = ctx.all.returns.set_index("return_id")["path"]
        path = raw["return_id"].map(paths)
        line = raw["line"] if "line" in raw else pd.Series(pd.NA, index=raw.index)
        raw["source"] = [
            (f"{p}:{int(n)}" if not pd.isna(n) else str(p)) if not pd.isna(p) else pd.NA
            for p, n in zip(path, line, strict=True)
        ]
    return typed_findings(raw[[c for c in FINDINGS_COLUMNS if c in raw]])


def run_rules(ctx: RuleContext, ids: list[str] | None = None) -> pd.DataFrame:
    """Findings of the given rules (all by default), sorted by provider, learner, aim, severity and rule."""
    frames = [run_rule(rule, ctx) for rule in get_rules(ids)]
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_findings()
    return sort_findings(pd.concat(frames, ignore_index=True))
