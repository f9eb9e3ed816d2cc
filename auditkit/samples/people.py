"""Invented people: names, ULNs valid by check digit, NI numbers no one is ever issued, postcodes, dates of birth."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from auditkit.samples.world import OUTSIDE_DISTRICTS, STRADDLING_DISTRICTS, WMCA_DISTRICTS
from auditkit.reference.uln import check_digit

GIVEN_NAMES = {
    "F": ("Amelia", "Aisha", "Bethany", "Chloe", "Danielle", "Ellie", "Fatima", "Grace", "Hannah", "Imogen", "Jasmine",
          "Katie", "Leah", "Maryam", "Niamh", "Olivia", "Priya", "Rachel", "Sophie", "Tia", "Zara", "Megan", "Harpreet",
          "Ewa", "Joy", "Nadia", "Ruth"),
    "M": ("Aaron", "Bilal", "Callum", "Daniel", "Ethan", "Farhan", "George", "Harry", "Imran", "Jack", "Kieran", "Liam",
          "Mohammed", "Nathan", "Oliver", "Patrick", "Rhys", "Samuel", "Tariq", "Usman", "Jordan", "Kwame", "Tomasz",
          "Dev", "Marcus", "Owen", "Yusuf"),
}
FAMILY_NAMES = (
    "Ashworth", "Begum", "Bennett", "Chaudhry", "Clarke", "Davies", "Evans", "Foster", "Grant", "Hussain", "Iqbal",
    "Jones", "Kaur", "Khan", "Lewis", "Mahmood", "Morgan", "Nowak", "Okafor", "Patel", "Price", "Rahman", "Reid",
    "Shah", "Singh", "Smith", "Taylor", "Turner", "Walker", "Ward", "Williams", "Wright", "Mensah", "Campbell",
    "O'Neill", "Kowalski", "Adeyemi", "Byrne", "Dhillon", "Hughes",
)
STREETS = (
    "Larkspur Road", "Canal Side", "Foundry Street", "Chapel Lane", "Willow Grove", "Station Road", "Mill Lane",
    "Orchard Close", "Beacon View", "Rowan Way", "Kiln Street", "Meadow Walk", "Forge Row", "Hawthorn Avenue",
)
#: Census 2011 ethnicity codes, weighted roughly like the region.
ETHNICITIES = (31, 31, 31, 31, 31, 31, 32, 34, 35, 36, 37, 39, 39, 40, 40, 40, 41, 42, 43, 44, 44, 45, 46, 47, 98, 99)
LLDD_CATEGORIES = (4, 6, 9, 12, 13, 14, 17)
PRIOR_LEVELS = (2, 3, 3, 4, 6, 6, 7, 99)
_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def invalid_uln(valid: str) -> str:
    """A 10-digit number that fails the check digit: ``valid`` with its last digit changed."""
    return valid[:9] + str((int(valid[9]) + 3) % 10)


def postcode(rng: random.Random, district: str) -> str:
    """An invented full postcode in ``district``."""
    return f"{district} {rng.randint(1, 9)}{rng.choice(_UNIT_LETTERS)}{rng.choice(_UNIT_LETTERS)}"


@dataclass
class Person:
    """An invented learner: what the ILR learner record says about them."""

    uln: str
    given: str | None
    family: str | None
    sex: str
    dob: dt.date | None
    ethnicity: int
    ni: str | None
    postcode: str
    postcode_prior: str
    lsd_postcode: str
    town: str
    add_line1: str
    tel: str
    email: str
    lldd: int
    lldd_cats: list[tuple[int, bool]] = field(default_factory=list)
    prior_level: int | None = 3
    prior_date: dt.date | None = None

    @property
    def display_name(self) -> str:
        return " ".join(x for x in (self.given, self.family) if x) or "(name not recorded)"


class PersonFactory:
    """Makes invented people from one seeded random generator; ULNs and NI numbers never repeat."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._ulns: set[str] = set()
        self._nis: set[str] = set()

    def uln(self) -> str:
        """A new ULN, valid by check digit."""
        while True:
            first = str(self.rng.randint(100_000_000, 999_999_999))
            check = check_digit(first)
            if check is not None and first + str(check) not in self._ulns:
                self._ulns.add(first + str(check))
                return first + str(check)

    def ni_number(self) -> str:
        """A new NI number with the prefix QQ, which HMRC never issues."""
        while True:
            ni = f"QQ{self.rng.randint(0, 999_999):06d}{self.rng.choice('ABCD')}"
            if ni not in self._nis:
                self._nis.add(ni)
                return ni

    def place(self, kind: str = "wmca") -> tuple[str, str]:
        """(postcode, town) for a home inside the WMCA area, straddling its boundary, or outside it."""
        if kind == "straddling":
            district, town = self.rng.choice(list(STRADDLING_DISTRICTS.items()))
        elif kind == "outside":
            district, town = self.rng.choice(list(OUTSIDE_DISTRICTS.items()))
        else:
            town = self.rng.choice(list(WMCA_DISTRICTS))
            district = self.rng.choice(WMCA_DISTRICTS[town])
        return postcode(self.rng, district), town

    def new(self, start: dt.date, *, place: str = "wmca") -> Person:
        """A new person aged 20 to 58 at ``start`` living in the kind of place asked for."""
        rng = self.rng
        sex = rng.choice("FM")
        given, family = rng.choice(GIVEN_NAMES[sex]), rng.choice(FAMILY_NAMES)
        age = rng.randint(20, 58)
        dob = dt.date(start.year - age, start.month, 1) - dt.timedelta(days=rng.randint(1, 360))
        home, town = self.place(place)
        moved = place == "wmca" and rng.random() < 0.08
        current = self.place("wmca")[0] if moved else home
        lldd = rng.choices((1, 2, 9), weights=(14, 80, 6))[0]
        cats = rng.sample(LLDD_CATEGORIES, rng.choice((1, 1, 2))) if lldd == 1 else []
        email_name = f"{given}.{family}".lower().replace("'", "")
        return Person(
            uln=self.uln(), given=given, family=family, sex=sex, dob=dob, ethnicity=rng.choice(ETHNICITIES),
            ni=self.ni_number(), postcode=current, postcode_prior=home, lsd_postcode=home, town=town,
            add_line1=f"{rng.randint(1, 180)} {rng.choice(STREETS)}", tel=f"07700900{rng.randint(0, 999):03d}",
            email=f"{email_name}{rng.randint(1, 99)}@example.com", lldd=lldd,
            lldd_cats=[(c, i == 0) for i, c in enumerate(cats)], prior_level=rng.choice(PRIOR_LEVELS),
            prior_date=start - dt.timedelta(days=rng.randint(90, 1400)),
        )
