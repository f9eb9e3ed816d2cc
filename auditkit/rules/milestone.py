"""Milestone rules of the WMCA Wave 5 catalogue (W5_M1_*, W5_M2_*, W5_M3_*).

Milestone 1 is the bootcamp aim itself; Milestone 2 (``Z0010211``) and Milestone 3 (``Z0010212``) are
separate aims whose PSM fields name the bootcamp aim they are claimed for; the link from each to its bootcamp
aim is a fact of the case (:func:`auditkit.facts.milestone_links.link_milestones`), which these rules read.
"""

from __future__ import annotations

import pandas as pd

from auditkit.facts.context import RuleContext, fmt_date
from auditkit.facts.milestone_links import link_milestones, m2_found
from auditkit.reference.aims import M2_AIM, M3_AIM
from auditkit.reference.uln import usable_uln
from auditkit.reference.wave5 import completed_enough, m3_deadline
from auditkit.rules.registry import rule

DATES = (("learn_start_date", "LearnStartDate"), ("learn_plan_end_date", "LearnPlanEndDate"),
         ("learn_act_end_date", "LearnActEndDate"))


# -- shared helpers ---------------------------------------------------------------------------------------

def _day(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s).dt.normalize()


def _dates_differ(aims: pd.DataFrame) -> pd.Series:
    """True where LearnStartDate, LearnPlanEndDate and LearnActEndDate are not all the same date (a missing
    date counts as different)."""
    start, plan, act = (_day(aims[c]) for c, _ in DATES)
    same = (start == plan) & (start == act)
    return ~same.fillna(False).astype(bool)


def _dates_findings(ctx: RuleContext, aims: pd.DataFrame, label: str, meaning: str) -> pd.DataFrame:
    rows = aims[_dates_differ(aims)]
    if rows.empty:
        return ctx.findings(rows, field="LearnStartDate", message="")
    start, plan, act = (_day(rows[c]) for c, _ in DATES)
    # the field named is the first date that is missing or differs from LearnStartDate
    field = pd.Series("LearnActEndDate", index=rows.index)
    field = field.mask(~(start == plan).fillna(False), "LearnPlanEndDate").mask(start.isna(), "LearnStartDate")
    column = {name: c for c, name in DATES}
    value = pd.Series([_date_or_none(rows.at[i, column[f]]) for i, f in field.items()], index=rows.index,
                      dtype=object)
    message = [f"{label} aim's LearnStartDate {fmt_date(s)}, LearnPlanEndDate {fmt_date(p)} and LearnActEndDate "
               f"{fmt_date(a)} are not all the same date; all three must be the date {meaning}"
               for s, p, a in zip(start, plan, act, strict=True)]
    out = ctx.findings(rows, field="LearnStartDate", value=value, message=pd.Series(message, index=rows.index))
    out["field"] = field.to_numpy()
    return out


def _unlinked_findings(ctx: RuleContext, links: pd.DataFrame, label: str) -> pd.DataFrame:
    rows = links[~links["linked"]]
    if rows.empty:
        return ctx.findings(rows, field="PSM", message="")
    # the learner's bootcamp aims (same learner or same usable ULN) anywhere, to say what was expected
    boot = ctx.all_bootcamps
    mine = rows[["ukprn", "learn_ref_number", "uln"]].reset_index(names="_i")
    # each learner's distinct references only (learners sharing a ULN would otherwise pair every aim)
    by_lrn = mine.merge(boot[["ukprn", "learn_ref_number", "learn_aim_ref"]].drop_duplicates(),
                        on=["ukprn", "learn_ref_number"])
    by_uln = mine[usable_uln(mine["uln"])].merge(boot[["uln", "learn_aim_ref"]].drop_duplicates(), on="uln")
    refs = pd.concat([by_lrn[["_i", "learn_aim_ref"]], by_uln[["_i", "learn_aim_ref"]]])
    refs = refs.drop_duplicates().sort_values(["_i", "learn_aim_ref"]).groupby("_i")["learn_aim_ref"].agg(list)
    messages, values = [], []
    for i, named in rows["named"].items():
        has = [str(r) for r in refs.get(i, []) if not pd.isna(r)]
        texts = [str(t) for t in named if not pd.isna(t)]  # an empty PSM field names nothing
        expected = (f"expected the learner's bootcamp aim(s) {', '.join(has)}" if has
                    else "the learner has no bootcamp aim in any loaded return")
        if texts:
            found = (f"{label} aim's PSM fields read {', '.join(texts)}, none of which is a bootcamp aim of this "
                     "learner")
        elif named:
            found = f"{label} aim's PSM fields are empty, so it names no bootcamp aim"
        else:
            found = f"{label} aim has no PSM fields, so it names no bootcamp aim"
        messages.append(f"{found}; {expected}")
        values.append("; ".join(texts) if texts else None)
    return ctx.findings(rows, field="PSM", value=pd.Series(values, index=rows.index, dtype=object),
                        message=pd.Series(messages, index=rows.index))


