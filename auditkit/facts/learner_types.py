"""Learner type of each bootcamp aim: independent, co-funded or self-employed.

The type decides what evidence a learner's milestones need (see ``milestones-and-kpis.md``):

- **co-funded**: the aim's full or co-funding indicator (FFI) is 2: an employer contributes;
- **self-employed**: not co-funded, and the employment status applying at the bootcamp start is 10
  (in paid employment) with the monitoring SEI (self-employed indicator) = 1;
- **independent**: everyone else.
"""

from __future__ import annotations

import pandas as pd

from auditkit.facts.context import RuleContext
from auditkit.reference.wave5 import CO_FUNDED, INDEPENDENT, SELF_EMPLOYED


def learner_types(ctx: RuleContext, aims: pd.DataFrame | None = None) -> pd.Series:
    """The learner type of each row of ``aims`` (default: the bootcamp aims in scope), aligned with it."""
    aims = ctx.bootcamps if aims is None else aims
    co_funded = ctx.has_fam("FFI", 2, aims)
    status = ctx.status_at_start(aims)
    sei = status["esm_SEI"] if "esm_SEI" in status else pd.Series(pd.NA, index=aims.index)
    self_employed = (status["emp_stat"] == 10).fillna(False) & (sei == 1).fillna(False)
    out = pd.Series(INDEPENDENT, index=aims.index, dtype="string")
    out[self_employed.astype(bool)] = SELF_EMPLOYED
    out[co_funded.astype(bool)] = CO_FUNDED
    return out
