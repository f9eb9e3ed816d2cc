"""Evidence attribution: the provider's documents and the milestone claims, each tied to one bootcamp.

Derived once per context (``ctx.memo``) from the evidence attached to it (``ctx.evidence``, an
:class:`~auditkit.readers.evidence.EvidenceData`: documents, their problems and the employer register), and read by
the evidence rules (``EV_*``), the payment calculation and the per-learner evidence view:

- :func:`evidence_bootcamps`: one row per bootcamp aim of each learner in scope (wherever recorded), with its
  learner type, contribution rate, co-funding employer, contract price and Milestone 1 date;
- :func:`evidence_documents`: the documents of learners in scope, each attributed to one of the learner's
  bootcamps (``bc``): the latest that started no more than :data:`ENROLMENT_LEAD_DAYS` after the document's date
  (documents of enrolment come before the start), else the earliest;
- :func:`evidence_claims`: the milestone claims (M1: each bootcamp aim in scope whose Milestone 1 date has been
  reached; M2 and M3: each milestone aim in scope), each attributed to a bootcamp;
- :func:`evidence_requirements`: what each claim needs (:data:`REQUIREMENTS`), with the documents found.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from auditkit.facts.context import RuleContext
from auditkit.facts.learner_types import learner_types
from auditkit.facts.milestone_links import link_milestones
from auditkit.readers.employers import employer_id_key, employer_key
from auditkit.readers.evidence import EVIDENCE_TYPES, EvidenceData
from auditkit.reference.aims import norm_ref
from auditkit.reference.wave5 import CO_FUNDED, INDEPENDENT, LEARNER_TYPES, SELF_EMPLOYED, contribution_percent, m1_date

LEARNER_KEY = ["ukprn", "learn_ref_number"]
#: Documents are attributed to the latest bootcamp that started no more than this many days after them.
ENROLMENT_LEAD_DAYS = 60

ELIGIBILITY = tuple(t for t, s in EVIDENCE_TYPES.items() if s == "eligibility")
CO_FUNDING = ("employer_contribution_invoice", "employer_contribution_payment")
COMPLETION = ("final_assessment", "certificate_of_achievement")
#: Evidence of Milestone 2 by learner type: the first is the type's own, an interview offer also serves.
M2_EVIDENCE = {INDEPENDENT: ("interview_offer",), CO_FUNDED: ("new_responsibilities_letter", "interview_offer"),
               SELF_EMPLOYED: ("self_employment_action_plan", "interview_offer")}
M3_EVIDENCE = {INDEPENDENT: ("job_offer",), CO_FUNDED: ("new_role_offer",),
               SELF_EMPLOYED: ("self_employment_contract",)}
#: Letters an employer writes: the employer they name must be in the register.
EMPLOYER_LETTERS = ("interview_offer", "new_responsibilities_letter", "job_offer", "new_role_offer")
#: The claim whose date a document of each stage must precede.
CLAIM_OF_STAGE = {"eligibility": "M1", "co-funding": "M1", "delivery": "M1", "completion": "M2", "M2": "M2",
                  "M3": "M3"}
LABELS = {"M1": "Milestone 1", "M2": "Milestone 2", "M3": "Milestone 3"}


def _requirement_rows() -> list[tuple[str, str, str, tuple[str, ...]]]:
    rows: list[tuple[str, str, str, tuple[str, ...]]] = []
    for ltype in LEARNER_TYPES:
        rows += [("M1", ltype, "eligibility", (t,)) for t in ELIGIBILITY]
        rows += [("M1", ltype, "co-funding", (t,)) for t in CO_FUNDING if ltype == CO_FUNDED]
        rows.append(("M1", ltype, "delivery", ("attendance_record",)))
        rows += [("M2", ltype, "completion", (t,)) for t in COMPLETION]
        rows += [("M2", ltype, "M2", M2_EVIDENCE[ltype]), ("M3", ltype, "M3", M3_EVIDENCE[ltype])]
    return rows


#: What each claim needs, by milestone and learner type: one row per requirement (``accepted``: any of these
#: evidence types meets it).
REQUIREMENTS = pd.DataFrame(_requirement_rows(), columns=["milestone", "learner_type", "stage", "accepted"]).assign(
    requirement=lambda d: d["accepted"].map(" or ".join))


# -- what the checks read ----------------------------------------------------------------------------------------

def evidence_of(ctx: RuleContext) -> EvidenceData | None:
    """The evidence attached to the context (None when none was given)."""
    return getattr(ctx, "evidence", None)


def _true(flags: pd.Series) -> np.ndarray:
    """True where ``flags`` is true, False where false or missing, as a NumPy array: the nullable and pyarrow
    booleans that comparisons give (pyarrow-backed strings give pyarrow booleans) do not combine with ``&``."""
    return flags.astype("boolean").fillna(False).to_numpy(dtype=bool)


def _day(values: pd.Series) -> pd.Series:
    """Dates to the day, held to the second (as the rule context holds ILR dates) so that any two subtract."""
    return pd.to_datetime(values).dt.normalize().astype("datetime64[s]")


def _in_scope(ctx: RuleContext) -> pd.DataFrame:
    """One row per learner in scope: ukprn, learn_ref_number, and the latest in-scope return holding them
    (``return_id``, ``line``) to attach findings to."""
    people = ctx.learners.sort_values(["file_preparation_date", "return_id"], kind="stable", na_position="first")
    return people.drop_duplicates(LEARNER_KEY, keep="last")[[*LEARNER_KEY, "return_id", "line"]]


def evidence_bootcamps(ctx: RuleContext) -> pd.DataFrame:
    """Every bootcamp aim of the learners in scope, wherever recorded (``ctx.all_bootcamps``), one row each.

    Columns: ``bc`` (a number naming the row), the aim's keys and dates, ``learner_type``, ``emp_stat`` and
    ``emp_id`` (EmpStat and EmpId at the start), ``rate`` and ``rate_text`` (10 or 30 from a PSM field reading
    exactly `Contribution 10` / `Contribution 30`; NA when none or both), ``price`` (contract), ``provider``
    (contract name), ``employer_register_id`` / ``employer_name`` / ``employer_size`` / ``employer_key`` (the
    co-funding employer: the register's entry whose id is the EmpId, compared as text by
    ``auditkit.readers.employers.employer_id_key``; none for an empty EmpId), ``m1_date`` (start + 14 days),
    ``m1_due`` (reached by the return's preparation date, the learner still on the bootcamp on that day),
    ``in_scope`` (the aim is in a return in scope)."""
    return ctx.memo("evidence.bootcamps", lambda: _bootcamps(ctx))


def _bootcamps(ctx: RuleContext) -> pd.DataFrame:
    boot = ctx.all_bootcamps.merge(_in_scope(ctx)[LEARNER_KEY], on=LEARNER_KEY).reset_index(drop=True)
    boot = boot.assign(bc=range(len(boot)))
    whole = ctx.memo("evidence.whole", lambda: RuleContext(ctx.all, ctx.contracts, all_returns=True,
                                                           contracts_given=ctx.contracts_given))
    start = _day(boot["learn_start_date"])
    m1 = m1_date(start)
    ended_early = (_day(boot["learn_act_end_date"]) < m1).fillna(False).astype(bool)
    keys = ["ukprn", "learn_ref_number", "learn_aim_ref", "learn_start_date"]
    status = whole.status_at_start(boot)
    boot = boot.assign(
        learner_type=learner_types(whole, boot).to_numpy(),
        emp_stat=pd.to_numeric(status["emp_stat"], errors="coerce").astype("Int64"),
        emp_id=pd.to_numeric(status["emp_id"], errors="coerce").astype("Int64"),
        m1_date=m1, m1_due=((m1 <= _day(boot["file_preparation_date"])).fillna(False) & ~ended_early).astype(bool),
        in_scope=pd.MultiIndex.from_frame(boot[keys]).isin(pd.MultiIndex.from_frame(ctx.bootcamps[keys])),
    )
    boot = boot.merge(_rates(ctx, boot), on="bc", how="left").merge(_prices(ctx, boot), on="bc", how="left")
    register = _register(ctx)
    register = register.assign(_key=employer_id_key(register["employer_id"])).dropna(subset=["_key"])
    ids = boot[["bc", "emp_id"]].assign(_key=employer_id_key(boot["emp_id"])).dropna(subset=["_key"])
    # an empty EmpId or register id matches nothing (merging would pair empty with empty)
    employer = ids.merge(register[["_key", "employer_id", "name", "size", "name_key"]], on="_key")
    employer = employer.drop_duplicates("bc").rename(columns={
        "employer_id": "employer_register_id", "name": "employer_name", "size": "employer_size",
        "name_key": "employer_key"})
    return boot.merge(employer[["bc", "employer_register_id", "employer_name", "employer_size", "employer_key"]],
                      on="bc", how="left")


def _rates(ctx: RuleContext, boot: pd.DataFrame) -> pd.DataFrame:
    """``bc``, ``rate`` (Int64) and ``rate_text`` from the bootcamp aim's own PSM fields."""
    keys = ["return_id", "ukprn", "learn_ref_number", "aim_seq_number"]
    psm = boot[["bc", *keys]].merge(ctx.all_psm, on=keys)
    text = psm["text"].astype("string").str.strip()
    psm = psm.assign(_text=text, rate=contribution_percent(text)).dropna(subset=["rate"])
    single = psm.groupby("bc")["rate"].nunique() == 1
    psm = psm[psm["bc"].isin(single[single].index)].drop_duplicates("bc")
    return pd.DataFrame({"bc": psm["bc"], "rate": psm["rate"].astype("Int64"), "rate_text": psm["_text"]})


def _prices(ctx: RuleContext, boot: pd.DataFrame) -> pd.DataFrame:
    """``bc``, ``price`` (of the aim in the provider's contract) and ``provider`` (the contract's name)."""
    aims = ctx.contract_aims()
    table = ctx.contract_table()
    out = boot[["bc", "ukprn"]].assign(lars=norm_ref(boot["learn_aim_ref"]))
    if len(aims):
        priced = aims[["ukprn", "lars", "price"]].assign(lars=norm_ref(aims["lars"])).drop_duplicates(["ukprn", "lars"])
        out = out.merge(priced.astype({"ukprn": "Int64"}), on=["ukprn", "lars"], how="left")
    if len(table):
        names = table[["ukprn", "provider"]].dropna(subset=["ukprn"]).drop_duplicates("ukprn")
        out = out.merge(names.astype({"ukprn": "Int64"}), on="ukprn", how="left")
    return out.reindex(columns=["bc", "price", "provider"])


def _register(ctx: RuleContext) -> pd.DataFrame:
    evidence = evidence_of(ctx)
    if evidence is None or evidence.employers is None:
        return pd.DataFrame({"employer_id": pd.Series(dtype="string"), "name": pd.Series(dtype="string"),
                             "size": pd.Series(dtype="string"), "name_key": pd.Series(dtype="string")})
    return evidence.employers


def _attribute(rows: pd.DataFrame, date: str, boot: pd.DataFrame) -> pd.Series:
    """For each row (``ukprn``, ``learn_ref_number`` and the date column), the ``bc`` of the learner's bootcamp it
    belongs to: the latest started no more than :data:`ENROLMENT_LEAD_DAYS` after the date (any, for no date),
    else the earliest. NA for a learner without a bootcamp."""
    left = rows[[*LEARNER_KEY, date]].reset_index(names="_i")
    cand = left.merge(boot[[*LEARNER_KEY, "bc", "learn_start_date"]], on=LEARNER_KEY)
    lead = _day(cand[date]) + pd.Timedelta(days=ENROLMENT_LEAD_DAYS)
    cand = cand.assign(_ok=((cand["learn_start_date"] <= lead) | cand[date].isna()).fillna(False).astype(bool))
    cand = cand.sort_values(["_i", "_ok", "learn_start_date", "bc"], kind="stable", na_position="first")
    latest_ok = cand[cand["_ok"]].drop_duplicates("_i", keep="last").set_index("_i")["bc"]
    earliest = cand.drop_duplicates("_i", keep="first").set_index("_i")["bc"]
    chosen = latest_ok.reindex(left["_i"]).fillna(earliest.reindex(left["_i"]))
    return pd.Series(chosen.to_numpy(), index=rows.index).astype("Int64")


def evidence_documents(ctx: RuleContext) -> pd.DataFrame:
    """The evidence frame's rows of learners in scope, with ``doc`` (the row's position in the evidence frame)
    and ``bc`` (the bootcamp it is attributed to, see :func:`evidence_bootcamps`); no rows without evidence."""
    return ctx.memo("evidence.documents", lambda: _documents(ctx))


def _documents(ctx: RuleContext) -> pd.DataFrame:
    evidence = evidence_of(ctx)
    if evidence is None:
        return pd.DataFrame(columns=["doc", *LEARNER_KEY, "bc", "evidence_type", "stage", "document_date"])
    docs = evidence.evidence.reset_index(drop=True).reset_index(names="doc")
    docs = docs.merge(_in_scope(ctx)[LEARNER_KEY], on=LEARNER_KEY)
    created = docs["pdf_created"] if "pdf_created" in docs else pd.Series(pd.NaT, index=docs.index)
    docs = docs.assign(document_date=_day(docs["document_date"]),
                       pdf_created=pd.to_datetime(created).astype("datetime64[s]"),
                       employer_key=employer_key(docs["employer"]),
                       where=_doc_source(docs))
    return docs.assign(bc=_attribute(docs, "document_date", evidence_bootcamps(ctx)))


def _doc_source(docs: pd.DataFrame) -> pd.Series:
    """Where a document is listed: ``manifest:row``, or the document's path for a file no manifest lists."""
    listed = docs["source"].astype("string") + ":" + docs["row"].astype("string")
    return listed.where(docs["row"].notna(), docs["path"].astype("string"))


def evidence_claims(ctx: RuleContext) -> pd.DataFrame:
    """The milestone claims of learners in scope, one row each: ``milestone`` (M1, M2, M3), ``claim_date``,
    ``bc`` (the bootcamp, see :func:`evidence_bootcamps`), ``learner_type``, and the claim's aim
    (``return_id``, ``aim_seq_number``, ``line``, ``where``: the return file).

    M1 is claimed by each bootcamp aim in scope whose Milestone 1 date (start + 14 days) is on or before its
    return's preparation date, the learner still on the bootcamp that day; M2 and M3 by each M2/M3 aim in scope,
    dated by its LearnStartDate. A milestone aim is attributed to the bootcamp its PSM names
    (``link_milestones``) when that is one of the learner's, else by date like a document.
    """
    return ctx.memo("evidence.claims", lambda: _claims(ctx))


def _claims(ctx: RuleContext) -> pd.DataFrame:
    boot = evidence_bootcamps(ctx)
    cols = ["ukprn", "learn_ref_number", "bc", "milestone", "claim_date", "return_id", "aim_seq_number", "line"]
    m1 = boot[boot["m1_due"] & boot["in_scope"]].assign(milestone="M1", claim_date=lambda d: d["m1_date"])
    claims = pd.concat([m1[cols], _milestone_claims(ctx, boot)[cols]], ignore_index=True)
    types = boot.set_index("bc")["learner_type"]
    claims = claims.assign(learner_type=claims["bc"].map(types).fillna(INDEPENDENT).astype("string"),
                           claim_date=_day(claims["claim_date"]))
    paths = ctx.all.returns.set_index("return_id")["path"]
    where = claims["return_id"].map(paths).astype("string") + ":" + claims["line"].astype("string")
    return claims.assign(where=where, claim=range(len(claims)))


def _milestone_claims(ctx: RuleContext, boot: pd.DataFrame) -> pd.DataFrame:
    """M2/M3 aims in scope with ``milestone``, ``claim_date`` and ``bc``: the learner's bootcamp the PSM names,
    else the one the date points to; an aim recorded in two returns in scope is one claim."""
    links = link_milestones(ctx)
    links = links[links["learn_aim_ref"].notna()]
    ms = links.assign(milestone=links["is_m2"].map({True: "M2", False: "M3"}),
                      claim_date=_day(links["learn_start_date"]))
    ms = ms.assign(bc=_attribute(ms, "claim_date", boot))
    own = (_true(ms["linked"]) & _true(ms["bc_ukprn"] == ms["ukprn"])
           & _true(ms["bc_learn_ref_number"] == ms["learn_ref_number"]))
    named = ms[own][["bc_ukprn", "bc_learn_ref_number", "bc_learn_aim_ref",
                                                "bc_learn_start_date"]].reset_index(names="_i")
    hit = named.merge(boot[["bc", "ukprn", "learn_ref_number", "learn_aim_ref", "learn_start_date"]],
                      left_on=["bc_ukprn", "bc_learn_ref_number", "bc_learn_aim_ref", "bc_learn_start_date"],
                      right_on=["ukprn", "learn_ref_number", "learn_aim_ref", "learn_start_date"])
    ms.loc[hit["_i"].to_numpy(), "bc"] = hit["bc"].to_numpy()
    ms = ms.sort_values(["file_preparation_date", "return_id"], kind="stable", na_position="first")
    return ms.drop_duplicates([*LEARNER_KEY, "milestone", "claim_date", "learn_aim_ref"], keep="last")


def evidence_requirements(ctx: RuleContext) -> pd.DataFrame:
    """One row per claim and requirement (:data:`REQUIREMENTS`) of learners with any evidence: the claim's
    columns, ``stage``, ``requirement``, ``accepted``, and ``found`` (documents meeting it), ``timely`` (of them,
    dated on or before the claim or undated) and ``earliest`` (the earliest document date)."""
    return ctx.memo("evidence.requirements", lambda: _requirements(ctx))


def _requirements(ctx: RuleContext) -> pd.DataFrame:
    docs = evidence_documents(ctx)
    claims = evidence_claims(ctx)
    claims = claims[pd.MultiIndex.from_frame(claims[LEARNER_KEY]).isin(pd.MultiIndex.from_frame(docs[LEARNER_KEY]))]
    req = claims.merge(REQUIREMENTS, on=["milestone", "learner_type"]).reset_index(names="req")
    wanted = req[["req", *LEARNER_KEY, "bc", "claim_date", "accepted"]].explode("accepted")
    hits = wanted.merge(docs[[*LEARNER_KEY, "bc", "evidence_type", "document_date"]],
                        left_on=[*LEARNER_KEY, "bc", "accepted"], right_on=[*LEARNER_KEY, "bc", "evidence_type"])
    timely = (hits["document_date"] <= hits["claim_date"]) | hits["document_date"].isna()
    stats = hits.assign(_timely=timely).groupby("req").agg(found=("evidence_type", "size"),
                                                           timely=("_timely", "sum"),
                                                           earliest=("document_date", "min"))
    req = req.join(stats, on="req")
    return req.assign(found=req["found"].fillna(0).astype(int), timely=req["timely"].fillna(0).astype(int))


#: Columns of the evidence rules' issues (``Rule.issues``): one row per document or requirement.
ISSUE_COLUMNS = ["check_id", *LEARNER_KEY, "bc", "stage", "doc", "claim", "field", "value", "message", "where"]
