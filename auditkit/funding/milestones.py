"""Milestone payments and funding at risk: what each bootcamp aim has claimed and earned (``auditkit milestones``).

The WMCA pays a bootcamp's contract price P at three milestones: M1 commencement (40%), M2 completion and
interview (30%) and M3 outcome (30%), each reduced by the employer contribution recorded on the bootcamp aim
(PSM ``Contribution 10`` or ``Contribution 30``): a milestone is worth share x P x (1 - contribution).
:func:`milestones` gives one row per bootcamp aim and milestone (every bootcamp aim has an M1, M2 and M3 row),
saying whether it is claimed, whether it is earned and, when not, what blocks it; :func:`funding_summary` adds
it up per provider, bootcamp aim and milestone. Claimed minus earned, in pounds, is the funding at risk.

**Scope.** The bootcamp aims of the returns in scope (the latest return of each provider and ILR year). A
bootcamp recorded in both ILR years (same UKPRN, aim, start date and ULN, or LearnRefNumber when the ULN is
missing or temporary) is one aim, taken from its latest return. With every snapshot in scope
(``--all-returns``) each return's bootcamp aims are rows of their own, evaluated as of that return.

**Claimed.** M1: the bootcamp aim is recorded. M2 / M3: an M2 (``Z0010211``) / M3 (``Z0010212``) aim names the
bootcamp aim in its PSM fields (:func:`auditkit.facts.milestone_links.link_milestones`: also from the other ILR
year's return, by LearnRefNumber or ULN). An M2/M3 aim that names no bootcamp aim of its learner (W5_M2_02,
W5_M3_02) is still a claim: it is counted against the learner's bootcamp aim (same return first, the bootcamp
started on or before the milestone date, the nearest start) when that bootcamp has no M2/M3 naming it, so
that the money shows as at risk; it is never earned. When several aims claim the same milestone of a bootcamp
(a duplicate M2), the row shows one of them: an earned one if any, else the one naming the bootcamp, then the
earliest; the duplicates add no money to the row.

**Earned** (days count from LearnStartDate, which is day 0; dates compare as calendar dates):

- **M1** when (a) no no-pay finding blocks it (below), (b) the bootcamp's return was prepared on or after
  LearnStartDate + 14 days, (c) the learner had not left before day 14 (no LearnActEndDate before
  LearnStartDate + 14 days; leaving on day 14 itself is fine), and (d) CompStatus is not 6.
- **M2** when a claim (a) is not blocked by a no-pay finding, (b) names the bootcamp aim, which (c) is
  completed and achieved (CompStatus 2, Outcome 1) and (d) ran at least 80% of its planned days:
  5 x (LearnActEndDate - LearnStartDate) >= 4 x (LearnPlanEndDate - LearnStartDate), all three dates present.
  M1 need not be earned (the guidance sets no such condition), but the no-pay findings on the bootcamp aim
  that stop the whole bootcamp being paid also stop M2 and M3.
- **M3** when a claim (a) is not blocked by a no-pay finding, (b) names the bootcamp aim, which (c) is
  completed and achieved, (d) an M2 naming the same bootcamp exists for the learner (in any loaded return,
  either ILR year: claimed is enough, as in W5_M3_03 and the guidance's "has previously returned"), and (e)
  the M3 date is no later than the bootcamp's LearnActEndDate plus 6 calendar months (a bootcamp ending
  2024-08-31 allows an M3 up to 2025-02-28).

**No-pay findings that block a milestone** (severity ``no-pay``; errors and warnings never block), matched to
the return they were found in:

- on the learner (no aim: W5_ULN_01, W5_DOB_01, W5_UKPRN_01, W5_EMP_01, W5_EMP_02) in a return holding the
  bootcamp aim, or, for M2/M3, the claiming aim: all three milestones;
- on the bootcamp aim (W5_AIM_01, W5_DAM_01, W5_RES_01, W5_DATE_01, W5_DATE_03, W5_FFI_01 to 03, W5_COMP_01,
  W5_COMP_03, W5_DOB_02): all three milestones ("the bootcamp will not be paid"), except W5_M1_01 (a second
  Milestone 1 for the ULN), which blocks M1 only;
- on the M2/M3 aim itself (W5_M2_*, W5_M3_*, or any other no-pay rule naming it): that milestone.

An unclaimed M2/M3 lists the learner and bootcamp findings that would block it if claimed. Evidence checks
(``EV_*``, even no-pay ones such as EV_MISSING_01) do not block: they judge the documents behind a claim, which
the auditor reviews separately, and an evidence pack may cover only a sample of learners; the milestone frame
says what the ILR earns.

**blocked_by** holds those finding ids (sorted), then pseudo-reasons for conditions that are not themselves a
finding, in lower-case words (:data:`BLOCK_REASONS`); a pseudo-reason is left out when the finding of the rule
that checks the same condition is listed (:data:`COVERED_BY`), so one cause gives one reason. A claimed
milestone is earned exactly when its ``blocked_by`` is empty.

**Money** is computed in integer pence: the price in pence, times the share and (1 - contribution) as whole
percentages, rounded half up to the penny once per milestone; pounds are pence / 100. :func:`funding_summary`
adds pence, so its totals are exact to the penny. A provider without a contract, or an aim not allocated to the
provider, has no price: its amounts are NA (counted as ``unpriced`` in the summary, and left out of its sums).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from auditkit.facts.columns import join_groups, per_value
from auditkit.facts.context import AIM_KEYS, RuleContext
from auditkit.facts.evidence import CLAIM_OF_STAGE, evidence_bootcamps, evidence_claims, evidence_of
from auditkit.facts.learner_types import learner_types
from auditkit.facts.milestone_links import link_milestones, m2_found
from auditkit.facts.nearest import best_per_key, nearest_dates, take_pairs
from auditkit.frames.fields import datetimes
from auditkit.frames.funding import MILESTONE_FRAME, MILESTONE_SUMMARY, MILESTONE_SUMMARY_BY_RETURN
from auditkit.reference.aims import norm_ref
from auditkit.reference.calendar import ilr_year_of, year_start
from auditkit.reference.uln import usable_uln
from auditkit.reference.wave5 import (
    CONTRIBUTION_PERCENT,
    MILESTONES,
    SHARE_PERCENT,
    completed_enough,
    m1_date,
    m3_deadline,
)
from auditkit.rules import rule_issues, run_rules

NO_START_DATE = "no-start-date"
NOT_YET_14_DAYS = "not-yet-14-days"
LEFT_BEFORE_DAY_14 = "left-before-day-14"
TEMPORARILY_WITHDRAWN = "temporarily-withdrawn"
NAMES_NO_BOOTCAMP = "names-no-bootcamp"
NO_MILESTONE_DATE = "no-milestone-date"
BOOTCAMP_NOT_COMPLETED = "bootcamp-not-completed"
UNDER_80_PERCENT = "under-80-percent"
NO_M2 = "no-m2"
AFTER_6_MONTHS = "after-6-months"

#: The pseudo-reasons of ``blocked_by`` (conditions that are not themselves a finding), in the order listed.
BLOCK_REASONS: dict[str, str] = {
    NO_START_DATE: "M1: the bootcamp aim has no LearnStartDate, so Milestone 1 has no date.",
    NOT_YET_14_DAYS: "M1: the return was prepared less than 14 days after LearnStartDate (not due yet).",
    LEFT_BEFORE_DAY_14: "M1: LearnActEndDate is before LearnStartDate + 14 days (the learner left before day 14).",
    TEMPORARILY_WITHDRAWN: "M1: CompStatus 6 (temporarily withdrawn); the rule is W5_COMP_01.",
    NAMES_NO_BOOTCAMP: "M2/M3: the claiming aim's PSM fields name no bootcamp aim of the learner (W5_M2_02 / "
                       "W5_M3_02); counted against this bootcamp, never earned.",
    NO_MILESTONE_DATE: "M2/M3: the claiming aim has no LearnStartDate (W5_M2_01 / W5_M3_01).",
    BOOTCAMP_NOT_COMPLETED: "M2/M3: the bootcamp aim is not completed (CompStatus 2) and achieved (Outcome 1) "
                            "(W5_M2_03 / W5_M3_05).",
    UNDER_80_PERCENT: "M2: less than 80% of the bootcamp's planned days completed, or a date needed to show it "
                      "is missing (W5_M2_04).",
    NO_M2: "M3: no M2 aim naming the bootcamp for the learner in any loaded return (W5_M3_03).",
    AFTER_6_MONTHS: "M3: dated more than 6 calendar months after the bootcamp's LearnActEndDate, or the bootcamp "
                    "has no LearnActEndDate (W5_M3_04).",
}
#: For each pseudo-reason and milestone, the rule that checks the same condition: when its finding is listed
#: in ``blocked_by``, the pseudo-reason is left out.
COVERED_BY: dict[str, dict[str, str]] = {
    TEMPORARILY_WITHDRAWN: {"M1": "W5_COMP_01"},
    NAMES_NO_BOOTCAMP: {"M2": "W5_M2_02", "M3": "W5_M3_02"},
    NO_MILESTONE_DATE: {"M2": "W5_M2_01", "M3": "W5_M3_01"},
    BOOTCAMP_NOT_COMPLETED: {"M2": "W5_M2_03", "M3": "W5_M3_05"},
    UNDER_80_PERCENT: {"M2": "W5_M2_04"},
    NO_M2: {"M3": "W5_M3_03"},
    AFTER_6_MONTHS: {"M3": "W5_M3_04"},
}
#: The no-pay rule that blocks Milestone 1 only (not the bootcamp's M2 and M3).
M1_ONLY_RULES: frozenset[str] = frozenset({"W5_M1_01"})
NO_PAY = "no-pay"
#: Evidence checks (EV_*) judge the documents behind a claim, not the claim: they never block a milestone here;
#: their no-pay findings show as ``evidence_blocked_by`` and ``at_risk_evidence`` beside the ILR's verdict.
EVIDENCE_PREFIX = "EV_"
#: How evidence findings count, in one line (the CLI says it under every funding summary).
EVIDENCE_COUNTING = ("Evidence findings (EV_*) do not change what the ILR earns: 'at risk (ILR)' is claimed but not "
                     "earned under the ILR rules; 'at risk (evidence)' is earned but its evidence has a no-pay "
                     "finding, payable only once the evidence is produced.")


def _day(values: pd.Series) -> pd.Series:
    """Dates as calendar days (midnight)."""
    return pd.to_datetime(values).dt.normalize()


# -- money ---------------------------------------------------------------------------------------------------

def price_pence(price: object) -> int | None:
    """A price in pounds as whole pence (half a penny rounds up); None when missing."""
    if price is None or pd.isna(price):
        return None
    pounds = Decimal(str(price)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return int(pounds * 100)


def milestone_pence(price: object, share_percent: int, contribution_percent: int) -> int | None:
    """share x price x (1 - contribution), in whole pence, rounded half up: integer arithmetic throughout.

    >>> milestone_pence(3000, 30, 30)  # 0.3 x 3000 x 0.7 = 630.00
    63000
    >>> milestone_pence(3333.33, 40, 0)  # 0.4 x 3333.33 = 1333.332 -> 1333.33
    133333
    """
    pence = price_pence(price)
    if pence is None:
        return None
    numerator = pence * share_percent * (100 - contribution_percent)  # pence x 10,000
    return (numerator + 5_000) // 10_000


def _pence(pounds: pd.Series) -> pd.Series:
    """Pounds (rounded to the penny) as Int64 pence; NA stays NA."""
    values = pd.to_numeric(pounds, errors="coerce").astype("Float64")
    return (values * 100).round().astype("Int64")


def _pounds(pence: pd.Series) -> pd.Series:
    return (pence.astype("Int64").astype("Float64") / 100).astype("Float64")


# -- periods ---------------------------------------------------------------------------------------------------

def milestone_period(day: object) -> tuple[str | None, str | None]:
    """(ILR year, collection period R01-R12) a date falls in: August is R01 of the year starting that August.

    >>> milestone_period("2024-08-03")
    ('2024-25', 'R01')
    >>> milestone_period("2024-07-31")
    ('2023-24', 'R12')
    """
    if day is None or pd.isna(day):
        return None, None
    date = pd.Timestamp(day).date()
    year = ilr_year_of(date)
    start = year_start(year)
    number = (date.year - start.year) * 12 + date.month - start.month + 1
    return year, f"R{number:02d}"


# -- co-funding ----------------------------------------------------------------------------------------------

def contribution_rate(ctx: RuleContext, aims: pd.DataFrame | None = None) -> pd.Series:
    """The employer contribution recorded on each row of ``aims`` (default: the bootcamp aims in scope): 0.1
    when a PSM field reads exactly ``Contribution 10``, 0.3 for ``Contribution 30``, else 0. Both recorded:
    0.3 (the funder pays the lower amount). Looks in every loaded return (``aims`` keep their return)."""
    aims = ctx.bootcamps if aims is None else aims
    return (_contribution_percent(ctx, aims) / 100).astype("Float64")


def _contribution_percent(ctx: RuleContext, aims: pd.DataFrame) -> pd.Series:
    texts = ctx.psm_texts(aims, everywhere=True)
    values = [max((CONTRIBUTION_PERCENT.get(t.strip(), 0) for t in ts if isinstance(t, str)), default=0)
              for ts in texts]
    return pd.Series(values, index=aims.index, dtype="Int64")


# -- findings that block ---------------------------------------------------------------------------------------

_LEARNER = ["return_id", "ukprn", "learn_ref_number"]
_AIM = [*_LEARNER, "aim_seq_number"]


def _keys(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``frame``'s key columns in one dtype each (so that any two merge), rows with a key missing dropped."""
    out = pd.DataFrame({"return_id": frame["return_id"].astype("string"),
                        "ukprn": pd.to_numeric(frame["ukprn"], errors="coerce").astype("Int64"),
                        "learn_ref_number": frame["learn_ref_number"].astype("string")}, index=frame.index)
    if "aim_seq_number" in columns:
        out["aim_seq_number"] = pd.to_numeric(frame["aim_seq_number"], errors="coerce").astype("Int64")
    return out[columns].dropna()


