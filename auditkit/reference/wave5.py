"""The WMCA Skills Bootcamps Wave 5 terms, defined once: rules, milestones, KPIs and views all read them here.

Numbers are named constants; the date arithmetic is small vectorised predicates over pandas Series (days count
from LearnStartDate, day 0; months are calendar months, so 6 months from 31 August is 28 February). Prose in
docstrings and messages may say "14 days" or "6 months"; code uses these names.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

#: The wave: bootcamps starting between these dates (inclusive) are Wave 5 bootcamps.
WAVE_WINDOW: tuple[dt.date, dt.date] = (dt.date(2024, 4, 1), dt.date(2025, 3, 31))

#: The milestones, and the share of the contract price paid at each, in whole percent.
MILESTONES: tuple[str, ...] = ("M1", "M2", "M3")
SHARE_PERCENT: dict[str, int] = {"M1": 40, "M2": 30, "M3": 30}

#: Milestone 1 (commencement) is earned this many days after LearnStartDate (day 0).
M1_DAYS = 14
#: Milestone 2 needs at least this percentage of the bootcamp's planned days completed (exactly this passes).
M2_COMPLETION_PERCENT = 80
#: Milestone 3 (outcome) must come within this many calendar months of the bootcamp's LearnActEndDate.
M3_MONTHS = 6
#: A leaver's destination is due within this many calendar months of LearnActEndDate.
DESTINATION_MONTHS = 2

#: The PSM texts that record an employer contribution (exact text, as the funder's payment script reads it),
#: and the contribution in whole percent.
CONTRIBUTION_PERCENT: dict[str, int] = {"Contribution 10": 10, "Contribution 30": 30}
CONTRIBUTION_TEXTS: tuple[str, ...] = tuple(CONTRIBUTION_PERCENT)
#: The contribution, in whole percent, an employer training its own staff pays, by its size in the register.
RATE_PERCENT_BY_SIZE: dict[str, int] = {"sme": 10, "large": 30}

#: Learner types (``auditkit.facts.learner_types`` decides each learner's).
INDEPENDENT, CO_FUNDED, SELF_EMPLOYED = "independent", "co-funded", "self-employed"
LEARNER_TYPES: tuple[str, ...] = (INDEPENDENT, CO_FUNDED, SELF_EMPLOYED)


#: The last day pandas' nanosecond timestamps reach (11 April 2262): a later date is held as this day.
LAST_DAY = pd.Timestamp.max.normalize()


def _later(dates: pd.Series, offset: pd.Timedelta | pd.DateOffset) -> pd.Series:
    """``dates + offset``; a result past :data:`LAST_DAY` (a date the provider recorded in 2262) is that day
    instead of an overflow that would stop the audit."""
    try:
        return dates + offset
    except (OverflowError, pd.errors.OutOfBoundsDatetime):
        room = (dates <= LAST_DAY - pd.Timedelta(days=400)).fillna(False).astype(bool)
        return (dates.where(room) + offset).mask(~room & dates.notna(), LAST_DAY)


def m1_date(start: pd.Series) -> pd.Series:
    """The day Milestone 1 is earned: LearnStartDate + :data:`M1_DAYS` (NaT for no start)."""
    return _later(start, pd.Timedelta(days=M1_DAYS))


def m3_deadline(end: pd.Series) -> pd.Series:
    """The latest date of a Milestone 3: LearnActEndDate + :data:`M3_MONTHS` calendar months (NaT for no end)."""
    return _later(end, pd.DateOffset(months=M3_MONTHS))


def destination_deadline(end: pd.Series) -> pd.Series:
    """The date a leaver's destination is due by: LearnActEndDate + :data:`DESTINATION_MONTHS` calendar months."""
    return _later(end, pd.DateOffset(months=DESTINATION_MONTHS))


def completed_enough(start: pd.Series, plan_end: pd.Series, act_end: pd.Series) -> pd.Series:
    """Whether a bootcamp ran at least :data:`M2_COMPLETION_PERCENT` of its planned days, for Milestone 2:
    (LearnActEndDate - LearnStartDate) >= 80% x (LearnPlanEndDate - LearnStartDate), in whole days of the
    calendar dates, compared in integers (exactly 80% passes). A nullable boolean Series: NA where a date is
    missing (80% cannot be shown)."""
    day0 = pd.to_datetime(start).dt.normalize()
    done = (pd.to_datetime(act_end).dt.normalize() - day0).dt.days
    planned = (pd.to_datetime(plan_end).dt.normalize() - day0).dt.days
    ok = (100 * done >= M2_COMPLETION_PERCENT * planned).astype("boolean")
    return ok.mask(done.isna() | planned.isna())


def contribution_percent(texts: pd.Series) -> pd.Series:
    """The contribution (whole percent, Int64) a PSM text records: NA unless it is exactly one of
    :data:`CONTRIBUTION_TEXTS` (surrounding spaces ignored)."""
    return texts.astype("string").str.strip().map(CONTRIBUTION_PERCENT).astype("Int64")


def rate_percent_for_size(sizes: pd.Series) -> pd.Series:
    """The contribution (whole percent, Int64) due from an employer of each size (``sme``, ``large``); NA for
    another or no size."""
    return sizes.astype("string").map(RATE_PERCENT_BY_SIZE).astype("Int64")
