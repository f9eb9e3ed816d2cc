"""The evidence of one learner's bootcamp, stage by stage: what is required, present, missing or suspect.

:func:`evidence_view` walks a learner's bootcamp through the stages of :data:`STAGES` (eligibility, co-funding,
delivery, completion, M2, M3, after) and says, for each, which documents the ILR facts require, which are
present, which are missing and which are suspect (an EV_* check found a problem with them, or their file is
missing or cannot be read), with the ILR facts the stage rests on. The notebooks render it; the logic is here.

A learner's rows are taken by position from per-case indexes (:mod:`auditkit.facts.index`, built at the first view
of a context), and the evidence rules' findings and issues are computed once per context (or taken from the case's
findings, :func:`case_evidence_view`): switching learners costs the same whatever the size of the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from auditkit.facts.context import AIM_KEYS, RuleContext, fmt_date
from auditkit.facts.evidence import (
    CLAIM_OF_STAGE,
    CO_FUNDING,
    COMPLETION,
    ELIGIBILITY,
    ISSUE_COLUMNS,
    M2_EVIDENCE,
    M3_EVIDENCE,
    evidence_bootcamps,
    evidence_claims,
    evidence_documents,
    evidence_of,
)
from auditkit.facts.index import RowIndex, row_index
from auditkit.frames.findings import FINDINGS
from auditkit.readers.evidence import STAGES
from auditkit.reference.aims import norm_ref
from auditkit.reference.wave5 import CO_FUNDED, m3_deadline
from auditkit.rules import all_rules, rule_issues, run_rules

if TYPE_CHECKING:
    from auditkit.case import Case

STAGE_TITLES = {"eligibility": "Eligibility", "co-funding": "Co-funding", "delivery": "Delivery",
                "completion": "Completion", "M2": "Milestone 2", "M3": "Milestone 3", "after": "After the bootcamp"}
#: Status of a stage: nothing required; all required documents present and none suspect; a required document
#: missing (or, before Milestone 1 is reached, not yet due); documents present but suspect.
STATUSES = ("not required", "complete", "missing", "not yet due", "suspect")
STAGE_COLUMNS = ["stage", "title", "status", "required", "present", "missing", "suspect", "facts"]


@dataclass(frozen=True)
class EvidenceView:
    """One learner's bootcamp and its evidence.

    ``stages``: one row per stage (:data:`STAGE_COLUMNS`): ``required`` (requirements, ``a or b`` when either
    type serves), ``present`` (``type date`` of each document), ``missing`` (requirements no document meets),
    ``suspect`` (``EV_... : message`` or a file problem, per document), ``status`` (:data:`STATUSES`) and
    ``facts`` (ILR facts the stage rests on, label -> text). ``documents``: the bootcamp's documents with their
    ``issues`` (ids of the checks that flag them). ``findings``: the learner's EV_* findings.
    """

    ukprn: int
    learn_ref_number: str
    uln: str | None
    learn_aim_ref: str
    learn_start_date: pd.Timestamp
    learner_type: str
    stages: pd.DataFrame
    documents: pd.DataFrame
    findings: pd.DataFrame


LEARNER_KEY = ["ukprn", "learn_ref_number"]


def _bootcamp(ctx: RuleContext, ukprn: int, learn_ref_number: str, learn_aim_ref: str | None) -> pd.Series:
    mine = row_index(ctx, "evidence.bootcamps", evidence_bootcamps(ctx), LEARNER_KEY).take(int(ukprn),
                                                                                         learn_ref_number)
    if learn_aim_ref is not None:
        mine = mine[(norm_ref(mine["learn_aim_ref"]) == learn_aim_ref.strip().upper()).fillna(False)]
    if mine.empty:
        aim = f" with bootcamp aim {learn_aim_ref}" if learn_aim_ref else ""
        raise ValueError(f"no learner {ukprn}/{learn_ref_number}{aim} with a bootcamp aim in the returns in scope")
    if len(mine) > 1:
        mine = mine.sort_values(["learn_start_date", "bc"], na_position="first")
    return mine.iloc[-1]


def _requirements(bc: pd.Series, claimed: set[str]) -> dict[str, list[tuple[str, ...]]]:
    """Stage -> requirements (each a tuple of the types that meet it), from the bootcamp's ILR facts."""
    ltype = bc["learner_type"]
    completed = _is(bc["comp_status"], 2) and _is(bc["outcome"], 1)
    unsuccessful = _is(bc["comp_status"], 3) or (_is(bc["comp_status"], 2) and not _is(bc["outcome"], 1))
    return {
        "eligibility": [(t,) for t in ELIGIBILITY],
        "co-funding": [(t,) for t in CO_FUNDING] if ltype == CO_FUNDED else [],
        "delivery": [("attendance_record",)],
        "completion": [(t,) for t in COMPLETION] if "M2" in claimed or completed else [],
        "M2": [M2_EVIDENCE[ltype]] if "M2" in claimed else [],
        "M3": [M3_EVIDENCE[ltype]] if "M3" in claimed else [],
        "after": [*([("destination_evidence",)] if pd.notna(bc["learn_act_end_date"]) else []),
                  *([("referral_record",)] if unsuccessful else [])],
    }


