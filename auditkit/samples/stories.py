"""Learner stories and the ILR records that tell them, return by return.

A :class:`Story` is what happens to one invented learner at one provider: the bootcamp, how it ends, the
milestones, the destination. :func:`build_ilr` turns it into final-state ILR records once; planted problems
then edit those records; :func:`learner_snapshot` shows what a given return (year and preparation date) holds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from auditkit.samples.people import Person
from auditkit.samples.world import (
    DESTINATIONS,
    M2_AIM,
    M3_AIM,
    OUTSIDE_DISTRICTS,
    ContractAim,
    Employer,
    Provider,
    ReturnSpec,
    ilr_year,
)

if TYPE_CHECKING:  # evidence.py builds Docs from Stories
    from auditkit.samples.evidence import Doc

Record = dict[str, Any]


@dataclass
class Delivery:
    """One LearningDelivery in its final state, with what a return sees of it before it ended."""

    role: str  # "bootcamp", "m2" or "m3"
    record: Record
    year: str
    recorded: dt.date  # first preparation date a return may show it
    psm: list[str] = field(default_factory=list)
    ended: dt.date | None = None  # from this preparation date on, end_fields and dest_code show
    end_fields: Record = field(default_factory=dict)
    dest_code: str | None = None

    @property
    def seq(self) -> int:
        return int(self.record["AimSeqNumber"])

    def fams(self) -> list[Record]:
        return self.record.setdefault("LearningDeliveryFAM", [])

    def set_fam(self, fam_type: str, code: str | None) -> None:
        """Replace the FAMs of ``fam_type`` by one with ``code`` (or by none)."""
        kept = [f for f in self.fams() if f["LearnDelFAMType"] != fam_type]
        if code is not None:
            kept.append({"LearnDelFAMType": fam_type, "LearnDelFAMCode": code})
        self.record["LearningDeliveryFAM"] = kept

    def snapshot(self, prep: dt.date) -> Record:
        """The delivery as a return prepared on ``prep`` shows it."""
        rec = dict(self.record)
        psm = list(self.psm)
        if self.ended is not None:
            if self.ended <= prep:
                rec.update(self.end_fields)
                psm += [self.dest_code] if self.dest_code else []
            else:
                rec["CompStatus"] = 1
        rec["ProviderSpecDeliveryMonitoring"] = [
            {"ProvSpecDelMonOccur": "ABCD"[i], "ProvSpecDelMon": value} for i, value in enumerate(psm)
        ]
        return rec


@dataclass
class Story:
    """What happens to one learner on one bootcamp at one provider (facts, then the ILR records built from them)."""

    index: int
    provider: Provider
    aim: ContractAim
    person: Person
    ltype: str  # "independent", "co-funded" or "self-employed"
    start: dt.date
    hours: int
    emp_stat: int
    emp_date: dt.date
    esm: list[tuple[str, int]] = field(default_factory=list)
    employer: Employer | None = None  # the co-funding employer
    contribution: int | None = None
    low_waged: bool = False
    learner_fams: list[tuple[str, int]] = field(default_factory=list)
    end: dt.date | None = None
    end_kind: str | None = None  # "completed", "withdrawn" or "break"
    achieved: bool = False
    withdraw_reason: int | None = None
    m2: list[dt.date] = field(default_factory=list)
    m3: dt.date | None = None
    interview_employer: Employer | None = None
    job_employer: Employer | None = None
    dest_code: str | None = None
    out_start: dt.date | None = None
    out_coll: dt.date | None = None
    files: bool = False
    lrn: str = ""
    learner: Record = field(default_factory=dict)
    earlier: Record = field(default_factory=dict)  # learner fields that returns prepared before `corrected` show
    corrected: dt.date | None = None
    deliveries: list[Delivery] = field(default_factory=list)
    destination: Record | None = None
    docs: list[Doc] = field(default_factory=list)

    @property
    def plan_end(self) -> dt.date:
        return self.aim.plan_end(self.start)

    @property
    def ukprn(self) -> int:
        return self.provider.ukprn

    @property
    def key(self) -> tuple[int, str]:
        return (self.provider.ukprn, self.lrn)

    @property
    def uln(self) -> str:
        return str(self.learner.get("ULN", self.person.uln))

    @property
    def out_of_area(self) -> bool:
        return self.person.lsd_postcode.split()[0] in OUTSIDE_DISTRICTS

    @property
    def bootcamp(self) -> Delivery:
        return self.delivery("bootcamp")

    def delivery(self, role: str, n: int = 0) -> Delivery:
        """The ``n``-th delivery with ``role`` (``bootcamp``, ``m2``, ``m3``)."""
        return [d for d in self.deliveries if d.role == role][n]

    def doc(self, evidence_type: str, n: int = 0) -> Doc:
        return [d for d in self.docs if d.evidence_type == evidence_type][n]


def employment_status(story: Story) -> Record:
    """The learner's employment status record at the start, with its monitoring."""
    return {
        "EmpStat": story.emp_stat,
        "DateEmpStatApp": story.emp_date,
        "EmpId": story.employer.employer_id if story.ltype == "co-funded" and story.employer else None,
        "EmploymentStatusMonitoring": [{"ESMType": t, "ESMCode": c} for t, c in story.esm],
    }