NAME_COLUMNS = ("bc_learn_aim_ref", "bc_aim_seq_number", "bc_learn_start_date", "bc_ilr_year")


def _records(frame: pd.DataFrame, *columns: str) -> zip:
    """(index label, row as a dict of ``columns`` and the bootcamp's name columns) for each row: a faster
    ``iterrows`` for building messages."""
    wanted = [c for c in (*columns, *NAME_COLUMNS) if c in frame.columns]
    return zip(frame.index, frame[wanted].to_dict("records"), strict=True)


def _bootcamp_name(r: dict) -> str:
    return (f"bootcamp aim {r['bc_learn_aim_ref']} (AimSeqNumber {r['bc_aim_seq_number']}, started "
            f"{fmt_date(r['bc_learn_start_date'])}, {r['bc_ilr_year']} return)")


def _completion_findings(ctx: RuleContext, links: pd.DataFrame, label: str) -> pd.DataFrame:
    """The milestone aim itself, and its linked bootcamp aim, must be completed (2) and achieved (1)."""
    own_comp = (links["comp_status"] == 2).fillna(False).astype(bool)
    own_out = (links["outcome"] == 1).fillna(False).astype(bool)
    linked = links["linked"].astype(bool)
    bc_comp = (links["bc_comp_status"] == 2).fillna(False).astype(bool) | ~linked
    bc_out = (links["bc_outcome"] == 1).fillna(False).astype(bool) | ~linked
    rows = links[~own_comp | ~own_out | ~bc_comp | ~bc_out]
    fields, values, messages = [], [], []
    for i, r in _records(rows, "comp_status", "outcome", "bc_comp_status", "bc_outcome"):
        first: list[tuple[str, object]] = []
        parts = []
        checks = ((f"the {label} aim", "", own_comp[i], own_out[i]),
                  (f"the {label} aim's {_bootcamp_name(r)}", "bc_", bc_comp[i], bc_out[i]))
        for whose, prefix, ok_comp, ok_out in checks:
            if ok_comp and ok_out:
                continue
            parts.append(f"{whose} has CompStatus {_txt(r[prefix + 'comp_status'])} and Outcome "
                         f"{_txt(r[prefix + 'outcome'])}")
            name = "comp_status" if not ok_comp else "outcome"
            first.append(("CompStatus" if not ok_comp else "Outcome", r[prefix + name]))
        fields.append(first[0][0])
        values.append(None if pd.isna(first[0][1]) else str(int(first[0][1])))  # type: ignore[call-overload]
        text = "; ".join(parts)
        messages.append(text[0].upper() + text[1:] + f"; the {label} aim and its bootcamp aim must both be "
                        "completed (CompStatus 2) and achieved (Outcome 1)")
    out = ctx.findings(rows, field="CompStatus", value=pd.Series(values, index=rows.index, dtype=object),
                       message=pd.Series(messages, index=rows.index, dtype=object))
    if len(out):
        out["field"] = fields
    return out


def _date_or_none(value: object) -> str | None:
    return None if value is None or pd.isna(value) else fmt_date(value)


def _txt(value: object) -> str:
    return "(none)" if value is None or pd.isna(value) else str(int(value))  # type: ignore[call-overload]


def _completed_achieved(links: pd.DataFrame) -> pd.Series:
    return ((links["bc_comp_status"] == 2) & (links["bc_outcome"] == 1)).fillna(False).astype(bool)


