"""Frame declarations: every frame auditkit gives, one :class:`~auditkit.frames.fields.Frame` each.

:data:`FRAMES` indexes them by name, in the order ``docs/frames.md`` lists them; the docs, the golden tests and
(later) the Parquet layout iterate it.
"""

from __future__ import annotations

from auditkit.frames.anomalies import ANOMALIES, CONTRIBUTIONS, RISK
from auditkit.frames.contracts import CONTRACT_AIMS, CONTRACTS
from auditkit.frames.employers import EMPLOYERS
from auditkit.frames.evidence import EVIDENCE, EVIDENCE_PROBLEMS
from auditkit.frames.fields import Field, Frame
from auditkit.frames.findings import FINDINGS
from auditkit.frames.funding import MILESTONE_FRAME, MILESTONE_SUMMARY
from auditkit.frames.ilr import ILR_FRAMES
from auditkit.frames.measures import CHANGES, KPI_MEMBERS, KPI_TRENDS, KPI_VALUES
from auditkit.frames.reference import APPROVED_BOOTCAMPS, DESTINATION_CODES, POSTCODE_DISTRICTS
from auditkit.frames.sampling import POPULATION, SAMPLE_ITEMS
from auditkit.frames.workpapers import WORKPAPER_HISTORY, WORKPAPERS

#: Every frame by name: the ILR frames, contracts, findings, evidence, funding, measures, workpapers, reference tables.
FRAMES: dict[str, Frame] = {f.name: f for f in (
    *ILR_FRAMES, CONTRACTS, CONTRACT_AIMS, FINDINGS, EVIDENCE, EVIDENCE_PROBLEMS, EMPLOYERS,
    MILESTONE_FRAME, MILESTONE_SUMMARY, KPI_VALUES, KPI_MEMBERS, KPI_TRENDS, CHANGES, WORKPAPERS, WORKPAPER_HISTORY,
    POPULATION, SAMPLE_ITEMS, ANOMALIES, RISK, CONTRIBUTIONS,
    DESTINATION_CODES, APPROVED_BOOTCAMPS, POSTCODE_DISTRICTS,
)}

#: Columns declared as pounds in any frame (exports give them a pounds format).
MONEY_COLUMNS: frozenset[str] = frozenset(f.column for frame in FRAMES.values() for f in frame.fields if f.money)

__all__ = ["FRAMES", "MONEY_COLUMNS", "Field", "Frame"]
