"""A learner's walk-through, stage by stage, as data (pure: the widget renders it, tests read it).

For each bootcamp aim of the learner, the workpaper stages (:data:`auditkit.frames.workpapers.STAGES`):

==============  =============================  ===================  =========================================
stage           evidence stages shown           milestone's money    findings shown (by rule family or id)
==============  =============================  ===================  =========================================
eligibility     eligibility                     M1                   learner rules, residency (W5_RES_*)
co-funding      co-funding                      M1, M2, M3           FFI and contribution (W5_FFI_*), EV_MONEY_*
delivery        delivery                        M1                   the other delivery rules, W5_M1_*
completion      completion, M2                  M2                   W5_M2_*
job-offer       M3, after                       M3                   W5_M3_*, destination rules (W5_DP_*)
==============  =============================  ===================  =========================================

Evidence findings (EV_*) show where the evidence view puts them: as the suspect documents of their stage. Each
stage carries its workpaper check id, and the verdict saved on it with its status (open, carried, re-review,
edited after review) when a store is given, and the stored finding checks of the stage with their verdicts and
status (re-review when the values a finding rests on changed, resolved when it no longer fires).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from auditkit.case import Case
from auditkit.case.learners import Learner
from auditkit.frames.workpapers import STAGES
from auditkit.views.evidence import STATUSES, case_evidence_view
from auditkit.workpapers.identity import learner_key, stage_check_id

STAGE_TITLES = {"eligibility": "Eligibility", "co-funding": "Co-funding", "delivery": "Delivery",
                "completion": "Completion and interview (M2)", "job-offer": "Job offer (M3)"}
EVIDENCE_STAGES = {"eligibility": ("eligibility",), "co-funding": ("co-funding",), "delivery": ("delivery",),
                   "completion": ("completion", "M2"), "job-offer": ("M3", "after")}
MONEY_OF = {"eligibility": ("M1",), "co-funding": ("M1", "M2", "M3"), "delivery": ("M1",),
            "completion": ("M2",), "job-offer": ("M3",)}
#: Worst first: a stage shows the worst status of its evidence stages.
_STATUS_ORDER = {s: i for i, s in enumerate(("missing", "suspect", "not yet due", "complete", "not required"))}


def stage_of_rule(rule_id: str, family: str | None) -> str | None:
    """The walk-through stage a rule's finding belongs to (None for evidence rules: see the module)."""
    if rule_id.startswith("EV_"):
        return None
    if rule_id.startswith("W5_M2_"):
        return "completion"
    if rule_id.startswith(("W5_M3_", "W5_DP_")) or family == "destination":
        return "job-offer"
    if rule_id.startswith("W5_FFI_"):
        return "co-funding"
    if rule_id.startswith("W5_RES_") or family == "learner":
        return "eligibility"
    return "delivery"


@dataclass
class StagePanel:
    """One stage of one bootcamp aim."""

    stage: str
    title: str
    check_id: str
    status: str
    facts: dict[str, str]
    present: list[str]
    missing: list[str]
    suspect: list[str]
    findings: pd.DataFrame
    claimed: float
    earned: float
    at_risk: float
    saved: dict[str, object] = field(default_factory=dict)
    documents: pd.DataFrame = field(default_factory=pd.DataFrame)
    finding_checks: list[dict[str, object]] = field(default_factory=list)


@dataclass
class AimWalk:
    """One bootcamp aim of the learner and its stages."""

    bootcamp_aim: str
    start: pd.Timestamp
    learner_type: str
    stages: list[StagePanel]


def learner_walk(case: Case, learner: Learner, saved: list[dict[str, object]] | None = None) -> list[AimWalk]:
    """The walk-through of ``learner`` (:meth:`auditkit.case.Case.learner`), each bootcamp aim newest first;
    ``saved`` are the learner's stored checks (:meth:`auditkit.workpapers.Store.learner`'s first part)."""
    from auditkit.rules import all_rules

    families = {r.id: r.family for r in all_rules()}
    by_check = {str(r["check_id"]): r for r in (saved or [])}
    stored_findings = [r for r in (saved or []) if r.get("kind") == "finding"]
    findings = learner.findings
    stage_of = [stage_of_rule(str(r), families.get(str(r))) for r in findings["rule_id"]] if len(findings) else []
    findings = findings.assign(stage=stage_of) if len(findings) else findings.assign(stage=pd.Series(dtype=object))
    walks = []
    camps = learner.bootcamps.sort_values("learn_start_date", ascending=False, kind="stable")
    for bc in camps.itertuples(index=False):
        view = case_evidence_view(case, learner.ukprn, learner.learn_ref_number, str(bc.learn_aim_ref))
        docs = view.documents
        stages = view.stages.set_index("stage")
        key = learner_key(learner.ukprn, learner.learn_ref_number, bc.uln)
        ms = learner.milestones
        ms = ms[(ms["bootcamp_aim"] == bc.learn_aim_ref) & (ms["learn_start_date"] == bc.learn_start_date)]
        aim_seq = int(bc.aim_seq_number)
        panels = []
        for stage in STAGES:
            parts = [stages.loc[s] for s in EVIDENCE_STAGES[stage] if s in stages.index]
            status = min((str(p["status"]) for p in parts), key=lambda s: _STATUS_ORDER.get(s, 9),
                         default="not required")
            money = ms[ms["milestone"].isin(MONEY_OF[stage])]
            mine = findings[(findings["stage"] == stage)
                            & (findings["aim_seq_number"].isna() | (findings["aim_seq_number"] == aim_seq)
                               | (stage in ("completion", "job-offer")))]
            check = stage_check_id(key, bc.learn_aim_ref, bc.learn_start_date, stage)
            panels.append(StagePanel(
                stage, STAGE_TITLES[stage], check, status,
                {k: v for p in parts for k, v in dict(p["facts"]).items()},
                [d for p in parts for d in p["present"]], [d for p in parts for d in p["missing"]],
                [d for p in parts for d in p["suspect"]],
                mine.drop(columns=["stage"]).reset_index(drop=True),
                float(money["amount_claimed"].fillna(0).sum()), float(money["amount_due"].fillna(0).sum()),
                float(money["at_risk"].fillna(0).sum()), dict(by_check.get(check, {})),
                _documents(docs, EVIDENCE_STAGES[stage]),
                [r for r in stored_findings if stage_of_rule(str(r.get("rule_id")), families.get(str(r.get("rule_id"))))
                 == stage and r.get("bootcamp_aim") in (None, bc.learn_aim_ref)]))
        walks.append(AimWalk(str(bc.learn_aim_ref), pd.Timestamp(bc.learn_start_date), str(bc.learner_type), panels))
    return walks


#: What the walk-through shows of each document: its date, type, employer, file and PDF metadata, and its problems.
DOCUMENT_COLUMNS = ["evidence_type", "document_date", "received_date", "employer", "file_status", "pdf_created",
                    "pdf_producer", "issues"]


def _documents(docs: pd.DataFrame, stages: tuple[str, ...]) -> pd.DataFrame:
    if docs.empty or "stage" not in docs:
        return pd.DataFrame(columns=DOCUMENT_COLUMNS)
    mine = docs[docs["stage"].isin(stages)]
    shown = mine[[c for c in DOCUMENT_COLUMNS if c in mine]].copy()
    if "issues" in shown:
        shown["issues"] = shown["issues"].map(lambda ids: ", ".join(ids) if isinstance(ids, list | tuple) else ids)
    return shown.reset_index(drop=True)


assert set(STATUSES) >= set(_STATUS_ORDER), "the evidence view's statuses changed"