def _once_per_uln(ctx: RuleContext, aims: pd.DataFrame) -> pd.DataFrame:
    """Claims of the same usable ULN within the wave window beyond the earliest, each with the earliest claim's
    ``first_*`` columns. ``aims`` are rows of ``ctx.latest_aims``; an aim recorded in several returns (the
    2023-24 and 2024-25 returns: same UKPRN, ULN, aim ref and start date, whatever the LearnRefNumber) is one
    claim, kept from its latest return; two such aims in one return are two claims."""
    lo, hi = ctx.wave_window
    start = _day(aims["learn_start_date"])
    aims = aims[((start >= lo) & (start <= hi)).fillna(False).astype(bool) & usable_uln(aims["uln"])]
    aims = aims.assign(_start=_day(aims["learn_start_date"]))
    keys = ["ukprn", "uln", "learn_aim_ref", "_start"]
    aims = aims.sort_values(["file_preparation_date", "return_id"], kind="stable", na_position="first")
    latest_return = aims.groupby(keys, dropna=False)["return_id"].transform("last")
    aims = aims[aims["return_id"] == latest_return]
    aims = aims.sort_values(["uln", "_start", "file_preparation_date", "ukprn", "learn_ref_number", "aim_seq_number"],
                            kind="stable", na_position="last")
    rank = aims.groupby("uln").cumcount()
    first = aims[rank == 0].set_index("uln")
    later = aims[(rank > 0).to_numpy()]
    later = later[later["return_id"].isin(ctx.returns["return_id"])]
    firsts = first.reindex(later["uln"])
    for c in ("ukprn", "learn_ref_number", "aim_seq_number", "learn_aim_ref", "learn_start_date", "ilr_year"):
        later = later.assign(**{f"first_{c}": firsts[c].to_numpy()})
    return later


def _once_per_uln_findings(ctx: RuleContext, later: pd.DataFrame, what: str, milestone: str) -> pd.DataFrame:
    lo, hi = ctx.wave_window
    messages = [
        f"{what} {r['learn_aim_ref']} started {fmt_date(r['learn_start_date'])} is another {milestone} for ULN "
        f"{r['uln']} in the wave window ({fmt_date(lo)} to {fmt_date(hi)}); only one is paid, the earliest: "
        f"{r['first_learn_aim_ref']} started {fmt_date(r['first_learn_start_date'])} (UKPRN {r['first_ukprn']}, "
        f"learner {r['first_learn_ref_number']}, AimSeqNumber {r['first_aim_seq_number']}, {r['first_ilr_year']} "
        "return)"
        for _, r in _records(later, "uln", "learn_aim_ref", "learn_start_date",
                             *[c for c in later.columns if c.startswith("first_")])
    ]
    return ctx.findings(later, field="LearnStartDate", value=later["learn_start_date"].map(fmt_date),
                        message=pd.Series(messages, index=later.index, dtype=object))


# -- Milestone 1 -----------------------------------------------------------------------------------------

@rule("W5_M1_01", "no-pay", reads=["ULN", "LearnAimRef", "LearnStartDate"], family="milestone")
def m1_once_per_uln(ctx: RuleContext) -> pd.DataFrame:
    """More than one Milestone 1 for the same ULN within the wave window: all but the earliest.

    **What it checks**: every bootcamp aim recorded in the latest return of each provider and ILR year is a
    Milestone 1 (commencement) claim. Across all providers and returns loaded, a ULN may have only one
    bootcamp aim starting in the wave window (2024-04-01 to 2025-03-31 by default); every bootcamp aim of the
    ULN in the window except the one with the earliest LearnStartDate gets the finding, on that bootcamp aim.

    **Why it matters**: the Wave 5 no-pay rules say only one Milestone 1 payment can be made per person in the
    Wave 5 timeframe (April 2024 to March 2025), monitored by ULN: a learner who restarts, or enrols at a
    second provider, does not earn a second commencement payment.

    **Example**: ULN 1000000019 starts `Z0009501` at one provider on 2024-05-01 and `Z0009512` at another on
    2024-06-03: the second bootcamp aim gets a no-pay finding naming the first.

    **Limits**: a bootcamp aim recorded in both the 2023-24 and 2024-25 returns (same UKPRN, ULN, aim and
    start date, even if the LearnRefNumber changed) is one claim, not two; two such aims in one return are two
    claims. Bootcamps count whether or not another rule already refuses them. Missing and temporary ULNs are
    left to W5_ULN_01; aims without a LearnStartDate are not in the window. Two claims starting on the same
    day: the one of the earlier return, then lower UKPRN, LearnRefNumber and AimSeqNumber, counts as the
    earliest.
    """
    aims = ctx.latest_aims
    later = _once_per_uln(ctx, aims[aims["is_bootcamp"]])
    return _once_per_uln_findings(ctx, later, "Bootcamp aim", "Milestone 1")


