"""The fictional world of the samples: providers, contracts, returns, employers, places and key dates.

Everything here is invented. Provider and employer names are made up for the samples; UKPRNs 1009xxxx
and employer ids 9xxxxxxxx are not real registrations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from auditkit.reference.wave5 import WAVE_WINDOW
from auditkit.writers.ilr import ilr_file_name

#: Contract start window (also the wave window) and planned-end window of every sample contract.
WAVE_START, WAVE_END = WAVE_WINDOW
PLAN_END_LIMIT = dt.date(2025, 7, 31)
#: Preparation date of the latest return: nothing in the samples happens after it, except planted future dates.
HORIZON = dt.date(2025, 4, 4)
#: The evidence pack is as received by this date.
EVIDENCE_CUTOFF = dt.date(2025, 4, 30)

M2_AIM = "Z0010211"
M3_AIM = "Z0010212"


def ilr_year(day: dt.date) -> str:
    """ILR year (1 August to 31 July) a date falls in: ``2024-05-01`` -> ``"2023-24"``."""
    first = day.year if day.month >= 8 else day.year - 1
    return f"{first}-{(first + 1) % 100:02d}"


@dataclass(frozen=True)
class ContractAim:
    """A bootcamp aim allocated to a provider in its contract."""

    lars: str
    title: str
    weeks: int
    mode: str  # "full-time" or "part-time"
    price: float

    @property
    def planned_days(self) -> int:
        """Days from start to planned end: Monday of week 1 to Friday of the last week."""
        return 7 * self.weeks - 3

    def plan_end(self, start: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.planned_days)

    def hours_range(self) -> tuple[int, int]:
        """Plausible planned learning hours per week for the mode."""
        return (28, 32) if self.mode == "full-time" else (11, 14)


@dataclass(frozen=True)
class ReturnSpec:
    """One ILR return of a provider: its year, period and preparation date and time."""

    year: str
    period: str
    prepared: dt.datetime

    @property
    def prep_date(self) -> dt.date:
        return self.prepared.date()


@dataclass(frozen=True)
class Provider:
    """A training provider: contracted with WMCA or not."""

    key: str
    ukprn: int
    name: str
    slug: str
    prefix: str
    contracted: bool
    aims: tuple[ContractAim, ...]
    delivery_postcode: str
    returns: tuple[ReturnSpec, ...]
    zipped_year: str | None = None

    def aim(self, lars: str) -> ContractAim:
        return next(a for a in self.aims if a.lars == lars)

    def file_name(self, spec: ReturnSpec) -> str:
        return ilr_file_name(self.ukprn, spec.year, spec.prepared)


_PREP = {
    ("2023-24", "R10"): dt.date(2024, 6, 5),
    ("2023-24", "R12"): dt.date(2024, 8, 5),
    ("2023-24", "R14"): dt.date(2024, 10, 7),
    ("2024-25", "R04"): dt.date(2024, 12, 5),
    ("2024-25", "R08"): HORIZON,
}


def _returns(periods: tuple[tuple[str, str], ...], clock: dt.time) -> tuple[ReturnSpec, ...]:
    return tuple(ReturnSpec(y, p, dt.datetime.combine(_PREP[(y, p)], clock)) for y, p in periods)


A = ContractAim
PROVIDERS: tuple[Provider, ...] = (
    Provider(
        "P1", 10090001, "Foundry Lane Digital Ltd", "foundry-lane-digital", "FLD", True,
        (A("Z0009501", "Web Development (Coding)", 12, "full-time", 3500.0),
         A("Z0009505", "Data Analyst", 12, "full-time", 3800.0),
         A("Z0009502", "Web Development (Coding)", 26, "part-time", 3200.0)),
        "B3 3HJ",
        _returns((("2023-24", "R10"), ("2023-24", "R12"), ("2023-24", "R14"), ("2024-25", "R04"), ("2024-25", "R08")),
                 dt.time(9, 12, 4)),
        zipped_year="2023-24",
    ),
    Provider(
        "P2", 10090002, "Canal Basin Code Academy CIC", "canal-basin-code", "CBC", True,
        (A("Z0009511", "UX/UI Design", 14, "full-time", 3000.0),
         A("Z0009512", "Data Engineering and AI", 14, "full-time", 4200.0),
         A("Z0009513", "Cyber Security", 26, "part-time", 4500.0),
         A("Z0009524", "Digital Marketing", 26, "part-time", 2500.0)),
        "CV1 2TT",
        _returns((("2023-24", "R12"), ("2023-24", "R14"), ("2024-25", "R04"), ("2024-25", "R08")), dt.time(14, 30, 51)),
    ),
    Provider(
        "P3", 10090003, "Tipton Forge Tech Skills Ltd", "tipton-forge-tech", "TFT", True,
        (A("Z0009519", "Cyber Security", 14, "full-time", 4000.0),
         A("Z0009522", "Coding", 26, "part-time", 3300.0)),
        "WV1 4RT",
        _returns((("2023-24", "R10"), ("2023-24", "R14"), ("2024-25", "R04"), ("2024-25", "R08")), dt.time(11, 5, 37)),
    ),
    Provider(
        "P5", 10090004, "Hockley Port Digital Academy Ltd", "hockley-port-digital", "HPD", True,
        (A("Z0009514", "Cyber Security", 14, "full-time", 3900.0),
         A("Z0009523", "Data Analyst", 14, "full-time", 3600.0)),
        "B18 6NF",
        _returns((("2024-25", "R04"), ("2024-25", "R08")), dt.time(10, 20, 33)),
    ),
    Provider(
        "P6", 10090005, "Oldbury Gate Training Ltd", "oldbury-gate-training", "OGT", True,
        (A("Z0009526", "UX/UI", 14, "full-time", 3400.0),
         A("Z0009527", "Data Science", 14, "full-time", 4100.0)),
        "B69 4RJ",
        _returns((("2024-25", "R04"), ("2024-25", "R08")), dt.time(15, 48, 12)),
    ),
    Provider(
        "P4", 10090009, "Meadowlark Training Ltd", "meadowlark-training", "MLT", False,
        (A("Z0009529", "Digital Marketing", 14, "full-time", 2800.0),),
        "B90 4SB",
        _returns((("2024-25", "R08"),), dt.time(16, 44, 9)),
    ),
)
PROVIDER_BY_KEY: dict[str, Provider] = {p.key: p for p in PROVIDERS}


@dataclass(frozen=True)
class Employer:
    """An employer: in the register (employer_id set) or not (offers from unknown employers)."""

    name: str
    size: str  # "sme" or "large"
    roles: tuple[str, ...] = ()
    employer_id: int | None = None
    satisfaction: int | None = None
    date_contacted: dt.date | None = None
    confirmed: bool = True

    @property
    def contribution(self) -> int:
        """The employer contribution in % for training its own staff: SME 10, large 30."""
        return 10 if self.size == "sme" else 30


def _emp(n: int, name: str, size: str, roles: str, sat: int | None, contacted: str, confirmed: bool = True) -> Employer:
    return Employer(name, size, tuple(roles.split(";")), 900100000 + 37 * n, sat, dt.date.fromisoformat(contacted),
                    confirmed)


EMPLOYERS: tuple[Employer, ...] = (
    _emp(1, "Halesowen Precision Engineering Ltd", "sme", "own-staff;co-design", 4, "2024-02-12"),
    _emp(2, "Digbeth Creative Studios Ltd", "sme", "own-staff", 5, "2024-02-20"),
    _emp(3, "Perry Barr Housing Partnership", "large", "own-staff;co-design", 4, "2024-01-30"),
    _emp(4, "Arden Mutual Insurance plc", "large", "own-staff;delivery", 3, "2024-03-04"),
    _emp(5, "Selly Oak Clinical Labs Ltd", "sme", "own-staff", 4, "2024-06-18"),
    _emp(6, "Wednesbury Rail Components plc", "large", "own-staff;interview", 5, "2024-05-07"),
    _emp(7, "Stourbridge Glassworks Co-operative", "sme", "own-staff", 3, "2024-07-01"),
    _emp(8, "Kingsway Freight Systems Ltd", "large", "interview", 4, "2024-03-11"),
    _emp(9, "Moseley Street Software Ltd", "sme", "interview;co-design", 5, "2024-02-05"),
    _emp(10, "Edgbaston Data Services Ltd", "sme", "interview", 4, "2024-03-18"),
    _emp(11, "Brindley Loop Bank plc", "large", "interview;delivery", 4, "2024-02-27"),
    _emp(12, "Coventry Canal Analytics Ltd", "sme", "interview", 3, "2024-04-15"),
    _emp(13, "Jewellery Quarter Design House Ltd", "sme", "interview;co-design", 5, "2024-01-22"),
    _emp(14, "Black Country Cloud Hosting Ltd", "sme", "interview", 4, "2024-05-20"),
    _emp(15, "Sutton Park Retail Group plc", "large", "interview", 2, "2024-06-03"),
    _emp(16, "Walsall Leatherworks Digital Ltd", "sme", "interview", None, "2024-08-12"),
    _emp(17, "Wulfrun Civic Services Trust", "large", "interview;co-design", 4, "2024-04-08"),
    _emp(18, "Tamebridge Cyber Defence Ltd", "sme", "interview;delivery", 5, "2024-03-25"),
    _emp(19, "Longbridge Mobility Labs Ltd", "large", "co-design;delivery", 4, "2024-01-15"),
    _emp(20, "Bullring Media Collective CIC", "sme", "delivery", 3, "2024-02-19"),
    _emp(21, "Solihull Fintech Hub Ltd", "sme", "co-design", None, "2024-09-09", confirmed=False),
)
EMPLOYER_BY_NAME: dict[str, Employer] = {e.name: e for e in EMPLOYERS}
CO_FUNDERS: tuple[Employer, ...] = tuple(e for e in EMPLOYERS if "own-staff" in e.roles)
BUSY_EMPLOYER = EMPLOYER_BY_NAME["Kingsway Freight Systems Ltd"]
#: Employers that interview and hire independent learners (the busy one is handed out separately).
RECRUITERS: tuple[Employer, ...] = tuple(
    e for e in EMPLOYERS if "interview" in e.roles and "own-staff" not in e.roles and e is not BUSY_EMPLOYER
)
#: An employer that is not in the register.
UNREGISTERED_EMPLOYER = Employer("Quillon Data Works Ltd", "sme")

#: Postcode districts by town: inside the WMCA area (only districts wholly inside the seven member councils, as
#: auditkit/data/wmca-postcode-districts.csv lists them), straddling its boundary, and outside it.
WMCA_DISTRICTS: dict[str, tuple[str, ...]] = {
    "Birmingham": tuple(f"B{n}" for n in (*range(1, 22), *range(23, 31), *range(33, 39), 40, 42, 43, 44)),
    "Coventry": ("CV1", "CV2", "CV5", "CV6"),
    "Dudley": ("DY1", "DY2"),
    "West Bromwich": ("B69", "B70", "B71"),
    "Solihull": ("B91", "B92"),
    "Walsall": ("WS1", "WS2", "WS4", "WS5"),
    "Wolverhampton": ("WV1", "WV2"),
}
STRADDLING_DISTRICTS: dict[str, str] = {"CV7": "Meriden", "B94": "Earlswood", "WS9": "Aldridge"}
OUTSIDE_DISTRICTS: dict[str, str] = {"LE1": "Leicester", "ST1": "Stoke-on-Trent", "WR1": "Worcester"}
UNKNOWN_POSTCODE = "ZZ99 9ZZ"

#: The WMCA destination codes the samples use, with the ESFA destination (OutType, OutCode) each maps to.
DESTINATIONS: dict[str, tuple[str, int, str]] = {
    "WMCA1.2": ("EMP", 1, "In paid employment 16h+ (increase in pay)"),
    "WMCA1.3": ("EMP", 1, "In paid employment 16h+ (career change)"),
    "WMCA1.4": ("EMP", 1, "In paid employment 16h+ (more responsibility)"),
    "WMCA1.5": ("EMP", 1, "In paid employment 16h+ (apprenticeship)"),
    "WMCA3.1": ("EMP", 4, "Self-employed 16h+ (increase in hours)"),
    "WMCA3.3": ("EMP", 4, "Self-employed 16h+ (career change)"),
    "WMCA5.0": ("NPE", 1, "Not in paid employment, looking for work"),
    "WMCA6.0": ("NPE", 2, "Not in paid employment, not looking for work"),
    "WMCA13.1": ("OTH", 1, "Other outcome (long term injury or illness)"),
    "WMCA14.0": ("OTH", 3, "Unable to contact learner"),
}
