"""ILR years and collection periods (R01-R14)."""

from __future__ import annotations

import datetime as dt
import re

FILE_NAME = re.compile(
    r"^ILR-(?P<ukprn>\d{8})-(?P<year>\d{4})-(?P<date>\d{8})-(?P<time>\d{6})-(?P<serial>\d{2})\.xml$",
    re.IGNORECASE,
)
#: ESFA/ILR/2024-25; SFA/ILR/2017-18 before the ESFA (2017-18 and earlier).
NAMESPACE_YEAR = re.compile(r"^E?SFA/ILR/(?P<y1>\d{4})-(?P<y2>\d{2})$")

#: A collection closes early in the month after the one it covers; a file prepared on or before this
#: day of the month belongs to the previous month's collection.
CLOSE_DAY = 6


def year_from_namespace(namespace: str) -> str | None:
    """``"ESFA/ILR/2024-25"`` (or ``"SFA/ILR/2017-18"``) -> ``"2024-25"``; None for anything else."""
    m = NAMESPACE_YEAR.match(namespace or "")
    return f"{m['y1']}-{m['y2']}" if m else None


def year_from_code(code: str | None) -> str | None:
    """``"2425"`` -> ``"2024-25"``; None when not a four-digit year code."""
    if not code or not re.fullmatch(r"\d{4}", code.strip()):
        return None
    code = code.strip()
    return f"20{code[:2]}-{code[2:]}"


def year_start(ilr_year: str) -> dt.date:
    """First day (1 August) of an ILR year such as ``"2024-25"``."""
    return dt.date(int(ilr_year[:4]), 8, 1)


def ilr_year_of(day: dt.date) -> str:
    """The ILR year (1 August to 31 July) a date falls in."""
    first = day.year if day.month >= 8 else day.year - 1
    return f"{first}-{(first + 1) % 100:02d}"


def period_of_date(day: dt.date, ilr_year: str) -> int | None:
    """Collection period number (1-14) of ILR year ``ilr_year`` for a file prepared on ``day``.

    The collection covering month M closes early in month M+1, so a file prepared up to the
    ``CLOSE_DAY``th belongs to the previous month's period. August is R01 and July R12; after the
    year, August and September make R13, October and later R14. None when ``day`` is before the year.
    """
    month = dt.date(day.year, day.month, 1)
    if day.day <= CLOSE_DAY:
        month = (month - dt.timedelta(days=1)).replace(day=1)
    start = year_start(ilr_year)
    index = (month.year - start.year) * 12 + (month.month - start.month)
    if index < 0:
        return None
    if index < 12:
        return index + 1
    return 13 if index < 14 else 14


def file_name_date(file_name: str) -> dt.date | None:
    """The date in an ESFA ILR file name, if it has the standard form."""
    m = FILE_NAME.match(file_name)
    if not m:
        return None
    try:
        return dt.datetime.strptime(m["date"], "%Y%m%d").date()
    except ValueError:
        return None


def period_label(number: int | None) -> str | None:
    return None if number is None else f"R{number:02d}"
