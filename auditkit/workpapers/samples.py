"""Samples in the workpaper store: recorded with their method, parameters, seed and items, read back as a
:class:`~auditkit.sampling.Sample`, and evaluated from the verdicts recorded on the sampled learners' stages.

An item's misstatement is the pounds claimed on the milestones its failed stages cover, each milestone once:

=============  =========================
stage failed   milestones misstated
=============  =========================
eligibility    M1, M2, M3 (not eligible)
co-funding     M1, M2, M3
delivery       M1
completion     M2
job-offer      M3
=============  =========================

An item is concluded when every stage of each of its bootcamp aims has a verdict other than ``query``; a stage
that passes or is not applicable misstates nothing. Until then its misstatement is NA, and the evaluation says how
many items still need a verdict.
"""

from __future__ import annotations

import pandas as pd

from auditkit.case import Case
from auditkit.frames.sampling import SAMPLE_ITEMS
from auditkit.frames.workpapers import STAGES
from auditkit.sampling import Sample
from auditkit.sampling.population import item_keys, item_learner
from auditkit.workpapers.engine import StoreError
from auditkit.workpapers.store import Store

MISSTATED_BY: dict[str, tuple[str, ...]] = {"eligibility": ("M1", "M2", "M3"), "co-funding": ("M1", "M2", "M3"),
                                            "delivery": ("M1",), "completion": ("M2",), "job-offer": ("M3",)}
_SAMPLE_KEYS = ("unit", "population_size", "population_value", "strata_table")


def record_sample(store: Store, sample: Sample) -> int:
    """Record ``sample`` (method, parameters with what rebuilding it needs, seed, items); gives its id."""
    items = sample.items.copy()
    for column in items.columns:
        if pd.api.types.is_datetime64_any_dtype(items[column]):
            items[column] = items[column].dt.strftime("%Y-%m-%d")
    records = [{k: (None if pd.isna(v) else v) for k, v in row.items()}
               for row in items.astype(object).to_dict("records")]
    parameters = {**sample.parameters, "unit": sample.unit, "population_size": sample.population_size,
                  "population_value": sample.population_value, "strata_table": sample.strata.to_dict("records")}
    return store.record_sample(sample.method, parameters, sample.seed, records)


def load_sample(store: Store, sample_id: int | None = None) -> Sample:
    """The sample ``sample_id`` (the latest recorded when None). Raises :class:`StoreError` when there is none."""
    recorded = store.samples()
    if recorded.empty:
        raise StoreError("no sample is recorded in the workpaper store: draw one first (`auditkit sample CASE ...`)")
    if sample_id is None:
        row = recorded.iloc[-1]
    else:
        found = recorded[recorded["sample_id"] == int(sample_id)]
        if found.empty:
            known = ", ".join(str(i) for i in recorded["sample_id"])
            raise StoreError(f"no sample {sample_id} in the workpaper store (samples: {known})")
        row = found.iloc[0]
    params = dict(row["parameters"])
    extra = {k: params.pop(k) for k in _SAMPLE_KEYS if k in params}
    items = SAMPLE_ITEMS.conform(pd.DataFrame(row["items"]))
    return Sample(str(row["method"]), str(extra.get("unit", "learner")), int(row["seed"]), params, items,
                  pd.DataFrame(extra.get("strata_table", [])), int(extra.get("population_size", 0)),
                  float(extra.get("population_value", 0.0)), id=str(row["sample_id"]))


def sample_misstatements(case: Case, store: Store, sample: Sample) -> pd.Series:
    """Each sampled item's misstatement in pounds from the verdicts on its stages (NA until concluded; see the
    module), indexed by item key."""
    ms = case.milestones[case.milestones["claimed"].astype(bool)].copy()
    ms["item"] = item_keys(ms, sample.unit)  # type: ignore[arg-type]
    ms["aim_start"] = pd.to_datetime(ms["learn_start_date"]).dt.strftime("%Y-%m-%d")
    out = {}
    for item in sample.items["item"]:
        mine = ms[ms["item"] == item]
        ukprn, ref = item_learner(item)
        rows = [r for r in store.current_rows(ukprn=ukprn, learn_ref_number=ref) if r.get("kind") == "stage"]
        verdicts = {(r["bootcamp_aim"], r["aim_start"], r["stage"]): r.get("verdict") for r in rows}
        concluded, wrong = True, 0.0
        for (aim, start), claims in mine.groupby(["bootcamp_aim", "aim_start"]):
            stage_verdicts = {stage: verdicts.get((aim, start, stage)) for stage in STAGES}
            if any(v in (None, "query") for v in stage_verdicts.values()):
                concluded = False
                break
            failed = {m for stage, v in stage_verdicts.items() if v == "fail" for m in MISSTATED_BY[stage]}
            wrong += float(claims.loc[claims["milestone"].isin(failed), "amount_claimed"].fillna(0).sum())
        out[item] = wrong if concluded and len(mine) else pd.NA
    return pd.Series(out, dtype="Float64")
