"""Milestone links: the bootcamp aim each M2/M3 aim names, found once per context and shared.

Milestone 2 (``Z0010211``) and Milestone 3 (``Z0010212``) are separate aims whose PSM fields name the bootcamp
aim they are claimed for. :func:`link_milestones` finds that bootcamp aim for every M2/M3 aim in scope;
:func:`m2_found` says whether an M2 naming a linked bootcamp exists anywhere. The milestone rules, the payment
calculation and the evidence attribution all read them.
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

from auditkit.facts.context import AIM_KEYS, RuleContext, group_lists
from auditkit.facts.nearest import nearest_dates, take_pairs
from auditkit.reference.aims import norm_ref
from auditkit.reference.uln import usable_uln

#: Columns of the matched bootcamp aim in :func:`link_milestones` (``bc_`` + the aims column).
BOOTCAMP_COLUMNS = ("return_id", "ukprn", "learn_ref_number", "aim_seq_number", "learn_aim_ref", "learn_start_date",
                    "learn_plan_end_date", "learn_act_end_date", "comp_status", "outcome", "ilr_year",
                    "file_preparation_date")
#: How a milestone aim was linked to its bootcamp, best first.
LINK_TIERS = ("learner", "uln-provider", "uln")

_LINKS: weakref.WeakKeyDictionary[RuleContext, pd.DataFrame] = weakref.WeakKeyDictionary()


def _day(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s).dt.normalize()


def _psm_long(ctx: RuleContext, aims: pd.DataFrame, everywhere: bool) -> pd.DataFrame:
    """One row per (aim row, PSM text): ``_row`` (the index of ``aims``), ``occur``, ``text``, ``ref``."""
    psm = ctx.all_psm if everywhere else ctx.psm
    left = aims[AIM_KEYS].reset_index(names="_row")
    out = left.merge(psm, on=AIM_KEYS, how="inner")
    out = out.assign(text=out["text"].astype("string").str.strip(), ref=norm_ref(out["text"]))
    return out.sort_values(["_row", "occur"], kind="stable")[["_row", "occur", "text", "ref"]]


def link_milestones(ctx: RuleContext) -> pd.DataFrame:
    """Every M2/M3 aim in scope with the bootcamp aim its PSM fields name (computed once per context).

    One row per row of ``ctx.milestones`` (same index, same order, every column of it) plus:

    - ``named``: the milestone's PSM texts (stripped, in occurrence order);
    - ``linked``: whether a bootcamp aim was found; ``link``: how (:data:`LINK_TIERS`), NA when not;
    - ``bc_<column>`` for each of :data:`BOOTCAMP_COLUMNS`: the matched bootcamp aim (NA when not linked).

    The bootcamp aim is looked for in every loaded return (``ctx.all_bootcamps``: latest returns, each
    aim once, from the latest return holding it), among aims whose LearnAimRef equals one of the milestone's
    PSM texts (spaces and case ignored). Candidates, best first: the same learner (UKPRN + LearnRefNumber);
    else the same ULN at the same provider (the learner reference changed between years); else the same ULN
    at another provider. Missing and temporary ULNs never link. When several candidates remain (a learner
    restarted the same bootcamp), the pick is deterministic: bootcamps that started on or before the
    milestone's LearnStartDate first, then the nearest start date, then the latest return, then UKPRN,
    LearnRefNumber and AimSeqNumber.
    """
    cached = _LINKS.get(ctx)
    if cached is not None:
        return cached
    ms = ctx.milestones
    texts = _psm_long(ctx, ms, everywhere=False)
    out = ms.assign(named=group_lists(texts["_row"], texts["text"], ms.index))

    boot = ctx.all_bootcamps
    boot = boot.assign(ref=norm_ref(boot["learn_aim_ref"]))
    bcols = {c: f"bc_{c}" for c in BOOTCAMP_COLUMNS}
    cand_cols = [*BOOTCAMP_COLUMNS, "ref", "uln"]
    wanted = texts[["_row", "ref"]].dropna().drop_duplicates().merge(
        ms[["ukprn", "learn_ref_number", "uln", "learn_start_date"]].rename(columns={"learn_start_date": "_start"}),
        left_on="_row", right_index=True).reset_index(drop=True)
    right = boot[cand_cols].rename(columns=bcols).assign(ukprn=boot["ukprn"], learn_ref_number=boot["learn_ref_number"])
    right = right.assign(_bc_day=_day(right["bc_learn_start_date"]),
                         _prep=right["bc_file_preparation_date"].fillna(pd.Timestamp.min)).reset_index(drop=True)
    wanted = wanted.assign(_day=_day(wanted["_start"]), _wpos=np.arange(len(wanted)))
    right = right.assign(_rpos=np.arange(len(right)))
    # three joins, each on the learner's keys and the named reference (never on the reference alone); each keeps,
    # for every milestone, only the bootcamps the ranking below can pick (the nearest start before and after, the
    # best undated), so learners sharing one ULN cost memory in proportion to them, not to their square
    tiers = ((["ukprn", "learn_ref_number", "ref"], False), (["ukprn", "uln", "ref"], True), (["uln", "ref"], True))
    order, ascending = ["_prep", "bc_ukprn", "bc_learn_ref_number", "bc_aim_seq_number"], [False, True, True, True]
    parts = []
    for tier, (keys, by_uln) in enumerate(tiers):
        left = wanted[usable_uln(wanted["uln"]).to_numpy()].reset_index(drop=True) if by_uln else wanted
        rows = right[usable_uln(right["uln"]).to_numpy()].reset_index(drop=True) if by_uln else right
        pairs = nearest_dates(left, rows, keys, "_day", "_bc_day", order, ascending)
        got = take_pairs(left[["_row", *keys, "_start", "_wpos"]], rows[[*bcols.values(), "_prep", "_rpos"]], pairs)
        parts.append(got.drop(columns=["_l", "_r"]).assign(_tier=tier))
    cand = pd.concat(parts, ignore_index=True)  # ties below keep the order a plain merge gives (_wpos, _rpos)

    start = _day(cand["_start"])
    bc_start = _day(cand["bc_learn_start_date"])
    cand = cand.assign(
        _after=(~(bc_start <= start)).astype(int),  # NA dates sort with the later starts
        _gap=(start - bc_start).abs().dt.days.astype("Float64").fillna(float("inf")),
    )
    cand = cand.sort_values(["_row", "_tier", "_after", "_gap", "_prep", "bc_ukprn", "bc_learn_ref_number",
                             "bc_aim_seq_number", "_wpos", "_rpos"],
                            ascending=[True, True, True, True, False, True, True, True, True, True], kind="stable")
    best = cand.drop_duplicates("_row", keep="first").set_index("_row")
    best = best.reindex(ms.index)
    for c in bcols.values():
        out[c] = best[c]
    out["linked"] = best["_tier"].notna().to_numpy()
    out["link"] = best["_tier"].map(lambda t: LINK_TIERS[int(t)], na_action="ignore").astype("string")
    _LINKS[ctx] = out
    return out


def m2_found(ctx: RuleContext, links: pd.DataFrame) -> pd.Series:
    """For each row of ``links``, True when an M2 aim of the same learner (UKPRN + LearnRefNumber, or the same
    usable ULN) names the row's linked bootcamp LearnAimRef in its PSM fields, in any loaded return (every
    snapshot). Rows without a linked bootcamp give False."""
    aims = ctx.all_aims
    m2 = aims[aims["is_m2"]]
    texts = _psm_long(ctx, m2, everywhere=True)
    m2_refs = texts[["_row", "ref"]].merge(m2[["ukprn", "learn_ref_number", "uln"]], left_on="_row",
                                          right_index=True).drop(columns="_row").drop_duplicates()
    left = links[["ukprn", "learn_ref_number", "uln", "bc_learn_aim_ref"]].assign(
        ref=norm_ref(links["bc_learn_aim_ref"])).reset_index(names="_i")
    left = left[links["linked"].to_numpy()]
    by_learner = left.merge(m2_refs.drop(columns="uln").drop_duplicates(), on=["ukprn", "learn_ref_number", "ref"])
    by_uln = left[usable_uln(left["uln"])].merge(m2_refs[usable_uln(m2_refs["uln"])][["uln", "ref"]].drop_duplicates(),
                                                 on=["uln", "ref"])
    found = set(by_learner["_i"]) | set(by_uln["_i"])
    return pd.Series(links.index.isin(list(found)), index=links.index)
