"""Run rules over loaded data and collect one findings frame.

A rule that stops on an error does not stop the others: :func:`run_rules` reports it as one ``not-evaluated``
finding per provider, naming the rule and the error (a safety net: rules are written so that it is never needed on
data the reader gives; the fuzz tests check that).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from auditkit.facts.context import RuleContext
from auditkit.facts.evidence import ISSUE_COLUMNS
from auditkit.frames.findings import FINDINGS, NOT_EVALUATED, sort_findings
from auditkit.rules.registry import REGISTRY, Rule, get_rules

#: The start of the message of a finding that says a rule stopped on an internal error.
RULE_ERROR = "Rule could not be evaluated: it stopped on an internal error"
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_LONG_NUMBER = re.compile(r"\d{5,}")


def run_rule(rule: Rule, ctx: RuleContext) -> pd.DataFrame:
    """One rule's findings, typed, with ULN, source and severity filled in."""
    return _finish(rule, ctx, rule.func(ctx))


def run_rule_safely(rule: Rule, ctx: RuleContext) -> pd.DataFrame:
    """:func:`run_rule`, or, when the rule raises, one ``not-evaluated`` finding per provider in scope saying so."""
    try:
        return run_rule(rule, ctx)
    except Exception as error:  # noqa: BLE001 - one rule's bug must not lose the whole audit
        return rule_error_findings(rule, ctx, error)


def error_text(error: BaseException, limit: int = 200) -> str:
    """The error's type and message, with quoted values and long numbers (which may be personal data from the
    input) replaced by ``…``, cut to ``limit`` characters."""
    text = _LONG_NUMBER.sub("…", _QUOTED.sub("'…'", str(error))).strip()
    text = text if len(text) <= limit else text[:limit - 1] + "…"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def rule_error_findings(rule: Rule, ctx: RuleContext, error: BaseException) -> pd.DataFrame:
    """The ``not-evaluated`` findings for a rule that raised ``error``: one per provider in scope (one without a
    provider when nothing was loaded)."""
    message = (f"{RULE_ERROR} ({error_text(error)}), so its findings are missing; the other rules ran. "
               "Please report this with the input that caused it")
    try:
        raw = ctx.not_evaluated(ctx.returns["ukprn"], field=rule.id, message=message)
        if len(raw):
            return _finish(rule, ctx, raw)
    except Exception:  # noqa: BLE001 - the report of an error must not fail in turn
        pass
    return FINDINGS.conform([{"rule_id": rule.id, "severity": NOT_EVALUATED, "field": rule.id, "message": message}])


def _finish(rule: Rule, ctx: RuleContext, raw: pd.DataFrame | None) -> pd.DataFrame:
    """Raw findings typed, with ULN, source and severity filled in."""
    if raw is None or len(raw) == 0:
        return FINDINGS.empty()
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
        raw["uln"] = ctx.learner_ulns(raw)
    if "source" not in raw:
        raw["source"] = _sources(raw["return_id"].map(ctx.return_paths),
                                 raw["line"] if "line" in raw else pd.Series(pd.NA, index=raw.index))
    return FINDINGS.conform(raw)


def _sources(path: pd.Series, line: pd.Series) -> pd.Series:
    """``path:line`` (the line as a whole number), the path alone without a line, NA without a path."""
    path_text = path.astype("string")
    line_text = pd.Series(pd.NA, index=line.index, dtype="string")
    has_line = line.notna().to_numpy(dtype=bool)
    if has_line.any():
        whole = np.trunc(pd.to_numeric(line[has_line]).astype("float64")).astype("int64")
        line_text[has_line] = whole.astype(str).to_numpy()
    return (path_text + ":" + line_text).fillna(path_text).astype(object).where(path.notna(), pd.NA)


def run_rules(ctx: RuleContext, ids: list[str] | None = None) -> pd.DataFrame:
    """Findings of the given rules (all by default), sorted by provider, learner, aim, severity and rule."""
    frames = [run_rule_safely(rule, ctx) for rule in get_rules(ids)]
    frames = [f for f in frames if len(f)]
    if not frames:
        return FINDINGS.empty()
    return sort_findings(pd.concat(frames, ignore_index=True))


def rule_issues(ctx: RuleContext, ids: list[str] | None = None) -> pd.DataFrame:
    """The issues (:attr:`Rule.issues`) of the rules with these ids (all when None) that register them, in
    registration order, as one frame (:data:`~auditkit.facts.evidence.ISSUE_COLUMNS`; empty without evidence)."""
    wanted = {r.id for r in get_rules(ids)}
    frames = [r.find_issues(ctx) for r in REGISTRY.values() if r.issues is not None and r.id in wanted]
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=ISSUE_COLUMNS)
