"""The anomalies frames: what the detectors found, and the risk scores built from findings and anomalies
(:mod:`auditkit.anomalies`)."""

from __future__ import annotations

from dataclasses import replace

from auditkit.frames.fields import Field, Frame
from auditkit.frames.findings import FINDINGS
from auditkit.frames.keys import LEARN_REF_NUMBER, UKPRN

F = Field

ANOMALY_FIELDS: tuple[Field, ...] = (
    replace(FINDINGS.fields[0], description="Id of the detector (AN_...)."),
    replace(FINDINGS.fields[1], description="warning (an anomaly is a pattern to look at, not a broken rule)."),
    *(replace(f, description=f.description.replace("provider-level findings", "provider-level anomalies"))
      for f in FINDINGS.fields[2:]),
    F("score", "", "decimal", "How strongly the pattern stands out, from 0 (barely) to 1 (as strong as it gets); "
      "each detector's documentation says how it is computed."),
    F("evidence", "", "str", "What the score rests on: the counts, rates or statistics compared (never a personal "
      "value)."),
)
ANOMALIES = Frame("anomalies", "One row per learner (or provider) a detector singled out.", ANOMALY_FIELDS,
                  given_by="`auditkit.anomalies.run_detectors(ctx)`, `Case.anomalies`, `auditkit anomalies`: the "
                  "findings columns plus a score and the evidence behind it.")

RISK_FIELDS: tuple[Field, ...] = (
    UKPRN,
    replace(LEARN_REF_NUMBER, description="The learner (absent from the per-provider frame)."),
    F("points", "", "decimal", "Sum of the points every finding and anomaly added (see `DEFAULT_WEIGHTS`)."),
    F("risk_score", "", "decimal", "1 - exp(-points): 0 with nothing found, towards 1 as points add up."),
    F("items", "", "int", "How many findings and anomalies added points."),
    F("top", "", "str", "The ids that added the most points, largest first."),
)
RISK = Frame("risk", "One risk score per learner (or provider), from its findings and anomalies.", RISK_FIELDS,
             strict=False, ordered=False,
             given_by="`auditkit.anomalies.risk_scores(findings, anomalies).learners` / `.providers`, "
             "`Case.risk`, `auditkit risk`; the per-provider frame adds `learners`, `mean_learner_points` and "
             "`provider_points`.")
CONTRIBUTION_FIELDS: tuple[Field, ...] = (
    UKPRN,
    replace(LEARN_REF_NUMBER, description="The learner (empty for a provider-level finding or anomaly)."),
    F("kind", "", "str", "finding or anomaly."),
    F("id", "", "str", "The rule or detector id."),
    F("severity", "", "str", "The finding's severity (warning for anomalies)."),
    F("score", "", "decimal", "The anomaly's score (NA for findings)."),
    F("points", "", "decimal", "Points added: the severity's weight for a finding, the anomaly weight times the "
      "score for an anomaly; one rule or detector counts once per learner (its largest)."),
    F("message", "", "str", "The finding's or anomaly's message."),
)
CONTRIBUTIONS = Frame("risk_contributions", "What added how much to each risk score.", CONTRIBUTION_FIELDS,
                      given_by="`risk_scores(findings, anomalies).contributions`")
