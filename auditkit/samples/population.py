"""The normal population: cohorts of learners at each provider, all clean."""

from __future__ import annotations

import datetime as dt
import itertools

from auditkit.samples.factory import DAY, StoryFactory
from auditkit.samples.stories import Story
from auditkit.samples.world import CO_FUNDERS, HORIZON, PROVIDER_BY_KEY, RECRUITERS

#: (provider, LARS code, cohort start, typical size). 2023-24 cohorts are full-time and end by 31 July 2024.
COHORTS: tuple[tuple[str, str, str, int], ...] = (
    ("P1", "Z0009501", "2024-04-08", 6), ("P1", "Z0009505", "2024-04-22", 6), ("P1", "Z0009501", "2024-05-06", 6),
    ("P1", "Z0009501", "2024-09-02", 7), ("P1", "Z0009501", "2024-10-14", 7), ("P1", "Z0009501", "2024-11-25", 7),
    ("P1", "Z0009501", "2025-01-13", 7), ("P1", "Z0009501", "2025-02-24", 6),
    ("P1", "Z0009505", "2024-09-16", 6), ("P1", "Z0009505", "2024-11-04", 6), ("P1", "Z0009505", "2025-01-06", 6),
    ("P1", "Z0009505", "2025-02-17", 5), ("P1", "Z0009505", "2025-03-10", 5),
    ("P1", "Z0009502", "2024-09-09", 8), ("P1", "Z0009502", "2024-11-11", 7), ("P1", "Z0009502", "2025-01-20", 7),
    ("P2", "Z0009511", "2024-04-08", 7), ("P2", "Z0009512", "2024-04-22", 7),
    ("P2", "Z0009511", "2024-09-09", 7), ("P2", "Z0009511", "2024-11-04", 7), ("P2", "Z0009511", "2025-01-06", 6),
    ("P2", "Z0009512", "2024-09-23", 7), ("P2", "Z0009512", "2024-11-18", 7), ("P2", "Z0009512", "2025-02-03", 6),
    ("P2", "Z0009513", "2024-09-16", 8), ("P2", "Z0009513", "2025-01-13", 7),
    ("P2", "Z0009524", "2024-10-07", 7), ("P2", "Z0009524", "2025-01-27", 6),
    ("P3", "Z0009519", "2024-04-15", 7),
    ("P3", "Z0009519", "2024-09-02", 7), ("P3", "Z0009519", "2024-10-21", 7), ("P3", "Z0009519", "2024-12-09", 6),
    ("P3", "Z0009519", "2025-02-10", 6),
    ("P3", "Z0009522", "2024-09-23", 8), ("P3", "Z0009522", "2024-12-02", 7), ("P3", "Z0009522", "2025-01-27", 7),
    ("P4", "Z0009529", "2025-01-13", 3), ("P4", "Z0009529", "2025-02-10", 3),
)
#: Cohorts of the two small providers added as KPI peers, made after every other learner (so that no earlier
#: learner changes); Oldbury Gate Training (P6) loses many learners just after Milestone 1 (PAT_KPI_DROP_OUT).
PEER_COHORTS: tuple[tuple[str, str, str, int], ...] = (
    ("P5", "Z0009514", "2024-08-05", 6), ("P5", "Z0009523", "2024-09-09", 6), ("P5", "Z0009514", "2024-10-14", 6),
    ("P5", "Z0009523", "2024-11-18", 6), ("P5", "Z0009514", "2025-01-13", 6), ("P5", "Z0009523", "2025-02-17", 5),
    ("P6", "Z0009526", "2024-08-12", 8), ("P6", "Z0009527", "2024-09-16", 8), ("P6", "Z0009526", "2024-10-21", 8),
    ("P6", "Z0009527", "2024-11-25", 8), ("P6", "Z0009526", "2025-01-20", 7), ("P6", "Z0009527", "2025-02-24", 6),
)
#: Share of the peers' learners who complete without a Milestone 2 (besides those the random outcomes give), so
#: that the peers' M2 rate sits among the other providers' rather than above them.
NO_M2_SHARE = 0.12
#: Share of Oldbury Gate's learners who withdraw between day 20 and day 50 (after their Milestone 1 is earned).
DROP_OUT_SHARE = 0.45
#: Share of the normal population living outside the WMCA area (recorded correctly, with DAM 001).
OUTSIDE_SHARE = 0.02


def cohort_population(factory: StoryFactory) -> list[Story]:
    """Every cohort's learners, with random (clean) learner types and outcomes."""
    rng = factory.rng
    stories = []
    for key, lars, start, size in COHORTS:
        provider = PROVIDER_BY_KEY[key]
        aim, day = provider.aim(lars), dt.date.fromisoformat(start)
        for _ in range(size + rng.randint(-1, 2)):
            if provider.contracted:
                place = "outside" if rng.random() < OUTSIDE_SHARE else "wmca"
                stories.append(factory.new(provider, aim, day, place=place))
            else:
                stories.append(factory.new(provider, aim, day, fate="continuing", ltype="independent"))
    return stories


def peer_population(factory: StoryFactory) -> tuple[list[Story], list[Story]]:
    """The KPI peers' learners (clean) and, of them, Oldbury Gate's learners withdrawn soon after Milestone 1."""
    rng = factory.rng
    stories, dropped = [], []
    # a co-funded learner's employer is each co-funding employer in turn, and (below) the offers come from each
    # recruiting employer in turn (the low-scoring one first): each peer deals with every employer of the register
    # the other providers deal with, so its employer satisfaction is like theirs and only Oldbury Gate's drop-out
    # rate stands out
    funders = itertools.cycle(CO_FUNDERS)
    for key, lars, start, size in PEER_COHORTS:
        provider = PROVIDER_BY_KEY[key]
        aim, day = provider.aim(lars), dt.date.fromisoformat(start)
        for _ in range(size + rng.randint(-1, 2)):
            if key == "P6" and rng.random() < DROP_OUT_SHARE and day + 50 * DAY <= HORIZON:
                story = factory.new(provider, aim, day, fate="withdrawn", end_day=rng.randint(20, 50),
                                    employer=next(funders))
                dropped.append(story)
            elif rng.random() < NO_M2_SHARE and aim.plan_end(day) <= HORIZON:
                story = factory.new(provider, aim, day, fate="completed", employer=next(funders))
            else:
                story = factory.new(provider, aim, day, employer=next(funders))
            stories.append(story)
    turn = sorted(RECRUITERS, key=lambda e: (e.satisfaction is None, e.satisfaction or 0, e.name))
    for key in dict.fromkeys(k for k, *_ in PEER_COHORTS):
        offers = [(s, doc) for s in stories if s.provider.key == key and s.ltype == "independent" for doc in s.docs
                  if doc.evidence_type in ("interview_offer", "job_offer")]
        for n, (story, doc) in enumerate(offers):
            employer = turn[n % len(turn)]
            doc.employer = employer.name
            if doc.evidence_type == "interview_offer":
                story.interview_employer = employer
            else:
                story.job_employer = employer
    return stories, dropped
