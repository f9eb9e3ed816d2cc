"""Evidence checks (EV_*): the provider's documents set against the claims the ILR makes.

The checks read the evidence attached to the context (``ctx.evidence``) through the evidence attribution of
:mod:`auditkit.facts.evidence` (bootcamps, documents, claims, requirements); without evidence they find nothing.
They give findings in the same frame as the ILR rules, learner level (no AimSeqNumber; the message names the
aim), with ``source`` naming the manifest row or document concerned. Each rule also registers its issues
(``Rule.issues``: one row per document or requirement, :data:`~auditkit.facts.evidence.ISSUE_COLUMNS`), which
the per-learner view (``auditkit.views.evidence``) shows stage by stage.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from auditkit.facts.columns import join_groups, per_value
from auditkit.facts.context import RuleContext, fmt_date
from auditkit.facts.evidence import (
    CLAIM_OF_STAGE,
    CO_FUNDING,
    EMPLOYER_LETTERS,
    ISSUE_COLUMNS,
    LABELS,
    LEARNER_KEY,
    _day,
    _in_scope,
    _register,
    evidence_bootcamps,
    evidence_claims,
    evidence_documents,
    evidence_of,
    evidence_requirements,
)
from auditkit.readers.employers import employer_id_key, employer_key
from auditkit.reference.wave5 import CO_FUNDED, INDEPENDENT, m3_deadline, rate_percent_for_size
from auditkit.rules.registry import REGISTRY, rule

#: An amount within this many pounds of the expected contribution is right.
MONEY_TOLERANCE = 1.0



def _issues(rows: pd.DataFrame, check_id: str, stage: Any, field: str, value: Any, message: Any,
            where: Any, doc: Any = pd.NA, claim: Any = pd.NA) -> pd.DataFrame:
    """Issue rows for ``rows`` (values may be scalars or Series aligned with ``rows``)."""
    if rows.empty:
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    message = pd.Series(message, index=rows.index).astype("string")
    message = pd.Series([m[:1].upper() + m[1:] if m.__class__ is str else m for m in message.to_numpy(dtype=object)],
                        index=rows.index, dtype="string")  # the first letter a capital
    out = pd.DataFrame({"check_id": check_id, "ukprn": rows["ukprn"], "learn_ref_number": rows["learn_ref_number"],
                        "bc": rows["bc"], "stage": stage, "doc": doc, "claim": claim, "field": field,
                        "value": value, "message": message, "where": where}, index=rows.index)
    return out[ISSUE_COLUMNS].reset_index(drop=True)


def _dates(values: pd.Series) -> pd.Series:
    """Dates as text for a message (``2024-05-01``, ``(none)``), as a string Series even when empty."""
    return per_value(values, fmt_date, dtype="string")


def _texts(values: pd.Series, template: str) -> pd.Series:
    """Numbers formatted with ``template`` (``{:,.2f}``), as a string Series even when empty."""
    return per_value(values, lambda v: template.format(float(v)), dtype="string")  # type: ignore[arg-type]


def _claim_text(rows: pd.DataFrame) -> pd.Series:
    """``Milestone 2 (aim 2, dated 2024-12-13)``, ``Milestone 1 (bootcamp started ..., due 2024-05-15)``."""
    label = rows["milestone"].map(LABELS)
    dated = _dates(rows["claim_date"])
    aim = " (aim " + rows["aim_seq_number"].astype("string").fillna("?") + ", dated " + dated + ")"
    return (label + aim.where(rows["milestone"] != "M1", " (reached " + dated + ")")).astype("string")


_TYPE_LABELS = {"id_check": "ID check", "iag_record": "IAG record"}


def _types_text(types: pd.Series) -> pd.Series:
    """Evidence types for a message: ``job offer``, ``ID check``, ``new role offer or interview offer``."""
    return per_value(types.astype("string"), _type_text, dtype="string")


def _type_text(value: object) -> object:
    if pd.isna(value):
        return pd.NA
    text = str(value)
    for name, label in _TYPE_LABELS.items():
        text = text.replace(name, label)
    return text.replace("_", " ")


def _missing(ctx: RuleContext) -> pd.DataFrame:
    req = evidence_requirements(ctx)
    rows = req[req["found"] == 0]
    message = (_claim_text(rows) + " claimed without " + _types_text(rows["requirement"].astype("string"))
               + " in the evidence")
    return _issues(rows, "EV_MISSING_01", rows["stage"], "evidence_type", rows["requirement"], message,
                   rows["where"], claim=rows["claim"])


def _late_for_claim(ctx: RuleContext) -> pd.DataFrame:
    req = evidence_requirements(ctx)
    rows = req[(req["milestone"] != "M1") & (req["found"] > 0) & (req["timely"] == 0)]
    message = (_types_text(rows["requirement"].astype("string")) + " dated " + _dates(rows["earliest"])
               + ", after the " + _claim_text(rows) + " it supports; evidence must be dated on or before the "
               "milestone date")
    return _issues(rows, "EV_TIMING_01", rows["stage"], "document_date", _dates(rows["earliest"]), message,
                   rows["where"], claim=rows["claim"])


def _with_bootcamp(docs: pd.DataFrame, ctx: RuleContext, *columns: str) -> pd.DataFrame:
    boot = evidence_bootcamps(ctx)[["bc", *columns]]
    return docs.dropna(subset=["bc"]).merge(boot, on="bc")


def _eligibility_after_start(ctx: RuleContext) -> pd.DataFrame:
    docs = evidence_documents(ctx)
    docs = _with_bootcamp(docs[docs["stage"] == "eligibility"], ctx, "learn_aim_ref", "learn_start_date")
    docs = docs.sort_values(["document_date", "doc"], kind="stable")
    start = _day(docs["learn_start_date"])
    late = (docs["document_date"] > start).fillna(False).astype(bool)
    earlier = docs[~late & docs["document_date"].notna()].drop_duplicates(["bc", "evidence_type"])
    rows = docs[late].merge(earlier[["bc", "evidence_type", "document_date"]].rename(
        columns={"document_date": "_earlier"}), on=["bc", "evidence_type"], how="left")
    days = (rows["document_date"] - _day(rows["learn_start_date"])).dt.days.astype("string")
    also = ("; an earlier " + _types_text(rows["evidence_type"]) + " is dated " + _dates(rows["_earlier"])
            + ": a re-signed or replaced document must be looked at").where(rows["_earlier"].notna(), "")
    message = (_types_text(rows["evidence_type"]) + " dated " + _dates(rows["document_date"]) + ", " + days
               + " days after the bootcamp " + rows["learn_aim_ref"].astype("string") + " started ("
               + _dates(rows["learn_start_date"]) + "); eligibility must be evidenced on or before the start"
               + also)
    return _issues(rows, "EV_TIMING_02", "eligibility", "document_date", _dates(rows["document_date"]), message,
                   rows["where"], doc=rows["doc"])


def _offer_after_six_months(ctx: RuleContext) -> pd.DataFrame:
    docs = evidence_documents(ctx)
    docs = _with_bootcamp(docs[docs["stage"] == "M3"], ctx, "learn_aim_ref", "learn_act_end_date")
    first = docs.sort_values(["document_date", "doc"], kind="stable").drop_duplicates("bc")
    limit = m3_deadline(_day(first["learn_act_end_date"]))
    rows = first[(first["document_date"] > limit).fillna(False).astype(bool)]
    limit = limit[rows.index]
    message = (_types_text(rows["evidence_type"]) + " dated " + _dates(rows["document_date"])
               + " is more than 6 months after the bootcamp " + rows["learn_aim_ref"].astype("string") + " ended ("
               + _dates(rows["learn_act_end_date"]) + "); Milestone 3 needs the outcome by "
               + _dates(limit))
    return _issues(rows, "EV_TIMING_03", "M3", "document_date", _dates(rows["document_date"]), message,
                   rows["where"], doc=rows["doc"])


def _created_after_claim(ctx: RuleContext) -> pd.DataFrame:
    docs = evidence_documents(ctx)
    docs = docs[docs["pdf_created"].notna() & docs["stage"].isin(list(CLAIM_OF_STAGE)) & docs["bc"].notna()]
    docs = docs.assign(milestone=docs["stage"].map(CLAIM_OF_STAGE))
    claims = evidence_claims(ctx)[["bc", "milestone", "claim_date", "aim_seq_number"]]
    cand = docs.merge(claims, on=["bc", "milestone"])
    cand = cand[((cand["claim_date"] >= cand["document_date"]) | cand["document_date"].isna()).fillna(False)]
    supported = cand.sort_values(["doc", "claim_date"], kind="stable").drop_duplicates("doc")
    created = supported["pdf_created"].dt.normalize()
    rows = supported[(created > supported["claim_date"]).fillna(False).astype(bool)]
    stamp = rows["pdf_created"].dt.strftime("%Y-%m-%d %H:%M")
    message = ("PDF of the " + _types_text(rows["evidence_type"]) + " dated " + _dates(rows["document_date"])
               + " was created " + stamp + " (PDF metadata), after the " + _claim_text(rows)
               + " it supports: the document may have been made or altered after the claim")
    return _issues(rows, "EV_TIMING_04", rows["stage"], "pdf_created", stamp, message, rows["where"], doc=rows["doc"])


def _wrong_amount(ctx: RuleContext) -> pd.DataFrame:
    docs = evidence_documents(ctx)
    docs = docs[docs["evidence_type"].isin(list(CO_FUNDING)) & docs["amount"].notna()]
    docs = _with_bootcamp(docs, ctx, "learn_aim_ref", "rate", "rate_text", "price")
    docs = docs[docs["rate"].notna() & docs["price"].notna()]
    expected = (docs["rate"].astype(float) * docs["price"].astype(float) / 100).round(2)
    rows = docs[((docs["amount"].astype(float) - expected).abs() > MONEY_TOLERANCE + 1e-9).to_numpy()]
    expected = expected[rows.index]
    money = _texts(rows["amount"], "£{:,.2f}")
    message = (_types_text(rows["evidence_type"]) + " of " + money + " is not the contribution "
               + rows["rate"].astype("string") + "% x £" + _texts(rows["price"], "{:,.2f}") + " = "
               + _texts(expected, "£{:,.2f}") + " (PSM '" + rows["rate_text"].astype("string") + "', price of "
               + rows["learn_aim_ref"].astype("string") + " in the contract), within £1")
    return _issues(rows, "EV_MONEY_01", "co-funding", "amount", _texts(rows["amount"], "{:.2f}"), message,
                   rows["where"], doc=rows["doc"])


def _unpriced(ctx: RuleContext) -> pd.DataFrame:
    """Contribution documents with an amount, of bootcamps with a recorded rate but no contract price."""
    docs = evidence_documents(ctx)
    docs = docs[docs["evidence_type"].isin(list(CO_FUNDING)) & docs["amount"].notna()]
    docs = _with_bootcamp(docs, ctx, "learn_aim_ref", "rate", "price")
    return docs[docs["rate"].notna() & docs["price"].isna()]


def _price_missing(ctx: RuleContext, ukprn: int, rows: pd.DataFrame) -> str:
    table = ctx.contract_table()
    if not ctx.contracts_given or ctx.contracts is None:
        return "no contracts file was given"
    if len(table) == 0 or ukprn not in {int(u) for u in table["ukprn"].dropna()}:
        return f"the contracts give no contract for UKPRN {ukprn}"
    aims = ", ".join(sorted(set(rows["learn_aim_ref"].dropna().astype(str))))
    return f"the contract for UKPRN {ukprn} gives no price for {aims}"


def _not_evaluated(ctx: RuleContext, rows: pd.DataFrame, check_id: str, field: str,
                   reason: Callable[[RuleContext, int, pd.DataFrame], str], needed: str) -> pd.DataFrame:
    """One ``not-evaluated`` finding per provider of ``rows`` (``reason`` says why), its source the return."""
    frames = [ctx.not_evaluated([ukprn], field=field, message=f"{check_id} not evaluated: "
                                f"{reason(ctx, int(ukprn), group)}; needed: {needed}")
              for ukprn, group in rows.groupby("ukprn")]  # one per provider: a handful at most
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    return out.assign(source=out["return_id"].map(ctx.all.returns.set_index("return_id")["path"]))


def _no_register(ctx: RuleContext, ukprn: int, rows: pd.DataFrame) -> str:
    return "no employer register was given"


def _needs_register(ctx: RuleContext, rows: pd.DataFrame, check_id: str, field: str, needed: str) -> pd.DataFrame:
    evidence = evidence_of(ctx)
    if evidence is None or evidence.employers is not None:
        return pd.DataFrame()
    return _not_evaluated(ctx, rows, check_id, field, _no_register, needed)


def _lacking(ctx: RuleContext, rows: pd.DataFrame, check_id: str, field: str, reason: str | None, needed: str,
             *, partly: bool = False) -> pd.DataFrame:
    """One not-evaluated finding per provider of ``rows`` when ``reason`` (a column the evidence or the register
    lacks, see ``EvidenceData.lacks``) is given; ``partly``: the check ran, but without what the column gives."""
    if reason is None or rows.empty:
        return pd.DataFrame()
    out = _not_evaluated(ctx, rows, check_id, field, lambda *_: reason, needed)
    if partly and len(out):
        out = out.assign(message=out["message"].str.replace(f"{check_id} not evaluated: ",
                                                            f"{check_id} only partly evaluated: ", regex=False))
    return out


def _with_learner_type(ctx: RuleContext, docs: pd.DataFrame, learner_type: str) -> pd.DataFrame:
    rows = _with_bootcamp(docs, ctx, "learner_type")
    return rows[(rows["learner_type"] == learner_type).fillna(False).astype(bool)]


def _co_funder_of_bootcamps(ctx: RuleContext) -> pd.DataFrame:
    """``bc``, ``name``, ``size``, ``how``: the co-funding employer of each bootcamp with a contribution rate,
    from the register entry of its EmpId, else from the register entry named on its contribution documents."""
    boot = evidence_bootcamps(ctx)
    boot = boot[boot["rate"].notna()]
    by_id = boot.dropna(subset=["employer_size"])
    by_id = by_id.assign(name=_employer_label(by_id["employer_name"], by_id["employer_register_id"]),
                         size=by_id["employer_size"],
                         how="EmpId " + by_id["emp_id"].astype("string"))[["bc", "name", "size", "how"]]
    docs = evidence_documents(ctx)
    docs = docs[docs["evidence_type"].isin(list(CO_FUNDING)) & docs["bc"].isin(boot["bc"])
                & ~docs["bc"].isin(by_id["bc"])]
    register = _register(ctx)[["name", "size", "name_key"]].dropna(subset=["size", "name_key"])
    named = docs.merge(register, left_on="employer_key", right_on="name_key").drop_duplicates("bc")
    named = named.assign(how="named on the " + _types_text(named["evidence_type"]))[["bc", "name", "size", "how"]]
    return pd.concat([by_id, named], ignore_index=True)


def _employer_label(names: pd.Series, ids: pd.Series) -> pd.Series:
    """An employer for a message: its name in the register, else ``with id E001 (no name in the register)``."""
    unnamed = "with id " + ids.astype("string").fillna("?") + " (no name in the register)"
    return names.astype("string").fillna(unnamed)


def _rate_not_size(ctx: RuleContext) -> pd.DataFrame:
    boot = evidence_bootcamps(ctx)
    rows = boot.merge(_co_funder_of_bootcamps(ctx), on="bc")
    expected = rate_percent_for_size(rows["size"])
    rows = rows[(rows["rate"] != expected).fillna(False).astype(bool)]
    expected = expected[rows.index]
    message = ("PSM '" + rows["rate_text"].astype("string") + "' on " + rows["learn_aim_ref"].astype("string")
               + ", but the co-funding employer " + rows["name"].astype("string") + " (" + rows["how"]
               + ") is " + rows["size"].astype("string") + " in the employer register, so the contribution should "
               "be " + expected.astype("string") + "%")
    where = (rows["return_id"].map(ctx.all.returns.set_index("return_id")["path"]).astype("string") + ":"
             + rows["line"].astype("string")).fillna(rows["return_id"].astype("string"))
    return _issues(rows, "EV_MONEY_02", "co-funding", "PSM", rows["rate_text"], message, where)


def _reused(ctx: RuleContext) -> pd.DataFrame:
    evidence = evidence_of(ctx)
    docs = evidence_documents(ctx)
    if evidence is None or docs.empty:
        return _issues(docs, "EV_REUSE_01", "", "", "", "", "")
    every = evidence.evidence.reset_index(drop=True).reset_index(names="doc")
    every = every[every["sha256"].notna() & (every["file_size"] != 0).fillna(True).astype(bool)]
    owners = every.drop_duplicates(["sha256", *LEARNER_KEY])
    shared = owners.groupby("sha256")["learn_ref_number"].transform("size") > 1
    owners = owners[shared.to_numpy()]
    rows = docs[docs["doc"].isin(owners["doc"])]
    listing = owners.assign(_who=owners["ukprn"].astype("string") + "/" + owners["learn_ref_number"] + " ("
                            + _types_text(owners["evidence_type"]) + ")")
    others = rows[["doc", "sha256", *LEARNER_KEY]].merge(listing[["sha256", *LEARNER_KEY, "_who"]], on="sha256",
                                                         suffixes=("", "_o"))
    others = others[(others["ukprn"] != others["ukprn_o"]) | (others["learn_ref_number"]
                                                                != others["learn_ref_number_o"])]
    who = others.groupby("doc")["_who"].agg(lambda s: ", ".join(sorted(s)))
    message = ("the " + _types_text(rows["evidence_type"]) + " file " + rows["file"].astype("string").fillna("")
               + " is byte for byte the same (SHA-256 " + rows["sha256"].str.slice(0, 12) + "...) as the evidence of "
               + rows["doc"].map(who).astype("string") + ": one document cannot evidence two learners")
    return _issues(rows, "EV_REUSE_01", rows["stage"], "sha256", rows["sha256"], message, rows["where"],
                   doc=rows["doc"])


def _unregistered(ctx: RuleContext) -> pd.DataFrame:
    evidence = evidence_of(ctx)
    docs = evidence_documents(ctx)
    if evidence is None or evidence.employers is None:
        return _issues(docs.iloc[0:0], "EV_EMP_01", "", "", "", "", "")
    register = evidence.employers
    letters = docs[docs["evidence_type"].isin(list(EMPLOYER_LETTERS)) & docs["employer_key"].notna()]
    by_name = letters["employer_key"].isin(register["name_key"].dropna())
    by_id = employer_id_key(letters["employer"]).isin(employer_id_key(register["employer_id"]).dropna())
    rows = letters[~(by_name | by_id).fillna(False).astype(bool)]
    message = (_types_text(rows["evidence_type"]) + " from " + rows["employer"].astype("string")
               + ", which is not in the employer register (" + str(len(register)) + " employers)")
    return _issues(rows, "EV_EMP_01", rows["stage"], "employer", rows["employer"], message, rows["where"],
                   doc=rows["doc"])


def co_funders(ctx: RuleContext) -> pd.DataFrame:
    """Employers that co-fund a place: ``employer_key``, the co-funded learner (ukprn, learn_ref_number) and
    ``how``. From the ILR (EmpId of a co-funded bootcamp, named through the register) and from the employers
    named on contribution invoices and payments; with ``ctx.outside["co_funders"]`` (the other providers' places,
    in a national run) added."""
    boot = evidence_bootcamps(ctx)
    ilr = boot[(boot["learner_type"] == CO_FUNDED) & boot["employer_key"].notna()]
    ilr = ilr.assign(how="EmpId of a co-funded bootcamp")[["employer_key", *LEARNER_KEY, "how"]]
    evidence = evidence_of(ctx)
    docs = evidence.evidence if evidence is not None else pd.DataFrame(columns=["evidence_type", "employer",
                                                                                *LEARNER_KEY])
    docs = docs[docs["evidence_type"].isin(list(CO_FUNDING))]
    docs = docs.assign(employer_key=employer_key(docs["employer"]), how="contribution "
                       + _types_text(docs["evidence_type"].astype("string"))).dropna(subset=["employer_key"])
    outside = ctx.outside.get("co_funders")
    parts = [ilr, docs[["employer_key", *LEARNER_KEY, "how"]]] + ([outside] if outside is not None else [])
    return pd.concat(parts, ignore_index=True)


def first_places(funders: pd.DataFrame) -> pd.DataFrame:
    """The co-funded places of :func:`co_funders` that EV_EMP_02 can name: each employer's first
    :data:`NAMED_PLACES` + 1 (by ``ukprn/learn_ref_number``); what a national run hands each provider."""
    who = (funders["ukprn"].astype("string").fillna("(none)") + "/"
           + funders["learn_ref_number"].astype("string").fillna("(none)"))
    places = funders.assign(_who=who).drop_duplicates(["employer_key", "_who"])
    places = places.sort_values(["employer_key", "_who"], kind="stable")
    return places[places.groupby("employer_key").cumcount() <= NAMED_PLACES].drop(columns="_who").reset_index(
        drop=True)


#: How many co-funded places EV_EMP_02 names in a message.
NAMED_PLACES = 5


def _funded_by(docs: pd.DataFrame, funders: pd.DataFrame) -> pd.Series:
    """For each document (``doc``) whose employer co-funds the place of another learner than the document's, the
    first :data:`NAMED_PLACES` of those places (``ukprn/learn_ref_number``, sorted) as text. Each employer keeps
    only its first places (one more than named, in case one is the document's own learner), so an employer
    co-funding thousands of places named on thousands of job offers costs memory in proportion to them."""
    who = (funders["ukprn"].astype("string").fillna("(none)") + "/"
           + funders["learn_ref_number"].astype("string").fillna("(none)"))
    places = funders[["employer_key", *LEARNER_KEY]].assign(_who=who).drop_duplicates(["employer_key", "_who"])
    places = places.sort_values(["employer_key", "_who"], kind="stable")
    places = places[places.groupby("employer_key").cumcount() <= NAMED_PLACES]
    pairs = docs[["doc", *LEARNER_KEY, "employer_key"]].merge(places, on="employer_key", suffixes=("", "_f"))
    own = ((pairs["ukprn"] == pairs["ukprn_f"]) & (pairs["learn_ref_number"] == pairs["learn_ref_number_f"]))
    pairs = pairs[~own.fillna(False).astype(bool)]
    return pairs.groupby("doc")["_who"].agg(lambda s: ", ".join(sorted(set(s))[:NAMED_PLACES]))


def _hired_by_interested_party(ctx: RuleContext) -> pd.DataFrame:
    docs = evidence_documents(ctx)
    docs = _with_bootcamp(docs[docs["stage"] == "M3"], ctx, "learner_type", "provider")
    docs = docs[(docs["learner_type"] == INDEPENDENT) & docs["employer_key"].notna()]
    own = (docs["employer_key"] == employer_key(docs["provider"].astype("string"))).fillna(False).astype(bool)
    funded = _funded_by(docs, co_funders(ctx))
    rows = docs[own | docs["doc"].isin(funded.index)]
    why = pd.Series("", index=rows.index, dtype="string")
    why = why.where(~own[rows.index], "the provider itself")
    co = rows["doc"].map(funded).astype("string")
    why = why.mask(co.notna(), why.where(why == "", why + " and ") + "an employer that co-funded the place of "
                   + co)
    message = ("independent learner's " + _types_text(rows["evidence_type"]) + " is from "
               + rows["employer"].astype("string") + ", " + why + ": the new job may not be a genuine outcome "
               "(or the learner not independent)")
    return _issues(rows, "EV_EMP_02", "M3", "employer", rows["employer"], message, rows["where"], doc=rows["doc"])


def _findings(ctx: RuleContext, check_id: str, per_claim: bool = False) -> pd.DataFrame:
    """The check's issues as raw findings, attached to the learner's latest return in scope (``source``: the
    manifest row, document or return concerned). ``per_claim`` joins a claim's issues into one finding."""
    if evidence_of(ctx) is None:
        return pd.DataFrame()
    issues = REGISTRY[check_id].find_issues(ctx)
    if issues.empty:
        return pd.DataFrame()
    if per_claim:
        issues = _per_claim(issues)
    rows = issues.reset_index(drop=True).merge(_in_scope(ctx), on=LEARNER_KEY, how="left")
    out = ctx.findings(rows, field=check_id, value=rows["value"], message=rows["message"], learner_level=True)
    return out.assign(field=rows["field"].to_numpy(), source=rows["where"].to_numpy())


def _has_evidence(ctx: RuleContext, rows: pd.DataFrame) -> pd.Series:
    """True for rows (``ukprn``, ``learn_ref_number``) of learners with any document."""
    docs = evidence_documents(ctx)
    found = pd.MultiIndex.from_frame(rows[LEARNER_KEY]).isin(pd.MultiIndex.from_frame(docs[LEARNER_KEY]))
    return pd.Series(found, index=rows.index, dtype=bool)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if f is not None and len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _per_claim(issues: pd.DataFrame) -> pd.DataFrame:
    """One row per claim (in the order claims first come; issues without a claim left out): the first issue's
    learner, field and place, the values joined (``a, b``) and the messages joined by
    :func:`_join_claim_messages`."""
    issues = issues[issues["claim"].notna()]
    group = issues.groupby("claim", sort=False).ngroup().to_numpy()
    first = issues.groupby("claim", sort=False).agg(
        ukprn=("ukprn", "first"), learn_ref_number=("learn_ref_number", "first"), field=("field", "first"),
        where=("where", "first"), _size=("message", "size"), _message=("message", "first"))
    count = len(first)
    value = join_groups(group, issues["value"].to_numpy(dtype=object), ", ", count)
    messages = issues["message"].to_numpy(dtype=object)
    parts = [str(t).partition(_WITHOUT)[2].removesuffix(_IN_EVIDENCE) for t in messages]
    heads = [str(t).partition(_WITHOUT)[0] for t in first["_message"]]
    joined = join_groups(group, np.array(parts, dtype=object), ", ", count)
    several = first["_size"].to_numpy() > 1
    together = np.array([f"{h}{_WITHOUT}{j}{_IN_EVIDENCE}" for h, j in zip(heads, joined, strict=True)], dtype=object)
    message = np.where(several, together, first["_message"].to_numpy(dtype=object))
    return first.drop(columns=["_size", "_message"]).assign(value=value, message=message)[
        ["ukprn", "learn_ref_number", "field", "value", "message", "where"]]


_WITHOUT, _IN_EVIDENCE = " claimed without ", " in the evidence"


def _join_claim_messages(messages: pd.Series) -> str:
    """``Milestone 1 (...) claimed without enrolment form in the evidence`` for several requirements:
    ``Milestone 1 (...) claimed without enrolment form, id check in the evidence``."""
    texts = list(messages)
    if len(texts) == 1:
        return texts[0]
    head, _, _ = texts[0].partition(_WITHOUT)
    parts = [t.partition(_WITHOUT)[2].removesuffix(_IN_EVIDENCE) for t in texts]
    return f"{head} claimed without {', '.join(parts)} in the evidence"


# -- the rules ------------------------------------------------------------------------------------------------------

@rule("EV_MISSING_01", "no-pay", reads=["evidence_type", "LearnAimRef", "LearnStartDate", "FFI", "EmpStat"],
      family="evidence", issues=_missing)
def ev_missing(ctx: RuleContext) -> pd.DataFrame:
    """A milestone claimed without the evidence it requires.

    **What it checks**: every claim of a learner with any evidence has each document it requires (any date):

    - Milestone 1 (each bootcamp aim in scope once start + 14 days is on or before its return's preparation date
      and the learner was still on the bootcamp that day): enrolment form, ID check, residency proof, employment
      status declaration, IAG record, initial assessment and attendance record; for a co-funded aim (FFI 2) also
      the employer contribution invoice and payment;
    - Milestone 2 (each M2 aim): final assessment, certificate of achievement, and the learner type's evidence:
      interview offer (independent), new responsibilities letter or interview offer (co-funded), self-employment
      action plan or interview offer (self-employed);
    - Milestone 3 (each M3 aim): job offer (independent), new role offer (co-funded), self-employment contract
      (self-employed).

    The learner type is that of the bootcamp the claim is for (``auditkit.facts.learner_types``). One finding per claim,
    the value listing what is missing.

    **Why it matters**: the funder pays a milestone only on evidence (Wave 5 payment milestones: an offer of
    interview for Milestone 2, an offer of a job or new role for Milestone 3); without it the claim cannot be
    paid. Severity no-pay.

    **Example**: an independent learner's M2 aim dated 2024-12-13 and no interview offer in the evidence:
    no-pay finding on evidence_type, value `interview_offer`.

    **Limits**: learners with no evidence row at all are not checked (the evidence pack may cover a sample of
    learners). Documents are matched to claims through the bootcamp they are attributed to (see
    ``auditkit.facts.evidence``). Evidence after the bootcamp (destination, referral) is shown by the
    per-learner view but is not required for a payment.
    """
    return _findings(ctx, "EV_MISSING_01", per_claim=True)


@rule("EV_TIMING_01", "error", reads=["document_date", "LearnStartDate"], family="evidence", issues=_late_for_claim)
def ev_dated_after_claim(ctx: RuleContext) -> pd.DataFrame:
    """Evidence dated after the milestone claim it supports.

    **What it checks**: for each Milestone 2 and 3 claim and each document type it requires (see EV_MISSING_01),
    at least one document of the type is dated on or before the claim's date (the M2/M3 aim's LearnStartDate),
    dates compared as calendar dates. One finding per claim and requirement whose documents are all dated later.

    **Why it matters**: a milestone is earned when its evidence exists; a claim dated before its evidence was
    claimed too early (and possibly in the wrong collection period). Severity error: the evidence exists, the
    milestone date in the ILR is wrong.

    **Example**: M2 aim dated 2024-10-25, the interview offer dated 2024-11-06: error finding on document_date,
    value `2024-11-06`.

    **Limits**: Milestone 1's eligibility evidence is EV_TIMING_02; its attendance and contribution documents
    are not timed. A requirement with no document at all is EV_MISSING_01. Undated documents (a file whose name
    has no date) count as timely.
    """
    return _findings(ctx, "EV_TIMING_01")


@rule("EV_TIMING_02", "error", reads=["document_date", "LearnStartDate"],
      family="evidence", issues=_eligibility_after_start)
def ev_eligibility_after_start(ctx: RuleContext) -> pd.DataFrame:
    """Eligibility evidence dated after the bootcamp start.

    **What it checks**: each eligibility document (enrolment form, ID check, residency proof, employment status
    declaration, IAG record, initial assessment) of a bootcamp is dated on or before the bootcamp's
    LearnStartDate. One finding per document dated later, also when an earlier document of the same type is
    timely (the message then names it): a re-signed enrolment form or a replaced declaration may change what the
    learner was enrolled on and must be looked at.

    **Why it matters**: eligibility (identity, residency, employment status, suitability) must be established
    before a learner starts; evidence made later suggests the learner started before being found eligible.
    Severity error: the learner may well be eligible, but the enrolment was not done as required.

    **Example**: bootcamp started 2024-11-18, ID check dated 2024-11-27: error finding on document_date, value
    `2024-11-27`.

    **Limits**: undated documents (a file whose name has no date) are not checked.
    """
    return _findings(ctx, "EV_TIMING_02")


@rule("EV_TIMING_03", "no-pay", reads=["document_date", "LearnActEndDate"],
      family="evidence", issues=_offer_after_six_months)
def ev_offer_after_six_months(ctx: RuleContext) -> pd.DataFrame:
    """Job offer (Milestone 3 evidence) more than 6 months after the bootcamp's end.

    **What it checks**: for each bootcamp with a LearnActEndDate and Milestone 3 evidence (job offer, new role
    offer, self-employment contract), the earliest such document is dated no later than the end plus 6
    calendar months (a bootcamp ending 2024-07-19 allows an offer up to 2025-01-19).

    **Why it matters**: Milestone 3 pays for a job, new role or contract secured within 6 months of completing
    the bootcamp; an offer made later is not that outcome, whatever date the M3 aim carries. Severity no-pay.

    **Example**: bootcamp ended 2024-07-19, job offer dated 2025-02-03: no-pay finding on document_date, value
    `2025-02-03`.

    **Limits**: the M3 aim's own date is W5_M3_04. Bootcamps without a LearnActEndDate are not checked.
    """
    return _findings(ctx, "EV_TIMING_03")


@rule("EV_TIMING_04", "warning", reads=["pdf_created", "document_date", "LearnStartDate"],
      family="evidence", issues=_created_after_claim)
def ev_pdf_created_after_claim(ctx: RuleContext) -> pd.DataFrame:
    """A PDF created (metadata) after the date of the claim it supports.

    **What it checks**: each PDF with a creation date in its metadata supports a claim: eligibility,
    co-funding and attendance documents support Milestone 1 (dated start + 14 days), completion and M2 documents
    the Milestone 2 claim, M3 documents the Milestone 3 claim; the claim supported is the learner's earliest of
    that milestone dated on or after the document's own date. The PDF's creation date (as a calendar date) must
    not be after the claim's date.

    **Why it matters**: a letter dated before the claim but whose file was made after it may have been written
    (or rewritten) after the event to support the claim. Severity warning: a later scan of a paper original
    also has a later creation date, so the auditor should ask for the original.

    **Example**: interview offer dated 2024-12-06 (the M2 date), its PDF created on 2024-12-31: warning on
    pdf_created.

    **Limits**: documents dated after every claim they could support are EV_TIMING_01's, not this check's;
    PDFs without a creation date and documents of the after-bootcamp stage are not checked. Without any file
    (a manifest with no file column and no document folder), one not-evaluated finding per provider.
    """
    evidence = evidence_of(ctx)
    if evidence is None:
        return pd.DataFrame()
    reason = evidence.lacks("file")
    if reason is not None:
        return _lacking(ctx, evidence_documents(ctx), "EV_TIMING_04", "pdf_created", reason,
                        "the documents' files (a file column in the manifest, or a document folder)")
    return _findings(ctx, "EV_TIMING_04")


@rule("EV_MONEY_01", "error", reads=["amount", "PSM", "LearnAimRef"],
      family="evidence", issues=_wrong_amount, needs_contract=True)
def ev_contribution_amount(ctx: RuleContext) -> pd.DataFrame:
    """Contribution invoice or payment amount not equal to rate x price (within £1).

    **What it checks**: each employer contribution invoice and payment with an amount, of a bootcamp whose PSM
    records the contribution (exactly `Contribution 10` or `Contribution 30`) and whose aim has a price in the
    provider's contract: the amount is the rate times the price, within £1.

    **Why it matters**: the funder pays the provider less the employer's contribution; a contribution invoiced or
    paid short means the employer did not pay its share (the co-funding compliance KPI). Severity error.

    **Example**: price £4,200, `Contribution 10`, payment of £210.00: error finding on amount, value `210.00`
    (expected £420.00).

    **Limits**: documents without an amount, and bootcamps without a recognised contribution in the PSM
    (W5_FFI_02 and W5_FFI_04 report those), are not checked; without the aim's price in the contract, or without
    an amount column in the manifest, the check gives one not-evaluated finding per provider.
    """
    evidence = evidence_of(ctx)
    if evidence is None:
        return pd.DataFrame()
    if evidence.lacks("amount") is not None:
        docs = evidence_documents(ctx)
        docs = _with_bootcamp(docs[docs["evidence_type"].isin(list(CO_FUNDING))], ctx, "rate")
        return _lacking(ctx, docs[docs["rate"].notna()], "EV_MONEY_01", "amount", evidence.lacks("amount"),
                        "the amount of each contribution invoice and payment (an amount column in the manifest)")
    missing = _not_evaluated(ctx, _unpriced(ctx), "EV_MONEY_01", "amount", _price_missing,
                             "the price of each co-funded bootcamp aim in the provider's contract")
    return _concat([_findings(ctx, "EV_MONEY_01"), missing])


@rule("EV_MONEY_02", "error", reads=["PSM", "EmpId", "employer register size"],
      family="evidence", issues=_rate_not_size)
def ev_rate_not_size(ctx: RuleContext) -> pd.DataFrame:
    """Contribution rate not matching the employer's size in the register.

    **What it checks**: a bootcamp whose PSM records `Contribution 10` or `Contribution 30` has a co-funding
    employer in the register (by the EmpId of the employment status at the start, else by the employer named on
    its contribution invoice or payment); an SME contributes 10%, a large employer 30%. One finding per bootcamp.

    **Why it matters**: employers training their own staff pay 10% (SMEs) or 30% (large employers); a large
    employer recorded at 10% leaves the funder paying 20% of the price it should not. Severity error.

    **Example**: `Contribution 10` and EmpId 900100111, a large employer in the register: error finding on PSM,
    value `Contribution 10`.

    **Limits**: without the employer register or a size column in it, one not-evaluated finding per provider;
    employers not found in it, or without a size, are not checked. A register without an employer_id (or name)
    column cannot be searched by EmpId (or by the name on an invoice): one finding per provider says the check
    ran only partly. Ids are compared as text (``auditkit.readers.employers.employer_id_key``); an empty EmpId
    matches no register row.
    """
    evidence = evidence_of(ctx)
    if evidence is None:
        return pd.DataFrame()
    boot = evidence_bootcamps(ctx)
    with_evidence = boot[boot["rate"].notna() & _has_evidence(ctx, boot)]
    if evidence.register_lacks("size") is not None:
        return _lacking(ctx, with_evidence, "EV_MONEY_02", "PSM", evidence.register_lacks("size"),
                        "the employer register's sizes")
    partly = []
    if evidence.employers is not None:
        unresolved = with_evidence[~with_evidence["bc"].isin(_co_funder_of_bootcamps(ctx)["bc"])]
        docs = evidence_documents(ctx)
        named = docs[docs["evidence_type"].isin(list(CO_FUNDING)) & docs["employer"].notna()]["bc"]
        for column, rows, how in (
                ("employer_id", unresolved[unresolved["emp_id"].notna()], "their EmpId"),
                ("name", unresolved[unresolved["bc"].isin(named)], "the employer named on their contribution "
                 "invoice or payment")):
            reason = evidence.register_lacks(column)
            partly.append(_lacking(ctx, rows, "EV_MONEY_02", "PSM", None if reason is None else
                                   f"{reason}, so co-funded bootcamps' employers cannot be found by {how}",
                                   f"the employer register's {column}", partly=True))
    return _concat([_findings(ctx, "EV_MONEY_02"), *partly,
                    _needs_register(ctx, with_evidence, "EV_MONEY_02", "PSM", "the employer register (sizes)")])


@rule("EV_REUSE_01", "error", reads=["sha256"], family="evidence", issues=_reused)
def ev_reused_file(ctx: RuleContext) -> pd.DataFrame:
    """The same file (SHA-256) attached to two or more learners.

    **What it checks**: documents with a hash (computed from the file, else as listed in the manifest) shared by
    documents of another learner (another UKPRN or LearnRefNumber). One finding per learner and document.

    **Why it matters**: one job offer letter cannot evidence two people's outcomes; a copied file means at least
    one claim rests on someone else's evidence. Severity error: both learners are reported, the auditor decides
    which document is genuine.

    **Example**: learners FLD0032 and FLD0034 each filed job_offer PDFs with the same SHA-256: one error finding
    for each, on sha256.

    **Limits**: empty files are not compared. The same file listed twice for one learner is not reuse. Without
    files or hashes (a manifest with neither a file nor a sha256 column, and no document folder), one
    not-evaluated finding per provider.
    """
    evidence = evidence_of(ctx)
    if evidence is None:
        return pd.DataFrame()
    if evidence.lacks("file") is not None and evidence.lacks("sha256") is not None:
        return _lacking(ctx, evidence_documents(ctx), "EV_REUSE_01", "sha256",
                        f"{evidence.lacks('file')}, nor a sha256 column",
                        "each document's file (a file column in the manifest, or a document folder) or its sha256")
    return _findings(ctx, "EV_REUSE_01")


@rule("EV_EMP_01", "warning", reads=["employer", "employer register"], family="evidence", issues=_unregistered)
def ev_employer_not_registered(ctx: RuleContext) -> pd.DataFrame:
    """Interview or job offer from an employer absent from the register.

    **What it checks**: each employer letter (interview offer, new responsibilities letter, job offer, new role
    offer) naming an employer names one in the employer register: by name, compared without regard to case,
    punctuation, spacing, `&`/`and`, `Limited`/`Ltd` (``auditkit.readers.employers.employer_key``), or by
    employer id.

    **Why it matters**: the provider's employer engagement is tracked through the register (satisfaction,
    confirmation); an offer from an unknown employer cannot be verified with it and may not be genuine. Severity
    warning: the employer may be real but unregistered; the auditor should contact it.

    **Example**: an interview offer from `Quillon Data Works Ltd`, not in the register: warning on employer.

    **Limits**: without the employer register, a name column in it, or an employer column in the manifest, one
    not-evaluated finding per provider; letters that name no employer are not checked.
    """
    evidence = evidence_of(ctx)
    if evidence is None:
        return pd.DataFrame()
    docs = evidence_documents(ctx)
    letters = docs[docs["evidence_type"].isin(list(EMPLOYER_LETTERS))]
    if evidence.lacks("employer") is not None:
        return _lacking(ctx, letters, "EV_EMP_01", "employer", evidence.lacks("employer"),
                        "the employer named on each interview or job offer (an employer column in the manifest)")
    letters = letters[letters["employer"].notna()]
    if evidence.register_lacks("name") is not None:
        return _lacking(ctx, letters, "EV_EMP_01", "employer", evidence.register_lacks("name"),
                        "the employer register's names")
    return _concat([_findings(ctx, "EV_EMP_01"),
                    _needs_register(ctx, letters, "EV_EMP_01", "employer", "the employer register (names)")])


@rule("EV_EMP_02", "warning", reads=["employer", "FFI", "EmpId", "contract provider"],
      family="evidence", issues=_hired_by_interested_party)
def ev_job_with_interested_party(ctx: RuleContext) -> pd.DataFrame:
    """Independent learner's new job with an employer that co-funded someone else's place, or with the provider.

    **What it checks**: for learners whose bootcamp is independent (neither co-funded nor self-employed), each
    Milestone 3 document (job offer) names an employer that is neither the provider itself (its name in the
    contract) nor an employer that co-funds another learner's place (the register employer of a co-funded
    bootcamp's EmpId, or an employer named on another learner's contribution invoice or payment).

    **Why it matters**: a provider hiring its own learner, or an employer that co-funds its staff's training
    hiring an "independent" learner, suggests the outcome was arranged for the claim, or that the learner is the
    employer's own staff and should have been co-funded (the employer paying its contribution). Severity warning:
    such jobs can be genuine; the auditor should look at them.

    **Example**: an independent learner's job offer from the provider `Foundry Lane Digital Ltd`: warning on
    employer.

    **Limits**: the provider is recognised only by its name in the contracts file. Without an employer column in
    the manifest, one not-evaluated finding per provider; with a register that has no name column, co-funders
    by EmpId are not recognised (one finding per provider says the check ran only partly).
    """
    evidence = evidence_of(ctx)
    if evidence is None:
        return pd.DataFrame()
    docs = evidence_documents(ctx)
    offers = _with_learner_type(ctx, docs[docs["stage"] == "M3"], INDEPENDENT)
    if evidence.lacks("employer") is not None:
        return _lacking(ctx, offers, "EV_EMP_02", "employer", evidence.lacks("employer"),
                        "the employer named on each job offer (an employer column in the manifest)")
    boot = evidence_bootcamps(ctx)
    by_emp_id = boot[(boot["learner_type"] == CO_FUNDED) & boot["emp_id"].notna()]
    partly = (evidence.register_lacks("name") if len(by_emp_id) else None)
    return _concat([_findings(ctx, "EV_EMP_02"),
                    _lacking(ctx, offers[offers["employer"].notna()], "EV_EMP_02", "employer",
                             None if partly is None else f"{partly}, so the employers co-funding a place by EmpId "
                             "are not recognised (only the provider and the employers named on contribution "
                             "invoices and payments are)", "the employer register's names", partly=True)])
