"""The detector catalogue as markdown (``docs/anomalies.md``), generated from the registry."""

from __future__ import annotations

import pandas as pd

from auditkit.anomalies.registry import all_detectors
from auditkit.anomalies.risk import DEFAULT_WEIGHTS

_INTRO = """# Anomaly detectors

Generated from the detector registry by `auditkit docs`; do not edit by hand (a test checks it).
`auditkit anomalies CASE` runs them. An anomaly is a pattern that suggests gaming or error in data that breaks no
rule: a question for the provider, not a finding. Each row has a `score` from 0 to 1 (how strongly the pattern
stands out, computed as each detector says) and `evidence` (the counts or statistics the score rests on). No
detector shows a personal value: contact details are compared as salted hashes that are never written.

## Risk scores

`auditkit risk CASE` (`auditkit.anomalies.risk_scores`) adds points per learner: each finding the weight of its
severity, each anomaly `anomaly` x its score, one rule or detector counting once per learner; the risk score is
1 - exp(-points). A provider's points are the mean of its learners' plus its provider-level findings and anomalies.
`--by contributions` lists what added how much. Default weights:
"""


def catalogue() -> pd.DataFrame:
    """One row per detector: id, reads, summary."""
    return pd.DataFrame([{"id": d.id, "reads": ", ".join(d.reads), "summary": d.summary} for d in all_detectors()])


def anomalies_markdown() -> str:
    """The whole of ``docs/anomalies.md``."""
    dets = all_detectors()
    lines = [_INTRO, "| item | points |", "|---|---|"]
    lines += [f"| {k} | {v:g}{' x score' if k == 'anomaly' else ''} |" for k, v in DEFAULT_WEIGHTS.items()]
    lines += ["", "## Detectors", "", "| id | reads | summary |", "|---|---|---|"]
    lines += [f"| [{d.id}](#{d.id.lower()}) | {', '.join(d.reads)} | {d.summary} |" for d in dets]
    lines.append("")
    for d in dets:
        body = d.doc.split("\n", 1)[1].strip() if "\n" in d.doc else ""
        lines += [f"### {d.id}", "", f"*{d.severity}* · reads {', '.join(d.reads)}", "", d.summary, "", body, ""]
    return "\n".join(lines).rstrip() + "\n"