# -- Milestone 2 -----------------------------------------------------------------------------------------

@rule("W5_M2_01", "no-pay", reads=["LearnAimRef", "LearnStartDate", "LearnPlanEndDate", "LearnActEndDate"],
      family="milestone")
def m2_dates(ctx: RuleContext) -> pd.DataFrame:
    """M2 aim whose LearnStartDate, LearnPlanEndDate and LearnActEndDate are not all the same date.

    **What it checks**: the Milestone 2 aim `Z0010211` has the same date in LearnStartDate, LearnPlanEndDate
    and LearnActEndDate (the date the formal interview offer, or equivalent, was made). The finding names the
    first date that differs from LearnStartDate (or is missing).

    **Why it matters**: the Wave 5 guidance (start date, planned end date and actual end date fields, and the
    no-pay rules) says the three dates of Z0010211 must be the same; otherwise the M2 is not paid.

    **Example**: an M2 aim with LearnStartDate 2024-08-01 and LearnPlanEndDate 2024-08-15: no-pay finding on
    LearnPlanEndDate, value 2024-08-15.

    **Limits**: a missing date counts as not the same date.
    """
    ms = ctx.milestones
    return _dates_findings(ctx, ms[ms["is_m2"]], "M2", "the formal offer of an interview (or equivalent) was made")


@rule("W5_M2_02", "no-pay", reads=["LearnAimRef", "PSM"], family="milestone")
def m2_names_bootcamp(ctx: RuleContext) -> pd.DataFrame:
    """M2 aim whose PSM fields name no bootcamp aim that this learner has (in any loaded return).

    **What it checks**: one of the four PSM fields of the M2 aim `Z0010211` holds the LearnAimRef of a bootcamp
    aim of the same learner, found in any loaded return: first by UKPRN and LearnRefNumber, failing that by ULN.

    **Why it matters**: the Wave 5 guidance (Provider Specified information fields, Milestone 2) requires the
    bootcamp aim attended to be recorded in a PSM field of the milestone aim; the payment script uses it to find
    the bootcamp, and without it the M2 is not paid.

    **Example**: learner L1 is on bootcamp `Z0009501` but the M2 aim's PSM A reads `Z0009510`: no-pay finding on
    PSM, value `Z0009510`.

    **Limits**: references are compared ignoring surrounding spaces and letter case. A missing or temporary ULN
    cannot link. When no bootcamp is found, the checks that need it (W5_M2_03's bootcamp part, W5_M2_04) are not
    evaluated for that M2 aim, so one cause gives one finding.
    """
    links = link_milestones(ctx)
    return _unlinked_findings(ctx, links[links["is_m2"]], "M2")


@rule("W5_M2_03", "no-pay", reads=["LearnAimRef", "CompStatus", "Outcome", "PSM"], family="milestone")
def m2_completed(ctx: RuleContext) -> pd.DataFrame:
    """M2 aim not itself completed and achieved (CompStatus 2, Outcome 1), or its bootcamp aim not completed and
    achieved.

    **What it checks**: the M2 aim `Z0010211` has CompStatus 2 and Outcome 1, and the bootcamp aim its PSM
    fields name (see W5_M2_02) has CompStatus 2 and Outcome 1. One finding per M2 aim; the field and value are
    those of the first problem, and the message lists all of them.

    **Why it matters**: Milestone 2 pays for course completion: the Wave 5 payment milestone indicators require
    the bootcamp aim completed and achieved, and the guidance asks for milestone aims to be recorded completed
    and achieved.

    **Example**: the bootcamp aim is withdrawn (CompStatus 3) but an M2 is claimed: no-pay finding on the M2 aim,
    field CompStatus, value 3.

    **Limits**: when the M2 aim names no bootcamp aim of the learner, only the M2 aim's own status is checked here
    (the missing bootcamp is W5_M2_02).
    """
    links = link_milestones(ctx)
    return _completion_findings(ctx, links[links["is_m2"]], "M2")


