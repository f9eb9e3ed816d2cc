"""Risk scores per learner and per provider: the findings and anomalies each add points, by documented weights.

Points add up; a score is ``1 - exp(-points)``, so it is 0 with nothing found, about 0.63 at 1 point and
approaches 1 as points pile up (a monotone, bounded transform of the sum: the order of the learners is the order
of their points). Every score is explained by the ``contributions`` frame: one row per finding or anomaly that
added points, with how many.

- A finding adds the weight of its severity (:data:`DEFAULT_WEIGHTS`); ``not-evaluated`` adds nothing.
- An anomaly adds ``anomaly`` x its score.
- One rule or detector counts once per learner (its largest contribution): a learner with the same problem on
  three aims is not three times as risky.
- A learner's score rests on the findings and anomalies about them; a provider's on the mean of its learners'
  points plus the provider-level ones (findings and anomalies without a learner, e.g. AN_KPI_01).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from auditkit.frames.anomalies import CONTRIBUTIONS

#: Points per finding by severity, and per anomaly (times its score).
DEFAULT_WEIGHTS: dict[str, float] = {"no-pay": 1.0, "error": 0.5, "warning": 0.2, "not-evaluated": 0.0,
                                     "anomaly": 0.75}
#: How many ids ``top`` names.
TOP = 3
_LEARNER = ["ukprn", "learn_ref_number"]


@dataclass(frozen=True)
class RiskScores:
    """``learners`` (one row per learner: ukprn, learn_ref_number, points, risk_score, items, top), ``providers``
    (one row per provider: learners, mean_learner_points, provider_points, points, risk_score, items, top) and
    ``contributions`` (what added how much)."""

    learners: pd.DataFrame
    providers: pd.DataFrame
    contributions: pd.DataFrame

    def of_learner(self, ukprn: int, learn_ref_number: str) -> pd.DataFrame:
        """What added to one learner's score: their rows of ``contributions``, largest first."""
        c = self.contributions
        mine = ((c["ukprn"] == ukprn).to_numpy(dtype=bool, na_value=False)  # whatever storage the text is in
                & (c["learn_ref_number"] == learn_ref_number).to_numpy(dtype=bool, na_value=False))
        return c[mine].sort_values("points", ascending=False, kind="stable")


def score(points: pd.Series | float) -> pd.Series | float:
    """The risk score of a number of points: ``1 - exp(-points)``."""
    return 1 - np.exp(-points)


def contributions(findings: pd.DataFrame, anomalies: pd.DataFrame,
                  weights: dict[str, float] = DEFAULT_WEIGHTS) -> pd.DataFrame:
    """One row per (provider, learner, id) that added points: the largest finding or anomaly of that id."""
    parts = []
    if len(findings):
        f = findings.assign(kind="finding", id=findings["rule_id"], score=np.nan,
                            points=findings["severity"].map(weights).fillna(0.0).astype(float))
        parts.append(f)
    if len(anomalies):
        a = anomalies.assign(kind="anomaly", id=anomalies["rule_id"],
                             points=weights["anomaly"] * pd.to_numeric(anomalies["score"]).fillna(0.0).astype(float))
        parts.append(a)
    if not parts:
        return CONTRIBUTIONS.empty()
    cols = ["ukprn", "learn_ref_number", "kind", "id", "severity", "score", "points", "message"]
    both = pd.concat([p[cols] for p in parts], ignore_index=True)
    both = both[both["points"] > 0]
    both = both.sort_values([*_LEARNER, "id", "points"], ascending=[True, True, True, False], na_position="first",
                            kind="stable")
    both = both.drop_duplicates([*_LEARNER, "id"], keep="first")
    both = both.sort_values([*_LEARNER, "points", "id"], ascending=[True, True, False, True], na_position="first",
                            kind="stable")
    return CONTRIBUTIONS.conform(both)


def _top(c: pd.DataFrame, keys: list[str]) -> pd.Series:
    ordered = c.sort_values([*keys, "points", "id"], ascending=[True] * len(keys) + [False, True], kind="stable")
    return ordered.groupby(keys, dropna=False)["id"].agg(lambda s: ", ".join(list(dict.fromkeys(s))[:TOP]))


def risk_scores(findings: pd.DataFrame, anomalies: pd.DataFrame, weights: dict[str, float] = DEFAULT_WEIGHTS, *,
                learners: pd.DataFrame | None = None) -> RiskScores:
    """The risk scores of the learners and providers in ``findings`` and ``anomalies`` (and of every learner of
    ``learners``, a frame with ukprn and learn_ref_number: those with nothing found score 0). See the module
    docstring for the weights."""
    missing = {"no-pay", "error", "warning", "anomaly"} - set(weights)
    if missing:
        raise ValueError(f"weights lack {', '.join(sorted(missing))}")
    c = contributions(findings, anomalies, weights)
    per = c[c["learn_ref_number"].notna()]
    lrn = per.groupby(_LEARNER).agg(points=("points", "sum"), items=("points", "size"))
    lrn["top"] = _top(per, _LEARNER)
    lrn = lrn.reset_index()
    if learners is not None and len(learners):
        everyone = learners[_LEARNER].drop_duplicates()
        lrn = everyone.merge(lrn, on=_LEARNER, how="outer")
        lrn = lrn.assign(points=lrn["points"].fillna(0.0), items=lrn["items"].fillna(0).astype("Int64"),
                         top=lrn["top"].fillna(""))
    lrn["risk_score"] = score(lrn["points"].astype(float))
    lrn = lrn[[*_LEARNER, "points", "risk_score", "items", "top"]].sort_values(
        ["risk_score", *_LEARNER], ascending=[False, True, True], kind="stable").reset_index(drop=True)

    prov_items = c[c["learn_ref_number"].isna()]
    prov = lrn.groupby("ukprn").agg(learners=("learn_ref_number", "size"), mean_learner_points=("points", "mean"),
                                    learner_items=("items", "sum"))
    own = prov_items.groupby("ukprn").agg(provider_points=("points", "sum"), provider_items=("points", "size"))
    prov = prov.join(own, how="outer")
    prov = prov.assign(learners=prov["learners"].fillna(0).astype("Int64"),
                       mean_learner_points=prov["mean_learner_points"].fillna(0.0),
                       provider_points=prov["provider_points"].fillna(0.0))
    prov["points"] = prov["mean_learner_points"] + prov["provider_points"]
    prov["risk_score"] = score(prov["points"])
    prov["items"] = (prov["learner_items"].fillna(0) + prov["provider_items"].fillna(0)).astype("Int64")
    by_id = c.groupby(["ukprn", "id"])["points"].sum().rename("points").reset_index()
    prov["top"] = _top(by_id, ["ukprn"]).reindex(prov.index).fillna("")
    prov = prov.reset_index()[["ukprn", "learners", "mean_learner_points", "provider_points", "points", "risk_score",
                               "items", "top"]]
    prov = prov.sort_values(["risk_score", "ukprn"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return RiskScores(lrn, prov, c)