def _blocking(ctx: RuleContext, findings: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The no-pay ILR findings (``rule_id``) on the learner (:data:`_LEARNER` keys) and on an aim (:data:`_AIM`
    keys), each matched to the return it was found in; a finding whose source names no loaded return holds for
    the learner in every return in scope."""
    none = pd.DataFrame(columns=_AIM)
    empty = (_keys(none, _LEARNER).assign(rule_id=pd.Series(dtype=object)),
             _keys(none, _AIM).assign(rule_id=pd.Series(dtype=object)))
    if findings is None or findings.empty:
        return empty
    rule_ids = findings["rule_id"].astype("string")
    f = findings[((findings["severity"] == NO_PAY) & ~rule_ids.str.startswith(EVIDENCE_PREFIX)).fillna(False)
                 .astype(bool) & findings["learn_ref_number"].notna()]
    if f.empty:
        return empty
    returns = ctx.all.returns.drop_duplicates("path")
    by_path = pd.Series(returns["return_id"].to_numpy(), index=returns["path"].astype(str).to_numpy())
    source = f["source"].astype("string").str.replace(r":\d+$", "", regex=True)
    f = f.assign(return_id=source.map(by_path), rule_id=f["rule_id"].astype(str))
    known = f[f["return_id"].notna()]
    everywhere = f[f["return_id"].isna()].drop(columns="return_id").assign(
        ukprn=lambda d: pd.to_numeric(d["ukprn"]).astype("Int64"),
        learn_ref_number=lambda d: d["learn_ref_number"].astype("string"))
    in_scope = _keys(ctx.learners, _LEARNER).drop_duplicates()
    f = pd.concat([known, everywhere.merge(in_scope, on=["ukprn", "learn_ref_number"])], ignore_index=True)
    on_learner = f[f["aim_seq_number"].isna()]
    on_aim = f[f["aim_seq_number"].notna()]
    return (_keys(on_learner, _LEARNER).assign(rule_id=on_learner["rule_id"]).drop_duplicates(),
            _keys(on_aim, _AIM).assign(rule_id=on_aim["rule_id"]).drop_duplicates())


def _found_on(keys: pd.DataFrame, blocks: pd.DataFrame, on: list[str]) -> pd.DataFrame:
    """``_k`` and ``rule_id``: the blocks on the rows of ``keys`` (``_k`` and the ``on`` columns)."""
    return _keys(keys, on).assign(_k=keys["_k"]).merge(blocks, on=on)[["_k", "rule_id"]]


_REASON_ORDER = {reason: i for i, reason in enumerate(BLOCK_REASONS)}
_COVERS = pd.DataFrame([(reason, milestone, rule_id) for reason, by in COVERED_BY.items()
                        for milestone, rule_id in by.items()], columns=["reason", "milestone", "rule_id"])


def _blocked_by(count: int, ids: pd.DataFrame, reasons: pd.DataFrame, milestone: pd.Series) -> np.ndarray:
    """For rows ``_k`` = 0 .. count - 1: their finding ids (``ids``: ``_k``, ``rule_id``; sorted), then their
    pseudo-reasons (``reasons``: ``_k``, ``reason``; in :data:`BLOCK_REASONS` order) not covered by a listed
    finding of the rule checking the same condition for the row's ``milestone``, comma-separated."""
    ids = ids.drop_duplicates()
    reasons = reasons.assign(milestone=milestone.to_numpy()[reasons["_k"].to_numpy(dtype=int)])
    covered = reasons.merge(_COVERS, on=["reason", "milestone"]).merge(ids, on=["_k", "rule_id"])
    reasons = reasons[~pd.MultiIndex.from_frame(reasons[["_k", "reason"]]).isin(
        pd.MultiIndex.from_frame(covered[["_k", "reason"]]))]
    tokens = pd.concat([ids.assign(_kind=0, _order=0, token=ids["rule_id"]),
                        reasons.assign(_kind=1, _order=reasons["reason"].map(_REASON_ORDER), token=reasons["reason"])],
                       ignore_index=True)
    tokens = tokens.sort_values(["_k", "_kind", "_order", "token"], kind="stable")
    k = tokens["_k"].to_numpy(dtype=np.int64)
    inside = (k >= 0) & (k < count)
    joined = join_groups(k[inside], tokens["token"].to_numpy(dtype=object)[inside], ",", count)
    joined[pd.isna(joined)] = ""
    return joined


def _reasons(flags: dict[str, np.ndarray]) -> pd.DataFrame:
    """``_k`` and ``reason`` for each row flagged under each reason."""
    parts = [pd.DataFrame({"_k": np.flatnonzero(flag), "reason": reason}) for reason, flag in flags.items()]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["_k", "reason"])