@rule("W5_M2_04", "no-pay", reads=["LearnAimRef", "PSM", "LearnStartDate", "LearnPlanEndDate", "LearnActEndDate"],
      family="milestone")
def m2_eighty_percent(ctx: RuleContext) -> pd.DataFrame:
    """Less than 80% of the bootcamp completed: (LearnActEndDate - LearnStartDate) < 0.8 x (LearnPlanEndDate -
    LearnStartDate).

    **What it checks**: for the bootcamp aim an M2 aim names, the days from LearnStartDate to LearnActEndDate are
    at least 80% of the days from LearnStartDate to LearnPlanEndDate. Exactly 80% passes. The finding is on the
    M2 aim, with the bootcamp's LearnActEndDate as value.

    **Why it matters**: the Wave 5 payment milestone indicators pay Milestone 2 only when 80% of the bootcamp
    has been completed, taken from the learning start and actual end dates.

    **Example**: a bootcamp planned for 95 days (2024-04-22 to 2024-07-26) recorded as completed after 66 days
    (69%) with an M2 claimed: no-pay finding.

    **Limits**: when the bootcamp aim lacks one of the three dates, 80% cannot be shown: this rule reports it only
    when the bootcamp is recorded completed and achieved (otherwise W5_M2_03 already refuses the M2). M2 aims
    that name no bootcamp of the learner are W5_M2_02.
    """
    links = link_milestones(ctx)
    links = links[links["is_m2"] & links["linked"]]
    start, plan, act = (_day(links[f"bc_{c}"]) for c, _ in DATES)
    done, planned = (act - start).dt.days, (plan - start).dt.days
    short = ~completed_enough(start, plan, act).fillna(True).astype(bool)
    missing = (start.isna() | plan.isna() | act.isna()) & _completed_achieved(links)
    rows = links[short | missing]
    messages = []
    for i, r in _records(rows):
        if missing[i]:
            messages.append(f"its {_bootcamp_name(r)} has LearnStartDate {fmt_date(start[i])}, LearnPlanEndDate "
                            f"{fmt_date(plan[i])} and LearnActEndDate {fmt_date(act[i])}: 80% completion cannot be "
                            "shown without all three")
        else:
            pct = 100 * done[i] / planned[i] if planned[i] else float("nan")
            messages.append(f"its {_bootcamp_name(r)} ran {int(done[i])} of {int(planned[i])} planned days "
                            f"({pct:.0f}%, LearnActEndDate {fmt_date(act[i])}, LearnPlanEndDate "
                            f"{fmt_date(plan[i])}); at least 80% of the planned days must be completed")
    return ctx.findings(rows, field="LearnActEndDate", value=act[rows.index].map(_date_or_none),
                        message=pd.Series(["M2 claimed but " + m for m in messages], index=rows.index, dtype=object))


@rule("W5_M2_05", "no-pay", reads=["ULN", "LearnAimRef", "LearnStartDate"], family="milestone")
def m2_once_per_uln(ctx: RuleContext) -> pd.DataFrame:
    """More than one M2 for the same ULN within the wave window: all but the earliest.

    **What it checks**: across all providers and returns loaded (the latest return of each provider and ILR
    year), a ULN may have only one M2 aim `Z0010211` whose LearnStartDate is in the wave window (2024-04-01 to
    2025-03-31 by default); every other one gets the finding, on that M2 aim.

    **Why it matters**: the Wave 5 no-pay rules say only one Milestone 2 payment can be made per person in the
    Wave 5 timeframe, monitored by ULN.

    **Example**: two M2 aims for the same bootcamp, dated 2024-12-13 and 2025-01-17: the second gets a no-pay
    finding naming the first.

    **Limits**: an M2 aim recorded in both the 2023-24 and 2024-25 returns (same UKPRN, ULN and date) is one
    claim; two M2 aims of one return are two claims, even on the same date. Missing and temporary ULNs are left
    to W5_ULN_01. Ties on the date: the earlier return, then lower UKPRN, LearnRefNumber and AimSeqNumber,
    count as the earliest.
    """
    aims = ctx.latest_aims
    later = _once_per_uln(ctx, aims[aims["is_m2"]])
    return _once_per_uln_findings(ctx, later, "M2 aim", "Milestone 2")


