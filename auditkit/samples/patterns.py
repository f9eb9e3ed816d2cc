"""Patterns for analysts made once the learners are numbered, one per anomaly detector that the earlier patterns
(late starts, ends at 80%, one busy employer) leave out: nothing here makes a learner fail a rule or an evidence
check.

Each pattern edits learners of the normal population that no other plant or pattern touched, so every detector
finds exactly its pattern's learners; the patterns made from rule plants (a ULN at two providers, job offers from
an interested party) name the learners those plants made, and the KPI outlier names a provider (its learners are
made by :func:`auditkit.samples.population.peer_population`).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Iterable

from auditkit.samples.evidence import M2_EVIDENCE
from auditkit.samples.factory import DAY
from auditkit.samples.plants import BOOT, M2, Plant
from auditkit.samples.stories import Story, build_ilr
from auditkit.samples.world import HORIZON, OUTSIDE_DISTRICTS, PROVIDER_BY_KEY, Employer, ilr_year

PATTERN_SAME_DAY = "PAT_SAME_DAY_M2"
PATTERN_PHONE = "PAT_SHARED_PHONE"
PATTERN_POSTCODE = "PAT_POSTCODE_MOVED_IN"
PATTERN_INTERESTED = "PAT_INTERESTED_OFFERS"
PATTERN_ULN = "PAT_SHARED_ULN"
PATTERN_PDF = "PAT_PDF_BURST"
PATTERN_KPI = "PAT_KPI_DROP_OUT"
#: Each pattern and the detector meant to find it (PLANTED.md names it).
PATTERN_DETECTORS = {PATTERN_SAME_DAY: "AN_DATE_01", PATTERN_PHONE: "AN_CONTACT_01", PATTERN_POSTCODE: "AN_CHANGE_01",
                     PATTERN_INTERESTED: "AN_OFFER_02", PATTERN_ULN: "AN_ULN_01", PATTERN_PDF: "AN_PDF_01",
                     PATTERN_KPI: "AN_KPI_01"}
#: The invented program that made the burst of letters (the other sample PDFs name auditkit's generator).
BURST_PRODUCER = "QuickLetter Studio 4.2 (fictional)"
#: At most this many of the same-day learners ended their bootcamp on one day.
PER_END_DAY = 2
SAME_DAY_COUNT, PHONE_COUNT, POSTCODE_COUNT, INTERESTED_COUNT, BURST_COUNT = 6, 5, 3, 3, 4


def _refs(stories: Iterable[Story]) -> str:
    return ", ".join(s.lrn for s in sorted(stories, key=lambda s: s.key))


def _clean(stories: list[Story], used: set[int], key: str) -> list[Story]:
    """Learners of provider ``key`` that no plant or pattern touched yet, in a stable order."""
    provider = PROVIDER_BY_KEY[key]
    return sorted((s for s in stories if s.provider is provider and id(s) not in used), key=lambda s: s.key)


def _plants(stories: list[Story], check_id: str, text: str, used: set[int], role: str | None = None) -> list[Plant]:
    used.update(id(s) for s in stories)
    return [Plant(s, check_id, "pattern", text, role) for s in sorted(stories, key=lambda s: s.key)]


def same_day_m2_pattern(stories: list[Story], used: set[int]) -> tuple[list[Plant], str]:
    """M2 of several learners moved to one day, though their bootcamps ended on different days (AN_DATE_01)."""
    pool = [s for s in _clean(stories, used, "P3") if s.end_kind == "completed" and s.achieved and len(s.m2) == 1]
    taken = Counter(s.m2[0] for s in stories if s.provider is PROVIDER_BY_KEY["P3"] and s.m2)
    best: tuple[int, dt.date, list[Story]] | None = None
    for day in sorted({s.end + n * DAY for s in pool if s.end for n in range(15)}):
        if day > HORIZON or taken[day]:
            continue
        fits = [s for s in pool if s.end and s.end <= day <= s.end + 14 * DAY and ilr_year(s.end) == ilr_year(day)
                and (s.m3 is None or s.m3 >= day + 14 * DAY)]
        by_end: dict[dt.date, list[Story]] = {}
        for s in fits:
            by_end.setdefault(s.end, []).append(s)  # type: ignore[arg-type]
        chosen = [s for group in by_end.values() for s in group[:PER_END_DAY]][:SAME_DAY_COUNT]
        if len(chosen) == SAME_DAY_COUNT and len(by_end) >= 3 and (best is None or len(by_end) > best[0]):
            best = (len(by_end), day, chosen)
    if best is None:
        raise RuntimeError("no day fits the same-day M2 pattern")
    _, day, chosen = best
    for s in chosen:
        s.m2 = [day]
        build_ilr(s)
        s.doc(M2_EVIDENCE[s.ltype]).redate(day)
    ends = len({s.end for s in chosen})
    text = (f"Milestone 2 of {len(chosen)} learners of Tipton Forge Tech Skills Ltd dated {day.isoformat()} (its "
            f"evidence too), though their bootcamps ended on {ends} different days. Detected by AN_DATE_01.")
    return _plants(chosen, PATTERN_SAME_DAY, text, used, M2), text


def shared_phone_pattern(stories: list[Story], used: set[int], rng: random.Random) -> tuple[list[Plant], str]:
    """Several learners of one provider recorded with one phone number (AN_CONTACT_01)."""
    pool = [s for s in _clean(stories, used, "P1") if s.person.tel]
    chosen = rng.sample(pool, PHONE_COUNT)
    known = {s.person.tel for s in stories}
    number = next(f"07700900{n:03d}" for n in range(999, -1, -1) if f"07700900{n:03d}" not in known)
    for s in chosen:
        s.person.tel = number
        s.learner["TelNo"] = number
    text = (f"{len(chosen)} different learners of Foundry Lane Digital Ltd recorded with one phone number (an "
            "invented office line). Detected by AN_CONTACT_01.")
    return _plants(chosen, PATTERN_PHONE, text, used), text


def postcode_moved_in_pattern(stories: list[Story], used: set[int], rng: random.Random) -> tuple[list[Plant], str]:
    """Learners whose Postcode was outside the WMCA area in the 2024-25 R04 return and inside it in R08
    (AN_CHANGE_01); the bootcamp's LSDPostcode stays inside, so no rule refuses them."""
    r04 = dt.date(2024, 12, 5)
    pool = [s for s in _clean(stories, used, "P2") if s.bootcamp.year == "2024-25" and s.start <= r04 - 14 * DAY
            and not s.out_of_area]
    chosen = rng.sample(pool, POSTCODE_COUNT)
    districts = sorted(OUTSIDE_DISTRICTS)
    for n, s in enumerate(chosen):
        s.earlier = {"Postcode": f"{districts[n % len(districts)]} {rng.randint(1, 9)}QT"}
        s.corrected = HORIZON
    text = ("Postcode outside the WMCA area in Canal Basin Code Academy CIC's 2024-25 R04 return, rewritten to one "
            "inside it in R08 (the bootcamp's LSDPostcode is inside throughout). Detected by AN_CHANGE_01.")
    return _plants(chosen, PATTERN_POSTCODE, text, used), text


