"""What detectors read: the rule context, and the milestones, change history and KPIs (computed when first asked
for unless given, so a detector that needs none of them costs nothing extra)."""

from __future__ import annotations

from functools import cached_property

import pandas as pd

from auditkit.facts.context import RuleContext
from auditkit.measures.kpis import KPIResult


class AnomalyInputs:
    """The inputs of one run of the detectors. ``milestones`` (:func:`auditkit.funding.milestones.milestones`),
    ``changes`` (raw :func:`auditkit.measures.changes.change_histories` of the returns loaded) and ``kpis``
    (:func:`auditkit.measures.kpis.kpis`) are computed from ``ctx`` at first use when not given."""

    def __init__(self, ctx: RuleContext, *, milestones: pd.DataFrame | None = None,
                 changes: pd.DataFrame | None = None, kpis: KPIResult | None = None) -> None:
        self.ctx = ctx
        if milestones is not None:
            self.__dict__["milestones"] = milestones
        if changes is not None:
            self.__dict__["changes"] = changes
        if kpis is not None:
            self.__dict__["kpis"] = kpis

    @cached_property
    def milestones(self) -> pd.DataFrame:
        from auditkit.funding.milestones import milestones
        from auditkit.rules import run_rules

        return milestones(self.ctx, run_rules(self.ctx))

    @cached_property
    def changes(self) -> pd.DataFrame:
        from auditkit.measures.changes import change_histories

        return change_histories(self.ctx.all)

    @cached_property
    def kpis(self) -> KPIResult:
        from auditkit.measures.kpis import kpis

        ev = self.ctx.evidence
        return kpis(self.ctx, self.milestones, ev.evidence if ev is not None else None,
                    ev.employers if ev is not None else None)

    @property
    def evidence(self) -> pd.DataFrame | None:
        """The evidence documents (None without evidence)."""
        return self.ctx.evidence.evidence if self.ctx.evidence is not None else None

    @property
    def employers(self) -> pd.DataFrame | None:
        """The employer register (None without one)."""
        return self.ctx.evidence.employers if self.ctx.evidence is not None else None