def learner_record(story: Story) -> Record:
    """The learner-level ILR record (without LearnRefNumber and deliveries)."""
    p = story.person
    return {
        "ULN": p.uln, "FamilyName": p.family, "GivenNames": p.given, "DateOfBirth": p.dob,
        "Ethnicity": p.ethnicity, "Sex": p.sex, "LLDDHealthProb": p.lldd, "NINumber": p.ni,
        "PlanLearnHours": story.hours, "PostcodePrior": p.postcode_prior, "Postcode": p.postcode,
        "AddLine1": p.add_line1, "AddLine2": p.town, "TelNo": p.tel, "Email": p.email,
        "PriorAttain": [{"PriorLevel": p.prior_level, "DateLevelApp": p.prior_date}] if p.prior_level else [],
        "LLDDandHealthProblem": [{"LLDDCat": c, "PrimaryLLDD": 1 if primary else None} for c, primary in p.lldd_cats],
        "LearnerFAM": [{"LearnFAMType": t, "LearnFAMCode": c} for t, c in story.learner_fams],
        "ProviderSpecLearnerMonitoring": [
            {"ProvSpecLearnMonOccur": "A", "ProvSpecLearnMon": f"{story.aim.lars[-4:]}-{story.start:%y%m%d}"}
        ],
        "LearnerEmploymentStatus": [employment_status(story)],
    }


def _common_fams(story: Story) -> list[Record]:
    ffi = "2" if story.ltype == "co-funded" else "1"
    return [{"LearnDelFAMType": "SOF", "LearnDelFAMCode": "112"}, {"LearnDelFAMType": "FFI", "LearnDelFAMCode": ffi}]


def _contribution_psm(story: Story) -> list[str]:
    return [f"Contribution {story.contribution}"] if story.ltype == "co-funded" else []


def _end_fields(story: Story) -> Record:
    if story.end_kind == "withdrawn":
        return {"CompStatus": 3, "LearnActEndDate": story.end, "WithdrawReason": story.withdraw_reason, "Outcome": 3}
    if story.end_kind == "break":
        return {"CompStatus": 6, "LearnActEndDate": story.end, "Outcome": 3}
    return {"CompStatus": 2, "LearnActEndDate": story.end, "Outcome": 1 if story.achieved else 3}


def bootcamp_delivery(story: Story) -> Delivery:
    """The bootcamp aim: AimType 4, FundModel 35, SOF 112, FFI, DAM 023 (+010 low waged, +001 out of area)."""
    dams = ["023"] + (["010"] if story.low_waged else []) + (["001"] if story.out_of_area else [])
    record = {
        "LearnAimRef": story.aim.lars, "AimType": 4, "AimSeqNumber": 1, "LearnStartDate": story.start,
        "LearnPlanEndDate": story.plan_end, "FundModel": 35, "DelLocPostCode": story.provider.delivery_postcode,
        "LSDPostcode": story.person.lsd_postcode, "CompStatus": 1,
        "LearningDeliveryFAM": _common_fams(story) + [{"LearnDelFAMType": "DAM", "LearnDelFAMCode": d} for d in dams],
    }
    delivery = Delivery("bootcamp", record, ilr_year(story.start), story.start, _contribution_psm(story))
    if story.end is not None:
        delivery.ended, delivery.end_fields, delivery.dest_code = story.end, _end_fields(story), story.dest_code
    return delivery


def milestone_delivery(story: Story, role: str, day: dt.date, seq: int) -> Delivery:
    """An M2 or M3 aim: the three dates equal, completed and achieved, the bootcamp's LearnAimRef in PSM A."""
    record = {
        "LearnAimRef": M2_AIM if role == "m2" else M3_AIM, "AimType": 4, "AimSeqNumber": seq,
        "LearnStartDate": day, "LearnPlanEndDate": day, "FundModel": 35,
        "DelLocPostCode": story.provider.delivery_postcode, "CompStatus": 2, "LearnActEndDate": day, "Outcome": 1,
        "LearningDeliveryFAM": _common_fams(story),
    }
    return Delivery(role, record, ilr_year(day), day, [story.aim.lars, *_contribution_psm(story)])


def destination_record(story: Story) -> Record | None:
    """The LearnerDestinationandProgression record of a leaver (ILR 2023-24 only)."""
    if story.dest_code is None or story.out_start is None or ilr_year(story.start) != "2023-24":
        return None
    out_type, out_code, _ = DESTINATIONS[story.dest_code]
    return {"ULN": story.person.uln, "DPOutcome": [
        {"OutType": out_type, "OutCode": out_code, "OutStartDate": story.out_start, "OutCollDate": story.out_coll}
    ]}


def build_ilr(story: Story) -> None:
    """Build the story's final-state ILR records from its facts."""
    story.learner = learner_record(story)
    story.deliveries = [bootcamp_delivery(story)]
    for day in story.m2:
        story.deliveries.append(milestone_delivery(story, "m2", day, len(story.deliveries) + 1))
    if story.m3 is not None:
        story.deliveries.append(milestone_delivery(story, "m3", story.m3, len(story.deliveries) + 1))
    story.destination = destination_record(story)


def learner_snapshot(story: Story, spec: ReturnSpec) -> Record | None:
    """The learner as the return ``spec`` holds them, or None when the return has none of their aims."""
    prep = spec.prep_date
    aims = [d.snapshot(prep) for d in story.deliveries if d.year == spec.year and d.recorded <= prep]
    if not aims:
        return None
    learner = {**story.learner, **story.earlier} if story.corrected and prep < story.corrected else story.learner
    return {**learner, "LearnRefNumber": story.lrn, "LearningDelivery": aims}


def destination_snapshot(story: Story, spec: ReturnSpec) -> Record | None:
    """The destination record as the return ``spec`` holds it (collected on or before its preparation date)."""
    if story.destination is None or spec.year != story.bootcamp.year or story.out_coll is None:
        return None
    if story.out_coll > spec.prep_date:
        return None
    return {**story.destination, "LearnRefNumber": story.lrn}
