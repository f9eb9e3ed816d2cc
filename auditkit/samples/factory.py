"""Make learner stories: the normal, clean population and the learners that plants start from."""

from __future__ import annotations

import datetime as dt
import random

from auditkit.reference.wave5 import LEARNER_TYPES
from auditkit.samples.evidence import build_docs
from auditkit.samples.people import Person, PersonFactory
from auditkit.samples.stories import Story, build_ilr
from auditkit.samples.world import (
    CO_FUNDERS,
    HORIZON,
    RECRUITERS,
    ContractAim,
    Employer,
    Provider,
    ilr_year,
)

#: Fates a story can be given: how the bootcamp ends and which milestones follow.
FATES = ("continuing", "withdrawn", "break", "failed", "completed", "m2", "m3")
DAY = dt.timedelta(days=1)
#: Latest M3 after the bootcamp's end (well inside 6 calendar months, which is at least 181 days).
M3_LIMIT_DAYS = 175


def _year_end(day: dt.date) -> dt.date:
    """31 July ending the ILR year of ``day``."""
    return dt.date(int(ilr_year(day)[:4]) + 1, 7, 31)


class StoryFactory:
    """Makes stories from seeded random generators; every story is complete and clean until a plant edits it."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"{seed}:stories")
        self.people = PersonFactory(random.Random(f"{seed}:people"))
        self.doc_rng = random.Random(f"{seed}:evidence")
        self.stories: list[Story] = []

    def person(self, start: dt.date, place: str = "wmca") -> Person:
        return self.people.new(start, place=place)

    def new(
        self,
        provider: Provider,
        aim: ContractAim,
        start: dt.date,
        *,
        fate: str | None = None,
        ltype: str | None = None,
        person: Person | None = None,
        employer: Employer | None = None,
        contribution: int | None = None,
        emp_stat: int | None = None,
        end_day: int | None = None,
        m2: list[dt.date] | None = None,
        m3: dt.date | None = None,
        interview_employer: Employer | None = None,
        job_employer: Employer | None = None,
        hours: int | None = None,
        place: str = "wmca",
    ) -> Story:
        """A new story, its ILR records and its evidence. Unset choices are drawn at random (and stay clean)."""
        rng = self.rng
        story = Story(
            index=len(self.stories), provider=provider, aim=aim, person=person or self.person(start, place),
            ltype=ltype or rng.choices(LEARNER_TYPES, weights=(60, 25, 15))[0], start=start,
            hours=hours or aim.weeks * rng.randint(*aim.hours_range()), emp_stat=10,
            emp_date=start - dt.timedelta(days=rng.randint(1, 30)),
        )
        self._employment(story, emp_stat, employer, contribution)
        self._outcome(story, fate, end_day, m2, m3)
        self._offers(story, interview_employer, job_employer)
        self._destination(story)
        build_ilr(story)
        story.docs = build_docs(story, self.doc_rng)
        self.stories.append(story)
        return story

    def _employment(self, s: Story, emp_stat: int | None, employer: Employer | None, contribution: int | None) -> None:
        rng = self.rng
        if s.ltype == "co-funded":
            s.employer = employer or rng.choice(CO_FUNDERS)
            s.contribution = contribution or s.employer.contribution
            s.esm = [("EII", 8)] + ([("SEM", 1)] if s.employer.size == "sme" else [])
            s.low_waged = rng.random() < 0.3
        elif s.ltype == "self-employed":
            s.esm = [("SEI", 1), ("EII", rng.choice((7, 8)))]
        else:
            s.emp_stat = emp_stat or rng.choices((11, 10, 12), weights=(60, 30, 10))[0]
            if s.emp_stat == 11:
                s.esm = [("LOU", rng.randint(1, 4))]
                if rng.random() < 0.06:
                    s.learner_fams = [("LSR", 58)]
            elif s.emp_stat == 10:
                s.esm = [("EII", rng.choice((7, 8)))]
                s.low_waged = rng.random() < 0.5

    def _random_outcome(self, s: Story) -> tuple[str, int | None]:
        rng, days = self.rng, s.aim.planned_days
        if rng.random() < 0.12:
            day = rng.randint(5, int(0.6 * days))
            if s.start + day * DAY <= HORIZON:
                return "withdrawn", day
        if s.plan_end > HORIZON:
            return "continuing", None
        if rng.random() < 0.06:
            return "failed", None
        return "completed", days - rng.choice((0, 0, 0, 1, 2))

    def _random_milestones(self, end: dt.date) -> tuple[list[dt.date], dt.date | None]:
        rng = self.rng
        if rng.random() > 0.85:
            return [], None
        m2 = end + rng.randint(0, max(0, min(14, (_year_end(end) - end).days))) * DAY
        if m2 > HORIZON:
            return [], None
        if rng.random() > 0.62:
            return [m2], None
        m3 = min(m2 + rng.randint(14, 120) * DAY, end + M3_LIMIT_DAYS * DAY)
        return ([m2], m3) if m3 <= HORIZON else ([m2], None)

    def _outcome(self, s: Story, fate: str | None, end_day: int | None, m2: list[dt.date] | None,
                 m3: dt.date | None) -> None:
        rng, days = self.rng, s.aim.planned_days
        if fate is not None and fate not in FATES:
            raise ValueError(f"unknown fate {fate!r}: expected one of {', '.join(FATES)}")
        if fate is None:
            fate, end_day = self._random_outcome(s)
            if fate == "completed":
                m2, m3 = self._random_milestones(s.start + (end_day or days) * DAY)
        if fate == "continuing":
            return
        if end_day is None:
            end_day = rng.randint(5, int(0.6 * days)) if fate in ("withdrawn", "break") else days
        s.end = s.start + end_day * DAY
        s.end_kind = fate if fate in ("withdrawn", "break") else "completed"
        s.achieved = s.end_kind == "completed" and fate != "failed"
        if fate == "withdrawn":
            s.withdraw_reason = rng.choice((3, 43, 44, 97))
        if fate in ("m2", "m3") and m2 is None:
            m2 = [s.end + rng.randint(0, 10) * DAY]
        if fate == "m3" and m3 is None:
            m3 = min(m2[-1] + rng.randint(14, 90) * DAY, s.end + M3_LIMIT_DAYS * DAY)  # type: ignore[index]
        s.m2, s.m3 = list(m2 or []), m3

    def _offers(self, s: Story, interview: Employer | None, job: Employer | None) -> None:
        if s.ltype != "independent":
            return
        if s.m2:
            s.interview_employer = interview or self.rng.choice(RECRUITERS)
        if s.m3 is not None:
            s.job_employer = job or self.rng.choice(RECRUITERS)

    def _destination(self, s: Story) -> None:
        if s.end is None:
            return
        rng = self.rng
        s.out_start = s.end + DAY
        if s.end_kind == "break":
            s.dest_code = "WMCA13.1"
        elif s.end_kind == "withdrawn":
            s.dest_code = rng.choice(("WMCA5.0", "WMCA5.0", "WMCA14.0", "WMCA6.0"))
        elif s.ltype == "co-funded":
            s.dest_code = rng.choice(("WMCA1.4", "WMCA1.2"))
        elif s.ltype == "self-employed":
            s.dest_code = rng.choice(("WMCA3.1", "WMCA3.3"))
        elif s.m3 is not None and s.m3 <= s.end + 30 * DAY:
            s.dest_code, s.out_start = rng.choice(("WMCA1.3", "WMCA1.5")), s.m3
        else:
            s.dest_code = "WMCA5.0"
        s.out_coll = s.out_start + rng.randint(6, 30) * DAY