def interested_offers_pattern(stories: list[Story], plants: list[Plant], used: set[int],
                              rng: random.Random) -> tuple[list[Plant], str]:
    """Interview offers from an employer that co-funds other places at the provider, beside the EV_EMP_02 plants
    (job offers from the provider itself or a co-funder) (AN_OFFER_02)."""
    p2 = PROVIDER_BY_KEY["P2"]
    funders = Counter(s.employer.name for s in stories if s.provider is p2 and s.ltype == "co-funded" and s.employer)
    overall = Counter(s.employer.name for s in stories if s.employer is not None)
    # the co-funder least used overall (so that its offers do not rival the busy employer's), with 2+ places here
    name = sorted((n for n in funders if funders[n] >= 2), key=lambda n: (overall[n], n))[0]
    employer: Employer = next(s.employer for s in stories if s.employer is not None and s.employer.name == name)
    pool = [s for s in _clean(stories, used, "P2") if s.ltype == "independent" and s.m2]
    chosen = rng.sample(pool, INTERESTED_COUNT)
    for s in chosen:
        s.interview_employer = employer
        for doc in s.docs:
            if doc.evidence_type == "interview_offer":
                doc.employer = employer.name
    ev = [p.story for p in plants if p.check_id == "EV_EMP_02"]
    named = ", ".join(f"{s.ukprn}/{s.lrn}" for s in ev)
    text = (f"Interview offers to {len(chosen)} independent learners of Canal Basin Code Academy CIC from {name}, "
            f"which co-funds other places there; with the EV_EMP_02 plants ({named}"
            ": job offers from the provider itself or a co-funder). Detected by AN_OFFER_02.")
    return _plants([*chosen, *ev], PATTERN_INTERESTED, text, used), text


