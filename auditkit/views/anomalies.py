"""Text tables of the anomalies and the risk scores, for ``auditkit anomalies`` and ``auditkit risk``."""

from __future__ import annotations

import textwrap

import pandas as pd

from auditkit.anomalies import RiskScores
from auditkit.views.tables import blocks


def anomalies_table(anomalies: pd.DataFrame, width: int) -> str:
    """The anomalies per provider, after their counts per detector and provider."""
    if anomalies.empty:
        return "No anomalies found.\n"
    counts = anomalies.groupby(["rule_id", "ukprn"]).size().unstack(fill_value=0)
    lines = [f"{len(anomalies)} anomalies (patterns to look at, not broken rules).", "",
             "By detector and provider:", counts.to_string(), ""]
    for ukprn, rows in anomalies.groupby("ukprn", sort=True):
        lines.append(f"Provider {ukprn} ({len(rows)} anomalies):")
        shown = rows.assign(score=rows["score"].map(lambda s: f"{float(s):.2f}")).rename(
            columns={"rule_id": "detector", "learn_ref_number": "learner"})
        text = shown["message"].astype("string") + " [" + shown["evidence"].astype("string") + "]"
        lines += [*blocks(shown.assign(text=text), ["detector", "score", "learner", "field", "value"], "text",
                          width), ""]
    lines += textwrap.wrap("What a detector looks for, its score and its limits: docs/anomalies.md.", width=width)
    return "\n".join(lines) + "\n"


def risk_frame(risk: RiskScores, by: str) -> pd.DataFrame:
    """The per-learner or per-provider frame (``by``: learner, provider or contributions)."""
    return {"learner": risk.learners, "provider": risk.providers, "contributions": risk.contributions}[by]


def risk_table(risk: RiskScores, by: str, top: int, width: int) -> str:
    """The riskiest learners (or every provider), each with what added most to its score."""
    frame = risk_frame(risk, by)
    if by == "contributions":
        return frame.to_string(index=False, max_colwidth=60) + "\n"
    shown = frame.head(top) if by == "learner" else frame
    lines = [f"Risk scores by {by} (1 - exp(-points); weights in auditkit.anomalies.DEFAULT_WEIGHTS)"
             + (f", the {len(shown)} highest of {len(frame)}" if by == "learner" else "") + ":", ""]
    shown = shown.assign(points=shown["points"].map(lambda p: f"{p:.2f}"),
                         risk_score=shown["risk_score"].map(lambda s: f"{s:.2f}"))
    head = ["ukprn", "learn_ref_number", "risk_score", "points", "items"] if by == "learner" else [
        "ukprn", "learners", "risk_score", "points", "items"]
    lines += blocks(shown.assign(top="adds most: " + shown["top"].astype("string")), head, "top", width)
    lines += ["", *textwrap.wrap("Every finding and anomaly behind a score: auditkit risk CASE --by contributions "
                                 "--format csv.", width=width)]
    return "\n".join(lines) + "\n"