def _is(value: Any, code: int) -> bool:
    return bool(pd.notna(value) and int(value) == code)


def _text(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "(none)"
    if isinstance(value, pd.Timestamp):
        return fmt_date(value)
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _psm(ctx: RuleContext, bc: pd.Series) -> list[str]:
    mine = row_index(ctx, "all_psm", ctx.all_psm, AIM_KEYS).take(*(bc[k] for k in AIM_KEYS))
    return [str(t).strip() for t in mine.sort_values("occur")["text"].dropna()]


def _ffi(ctx: RuleContext, bc: pd.Series) -> str:
    keys = ["return_id", "learn_ref_number", "aim_seq_number"]
    mine = row_index(ctx, "all.delivery_fams", ctx.all.delivery_fams, keys).take(*(bc[k] for k in keys))
    mine = mine[mine["learn_del_fam_type"] == "FFI"]
    return ", ".join(str(c) for c in mine["learn_del_fam_code"].dropna()) or "(none)"


def _employer(bc: pd.Series) -> str:
    name, size = bc.get("employer_name"), bc.get("employer_size")
    return "(none)" if pd.isna(name) else f"{name} ({_text(size)})"


def _claims_text(claims: pd.DataFrame, milestone: str) -> str:
    rows = claims[claims["milestone"] == milestone]
    return "; ".join(f"aim {_text(a)} dated {fmt_date(d)}" for a, d in zip(rows["aim_seq_number"], rows["claim_date"],
                                                                            strict=True)) or "(none)"


def _facts_of(bc: pd.Series, claims: pd.DataFrame, psm: list[str], ffi: str) -> dict[str, dict[str, str]]:
    """Stage -> the ILR (and contract, register) facts it rests on (``psm``: the aim's PSM texts, ``ffi``: its FFI
    codes)."""
    end = bc["learn_act_end_date"]
    limit = m3_deadline(pd.Series([pd.Timestamp(end)])).iloc[0] if pd.notna(end) else None
    rate, price = bc.get("rate"), bc.get("price")
    expected = f"£{rate * price / 100:,.2f}" if pd.notna(rate) and pd.notna(price) else "(not known)"
    ending = {"CompStatus": _text(bc["comp_status"]), "Outcome": _text(bc["outcome"]),
              "LearnActEndDate": _text(end)}
    return {
        "eligibility": {"LearnStartDate": _text(bc["learn_start_date"]), "learner type": bc["learner_type"],
                        "EmpStat at start": _text(bc["emp_stat"])},
        "co-funding": {"FFI": ffi, "contribution (PSM)": _text(bc.get("rate_text")),
                       "EmpId at start": _text(bc["emp_id"]),
                       "employer (register)": _employer(bc),
                       "price (contract)": "(not known)" if pd.isna(price) else f"£{price:,.2f}",
                       "expected contribution": expected},
        "delivery": {"LearnStartDate": _text(bc["learn_start_date"]),
                     "LearnPlanEndDate": _text(bc["learn_plan_end_date"]),
                     "Milestone 1 date": _text(bc["m1_date"]), "Milestone 1 reached": "yes" if bc["m1_due"] else "no"},
        "completion": ending,
        "M2": {"M2 aims": _claims_text(claims, "M2"), "learner type": bc["learner_type"]},
        "M3": {"M3 aims": _claims_text(claims, "M3"), "LearnActEndDate": _text(end),
               "6-month limit": _text(limit)},
        "after": {**ending, "destination (PSM)": ", ".join(t for t in psm if t.upper().startswith("WMCA"))
                  or "(none)"},
    }


def _document_issues(docs: pd.DataFrame, issues: pd.DataFrame) -> pd.DataFrame:
    """``docs`` with ``issues`` (check ids flagging each document) and ``problems`` (their messages, and the
    file's status when it is not present)."""
    flagged = issues.dropna(subset=["doc"])
    ids = flagged.groupby("doc")["check_id"].agg(lambda s: sorted(set(s)))
    texts = flagged.assign(_t=flagged["check_id"] + ": " + flagged["message"].astype(str))
    texts = texts.groupby("doc")["_t"].agg(list)
    file_problem = [[f"file {s}: {f}"] if isinstance(s, str) and s != "present" else []
                    for s, f in zip(docs["file_status"], docs["file"], strict=True)]
    return docs.assign(
        issues=[ids.get(d, []) for d in docs["doc"]],
        problems=[texts.get(d, []) + fp for d, fp in zip(docs["doc"], file_problem, strict=True)],
    )


def _stage_row(stage: str, required: list[tuple[str, ...]], docs: list[tuple[Any, Any, list[str]]], loose: list[str],
               facts: dict[str, str], due: bool) -> dict[str, Any]:
    """The row of one stage: ``docs`` are its documents' (type, date, problems), ``loose`` its issues about no
    document (``check: message``)."""
    types = {t for t, _, _ in docs}
    missing = [" or ".join(r) for r in required if not types.intersection(r)]
    present = [f"{t} {fmt_date(d)}" for t, d, _ in docs]
    suspect = [p for _, _, ps in docs for p in ps] + loose
    if missing:
        status = "missing" if due else "not yet due"
    elif suspect:
        status = "suspect"
    else:
        status = "complete" if required else "not required"
    return {"stage": stage, "title": STAGE_TITLES[stage], "status": status, "required": [" or ".join(r) for r in
            required], "present": present, "missing": missing, "suspect": list(dict.fromkeys(suspect)),
            "facts": facts}


def evidence_view(ctx: RuleContext, ukprn: int, learn_ref_number: str, learn_aim_ref: str | None = None, *,
                  findings: pd.DataFrame | None = None) -> EvidenceView:
    """The evidence of one learner's bootcamp (the latest they started, or the one with ``learn_aim_ref``),
    stage by stage. ``ctx`` is the context of a case (``open_case(...).context``); without evidence attached
    every required document shows as missing. ``findings``: the case's raw findings of every rule (any frame
    holding every evidence rule's findings), so that the evidence rules are not run again; without them they
    run once per context. The first view of a context builds its indexes; later views only look rows up."""
    bc = _bootcamp(ctx, ukprn, learn_ref_number, learn_aim_ref)
    claims = row_index(ctx, "evidence.claims", evidence_claims(ctx), ["bc"]).take(bc["bc"]).sort_values("claim_date")
    docs = evidence_documents(ctx)
    docs = row_index(ctx, "evidence.documents", docs, ["bc"]).take(bc["bc"]) if len(docs) else docs
    issues = _issues(ctx)
    issues = issues.take(bc["bc"]) if len(issues.frame) else issues.frame
    docs = _document_issues(docs, issues) if len(docs) else docs.assign(issues=[], problems=[])
    order = {s: i for i, s in enumerate(STAGES)}
    docs = docs.sort_values(["stage", "document_date", "doc"], key=lambda s: s.map(order) if s.name == "stage" else s,
                            kind="stable")
    required = _requirements(bc, set(claims["milestone"]))
    facts = _facts_of(bc, claims, _psm(ctx, bc), _ffi(ctx, bc))
    by_stage: dict[str, list[tuple[Any, Any, list[str]]]] = {stage: [] for stage in STAGES}
    for stage, kind, day, problems in zip(docs["stage"].tolist(), docs["evidence_type"].tolist(),
                                          docs["document_date"].tolist(), docs["problems"].tolist(), strict=True):
        if isinstance(stage, str) and stage in by_stage:
            by_stage[stage].append((kind, day, problems))
    loose: dict[str, list[str]] = {stage: [] for stage in STAGES}
    for stage, doc, check, message in zip(issues["stage"].tolist(), issues["doc"].tolist(),
                                          issues["check_id"].tolist(), issues["message"].tolist(), strict=True):
        if isinstance(stage, str) and stage in loose and pd.isna(doc) \
                and not (isinstance(check, str) and check == "EV_MISSING_01"):
            loose[stage].append(f"{check}: {message}")
    rows = [_stage_row(stage, required[stage], by_stage[stage], loose[stage], facts[stage],
                       due=CLAIM_OF_STAGE.get(stage) != "M1" or bool(bc["m1_due"]))
            for stage in STAGES]
    mine = (_evidence_findings(ctx, findings).take(int(bc["ukprn"]), str(bc["learn_ref_number"]))
            .reset_index(drop=True))
    return EvidenceView(int(bc["ukprn"]), str(bc["learn_ref_number"]), None if pd.isna(bc["uln"]) else str(bc["uln"]),
                        str(bc["learn_aim_ref"]), bc["learn_start_date"], str(bc["learner_type"]),
                        pd.DataFrame(rows, columns=STAGE_COLUMNS), docs.reset_index(drop=True), mine)


def case_evidence_view(case: Case, ukprn: int, learn_ref_number: str, learn_aim_ref: str | None = None
                       ) -> EvidenceView:
    """:func:`evidence_view` of a case's learner, reading the evidence rules' findings from the case's findings
    (computed once per case) when the case runs every evidence rule."""
    ids = set(_evidence_rule_ids())
    every = case.rules is None or ids.issubset(case.rules)
    return evidence_view(case.context, ukprn, learn_ref_number, learn_aim_ref,
                         findings=case.raw_findings if every else None)


def _evidence_rule_ids() -> list[str]:
    return [r.id for r in all_rules() if r.family == "evidence"]


def _issues(ctx: RuleContext) -> RowIndex:
    """The evidence rules' issues of the context (none without evidence), by bootcamp, once per context."""
    def build() -> RowIndex:
        issues = rule_issues(ctx) if evidence_of(ctx) is not None else pd.DataFrame(columns=ISSUE_COLUMNS)
        return RowIndex(issues, ["bc"])
    return ctx.memo("evidence_view.issues", build)


def _evidence_findings(ctx: RuleContext, findings: pd.DataFrame | None) -> RowIndex:
    """The evidence rules' findings (none without evidence) by learner: from ``findings`` when given, else run
    once per context."""
    if evidence_of(ctx) is None:
        return ctx.memo("evidence_view.no_findings", lambda: RowIndex(FINDINGS.empty(), LEARNER_KEY))
    ids = _evidence_rule_ids()
    if findings is None:
        return ctx.memo("evidence_view.findings", lambda: RowIndex(run_rules(ctx, ids), LEARNER_KEY))
    given = findings

    def build() -> tuple[pd.DataFrame, RowIndex]:  # the frame is kept with its index, so that its id stays its own
        ev = given[given["rule_id"].isin(ids).fillna(False).to_numpy(dtype=bool)].reset_index(drop=True)
        return given, RowIndex(ev, LEARNER_KEY)
    return ctx.memo(("evidence_view.findings", id(given)), build)[1]
