"""One learner of a case, found by position: a per-case index of every frame a learner's walk-through reads.

:class:`LearnerIndex` groups each frame once (:class:`~auditkit.facts.index.RowIndex`: the findings, the milestones,
the ILR learner records and aims in scope, the evidence bootcamps, documents, claims and requirements) by
``(ukprn, learn_ref_number)``; :meth:`LearnerIndex.learner` then takes one learner's rows by position, at a cost that
does not grow with the case. :meth:`auditkit.case.Case.learner` builds the index at its first call.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from auditkit.facts.context import RuleContext
from auditkit.facts.evidence import evidence_bootcamps, evidence_claims, evidence_documents, evidence_requirements
from auditkit.facts.index import RowIndex, row_index
from auditkit.privacy import mask_frame

LEARNER_KEY = ["ukprn", "learn_ref_number"]


@dataclass(frozen=True)
class Learner:
    """One learner's rows in each frame of a case (personal values masked unless revealed).

    ``findings``: every finding of the learner (all rules run by the case); ``milestones``: their milestone rows
    (:attr:`auditkit.case.Case.milestones`); ``records`` and ``aims``: their ILR learner records and learning
    deliveries in the returns audited; ``bootcamps``, ``documents``, ``claims``, ``requirements``: the evidence
    facts of :mod:`auditkit.facts.evidence` (the documents empty without evidence)."""

    ukprn: int
    learn_ref_number: str
    findings: pd.DataFrame
    milestones: pd.DataFrame
    records: pd.DataFrame
    aims: pd.DataFrame
    bootcamps: pd.DataFrame
    documents: pd.DataFrame
    claims: pd.DataFrame
    requirements: pd.DataFrame


class LearnerIndex:
    """The rows of each learner in a case's frames, found once (one groupby per frame)."""

    def __init__(self, ctx: RuleContext, findings: pd.DataFrame, milestones: pd.DataFrame) -> None:
        self.findings = RowIndex(findings, LEARNER_KEY)
        self.milestones = RowIndex(milestones, LEARNER_KEY)
        self.records = RowIndex(ctx.data.learners, LEARNER_KEY)
        self.aims = RowIndex(ctx.data.deliveries, LEARNER_KEY)
        # shared with the evidence view, which indexes the same frames of the context
        self.bootcamps = row_index(ctx, "evidence.bootcamps", evidence_bootcamps(ctx), LEARNER_KEY)
        self.documents = row_index(ctx, "evidence.documents.learner", evidence_documents(ctx), LEARNER_KEY)
        self.claims = row_index(ctx, "evidence.claims.learner", evidence_claims(ctx), LEARNER_KEY)
        self.requirements = row_index(ctx, "evidence.requirements", evidence_requirements(ctx), LEARNER_KEY)

    def learner(self, ukprn: int, learn_ref_number: str, *, reveal: bool = False) -> Learner:
        """The learner's rows of every frame, personal values masked unless ``reveal``. Raises ValueError when the
        returns audited hold no record of the learner."""
        key = (int(ukprn), str(learn_ref_number))
        records = self.records.take(*key)
        if records.empty:
            raise ValueError(f"no learner {ukprn}/{learn_ref_number} in the returns audited")

        def rows(index: RowIndex) -> pd.DataFrame:
            return mask_frame(index.take(*key).reset_index(drop=True), reveal=reveal)

        return Learner(key[0], key[1], rows(self.findings), rows(self.milestones), rows(self.records),
                       rows(self.aims), rows(self.bootcamps), rows(self.documents), rows(self.claims),
                       rows(self.requirements))
