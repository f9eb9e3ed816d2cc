"""Small summaries of the frames that notebooks and the CLI show."""

from __future__ import annotations

import pandas as pd

from auditkit.readers.ilr import ILRData
from auditkit.reference.aims import bootcamp_deliveries


def starts_by_month(data: ILRData) -> pd.DataFrame:
    """Bootcamp starts and distinct learners starting, per provider and month of LearnStartDate.

    Uses the latest return of each provider and year; a bootcamp returned in two ILR years counts once.
    Columns: ukprn, month (first day of the month), starts, learners.
    """
    aims = bootcamp_deliveries(data.latest().deliveries)
    aims = aims.drop_duplicates(["ukprn", "learn_ref_number", "learn_aim_ref", "learn_start_date"])
    aims = aims.assign(month=aims["learn_start_date"].dt.to_period("M").dt.to_timestamp())
    out = (
        aims.groupby(["ukprn", "month"])
        .agg(starts=("learn_aim_ref", "size"), learners=("learn_ref_number", "nunique"))
        .reset_index()
        .astype({"starts": "Int64", "learners": "Int64"})
    )
    return out.sort_values(["ukprn", "month"]).reset_index(drop=True)


def returns_overview(data: ILRData) -> pd.DataFrame:
    """One line per return: provider, year, period, preparation date and counts."""
    cols = ["return_id", "ukprn", "ilr_year", "period", "file_preparation_date", "learner_count",
            "delivery_count", "problem_count"]
    return data.returns[cols].sort_values(["ukprn", "ilr_year", "period"]).reset_index(drop=True)
