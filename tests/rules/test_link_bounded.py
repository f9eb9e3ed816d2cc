"""link_milestones (bounded joins) links every milestone exactly as the former full merge on ULN did.

``reference_links`` is the former implementation: every (milestone, bootcamp) pair of the three tiers, ranked.
Random small cases (learners sharing ULNs, temporary and missing ULNs, restarts, missing dates, two providers
and two returns) must give the same ``bc_*`` columns and link tier.
"""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditkit.facts.milestone_links import BOOTCAMP_COLUMNS, LINK_TIERS, _day, _psm_long, link_milestones
from auditkit.reference.aims import norm_ref
from auditkit.reference.uln import usable_uln
from auditkit.rules import RuleContext
from auditkit.writers.ilr import write_ilr

ULNS = st.sampled_from(["1000000019", "1000000027", "9999999999", None])
REFS = st.sampled_from(["Z0009501", "Z0009502", " z0009501 "])
DAYS = st.one_of(st.none(), st.sampled_from([dt.date(2024, 5, 1), dt.date(2024, 6, 1), dt.date(2024, 7, 1)]))


def reference_links(ctx: RuleContext) -> pd.DataFrame:
    """The former link_milestones: every candidate pair, sorted, the first kept."""
    ms = ctx.milestones
    texts = _psm_long(ctx, ms, everywhere=False)
    boot = ctx.all_bootcamps
    boot = boot.assign(ref=norm_ref(boot["learn_aim_ref"]))
    bcols = {c: f"bc_{c}" for c in BOOTCAMP_COLUMNS}
    wanted = texts[["_row", "ref"]].dropna().drop_duplicates().merge(
        ms[["ukprn", "learn_ref_number", "uln", "learn_start_date"]].rename(columns={"learn_start_date": "_start"}),
        left_on="_row", right_index=True)
    right = boot[[*BOOTCAMP_COLUMNS, "ref", "uln"]].rename(columns=bcols).assign(
        ukprn=boot["ukprn"], learn_ref_number=boot["learn_ref_number"])
    by_learner = wanted.drop(columns="uln").merge(right.drop(columns="uln"), on=["ukprn", "learn_ref_number", "ref"])
    wanted_uln = wanted[usable_uln(wanted["uln"])].drop(columns="learn_ref_number")
    right_uln = right[usable_uln(right["uln"])].drop(columns="learn_ref_number")
    by_uln_provider = wanted_uln.merge(right_uln, on=["ukprn", "uln", "ref"])
    by_uln = wanted_uln.drop(columns="ukprn").merge(right_uln.drop(columns="ukprn"), on=["uln", "ref"])
    cand = pd.concat([by_learner.assign(_tier=0), by_uln_provider.assign(_tier=1), by_uln.assign(_tier=2)],
                     ignore_index=True)
    start, bc_start = _day(cand["_start"]), _day(cand["bc_learn_start_date"])
    cand = cand.assign(_after=(~(bc_start <= start)).astype(int),
                       _gap=(start - bc_start).abs().dt.days.astype("Float64").fillna(float("inf")),
                       _prep=cand["bc_file_preparation_date"].fillna(pd.Timestamp.min))
    cand = cand.sort_values(["_row", "_tier", "_after", "_gap", "_prep", "bc_ukprn", "bc_learn_ref_number",
                             "bc_aim_seq_number"], ascending=[True, True, True, True, False, True, True, True],
                            kind="stable")
    best = cand.drop_duplicates("_row", keep="first").set_index("_row").reindex(ms.index)
    out = pd.DataFrame({c: best[c] for c in bcols.values()}, index=ms.index)
    out["link"] = best["_tier"].map(lambda t: LINK_TIERS[int(t)], na_action="ignore").astype("string")
    return out


def _aim(ref: str, seq: int, start: dt.date | None, psm: list[str] | None = None) -> dict:
    aim = {"LearnAimRef": ref, "AimType": 4, "AimSeqNumber": seq, "LearnStartDate": start,
           "LearnPlanEndDate": start, "FundModel": 35, "CompStatus": 2, "Outcome": 1}
    if psm:
        aim["ProviderSpecDeliveryMonitoring"] = [{"ProvSpecDelMonOccur": o, "ProvSpecDelMon": t}
                                                 for o, t in zip("ABCD", psm, strict=False)]
    return aim


learner_spec = st.fixed_dictionaries({
    "uln": ULNS, "lrn": st.sampled_from(["L1", "L2", "L3", "L4"]),
    "bootcamps": st.lists(st.tuples(REFS, DAYS), max_size=3),
    "milestones": st.lists(st.tuples(st.sampled_from(["Z0010211", "Z0010212"]), DAYS,
                                     st.lists(REFS, min_size=0, max_size=2)), max_size=2),
})
return_spec = st.tuples(st.sampled_from([10000001, 10000002]), st.sampled_from(["2023-24", "2024-25"]),
                        st.sampled_from([dt.date(2024, 6, 5), dt.date(2024, 7, 5)]),
                        st.lists(learner_spec, max_size=4, unique_by=lambda d: d["lrn"]))


def _context(tmp_path, returns) -> RuleContext:
    from auditkit import read_ilr

    folder = tmp_path / "case"
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.xml"):
        old.unlink()
    for n, (ukprn, year, prepared, learners) in enumerate(returns):
        records = []
        for spec in learners:
            aims = [_aim(r.strip().upper() if i % 2 else r.strip(), i + 1, d) for i, (r, d) in
                    enumerate(spec["bootcamps"])]
            aims += [_aim(ref, 10 + i, d, psm) for i, (ref, d, psm) in enumerate(spec["milestones"])]
            records.append({"LearnRefNumber": spec["lrn"], "ULN": spec["uln"], "LearningDelivery": aims})
        buf = io.BytesIO()
        write_ilr(buf, ukprn=ukprn, year=year, file_preparation_date=prepared, learners=records)
        name = f"ILR-{ukprn}-{year[2:4]}{year[5:7]}-{prepared:%Y%m%d}-0900{n:02d}-01.xml"
        (folder / name).write_bytes(buf.getvalue())
    return RuleContext(read_ilr(folder, progress=False), None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(st.lists(return_spec, min_size=1, max_size=3))
def test_links_equal_the_full_merge(tmp_path, returns):
    ctx = _context(tmp_path, returns)
    got = link_milestones(ctx)
    want = reference_links(ctx)
    cols = [*want.columns]
    pd.testing.assert_frame_equal(got[cols].reset_index(drop=True), want.reset_index(drop=True), check_dtype=False)
