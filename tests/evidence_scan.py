"""The evidence view as it was before the per-learner indexes (issue 13): every call runs the evidence rules and
filters the case's whole frames by boolean masks. Kept only as the reference the indexed view must equal."""

from __future__ import annotations

import pandas as pd

from auditkit.facts.context import RuleContext
from auditkit.facts.evidence import (
    CLAIM_OF_STAGE,
    ISSUE_COLUMNS,
    evidence_bootcamps,
    evidence_claims,
    evidence_documents,
    evidence_of,
)
from auditkit.frames.findings import FINDINGS
from auditkit.readers.evidence import STAGES
from auditkit.reference.aims import norm_ref
from auditkit.rules import all_rules, rule_issues, run_rules
from auditkit.views import evidence as ev
from auditkit.views.evidence import STAGE_TITLES, fmt_date


def _bootcamp(ctx: RuleContext, ukprn: int, learn_ref_number: str, learn_aim_ref: str | None) -> pd.Series:
    boot = evidence_bootcamps(ctx)
    mine = boot[(boot["ukprn"] == int(ukprn)).fillna(False)
                & (boot["learn_ref_number"] == learn_ref_number).fillna(False)]
    if learn_aim_ref is not None:
        mine = mine[(norm_ref(mine["learn_aim_ref"]) == learn_aim_ref.strip().upper()).fillna(False)]
    if mine.empty:
        aim = f" with bootcamp aim {learn_aim_ref}" if learn_aim_ref else ""
        raise ValueError(f"no learner {ukprn}/{learn_ref_number}{aim} with a bootcamp aim in the returns in scope")
    return mine.sort_values(["learn_start_date", "bc"], na_position="first").iloc[-1]


def _psm(ctx: RuleContext, bc: pd.Series) -> list[str]:
    p = ctx.all_psm
    mine = p[(p["return_id"] == bc["return_id"]) & (p["ukprn"] == bc["ukprn"])
             & (p["learn_ref_number"] == bc["learn_ref_number"]) & (p["aim_seq_number"] == bc["aim_seq_number"])]
    return [str(t).strip() for t in mine.sort_values("occur")["text"].dropna()]


def _ffi(ctx: RuleContext, bc: pd.Series) -> str:
    f = ctx.all.delivery_fams
    mine = f[(f["return_id"] == bc["return_id"]) & (f["learn_ref_number"] == bc["learn_ref_number"])
             & (f["aim_seq_number"] == bc["aim_seq_number"]) & (f["learn_del_fam_type"] == "FFI")]
    return ", ".join(str(c) for c in mine["learn_del_fam_code"].dropna()) or "(none)"


def _stage_row(stage: str, required: list[tuple[str, ...]], docs: pd.DataFrame, stage_issues: pd.DataFrame,
               facts: dict[str, str], due: bool) -> dict[str, object]:
    types = set(docs["evidence_type"])
    missing = [" or ".join(r) for r in required if not types.intersection(r)]
    present = [f"{t} {fmt_date(d)}" for t, d in zip(docs["evidence_type"], docs["document_date"], strict=True)]
    suspect = [p for ps in docs["problems"] for p in ps]
    loose = stage_issues[stage_issues["doc"].isna() & (stage_issues["check_id"] != "EV_MISSING_01")]
    suspect += [f"{c}: {m}" for c, m in zip(loose["check_id"], loose["message"], strict=True)]
    if missing:
        status = "missing" if due else "not yet due"
    elif suspect:
        status = "suspect"
    else:
        status = "complete" if required else "not required"
    return {"stage": stage, "title": STAGE_TITLES[stage], "status": status, "required": [" or ".join(r) for r in
            required], "present": present, "missing": missing, "suspect": list(dict.fromkeys(suspect)),
            "facts": facts}


def scan_view(ctx: RuleContext, ukprn: int, learn_ref_number: str, learn_aim_ref: str | None = None
              ) -> ev.EvidenceView:
    """``evidence_view`` by full scans (the code of commit 2fc8108, its ILR-fact helpers shared)."""
    bc = _bootcamp(ctx, ukprn, learn_ref_number, learn_aim_ref)
    claims = evidence_claims(ctx)
    claims = claims[claims["bc"] == bc["bc"]].sort_values("claim_date")
    docs = evidence_documents(ctx)
    docs = docs[(docs["bc"] == bc["bc"]).fillna(False)] if len(docs) else docs
    issues = rule_issues(ctx) if evidence_of(ctx) is not None else pd.DataFrame(columns=ISSUE_COLUMNS)
    issues = issues[(issues["bc"] == bc["bc"]).fillna(False)] if len(issues) else issues
    docs = ev._document_issues(docs, issues) if len(docs) else docs.assign(issues=[], problems=[])
    order = {s: i for i, s in enumerate(STAGES)}
    docs = docs.sort_values(["stage", "document_date", "doc"], key=lambda s: s.map(order) if s.name == "stage" else s,
                            kind="stable")
    required = ev._requirements(bc, set(claims["milestone"]))
    facts = ev._facts_of(bc, claims, _psm(ctx, bc), _ffi(ctx, bc))
    rows = [_stage_row(stage, required[stage], docs[docs["stage"] == stage],
                       issues[issues["stage"] == stage] if len(issues) else issues, facts[stage],
                       due=CLAIM_OF_STAGE.get(stage) != "M1" or bool(bc["m1_due"]))
            for stage in STAGES]
    if evidence_of(ctx) is None:
        found = FINDINGS.empty()
    else:
        found = run_rules(ctx, [r.id for r in all_rules() if r.family == "evidence"])
        mine = ((found["ukprn"] == int(bc["ukprn"])).fillna(False)
                & (found["learn_ref_number"] == str(bc["learn_ref_number"])).fillna(False))
        found = found[mine].reset_index(drop=True)
    return ev.EvidenceView(int(bc["ukprn"]), str(bc["learn_ref_number"]),
                           None if pd.isna(bc["uln"]) else str(bc["uln"]), str(bc["learn_aim_ref"]),
                           bc["learn_start_date"], str(bc["learner_type"]),
                           pd.DataFrame(rows, columns=ev.STAGE_COLUMNS), docs.reset_index(drop=True), found)