# -- Milestone 3 -----------------------------------------------------------------------------------------

@rule("W5_M3_01", "no-pay", reads=["LearnAimRef", "LearnStartDate", "LearnPlanEndDate", "LearnActEndDate"],
      family="milestone")
def m3_dates(ctx: RuleContext) -> pd.DataFrame:
    """M3 aim whose three dates are not all the same date.

    **What it checks**: the Milestone 3 aim `Z0010212` has the same date in LearnStartDate, LearnPlanEndDate and
    LearnActEndDate (the date the job offer, or equivalent, was made). The finding names the first date that
    differs from LearnStartDate (or is missing).

    **Why it matters**: the Wave 5 guidance (date fields, payment milestone indicators and no-pay rules) says the
    three dates of Z0010212 must be the same; otherwise the M3 is not paid.

    **Example**: an M3 aim dated 2024-11-04 with LearnActEndDate 2024-11-08: no-pay finding on LearnActEndDate.

    **Limits**: a missing date counts as not the same date.
    """
    ms = ctx.milestones
    return _dates_findings(ctx, ms[ms["is_m3"]], "M3", "the job offer (or equivalent) was made")


@rule("W5_M3_02", "no-pay", reads=["LearnAimRef", "PSM"], family="milestone")
def m3_names_bootcamp(ctx: RuleContext) -> pd.DataFrame:
    """M3 aim whose PSM fields name no bootcamp aim that this learner has (in any loaded return).

    **What it checks**: one of the four PSM fields of the M3 aim `Z0010212` holds the LearnAimRef of a bootcamp
    aim of the same learner, found in any loaded return (an M3 in the 2024-25 return may point to a bootcamp
    only in the 2023-24 return): first by UKPRN and LearnRefNumber, failing that by ULN.

    **Why it matters**: the Wave 5 guidance requires the bootcamp aim attended in a PSM field of Z0010212; the
    payment script uses it to find the bootcamp and M2 (possibly in the previous year's ILR), and without it the
    M3 is not paid.

    **Example**: an M3 aim whose PSM A reads `Z0009501`, another provider's aim, while the learner's bootcamp is
    `Z0009519`: no-pay finding on PSM.

    **Limits**: references are compared ignoring surrounding spaces and letter case. When no bootcamp is found,
    the checks that need it (W5_M3_03, W5_M3_04, W5_M3_05's bootcamp part) are not evaluated for that M3 aim.
    """
    links = link_milestones(ctx)
    return _unlinked_findings(ctx, links[links["is_m3"]], "M3")


@rule("W5_M3_03", "no-pay", reads=["LearnAimRef", "PSM"], family="milestone")
def m3_needs_m2(ctx: RuleContext) -> pd.DataFrame:
    """M3 aim without an M2 aim for the same learner and bootcamp aim in any loaded return (including the previous
    ILR year).

    **What it checks**: for an M3 aim linked to its bootcamp aim (W5_M3_02), some loaded return (any provider
    snapshot, either ILR year) holds an M2 aim `Z0010211` of the same learner (UKPRN + LearnRefNumber, or the
    same ULN) whose PSM fields name the same bootcamp LearnAimRef.

    **Why it matters**: the Wave 5 payment milestone indicators pay Milestone 3 only when the learner has
    previously returned Milestone 2 for the bootcamp; the payment script looks for it in the 2023-24 ILR too.

    **Example**: an M3 aim naming `Z0009501` and no M2 aim naming `Z0009501` for the learner anywhere: no-pay
    finding on the M3 aim.

    **Limits**: the M2's own validity and date are other rules' business (an M2 dated after the M3 still counts
    here). M3 aims that name no bootcamp of the learner are W5_M3_02 only.
    """
    links = link_milestones(ctx)
    links = links[links["is_m3"] & links["linked"]]
    rows = links[~m2_found(ctx, links)]
    messages = [f"M3 aim claims the job offer for {_bootcamp_name(r)}, but no M2 aim {M2_AIM} naming "
                f"{r['bc_learn_aim_ref']} was found for this learner in any loaded return; Milestone 3 needs a "
                "Milestone 2 for the same bootcamp" for _, r in _records(rows)]
    return ctx.findings(rows, field="LearnAimRef", value=M3_AIM,
                        message=pd.Series(messages, index=rows.index, dtype=object))


