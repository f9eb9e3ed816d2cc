"""Anomaly detectors: patterns that suggest gaming or error in data that breaks no rule, each scored and
explained; and risk scores that combine them with the rule findings (``risk_scores``).

Importing this package registers every detector (see ``registry``); ``run_detectors(ctx)`` runs them.
"""

from auditkit.anomalies import changes, documents, identity, offers, providers, timing  # noqa: F401
from auditkit.anomalies.inputs import AnomalyInputs
from auditkit.anomalies.registry import REGISTRY, Detector, all_detectors, detector, get_detectors
from auditkit.anomalies.risk import DEFAULT_WEIGHTS, RiskScores, risk_scores
from auditkit.anomalies.runner import run_detector, run_detectors

__all__ = ["DEFAULT_WEIGHTS", "REGISTRY", "AnomalyInputs", "Detector", "RiskScores", "all_detectors", "detector",
           "get_detectors", "risk_scores", "run_detector", "run_detectors"]