def shared_uln_pattern(stories: list[Story], used: set[int]) -> tuple[list[Plant], str]:
    """The ULNs the W5_M1_01 and W5_COMP_03 plants share between providers, both bootcamps of each (AN_ULN_01)."""
    providers: dict[str, set[int]] = {}
    for s in stories:
        providers.setdefault(s.uln, set()).add(s.ukprn)
    chosen = [s for s in stories if len(providers[s.uln]) > 1]
    text = ("Both bootcamps of each ULN at two providers: the W5_M1_01 and W5_COMP_03 plants and the earliest "
            "bootcamp of each (valid on purpose). Detected by AN_ULN_01.")
    return _plants(chosen, PATTERN_ULN, text, used, BOOT), text


def pdf_burst_pattern(stories: list[Story], used: set[int], avoid: set[tuple[int, str]]) -> tuple[list[Plant], str]:
    """Interview offers "from" different employers whose PDFs one program made within minutes (AN_PDF_01). The
    PDFs are made on the earliest of the letters' dates, so none is made after the claim it supports."""
    pool = [s for s in _clean(stories, used, "P1") if s.ltype == "independent" and len(s.m2) == 1
            and s.interview_employer is not None and s.key not in avoid and s.m2[0] >= dt.date(2024, 8, 1)]
    pool.sort(key=lambda s: (s.m2[0], s.key))
    best: list[Story] | None = None
    for first in range(len(pool)):
        group: list[Story] = []
        for s in pool[first:]:
            if s.interview_employer not in {g.interview_employer for g in group}:
                group.append(s)
            if len(group) == BURST_COUNT:
                break
        if len(group) == BURST_COUNT and (best is None or group[-1].m2[0] - group[0].m2[0]
                                          < best[-1].m2[0] - best[0].m2[0]):
            best = group
    if best is None:
        raise RuntimeError("no letters fit the PDF burst pattern")
    day = best[0].m2[0]
    times = [dt.datetime.combine(day, dt.time(14, 2)) + dt.timedelta(minutes=6 * n) for n in range(len(best))]
    for s, created in zip(best, times, strict=True):
        s.files = True
        doc = s.doc("interview_offer")
        doc.producer, doc.created = BURST_PRODUCER, created
    text = (f"Interview offers from {len(best)} different employers, dated {best[0].m2[0].isoformat()} to "
            f"{best[-1].m2[0].isoformat()}, whose PDFs were all made by '{BURST_PRODUCER}' on {day.isoformat()} "
            f"between {times[0]:%H:%M} and {times[-1]:%H:%M}. Detected by AN_PDF_01.")
    return _plants(best, PATTERN_PDF, text, used), text


def kpi_outlier_pattern(peers: list[Story], dropped: list[Story]) -> Plant:
    """The provider whose learners withdraw just after Milestone 1 (day 20 to 50): a drop-out rate far from its
    peers' (AN_KPI_01, a provider-level pattern)."""
    provider = dropped[0].provider
    own = [s for s in peers if s.provider is provider]
    text = (f"{provider.name}: {len(dropped)} of its {len(own)} learners withdrew 20 to 50 days after starting, "
            "once Milestone 1 (40% of the price) was earned, so its drop-out rate stands far above the other "
            "providers' (the learners are clean; the provider is the outlier). Detected by AN_KPI_01.")
    return Plant(dropped[0], PATTERN_KPI, "pattern", text, learner_level=False)