@rule("W5_M3_04", "no-pay", reads=["LearnAimRef", "PSM", "LearnStartDate", "LearnActEndDate"], family="milestone")
def m3_within_six_months(ctx: RuleContext) -> pd.DataFrame:
    """M3 LearnStartDate more than 6 calendar months after the bootcamp's LearnActEndDate.

    **What it checks**: the M3 aim's LearnStartDate is no later than the LearnActEndDate of the bootcamp aim it
    names plus 6 calendar months (exactly 6 months passes; a bootcamp ending 2024-08-31 allows an M3 up to
    2025-02-28).

    **Why it matters**: the Wave 5 payment milestone indicators pay Milestone 3 only when its start date is not
    more than 6 months after the actual end date of the bootcamp learning aim.

    **Example**: bootcamp ended 2024-07-19, M3 dated 2025-02-03: no-pay finding on LearnStartDate.

    **Limits**: an M3 without a LearnStartDate is W5_M3_01. A bootcamp without a LearnActEndDate is reported here
    only when it is recorded completed and achieved (otherwise W5_M3_05 refuses the M3). M3 aims that name no
    bootcamp of the learner are W5_M3_02.
    """
    links = link_milestones(ctx)
    links = links[links["is_m3"] & links["linked"]]
    start = _day(links["learn_start_date"])
    end = _day(links["bc_learn_act_end_date"])
    limit = m3_deadline(end)
    late = (start > limit).fillna(False).astype(bool)
    missing = start.notna() & end.isna() & _completed_achieved(links)
    rows = links[late | missing]
    messages = [
        (f"M3 aim dated {fmt_date(start[i])}, but its {_bootcamp_name(r)} has no LearnActEndDate, so the 6-month "
         "limit cannot be checked") if missing[i] else
        (f"M3 aim dated {fmt_date(start[i])} is more than 6 months after its {_bootcamp_name(r)} ended on "
         f"{fmt_date(end[i])}; the latest allowed is {fmt_date(limit[i])}")
        for i, r in _records(rows)]
    return ctx.findings(rows, field="LearnStartDate", value=start[rows.index].map(fmt_date),
                        message=pd.Series(messages, index=rows.index, dtype=object))


@rule("W5_M3_05", "no-pay", reads=["LearnAimRef", "CompStatus", "Outcome", "PSM"], family="milestone")
def m3_completed(ctx: RuleContext) -> pd.DataFrame:
    """M3 aim not itself completed and achieved, or its bootcamp aim not completed and achieved.

    **What it checks**: the M3 aim `Z0010212` has CompStatus 2 and Outcome 1, and the bootcamp aim its PSM fields
    name (see W5_M3_02) has CompStatus 2 and Outcome 1. One finding per M3 aim; the field and value are those of
    the first problem, and the message lists all of them.

    **Why it matters**: the Wave 5 payment milestone indicators require the bootcamp aim completed and achieved
    for Milestone 3, and the guidance asks for milestone aims to be recorded completed and achieved.

    **Example**: an M3 aim with Outcome 8 (not yet known): no-pay finding on Outcome, value 8.

    **Limits**: when the M3 aim names no bootcamp aim of the learner, only the M3 aim's own status is checked here
    (the missing bootcamp is W5_M3_02).
    """
    links = link_milestones(ctx)
    return _completion_findings(ctx, links[links["is_m3"]], "M3")
