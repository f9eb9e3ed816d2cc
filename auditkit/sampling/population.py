"""The population a sample is drawn from: one row per learner or per bootcamp aim, with the pounds claimed.

Built from the milestone frame (:mod:`auditkit.funding.milestones`) and, optionally, the findings: each unit's
``book_value`` is what the provider claimed for it (M1 + M2 + M3), ``amount_due`` what auditkit recomputes it
earned, and the columns a stratified sample can split on: provider, ``milestone`` (the furthest milestone
claimed), ``learner_type``, ``severity`` (the worst finding on the unit) and ``risk_score`` when given.

Each unit has a stable ``item`` key that does not depend on the return or the AimSeqNumber (which providers
renumber): ``UKPRN/LearnRefNumber`` for a learner, ``UKPRN/LearnRefNumber/LearnAimRef/start date`` for an aim.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd

from auditkit.frames.findings import SEVERITY_ORDER
from auditkit.frames.sampling import POPULATION

Unit = Literal["learner", "aim"]
UNITS: tuple[str, ...] = ("learner", "aim")
_LEARNER = ["ukprn", "learn_ref_number"]
_AIM = [*_LEARNER, "bootcamp_aim", "learn_start_date"]


def item_keys(df: pd.DataFrame, unit: Unit) -> pd.Series:
    """The stable key of each unit of ``df`` (see the module)."""
    parts = [df["ukprn"].astype("string"), df["learn_ref_number"].astype("string")]
    if unit == "aim":
        parts += [df["bootcamp_aim"].astype("string"), pd.to_datetime(df["learn_start_date"]).dt.strftime("%Y-%m-%d")]
    key = parts[0].fillna("?")
    for part in parts[1:]:
        key = key + "/" + part.astype("string").fillna("?")
    return key.astype("string")


def item_learner(item: str) -> tuple[int, str]:
    """The learner (UKPRN, LearnRefNumber) of an item key (:func:`item_keys`, a learner's or an aim's)."""
    ukprn, ref = str(item).split("/")[:2]
    return int(ukprn), ref


def population(milestones: pd.DataFrame, findings: pd.DataFrame | None = None, unit: Unit = "learner",
               risk: pd.DataFrame | None = None) -> pd.DataFrame:
    """The :data:`~auditkit.frames.sampling.POPULATION` frame of ``unit`` (``learner`` or ``aim``): one row per
    unit with a claim, sorted by ``item``. ``risk``, when given, has the unit's keys and a ``risk_score``."""
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}, not {unit!r}")
    keys = _LEARNER if unit == "learner" else _AIM
    ms = milestones.copy()
    ms["item"] = item_keys(ms, unit)
    claimed = ms[ms["claimed"].astype(bool)]
    if claimed.empty:
        return POPULATION.empty()
    money = claimed.groupby("item", sort=True).agg(
        book_value=("amount_claimed", lambda s: s.fillna(0).sum()),
        amount_due=("amount_due", lambda s: s.fillna(0).sum()),
        milestone=("milestone", "max"),
        milestones=("milestone", "nunique"),
    )
    first = claimed.drop_duplicates("item").set_index("item")
    out = money.join(first[[*keys, "uln", "learner_type"] + ([] if unit == "aim" else [])])
    if unit == "learner":
        out["bootcamp_aim"] = first["bootcamp_aim"]
        out["learn_start_date"] = first["learn_start_date"]
    out["severity"] = _worst_severity(out, findings, unit)
    out["risk_score"] = _risk(out, risk, keys)
    out["unit"] = unit
    return POPULATION.conform(out.reset_index())


def _worst_severity(units: pd.DataFrame, findings: pd.DataFrame | None, unit: Unit) -> pd.Series:
    """The worst severity of the findings on each unit ("none" without one)."""
    none = pd.Series("none", index=units.index, dtype="string")
    if findings is None or findings.empty:
        return none
    f = findings.dropna(subset=["ukprn", "learn_ref_number"]).copy()
    f["rank"] = f["severity"].map(SEVERITY_ORDER).fillna(9)
    f = f.sort_values("rank").drop_duplicates(_LEARNER)  # learner-level: a finding on any aim of the learner
    key = f["ukprn"].astype("string") + "/" + f["learn_ref_number"].astype("string")
    worst = pd.Series(f["severity"].to_numpy(), index=key.to_numpy())
    learner_key = units["ukprn"].astype("string") + "/" + units["learn_ref_number"].astype("string")
    return pd.Series(learner_key.map(worst).fillna("none").to_numpy(), index=units.index, dtype="string")


def _risk(units: pd.DataFrame, risk: pd.DataFrame | None, keys: list[str]) -> pd.Series:
    if risk is None or risk.empty:
        return pd.Series(pd.NA, index=units.index, dtype="Float64")
    on = [k for k in keys if k in risk.columns]
    merged = units[on].reset_index().merge(risk[[*on, "risk_score"]].drop_duplicates(on), on=on, how="left")
    return pd.Series(merged["risk_score"].to_numpy(), index=units.index, dtype="Float64")
