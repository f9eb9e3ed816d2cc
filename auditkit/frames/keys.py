"""The key fields frames share, declared once: provider, learner, return, aim.

A frame that needs a key says more about it with :func:`dataclasses.replace` (``replace(UKPRN,
description=...)``), never by declaring it again.
"""

from __future__ import annotations

from auditkit.frames.fields import Field

UKPRN = Field("ukprn", "", "int", "Provider (UKPRN).")
LEARN_REF_NUMBER = Field("learn_ref_number", "", "str", "The learner's reference number at the provider "
                         "(LearnRefNumber).")
ULN = Field("uln", "", "str", "The learner's ULN as recorded.")
RETURN_ID = Field("return_id", "", "str", "The return (file) the row comes from: see the returns frame.")
AIM_SEQ_NUMBER = Field("aim_seq_number", "", "int", "AimSeqNumber of the learning delivery.")
BOOTCAMP_AIM = Field("bootcamp_aim", "", "str", "LearnAimRef of the bootcamp aim.")
ILR_YEAR = Field("ilr_year", "", "str", "ILR year, e.g. 2024-25.")
KPI_ID = Field("kpi", "", "str", "KPI id (see `auditkit.measures.kpis.KPIS`).")