# -- bootcamp aims ---------------------------------------------------------------------------------------------

def _person(frame: pd.DataFrame, uln: str = "uln", lrn: str = "learn_ref_number") -> pd.Series:
    """Who a bootcamp aim is for, across years: the ULN when usable, else the LearnRefNumber."""
    usable = usable_uln(frame[uln])
    return pd.Series(np.where(usable, "uln:" + frame[uln].astype("string").str.strip().fillna(""),
                              "lrn:" + frame[lrn].astype("string").fillna("")), index=frame.index)


_KEY = ["ukprn", "_ref", "_start", "_person"]


def _bootcamp_rows(ctx: RuleContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The bootcamp aims the frame has rows for (``_row``; ``_g``: the bootcamp, the same for its copies), and
    ``_g`` with the aim keys of every in-scope copy of each bootcamp (the same bootcamp recorded in both ILR
    years), one row per copy: learners sharing a ULN cost memory in proportion to them, not to their square."""
    b = ctx.bootcamps
    b = b.assign(_ref=norm_ref(b["learn_aim_ref"]), _start=_day(b["learn_start_date"]), _person=_person(b))
    b = b.sort_values(["file_preparation_date", "return_id", "ukprn", "learn_ref_number", "aim_seq_number"],
                      kind="stable", na_position="first")
    snapshots = ctx.returns.duplicated(["ukprn", "ilr_year"]).any()
    group = b.groupby(_KEY, dropna=False, sort=False).ngroup()
    everyone, everyone_group = b[AIM_KEYS], group.to_numpy()
    if not snapshots:
        latest = b.groupby(group.to_numpy(), sort=False)["return_id"].transform("last")
        keep = (b["return_id"] == latest).to_numpy()
        b, group = b[keep], group[keep]
    b = b.reset_index(drop=True)
    b["_row"] = np.arange(len(b))
    if snapshots:  # each return's row stands alone
        b["_g"] = b["_row"]
        return b, b[["_g", *AIM_KEYS]]
    b["_g"] = group.to_numpy()
    return b, everyone.assign(_g=everyone_group)[["_g", *AIM_KEYS]].reset_index(drop=True)


# -- claims ----------------------------------------------------------------------------------------------------

_CLAIM_COLUMNS = ["_row", "milestone", "_linked", "return_id", "ukprn", "learn_ref_number", "aim_seq_number",
                  "_date", "_prep", "_m2_anywhere"]


def _claims(ctx: RuleContext, boot: pd.DataFrame) -> pd.DataFrame:
    """Every M2/M3 aim in scope attached to a bootcamp row (``_row``): the ones naming it (``_linked``), and the
    ones naming no bootcamp of the learner (``_linked`` False) where no aim names that bootcamp."""
    links = link_milestones(ctx)
    if links.empty or boot.empty:
        return pd.DataFrame(columns=_CLAIM_COLUMNS)
    links = links.assign(milestone=np.where(links["is_m2"], "M2", "M3"), _date=_day(links["learn_start_date"]),
                         _prep=links["file_preparation_date"], _i=np.arange(len(links)), _m2_anywhere=False)
    m3 = (links["is_m3"] & links["linked"]).astype(bool)
    if m3.any():
        links.loc[m3, "_m2_anywhere"] = m2_found(ctx, links[m3]).to_numpy()
    named = ["return_id", "ukprn", "learn_ref_number", "aim_seq_number", "uln", "file_preparation_date"]
    brows = boot[["_row", "_ref", "_start", "_person", *named]].rename(columns={c: f"b_{c}" for c in named})
    parts = []
    linked = links[links["linked"].astype(bool)]
    if len(linked):
        bc_uln = ctx.all_bootcamps[[*AIM_KEYS, "uln"]].rename(columns={c: f"bc_{c}" for c in [*AIM_KEYS, "uln"]})
        linked = linked.merge(bc_uln.drop_duplicates([f"bc_{c}" for c in AIM_KEYS]),
                              on=[f"bc_{c}" for c in AIM_KEYS], how="left")
        linked = linked.assign(b_ukprn=linked["bc_ukprn"], _ref=norm_ref(linked["bc_learn_aim_ref"]),
                               _start=_day(linked["bc_learn_start_date"]),
                               _person=_person(linked, "bc_uln", "bc_learn_ref_number"))
        # the rows of the bootcamp the aim names (the same bootcamp in another return counts): the one in the
        # claim's own return first, then the very aim linked, then the latest return not after the claim's
        cand = _linked_candidates(linked, brows)
        exact = ((cand["b_return_id"] == cand["bc_return_id"]) & (cand["b_aim_seq_number"] == cand["bc_aim_seq_number"])
                 & (cand["b_learn_ref_number"] == cand["bc_learn_ref_number"])).fillna(False).to_numpy(dtype=bool)
        same = (cand["b_return_id"] == cand["return_id"]).fillna(False).to_numpy(dtype=bool)
        not_after = (cand["b_file_preparation_date"] <= cand["_prep"]).fillna(False).to_numpy(dtype=bool)
        cand = cand.assign(_rank=np.select([same, exact, not_after], [0, 1, 2], 3))
        cand = cand.sort_values(["_i", "_rank", "b_file_preparation_date", "_row"],
                                ascending=[True, True, False, True], kind="stable")
        parts.append(cand.drop_duplicates("_i").assign(_linked=True))
    unlinked = links[~links["linked"].astype(bool)]
    if len(unlinked):
        ok = unlinked[usable_uln(unlinked["uln"]).to_numpy()]
        by_uln = _unlinked_candidates(ok, brows[usable_uln(brows["b_uln"]).to_numpy()], "uln")
        cand = pd.concat([_unlinked_candidates(unlinked, brows, "learn_ref_number").assign(_tier=0),
                          by_uln.assign(_tier=1)], ignore_index=True)
        if len(cand):
            cand = cand.assign(
                _other=(cand["b_return_id"] != cand["return_id"]).fillna(True).astype(int),
                _after=(~(cand["_start"] <= cand["_date"]).fillna(False)).astype(int),
                _gap=(cand["_date"] - cand["_start"]).abs().dt.days.astype("Float64").fillna(float("inf")))
            cand = cand.sort_values(["_i", "_other", "_tier", "_after", "_gap", "b_file_preparation_date", "_row"],
                                    ascending=[True, True, True, True, True, False, True], kind="stable")
            cand = cand.drop_duplicates("_i").assign(_linked=False)
            taken = set(zip(parts[0]["_row"], parts[0]["milestone"], strict=True)) if parts else set()
            cand = cand[[(r, m) not in taken for r, m in zip(cand["_row"], cand["milestone"], strict=True)]]
            parts.append(cand)
    if not parts:
        return pd.DataFrame(columns=_CLAIM_COLUMNS)
    return pd.concat([p[_CLAIM_COLUMNS] for p in parts], ignore_index=True)


_BOOTCAMP_KEY = ["b_ukprn", "_ref", "_start", "_person"]


def _linked_candidates(linked: pd.DataFrame, brows: pd.DataFrame) -> pd.DataFrame:
    """``linked`` merged with the bootcamp rows of the same bootcamp (:data:`_BOOTCAMP_KEY`), keeping for each
    claim only the rows :func:`_claims` can rank first: the best of the claim's own return, the very aim linked,
    the latest return not after the claim's and the latest of all. Many learners sharing a ULN (one ``_person``)
    cost memory in proportion to them, not to their square."""
    linked, brows = linked.reset_index(drop=True), brows.reset_index(drop=True)
    order, ascending = ["b_file_preparation_date", "_row"], [False, True]
    same = brows.assign(return_id=brows["b_return_id"])
    exact = brows.assign(bc_return_id=brows["b_return_id"], bc_aim_seq_number=brows["b_aim_seq_number"],
                         bc_learn_ref_number=brows["b_learn_ref_number"])
    pairs = pd.concat([
        best_per_key(linked, same, [*_BOOTCAMP_KEY, "return_id"], order, ascending),
        best_per_key(linked, exact, [*_BOOTCAMP_KEY, "bc_return_id", "bc_aim_seq_number", "bc_learn_ref_number"],
                     order, ascending),
        nearest_dates(linked, brows, _BOOTCAMP_KEY, "_prep", "b_file_preparation_date", ["_row"], [True]),
        best_per_key(linked, brows, _BOOTCAMP_KEY, order, ascending),
    ], ignore_index=True).drop_duplicates()
    return take_pairs(linked, brows, pairs, on=_BOOTCAMP_KEY).drop(columns=["_l", "_r"])


def _unlinked_candidates(unlinked: pd.DataFrame, brows: pd.DataFrame, person: str) -> pd.DataFrame:
    """``unlinked`` merged with the bootcamp rows of the same provider and ``person`` (``learn_ref_number`` or
    ``uln``), keeping for each claim only the rows :func:`_claims` can rank first: the nearest start (before,
    after, none) in the claim's own return and in any return."""
    unlinked, brows = unlinked.reset_index(drop=True), brows.reset_index(drop=True)
    right = brows.assign(ukprn=brows["b_ukprn"], return_id=brows["b_return_id"], **{person: brows[f"b_{person}"]})
    order, ascending = ["b_file_preparation_date", "_row"], [False, True]
    pairs = pd.concat([
        nearest_dates(unlinked, right, ["ukprn", person, "return_id"], "_date", "_start", order, ascending),
        nearest_dates(unlinked, right, ["ukprn", person], "_date", "_start", order, ascending),
    ], ignore_index=True).drop_duplicates()
    return take_pairs(unlinked, brows, pairs).drop(columns=["_l", "_r"])


# -- the frame -------------------------------------------------------------------------------------------------

def milestones(ctx: RuleContext, findings: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per bootcamp aim in scope and milestone (M1, M2, M3): claimed, earned, date, period, money and what
    blocks it (see the module docstring for the rules). ``findings`` are the rule findings of the same context
    (``auditkit.open_case(...).raw_findings`` or ``run_rules(ctx)``); None runs every rule."""
    if findings is None:
        findings = run_rules(ctx)
    boot, copies = _bootcamp_rows(ctx)
    if boot.empty:
        return MILESTONE_FRAME.empty()
    on_learner, on_aim = _blocking(ctx, findings)
    # findings on the learner and on the bootcamp aim, over every in-scope copy of the bootcamp (``_k``: the row)
    copies = copies.assign(_k=copies["_g"])
    learner_ids, aim_ids = (boot[["_row", "_g"]].merge(
        _found_on(copies, blocks, on).drop_duplicates().rename(columns={"_k": "_g"}), on="_g")[["_row", "rule_id"]]
        .rename(columns={"_row": "_k"}) for blocks, on in ((on_learner, _LEARNER), (on_aim, _AIM)))
    # the bootcamp-wide ones stop all three milestones; the M1-only rules stop M1 alone
    bootcamp_wide = pd.concat([learner_ids, aim_ids[~aim_ids["rule_id"].isin(M1_ONLY_RULES)]], ignore_index=True)
    m1 = _m1_rows(boot, pd.concat([learner_ids, aim_ids], ignore_index=True))
    later = _claim_rows(ctx, boot, bootcamp_wide, on_learner, on_aim)
    rows = pd.concat([m1, later, _unclaimed_rows(boot, bootcamp_wide, later)[m1.columns]], ignore_index=True)
    kind = learner_types(ctx, boot).to_numpy()
    contribution = _contribution_percent(ctx, boot).to_numpy()
    return _with_evidence(ctx, findings, _assemble(boot, rows, kind, contribution, _prices(ctx, boot)))


_ROW_COLUMNS = ["_row", "milestone", "claimed", "blocked_by", "milestone_date", "milestone_aim_seq",
                "milestone_return_id"]


def _m1_rows(boot: pd.DataFrame, ids: pd.DataFrame) -> pd.DataFrame:
    """The M1 row of each bootcamp row (:data:`_ROW_COLUMNS`), blocked by ``ids`` (``_k``: the row) and by the
    M1 conditions: a start date, the return prepared by day 14, the learner still on it on day 14, CompStatus not
    6."""
    start, act, prep = boot["_start"], _day(boot["learn_act_end_date"]), _day(boot["file_preparation_date"])
    due = m1_date(start)
    dated = due.notna().to_numpy()
    reasons = _reasons({
        NO_START_DATE: ~dated,
        NOT_YET_14_DAYS: dated & (prep.isna() | (prep < due)).fillna(True).to_numpy(dtype=bool),
        LEFT_BEFORE_DAY_14: dated & (act < due).fillna(False).to_numpy(dtype=bool),
        TEMPORARILY_WITHDRAWN: (boot["comp_status"] == 6).fillna(False).to_numpy(dtype=bool),
    })
    blocked = _blocked_by(len(boot), ids, reasons, pd.Series("M1", index=range(len(boot))))
    return pd.DataFrame({"_row": boot["_row"], "milestone": "M1", "claimed": True, "blocked_by": blocked,
                         "milestone_date": due, "milestone_aim_seq": pd.NA, "milestone_return_id": pd.NA})


def _claim_rows(ctx: RuleContext, boot: pd.DataFrame, bootcamp_wide: pd.DataFrame, on_learner: pd.DataFrame,
                on_aim: pd.DataFrame) -> pd.DataFrame:
    """The M2 and M3 claims (:func:`_claims`), each judged (the bootcamp's ``bootcamp_wide`` findings, the
    claiming aim's own and its learner's, and the M2/M3 conditions), then one per bootcamp row and milestone: an
    earned one if any, else the one naming the bootcamp, then the earliest (:data:`_ROW_COLUMNS`)."""
    start, plan, act = boot["_start"], _day(boot["learn_plan_end_date"]), _day(boot["learn_act_end_date"])
    completed = ((boot["comp_status"] == 2) & (boot["outcome"] == 1)).fillna(False).to_numpy(dtype=bool)
    eighty = completed_enough(start, plan, act).fillna(False).to_numpy(dtype=bool)
    dates_missing = (start.isna() | plan.isna() | act.isna()).to_numpy()
    claims = _claims(ctx, boot).reset_index(drop=True)
    claims = claims.assign(_k=np.arange(len(claims)))
    row = claims["_row"].astype(int).to_numpy()
    ms = claims["milestone"].astype(str).to_numpy()
    linked = claims["_linked"].astype(bool).to_numpy()
    date = pd.to_datetime(claims["_date"])
    limit = m3_deadline(act).reset_index(drop=True).iloc[row].reset_index(drop=True)
    m2, m3 = linked & (ms == "M2"), linked & (ms == "M3")
    # 80%: short when the dates show it; dates missing matter only for a completed bootcamp (as W5_M2_04)
    short = (~dates_missing[row] & ~eighty[row]) | (dates_missing[row] & completed[row])
    late = (limit.isna() & completed[row]) | (limit.notna() & date.notna() & (date > limit).fillna(False))
    m2_named = claims["_m2_anywhere"].astype(bool).to_numpy() | np.isin(row, row[m2])
    reasons = _reasons({
        NAMES_NO_BOOTCAMP: ~linked,
        NO_MILESTONE_DATE: linked & date.isna().to_numpy(),
        BOOTCAMP_NOT_COMPLETED: linked & ~completed[row],
        UNDER_80_PERCENT: m2 & short,
        NO_M2: m3 & ~m2_named,
        AFTER_6_MONTHS: m3 & late.to_numpy(dtype=bool),
    })
    ids = pd.concat([claims[["_k", "_row"]].merge(bootcamp_wide.rename(columns={"_k": "_row"}), on="_row")
                     [["_k", "rule_id"]], _found_on(claims, on_aim, _AIM), _found_on(claims, on_learner, _LEARNER)],
                    ignore_index=True)
    later = pd.DataFrame({"_row": row, "milestone": ms, "claimed": True,
                          "blocked_by": _blocked_by(len(claims), ids, reasons, claims["milestone"]),
                          "milestone_date": date, "milestone_aim_seq": claims["aim_seq_number"],
                          "milestone_return_id": claims["return_id"], "_linked": linked})
    later = later.assign(_blocked=later["blocked_by"] != "", _nodate=later["milestone_date"].isna())
    later = later.sort_values(["_row", "milestone", "_blocked", "_linked", "_nodate", "milestone_date",
                               "milestone_return_id", "milestone_aim_seq"],
                              ascending=[True, True, True, False, True, True, False, True], kind="stable")
    later = later.drop_duplicates(["_row", "milestone"])
    # dates as objects, as the unclaimed rows': a date beyond what nanoseconds hold (near 2262) then meets NaT
    # without overflowing
    return later.assign(milestone_date=later["milestone_date"].astype(object))[_ROW_COLUMNS]


def _unclaimed_rows(boot: pd.DataFrame, bootcamp_wide: pd.DataFrame, claimed: pd.DataFrame) -> pd.DataFrame:
    """The M2 and M3 rows no aim claims (:data:`_ROW_COLUMNS`), listing the learner and bootcamp findings that
    would block them."""
    count = len(boot)
    wide = _blocked_by(count, bootcamp_wide, _reasons({}), pd.Series("", index=range(count)))
    every = pd.DataFrame({"_row": np.repeat(boot["_row"].to_numpy(), 2), "milestone": ["M2", "M3"] * count})
    have = pd.MultiIndex.from_frame(claimed[["_row", "milestone"]].astype({"_row": int}))
    unclaimed = every[~pd.MultiIndex.from_frame(every).isin(have)]
    return unclaimed.assign(claimed=False, blocked_by=wide[unclaimed["_row"].to_numpy(dtype=int)],
                            milestone_date=pd.Series(pd.NaT, index=unclaimed.index, dtype=object),
                            milestone_aim_seq=pd.NA, milestone_return_id=pd.NA)[_ROW_COLUMNS]


def _with_evidence(ctx: RuleContext, findings: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``evidence_blocked_by`` and ``at_risk_evidence``: the no-pay evidence findings among
    ``findings`` on each milestone's claim, and the earned pounds they hold back."""
    blocked = pd.Series("", index=frame.index, dtype="string")
    ev = findings[findings["rule_id"].astype("string").str.startswith(EVIDENCE_PREFIX).fillna(False)
                  & (findings["severity"] == NO_PAY)]
    if len(ev) and len(frame) and evidence_of(ctx) is not None:
        issues = rule_issues(ctx, sorted(set(ev["rule_id"])))
        found = pd.MultiIndex.from_frame(ev[["rule_id", "ukprn", "learn_ref_number"]].astype(str))
        issues = issues[pd.MultiIndex.from_frame(issues[["check_id", "ukprn", "learn_ref_number"]].astype(str))
                        .isin(found)]
        # the claim the issue is about; a document's issue (no claim) is about its stage's milestone
        claims = evidence_claims(ctx).set_index("claim")
        of_claim = issues["claim"].map(lambda c: None if pd.isna(c) else int(c))
        milestone = of_claim.map(claims["milestone"]).fillna(issues["stage"].map(CLAIM_OF_STAGE))
        bc = of_claim.map(claims["bc"]).fillna(issues["bc"])
        boot = evidence_bootcamps(ctx)[["bc", "ukprn", "learn_ref_number", "learn_aim_ref", "learn_start_date"]]
        hits = (pd.DataFrame({"check_id": issues["check_id"], "milestone": milestone, "bc": bc})
                .dropna(subset=["milestone", "bc"]).astype({"bc": "int64"}).merge(boot, on="bc"))
        if len(hits):
            keys = ["ukprn", "learn_ref_number", "learn_aim_ref", "learn_start_date", "milestone"]

            def norm(df: pd.DataFrame) -> pd.DataFrame:
                return df.assign(ukprn=pd.to_numeric(df["ukprn"]).astype("Int64"),
                                 learn_ref_number=df["learn_ref_number"].astype("string"),
                                 learn_aim_ref=df["learn_aim_ref"].astype("string"),
                                 learn_start_date=pd.to_datetime(df["learn_start_date"]).astype("datetime64[ns]"),
                                 milestone=df["milestone"].astype("string"))

            # per milestone, its checks' ids sorted and once each
            found = norm(hits).drop_duplicates([*keys, "check_id"]).sort_values("check_id", kind="stable")
            group = found.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
            ids = found.drop_duplicates(keys)[keys].reset_index(drop=True)
            ids["_ev"] = join_groups(group, found["check_id"].to_numpy(dtype=object), ",", len(ids))
            at = norm(frame.rename(columns={"bootcamp_aim": "learn_aim_ref"})[keys])
            joined = at.merge(ids, on=keys, how="left")["_ev"]
            blocked = pd.Series(joined.fillna("").to_numpy(), index=frame.index, dtype="string")
    held = _pence(frame["amount_due"]).where(blocked != "", 0)
    return frame.assign(evidence_blocked_by=pd.Series(blocked.to_numpy(), index=frame.index, dtype="string"),
                        at_risk_evidence=pd.Series(_pounds(held).to_numpy(), index=frame.index, dtype="Float64"))


def _prices(ctx: RuleContext, boot: pd.DataFrame) -> pd.Series:
    """The contract price of each bootcamp row's aim for its provider (NA when not allocated or no contract)."""
    aims = ctx.contract_aims()
    if aims.empty:
        return pd.Series(pd.NA, index=boot.index, dtype="Float64")
    table = aims.dropna(subset=["ukprn", "lars"]).drop_duplicates(["ukprn", "lars"])
    lookup = {(int(u), str(lars).strip().upper()): p for u, lars, p in
              zip(table["ukprn"], table["lars"], table["price"], strict=True)}
    values = [lookup.get((int(u), str(r)), pd.NA) if not pd.isna(u) and not pd.isna(r) else pd.NA
              for u, r in zip(boot["ukprn"], boot["_ref"], strict=True)]
    return pd.Series(values, index=boot.index, dtype="Float64")


def _assemble(boot: pd.DataFrame, rows: pd.DataFrame, kind: np.ndarray, contribution: np.ndarray,
              prices: pd.Series) -> pd.DataFrame:
    b = boot.set_index("_row")
    r = rows.reset_index(drop=True)
    at = r["_row"].astype(int).to_numpy()
    claimed = r["claimed"].astype(bool).to_numpy()
    blocked = r["blocked_by"].fillna("").astype(str).to_numpy()
    earned = claimed & (blocked == "")
    share = r["milestone"].map(SHARE_PERCENT).astype(int).to_numpy()
    contrib = contribution[at].astype(int)
    price = prices.to_numpy(dtype=object)[at]
    amount = _milestone_amounts(price, share, contrib)
    claimed_pence = pd.Series(amount).where(claimed, 0).astype("Int64")
    due_pence = pd.Series(amount).where(earned, 0).astype("Int64")
    dates = datetimes(r["milestone_date"])  # a date beyond nanoseconds (a start near 2262 + 14 days) is NaT
    years = per_value(dates, lambda d: milestone_period(d)[0], dtype="object")
    periods = per_value(dates, lambda d: milestone_period(d)[1], dtype="object")
    out = pd.DataFrame({
        "ukprn": b["ukprn"].to_numpy()[at],
        "learn_ref_number": b["learn_ref_number"].to_numpy()[at],
        "uln": b["uln"].to_numpy()[at],
        "bootcamp_aim": b["learn_aim_ref"].to_numpy()[at],
        "learner_type": kind[at],
        "milestone": r["milestone"].to_numpy(),
        "claimed": claimed,
        "earned": earned,
        "milestone_date": dates.to_numpy(),
        "period": periods.to_numpy(),
        "amount_due": _pounds(due_pence).to_numpy(),
        "blocked_by": blocked,
        "ilr_year": years.to_numpy(),
        "return_id": b["return_id"].to_numpy()[at],
        "aim_seq_number": b["aim_seq_number"].to_numpy()[at],
        "milestone_aim_seq": r["milestone_aim_seq"].to_numpy(),
        "milestone_return_id": r["milestone_return_id"].to_numpy(),
        "learn_start_date": b["learn_start_date"].to_numpy()[at],
        "learn_plan_end_date": b["learn_plan_end_date"].to_numpy()[at],
        "learn_act_end_date": b["learn_act_end_date"].to_numpy()[at],
        "comp_status": b["comp_status"].to_numpy()[at],
        "outcome": b["outcome"].to_numpy()[at],
        "price": price,
        "contribution": contrib / 100,
        "share": share / 100,
        "amount_claimed": _pounds(claimed_pence).to_numpy(),
        "at_risk": _pounds(claimed_pence - due_pence).to_numpy(),
    })
    out = MILESTONE_FRAME.conform(out)
    order = {m: i for i, m in enumerate(MILESTONES)}
    out = out.assign(_m=out["milestone"].map(order))
    out = out.sort_values(["ukprn", "learn_ref_number", "learn_start_date", "bootcamp_aim", "return_id",
                           "aim_seq_number", "_m"], kind="stable", na_position="first")
    return out.drop(columns="_m").reset_index(drop=True)


def _milestone_amounts(price: np.ndarray, share: np.ndarray,
                       contribution: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """:func:`milestone_pence` of each (price, share, contribution), as Int64 (NA without a price), computed once
    per distinct triple."""
    triples = pd.DataFrame({"price": price, "share": share, "contribution": contribution})
    group = triples.groupby(["price", "share", "contribution"], dropna=False, sort=False).ngroup().to_numpy()
    distinct = triples.drop_duplicates()
    pence = [milestone_pence(p, s, c) for p, s, c in
             zip(distinct["price"], distinct["share"], distinct["contribution"], strict=True)]
    values = pd.array([pd.NA if a is None else a for a in pence], dtype="Int64")
    return values[group] if len(group) else pd.array([], dtype="Int64")


# -- totals ----------------------------------------------------------------------------------------------------

def funding_summary(milestones: pd.DataFrame, *, by_return: bool = False) -> pd.DataFrame:
    """Per provider, bootcamp aim and milestone: aims, claimed and earned counts, claimed milestones without a
    price, and the pounds claimed, due and at risk, added up in pence so they are exact to the penny.
    ``by_return`` also splits by the bootcamp's return (for every-snapshot frames, whose rows repeat a bootcamp
    once per return)."""
    keys = ["ukprn", *(["return_id"] if by_return else []), "bootcamp_aim", "milestone"]
    frame = MILESTONE_SUMMARY_BY_RETURN if by_return else MILESTONE_SUMMARY
    if milestones.empty:
        return frame.empty()
    m = milestones.assign(
        _claimed=milestones["claimed"].astype(bool).astype(int),
        _earned=milestones["earned"].astype(bool).astype(int),
        _unpriced=(milestones["claimed"].astype(bool) & milestones["price"].isna()).astype(int),
        _pc=_pence(milestones["amount_claimed"]), _pd=_pence(milestones["amount_due"]),
        _py=_pence(milestones["at_risk"]).where(milestones["blocked_by"] == NOT_YET_14_DAYS, 0),
        _pe=_pence(milestones["at_risk_evidence"]),
        _m=milestones["milestone"].map({name: i for i, name in enumerate(MILESTONES)}))
    g = m.groupby(keys, dropna=False, sort=False)
    out = g.agg(aims=("milestone", "size"), claimed=("_claimed", "sum"), earned=("_earned", "sum"),
                unpriced=("_unpriced", "sum"), _pc=("_pc", lambda s: int(s.dropna().sum())),
                _pd=("_pd", lambda s: int(s.dropna().sum())), _py=("_py", lambda s: int(s.dropna().sum())),
                _pe=("_pe", lambda s: int(s.dropna().sum())), _m=("_m", "first")).reset_index()
    out = out.assign(amount_claimed=_pounds(out["_pc"]), amount_due=_pounds(out["_pd"]),
                     at_risk=_pounds(out["_pc"] - out["_pd"]), not_yet_due=_pounds(out["_py"]),
                     at_risk_evidence=_pounds(out["_pe"]))
    out = out.sort_values([*keys[:-1], "_m"], kind="stable").reset_index(drop=True)
    return frame.conform(out)


def provider_totals(milestones: pd.DataFrame) -> pd.DataFrame:
    """One row per provider: claimed and earned milestone counts, unpriced claims, and pounds claimed, due, at
    risk and not yet due (exact to the penny)."""
    s = funding_summary(milestones)
    cols = ["claimed", "earned", "unpriced"]
    if s.empty:
        return pd.DataFrame(columns=["ukprn", *cols, "amount_claimed", "amount_due", "at_risk", "not_yet_due",
                                     "at_risk_evidence"])
    s = s.assign(_pc=_pence(s["amount_claimed"]), _pd=_pence(s["amount_due"]), _py=_pence(s["not_yet_due"]),
                 _pe=_pence(s["at_risk_evidence"]))
    out = s.groupby("ukprn", sort=True)[[*cols, "_pc", "_pd", "_py", "_pe"]].sum().reset_index()
    out = out.assign(amount_claimed=_pounds(out["_pc"]), amount_due=_pounds(out["_pd"]),
                     at_risk=_pounds(out["_pc"] - out["_pd"]), not_yet_due=_pounds(out["_py"]),
                     at_risk_evidence=_pounds(out["_pe"]))
    return out.drop(columns=["_pc", "_pd", "_py", "_pe"])


def to_csv(frame: pd.DataFrame) -> str:
    """A milestone or summary frame as CSV: a header row, dates as YYYY-MM-DD, pounds (and rates) with two
    decimals, booleans as True/False."""
    return frame.to_csv(index=False, date_format="%Y-%m-%d", float_format="%.2f", lineterminator="\n")
