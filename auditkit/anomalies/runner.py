"""Running the detectors: one anomalies frame, sorted like the findings."""

from __future__ import annotations

import pandas as pd

from auditkit.anomalies.inputs import AnomalyInputs
from auditkit.anomalies.registry import Detector, get_detectors
from auditkit.facts.context import RuleContext
from auditkit.frames.anomalies import ANOMALIES


def run_detector(det: Detector, inputs: AnomalyInputs) -> pd.DataFrame:
    """One detector's rows, with its id and severity, in the anomalies frame's columns and dtypes."""
    try:
        rows = det.func(inputs)
    except Exception as exc:  # a detector that breaks names itself instead of hiding in a traceback
        raise RuntimeError(f"anomaly detector {det.id} failed: {exc}") from exc
    if rows is None or len(rows) == 0:
        return ANOMALIES.empty()
    rows = rows.assign(rule_id=det.id, severity=det.severity)
    rows["score"] = pd.to_numeric(rows["score"], errors="coerce").clip(0, 1)
    return ANOMALIES.conform(rows)


def run_detectors(ctx: RuleContext | AnomalyInputs, ids: list[str] | None = None) -> pd.DataFrame:
    """The anomalies of the given detectors (all by default): provider, learner, detector order, strongest first."""
    inputs = ctx if isinstance(ctx, AnomalyInputs) else AnomalyInputs(ctx)
    frames = [f for f in (run_detector(d, inputs) for d in get_detectors(ids)) if len(f)]
    if not frames:
        return ANOMALIES.empty()
    out = pd.concat(frames, ignore_index=True)
    return (out.sort_values(["ukprn", "learn_ref_number", "rule_id", "score"], ascending=[True, True, True, False],
                            na_position="first", kind="stable").reset_index(drop=True))
