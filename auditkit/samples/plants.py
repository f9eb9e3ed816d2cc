"""Planted problems: learners made to break one rule or evidence check each, and patterns for analysts.

Each plant makes its own learner (clean until edited) and edits only what the problem needs, so that the
learner triggers the named check and nothing else. A plant that unavoidably triggers more than one check lists
every check it triggers. Rule plants are present in the latest return of their provider and ILR year.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from auditkit.samples.factory import DAY, StoryFactory
from auditkit.samples.people import Person, invalid_uln
from auditkit.samples.stories import Story
from auditkit.samples.world import (
    BUSY_EMPLOYER,
    EMPLOYER_BY_NAME,
    HORIZON,
    PROVIDER_BY_KEY,
    PROVIDERS,
    UNKNOWN_POSTCODE,
    UNREGISTERED_EMPLOYER,
    ContractAim,
    Employer,
)


@dataclass
class Plant:
    """One planted problem on one learner: one row of planted.csv."""

    story: Story
    check_id: str
    kind: str
    description: str
    role: str | None = None  # the delivery whose AimSeqNumber the finding names (None: learner level)
    nth: int = 0  # which delivery of that role (the second M2 is ("m2", 1))
    learner_level: bool = True  # False: a provider-level pattern (its row names the story's provider only)

    @property
    def aim_seq_number(self) -> str:
        return str(self.story.delivery(self.role, self.nth).seq) if self.role else ""


@dataclass(frozen=True)
class Spec:
    """A plant made from one new learner: where and when they start, how their story goes, what is edited.

    The kind of each check follows from its id: ``EV_`` ids are evidence checks, the others rules.
    """

    checks: tuple[tuple[Any, ...], ...]  # (check id, role of the aim the finding names[, which one of that role])
    provider: str
    lars: str
    start: str
    description: str
    edit: Callable[[Story], None] | None = None
    person: Callable[[Person, dt.date], None] | None = None
    options: dict[str, Any] = field(default_factory=dict)
    files: bool = True  # ship the documents of an evidence plant as PDFs


def _aim(lars: str) -> ContractAim:
    return next(a for p in PROVIDERS for a in p.aims if a.lars == lars)


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# --- edits: each returns a function that changes a built story (None as a value leaves a field out) -------------

def _set(record: dict[str, Any], values: dict[str, object]) -> None:
    for name, value in values.items():
        if value is None:
            record.pop(name, None)
        else:
            record[name] = value


def learner(**values: object) -> Callable[[Story], None]:
    return lambda s: _set(s.learner, values)


def emp_status(**values: object) -> Callable[[Story], None]:
    return lambda s: _set(s.learner["LearnerEmploymentStatus"][0], values)


def bootcamp(**values: object) -> Callable[[Story], None]:
    return lambda s: _set(s.bootcamp.record, values)


def ending(**values: object) -> Callable[[Story], None]:
    return lambda s: _set(s.bootcamp.end_fields, values)


def milestone(role: str, **values: object) -> Callable[[Story], None]:
    return lambda s: _set(s.delivery(role).record, values)


def fam(fam_type: str, code: str | None) -> Callable[[Story], None]:
    return lambda s: s.bootcamp.set_fam(fam_type, code)


def add_fam(fam_type: str, code: str) -> Callable[[Story], None]:
    return lambda s: s.bootcamp.fams().append({"LearnDelFAMType": fam_type, "LearnDelFAMCode": code})


def drop_fam(fam_type: str, code: str) -> Callable[[Story], None]:
    def edit(s: Story) -> None:
        s.bootcamp.record["LearningDeliveryFAM"] = [
            f for f in s.bootcamp.fams() if (f["LearnDelFAMType"], f["LearnDelFAMCode"]) != (fam_type, code)
        ]
    return edit


def psm(role: str, *values: str) -> Callable[[Story], None]:
    def edit(s: Story) -> None:
        s.delivery(role).psm = list(values)
    return edit


def shift(role: str, name: str, days: int) -> Callable[[Story], None]:
    def edit(s: Story) -> None:
        record = s.delivery(role).record
        record[name] = record[name] + days * DAY
    return edit


def dest_code(code: str | None) -> Callable[[Story], None]:
    def edit(s: Story) -> None:
        s.bootcamp.dest_code = code
    return edit


def no_destination_record(s: Story) -> None:
    s.destination = None


def drop_doc(evidence_type: str) -> Callable[[Story], None]:
    def edit(s: Story) -> None:
        s.docs.remove(s.doc(evidence_type))
    return edit


def redate_doc(evidence_type: str, anchor: Callable[[Story], dt.date], days: int) -> Callable[[Story], None]:
    return lambda s: s.doc(evidence_type).redate(anchor(s) + days * DAY)


def person(**values: object) -> Callable[[Person, dt.date], None]:
    def edit(p: Person, start: dt.date) -> None:
        for name, value in values.items():
            setattr(p, name, value)
    return edit


def under_19(p: Person, start: dt.date) -> None:
    p.dob = dt.date(start.year - 19, start.month, start.day) + 30 * DAY


def prior_after_start(p: Person, start: dt.date) -> None:
    p.prior_date = start + 20 * DAY


def bad_check_digit(p: Person, start: dt.date) -> None:
    p.uln = invalid_uln(p.uln)


def several(*edits: Callable[[Story], None]) -> Callable[[Story], None]:
    def edit(s: Story) -> None:
        for e in edits:
            e(s)
    return edit


def _m2(s: Story) -> dt.date:
    return s.m2[0]


def _start(s: Story) -> dt.date:
    return s.start


def _pdf_created_late(s: Story) -> None:
    doc = s.doc("interview_offer")
    doc.created = dt.datetime.combine(s.m2[0] + 25 * DAY, dt.time(16, 40))


def _half_payment(s: Story) -> None:
    doc = s.doc("employer_contribution_payment")
    assert doc.amount is not None  # a payment has an amount
    doc.amount = round(doc.amount / 2, 2)


def _job_offer_on(day: str) -> Callable[[Story], None]:
    return lambda s: s.doc("job_offer").redate(_d(day))


def _future_m2(s: Story) -> None:
    s.delivery("m2").recorded = HORIZON - DAY


def _emp_after_start(s: Story) -> None:
    s.learner["LearnerEmploymentStatus"][0]["DateEmpStatApp"] = s.start + 5 * DAY


def _act_end_typo(s: Story) -> None:
    s.bootcamp.end_fields["LearnActEndDate"] = s.start - 33 * DAY


EMP = EMPLOYER_BY_NAME
IND = {"ltype": "independent"}
BOOT, M2, M3 = "bootcamp", "m2", "m3"

RULE_SPECS: tuple[Spec, ...] = (
    Spec((("W5_ULN_01", None),), "P2", "Z0009513", "2024-11-18",
         "ULN is the temporary ULN 9999999999.", person=person(uln="9999999999"), options=IND | {"fate": "continuing"}),
    Spec((("W5_ULN_02", None),), "P3", "Z0009519", "2024-10-21",
         "ULN fails the check digit (last digit mistyped).", person=bad_check_digit,
         options=IND | {"fate": "completed"}),
    Spec((("W5_DOB_01", None),), "P1", "Z0009502", "2024-11-11",
         "DateOfBirth left out.", person=person(dob=None), options=IND | {"fate": "continuing"}),
    Spec((("W5_DOB_02", BOOT),), "P2", "Z0009524", "2025-01-27",
         "Learner is 18 at the bootcamp start (turns 19 thirty days later).", person=under_19,
         options=IND | {"fate": "continuing"}),
    Spec((("W5_EMP_01", None),), "P3", "Z0009522", "2024-12-02",
         "The only employment status applies from 5 days after the bootcamp start.", edit=_emp_after_start,
         options=IND | {"fate": "continuing", "emp_stat": 11}),
    Spec((("W5_EMP_02", None),), "P1", "Z0009501", "2025-02-24",
         "Employment status at the start is 98 (not known).",
         edit=emp_status(EmpStat=98, EmploymentStatusMonitoring=[]),
         options=IND | {"fate": "continuing", "emp_stat": 11}),
    Spec((("W5_EMP_03", None),), "P2", "Z0009511", "2025-01-06",
         "Employment status 11 without a length-of-unemployment (LOU) record.",
         edit=emp_status(EmploymentStatusMonitoring=[]), options=IND | {"fate": "continuing", "emp_stat": 11}),
    Spec((("W5_MAND_01", None),), "P1", "Z0009505", "2025-02-17",
         "NINumber left out.", person=person(ni=None), options=IND | {"fate": "continuing"}),
    Spec((("W5_MAND_01", None),), "P2", "Z0009512", "2025-02-03",
         "GivenNames left out.", person=person(given=None), options=IND | {"fate": "continuing"}),
    Spec((("W5_MAND_01", None),), "P3", "Z0009519", "2025-02-10",
         "No PriorAttain record.", person=person(prior_level=None), options=IND | {"fate": "continuing"}),
    Spec((("W5_LLDD_01", None),), "P1", "Z0009502", "2025-01-20",
         "LLDDHealthProb is 1 but there is no LLDDandHealthProblem record.", person=person(lldd=1, lldd_cats=[]),
         options=IND | {"fate": "continuing"}),
    Spec((("W5_LLDD_01", None),), "P3", "Z0009522", "2024-12-02",
         "Two LLDDandHealthProblem records are both marked primary.",
         person=person(lldd=1, lldd_cats=[(9, True), (12, True)]), options=IND | {"fate": "continuing"}),
    Spec((("W5_PRIOR_01", None),), "P2", "Z0009513", "2025-01-13",
         "Prior attainment DateLevelApp is 20 days after the bootcamp start.", person=prior_after_start,
         options=IND | {"fate": "continuing"}),
    Spec((("W5_PC_01", None),), "P3", "Z0009522", "2025-01-27",
         f"Postcode is the unknown postcode {UNKNOWN_POSTCODE} (LSDPostcode is known).",
         person=person(postcode=UNKNOWN_POSTCODE), options=IND | {"fate": "continuing"}),
    Spec((("W5_AIM_01", BOOT),), "P1", "Z0009513", "2024-11-11",
         "LearnAimRef Z0009513 is allocated to Canal Basin Code Academy CIC, not to this provider (so W5_GLH_01 "
         "is not evaluated for it: this provider's contract gives the aim no mode).",
         options=IND | {"fate": "continuing"}),
    Spec((("W5_AIM_02", BOOT),), "P2", "Z0009511", "2025-01-06",
         "Bootcamp AimType is 3 instead of 4.", edit=bootcamp(AimType=3), options=IND | {"fate": "continuing"}),
    Spec((("W5_AIM_03", BOOT),), "P3", "Z0009519", "2025-02-10",
         "Bootcamp FundModel is 99 instead of 35.", edit=bootcamp(FundModel=99), options=IND | {"fate": "continuing"}),
    Spec((("W5_SOF_01", BOOT),), "P1", "Z0009501", "2025-01-20",
         "Source of funding is 105 (ESFA) instead of 112 (WMCA).", edit=fam("SOF", "105"),
         options=IND | {"fate": "continuing"}),
    Spec((("W5_DAM_01", BOOT),), "P2", "Z0009524", "2025-01-27",
         "Bootcamp aim has no DAM 023.", edit=drop_fam("DAM", "023"), options=IND | {"fate": "continuing"}),
    Spec((("W5_DAM_02", BOOT),), "P3", "Z0009522", "2025-01-27",
         "DAM 010 (employed, low waged) but the employment status at the start is 11.", edit=add_fam("DAM", "010"),
         options=IND | {"fate": "continuing", "emp_stat": 11}),
    Spec((("W5_RES_01", BOOT),), "P1", "Z0009502", "2025-01-20",
         "LSDPostcode is outside the WMCA area and the aim has no DAM 001.", edit=drop_fam("DAM", "001"),
         options=IND | {"fate": "continuing", "place": "outside"}),
    Spec((("W5_RES_02", BOOT),), "P2", "Z0009513", "2025-01-13",
         "LSDPostcode is in a district that straddles the WMCA boundary.",
         options=IND | {"fate": "continuing", "place": "straddling"}),
    Spec((("W5_DATE_01", BOOT),), "P1", "Z0009501", "2024-03-25",
         "Bootcamp started on 2024-03-25, before the contract window opens (2024-04-01).",
         options=IND | {"fate": "completed"}),
    Spec((("W5_DATE_02", M2),), "P3", "Z0009519", "2024-12-09",
         "M2 aim dated 2025-04-10, after the return's preparation date 2025-04-04.", edit=_future_m2,
         options=IND | {"fate": "m2", "m2": [_d("2025-04-10")]}),
    Spec((("W5_DATE_03", BOOT),), "P2", "Z0009513", "2025-02-17",
         "Planned end 2025-08-15 is after the planned-end window closes (2025-07-31).",
         options=IND | {"fate": "continuing"}),
    Spec((("W5_DATE_04", BOOT),), "P1", "Z0009502", "2024-11-11",
         "LearnActEndDate (2024-10-09) is before LearnStartDate (withdrew on 2024-12-09; month mistyped).",
         edit=_act_end_typo, options=IND | {"fate": "withdrawn", "end_day": 28}),
    Spec((("W5_FFI_01", BOOT),), "P3", "Z0009522", "2025-01-27",
         "Bootcamp aim has no FFI (full or co-funding indicator).", edit=fam("FFI", None),
         options=IND | {"fate": "continuing"}),
    Spec((("W5_FFI_02", BOOT),), "P1", "Z0009501", "2025-01-20",
         "Co-funded (FFI 2, large employer paid 30%) but no PSM field records the contribution.",
         edit=psm(BOOT), options={"fate": "continuing", "ltype": "co-funded",
                                  "employer": EMP["Perry Barr Housing Partnership"]}),
    Spec((("W5_FFI_02", BOOT), ("W5_FFI_04", BOOT)), "P2", "Z0009512", "2025-02-03",
         "PSM A reads 'Contribution 30%' (not an accepted text), so the co-funded aim has no recognised contribution.",
         edit=psm(BOOT, "Contribution 30%"),
         options={"fate": "continuing", "ltype": "co-funded", "employer": EMP["Arden Mutual Insurance plc"]}),
    Spec((("W5_FFI_04", BOOT),), "P3", "Z0009519", "2025-02-10",
         "Fully funded aim whose PSM A reads 'contribution 10' (lower case): looks like a contribution, is not one.",
         edit=psm(BOOT, "contribution 10"), options=IND | {"fate": "continuing"}),
    Spec((("W5_FFI_03", BOOT),), "P1", "Z0009505", "2025-02-17",
         "PSM reads 'Contribution 30' (the employer co-funds) but FFI is 1.", edit=fam("FFI", "1"),
         options={"fate": "continuing", "ltype": "co-funded", "employer": EMP["Wednesbury Rail Components plc"]}),
    Spec((("W5_COMP_01", BOOT),), "P2", "Z0009524", "2024-10-07",
         "CompStatus 6 (temporarily withdrawn since 2024-12-13).", options=IND | {"fate": "break", "end_day": 67}),
    Spec((("W5_COMP_02", BOOT),), "P3", "Z0009522", "2024-09-23",
         "Withdrawn (CompStatus 3) without a WithdrawReason.", edit=ending(WithdrawReason=None),
         options=IND | {"fate": "withdrawn", "end_day": 53}),
    Spec((("W5_RESTART_01", BOOT),), "P3", "Z0009519", "2025-01-13",
         "Restart (RES FAM) without OrigLearnStartDate.", edit=add_fam("RES", "1"),
         options=IND | {"fate": "continuing"}),
    Spec((("W5_GLH_01", BOOT),), "P1", "Z0009501", "2025-02-24",
         "PlanLearnHours 180 over a 12-week full-time bootcamp: under 25 hours a week.",
         options=IND | {"fate": "continuing", "hours": 180}),
    Spec((("W5_M2_01", M2),), "P2", "Z0009511", "2024-09-09",
         "M2 aim's LearnPlanEndDate is 14 days after its LearnStartDate.", edit=shift(M2, "LearnPlanEndDate", 14),
         options=IND | {"fate": "m2"}),
    Spec((("W5_M2_02", M2),), "P1", "Z0009501", "2024-10-14",
         "M2 aim's PSM names Z0009510, which is not the learner's bootcamp (Z0009501).",
         edit=psm(M2, "Z0009510"), options=IND | {"fate": "m2"}),
    Spec((("W5_M2_03", M2),), "P3", "Z0009519", "2024-10-21",
         "M2 aim has Outcome 8 (not yet known) instead of 1.", edit=milestone(M2, Outcome=8),
         options=IND | {"fate": "m2"}),
    Spec((("W5_M2_04", M2),), "P2", "Z0009512", "2024-09-23",
         "Bootcamp recorded as completed after 66 of 95 planned days (69%), and M2 claimed.",
         options=IND | {"fate": "m2", "end_day": 66}),
    Spec((("W5_M2_05", M2, 1),), "P1", "Z0009505", "2024-09-16",
         "Two M2 aims for the same bootcamp (2024-12-13 and 2025-01-17): the second is a duplicate claim.",
         options=IND | {"fate": "m2", "m2": [_d("2024-12-13"), _d("2025-01-17")]}),
    Spec((("W5_M3_01", M3),), "P2", "Z0009511", "2024-09-09",
         "M3 aim's LearnActEndDate is 4 days after its LearnStartDate.", edit=shift(M3, "LearnActEndDate", 4),
         options=IND | {"fate": "m3"}),
    Spec((("W5_M3_02", M3),), "P3", "Z0009519", "2024-09-02",
         "M3 aim's PSM names Z0009501 (another provider's aim), not the learner's bootcamp.",
         edit=psm(M3, "Z0009501"), options=IND | {"fate": "m3"}),
    Spec((("W5_M3_03", M3),), "P1", "Z0009501", "2024-09-02",
         "M3 aim without any M2 aim for the bootcamp.",
         options=IND | {"fate": "m3", "m2": [], "m3": _d("2025-01-15")}),
    Spec((("W5_M3_04", M3),), "P2", "Z0009511", "2024-04-08",
         "M3 recorded on 2025-02-14, more than 6 months after the bootcamp ended (2024-07-12); the job offer "
         "itself is dated 2024-12-20.", edit=_job_offer_on("2024-12-20"),
         options=IND | {"fate": "m3", "m2": [_d("2024-07-19")], "m3": _d("2025-02-14")}),
    Spec((("W5_M3_04", M3), ("EV_TIMING_03", None)), "P3", "Z0009519", "2024-04-15",
         "Job offer and M3 dated 2025-02-03, more than 6 months after the bootcamp ended (2024-07-19).",
         options=IND | {"fate": "m3", "m2": [_d("2024-07-26")], "m3": _d("2025-02-03")}),
    Spec((("W5_M3_05", M3),), "P1", "Z0009505", "2024-09-16",
         "M3 aim has Outcome 8 (not yet known) instead of 1.", edit=milestone(M3, Outcome=8),
         options=IND | {"fate": "m3"}),
    Spec((("W5_DP_01", None),), "P2", "Z0009512", "2024-04-22",
         "Left the bootcamp on 2024-07-26 and the R14 return (2024-10-07) has no destination record.",
         edit=no_destination_record, options=IND | {"fate": "completed"}),
    Spec((("W5_DP_02", BOOT),), "P3", "Z0009519", "2024-09-02",
         "Withdrawn bootcamp aim without a WMCA destination code.", edit=dest_code(None),
         options=IND | {"fate": "withdrawn", "end_day": 46}),
    Spec((("W5_DP_03", BOOT),), "P1", "Z0009501", "2024-04-08",
         "Destination code WMCA1.3 (in paid employment) contradicts the DPOutcome NPE 1 (looking for work).",
         edit=dest_code("WMCA1.3"), options=IND | {"fate": "completed"}),
    Spec((("W5_DP_03", BOOT),), "P2", "Z0009524", "2024-10-07",
         "Destination code WMCA21.4 is not in the WMCA code table.", edit=dest_code("WMCA21.4"),
         options=IND | {"fate": "withdrawn", "end_day": 60}),
)

EVIDENCE_SPECS: tuple[Spec, ...] = (
    Spec((("EV_MISSING_01", None),), "P1", "Z0009501", "2024-10-14",
         "M2 claimed without an interview offer.", edit=drop_doc("interview_offer"),
         options=IND | {"fate": "m2"}),
    Spec((("EV_MISSING_01", None),), "P2", "Z0009511", "2024-09-09",
         "M3 claimed for a co-funded learner without a new-role offer.", edit=drop_doc("new_role_offer"),
         options={"fate": "m3", "ltype": "co-funded", "employer": EMP["Digbeth Creative Studios Ltd"]}),
    Spec((("EV_TIMING_01", None),), "P3", "Z0009519", "2024-10-21",
         "Interview offer dated 12 days after the M2 date.", edit=redate_doc("interview_offer", _m2, 12),
         options=IND | {"fate": "m2"}),
    Spec((("EV_TIMING_02", None),), "P2", "Z0009513", "2024-11-18",
         "ID check dated 9 days after the bootcamp start.", edit=redate_doc("id_check", _start, 9),
         options=IND | {"fate": "continuing"}, files=False),
    Spec((("EV_TIMING_04", None),), "P1", "Z0009505", "2024-11-04",
         "Interview offer PDF was created 25 days after the M2 date it supports (the letter is dated on the M2 date).",
         edit=_pdf_created_late, options=IND | {"fate": "m2"}),
    Spec((("EV_MONEY_01", None),), "P2", "Z0009512", "2024-11-18",
         "Contribution payment is half of 10% x price (invoice is right).", edit=_half_payment,
         options={"fate": "completed", "ltype": "co-funded", "employer": EMP["Selly Oak Clinical Labs Ltd"]}),
    Spec((("EV_MONEY_02", None),), "P3", "Z0009522", "2024-12-02",
         "Contribution 10 recorded (and invoiced) but the employer is large in the register (should be 30).",
         options={"fate": "continuing", "ltype": "co-funded", "employer": EMP["Perry Barr Housing Partnership"],
                  "contribution": 10}),
    Spec((("EV_EMP_01", None),), "P2", "Z0009511", "2024-11-04",
         f"Interview offer from {UNREGISTERED_EMPLOYER.name}, which is not in the employer register.",
         options=IND | {"fate": "m2", "interview_employer": UNREGISTERED_EMPLOYER}),
)


def _from_spec(factory: StoryFactory, spec: Spec) -> list[Plant]:
    provider, start = PROVIDER_BY_KEY[spec.provider], _d(spec.start)
    options = dict(spec.options)
    if spec.person is not None:
        someone = factory.person(start, options.pop("place", "wmca"))
        spec.person(someone, start)
        options["person"] = someone
    story = factory.new(provider, _aim(spec.lars), start, **options)
    if spec.edit is not None:
        spec.edit(story)
    kinds = {check: "evidence" if check.startswith("EV_") else "rule" for check, *_ in spec.checks}
    story.files = story.files or (spec.files and "evidence" in kinds.values())
    return [Plant(story, check, kinds[check], spec.description, *aim) for check, *aim in spec.checks]


def same_uln_plants(factory: StoryFactory) -> list[Plant]:
    """Two learners sharing a ULN across providers: W5_COMP_03 (+W5_M1_01), and W5_M1_01 alone."""
    p1, p2, p3 = (PROVIDER_BY_KEY[k] for k in ("P1", "P2", "P3"))
    twin = factory.person(_d("2025-01-20"))
    factory.new(p1, p1.aim("Z0009501"), _d("2025-01-20"), fate="continuing", ltype="independent", person=twin)
    second = factory.new(p2, p2.aim("Z0009512"), _d("2025-02-03"), fate="continuing", ltype="independent",
                         person=twin)
    text = "Same ULN is continuing at Foundry Lane Digital Ltd (started 2025-01-20, the earliest): a second bootcamp"
    plants = [Plant(second, "W5_COMP_03", "rule", f"{text} continuing here.", BOOT),
              Plant(second, "W5_M1_01", "rule", f"{text} and a second Milestone 1.", BOOT)]
    again = factory.person(_d("2024-09-02"))
    factory.new(p3, p3.aim("Z0009519"), _d("2024-09-02"), fate="withdrawn", end_day=39, ltype="independent",
                person=again)
    restart = factory.new(p1, p1.aim("Z0009505"), _d("2025-01-20"), fate="continuing", ltype="independent",
                          person=again)
    plants.append(Plant(restart, "W5_M1_01", "rule", "Second Milestone 1 for the ULN: the learner withdrew from a "
                        "bootcamp at Tipton Forge Tech Skills Ltd (started 2024-09-02) and started again here.", BOOT))
    return plants


def reuse_plants(factory: StoryFactory) -> list[Plant]:
    """EV_REUSE_01: one job offer letter (same bytes) filed for two learners."""
    p1 = PROVIDER_BY_KEY["P1"]
    employer = EMPLOYER_BY_NAME["Edgbaston Data Services Ltd"]
    pair = [factory.new(p1, p1.aim("Z0009501"), _d("2024-09-02"), fate="m3", ltype="independent",
                        m2=[_d("2024-11-29")], m3=_d("2025-01-17"), job_employer=employer) for _ in range(2)]
    original, copy = pair[0].doc("job_offer"), pair[1].doc("job_offer")
    copy.copy_of, copy.date, copy.received, copy.created = original, original.date, original.received, original.created
    for story in pair:
        story.files = True
    text = "The job offer file is byte for byte the same letter (same SHA-256) as the one filed for the other learner."
    return [Plant(story, "EV_REUSE_01", "evidence", text) for story in pair]


def employer_plants(factory: StoryFactory, co_funder: Employer) -> list[Plant]:
    """EV_EMP_02: independent learners hired by a co-funding employer, or by the provider itself."""
    p1, p3 = PROVIDER_BY_KEY["P1"], PROVIDER_BY_KEY["P3"]
    cofunded = factory.new(p3, p3.aim("Z0009519"), _d("2024-09-02"), fate="m3", ltype="independent",
                           job_employer=co_funder)
    itself = Employer(p1.name, "sme")
    own = factory.new(p1, p1.aim("Z0009502"), _d("2024-09-09"), fate="m3", ltype="independent",
                      m2=[_d("2025-03-14")], m3=_d("2025-03-28"), job_employer=itself)
    cofunded.files = own.files = True
    return [
        Plant(cofunded, "EV_EMP_02", "evidence",
              f"Independent learner's job offer is from {co_funder.name}, which co-funded another learner's place."),
        Plant(own, "EV_EMP_02", "evidence", "Independent learner's job offer is from the provider itself."),
        Plant(own, "EV_EMP_01", "evidence", "The provider that made the job offer is not in the employer register."),
    ]


def rule_and_evidence_plants(factory: StoryFactory, base: list[Story]) -> list[Plant]:
    """Every rule and evidence plant (each on learners of its own)."""
    plants: list[Plant] = []
    for spec in RULE_SPECS + EVIDENCE_SPECS:
        plants += _from_spec(factory, spec)
    plants += same_uln_plants(factory) + reuse_plants(factory)
    used = sorted({s.employer.name for s in base if s.employer is not None})
    plants += employer_plants(factory, EMPLOYER_BY_NAME[used[0]])
    return plants


def uncontracted_plants(base: list[Story]) -> list[Plant]:
    """W5_UKPRN_01 for every learner of the provider that has no contract."""
    text = ("No contract for this UKPRN. Contract-dependent rules (W5_AIM_01, W5_DATE_01, W5_DATE_03, W5_GLH_01) "
            "cannot be evaluated for this return.")
    return [Plant(s, "W5_UKPRN_01", "rule", text) for s in base if not s.provider.contracted]


# --- patterns for analysts ---------------------------------------------------------------------------------------

PATTERN_LATE = "PAT_LATE_STARTS"
PATTERN_80 = "PAT_END_AT_80PCT"
PATTERN_EMPLOYER = "PAT_EMPLOYER_OFFERS"
PATTERN_TEXT = {
    PATTERN_LATE: "Starts bunched in the last two weeks before the contract window closes (2025-03-18 to 2025-03-31). "
                  "Detected by AN_START_01.",
    PATTERN_80: "Bootcamp ended at exactly 80% of its planned duration (76 of 95 days), the least that earns M2. "
                "Detected by AN_END_01.",
    PATTERN_EMPLOYER: f"{BUSY_EMPLOYER.name} made far more job offers than any other employer. "
                      "Detected by AN_OFFER_01.",
}


def late_start_pattern(factory: StoryFactory, rng: random.Random, count: int = 22) -> list[Plant]:
    """Many starts at one provider in the last two weeks of the contract window."""
    p2 = PROVIDER_BY_KEY["P2"]
    days = [_d("2025-03-18") + n * DAY for n in range(14)]
    weekdays = [d for d in days if d.weekday() < 5]
    plants = []
    for n in range(count):
        story = factory.new(p2, p2.aims[n % 2], rng.choice(weekdays), fate="continuing")
        plants.append(Plant(story, PATTERN_LATE, "pattern", PATTERN_TEXT[PATTERN_LATE], BOOT))
    return plants


def eighty_percent_pattern(factory: StoryFactory) -> list[Plant]:
    """Several bootcamps that end at exactly 80% of the planned duration, each followed by an M2."""
    starts = (("P2", "Z0009511", "2024-09-09"), ("P2", "Z0009512", "2024-09-23"), ("P2", "Z0009511", "2024-11-04"),
              ("P3", "Z0009519", "2024-10-21"), ("P3", "Z0009519", "2024-12-09"))
    plants = []
    for key, lars, start in starts:
        provider = PROVIDER_BY_KEY[key]
        story = factory.new(provider, provider.aim(lars), _d(start), fate="m2", end_day=76)
        plants.append(Plant(story, PATTERN_80, "pattern", PATTERN_TEXT[PATTERN_80], BOOT))
    return plants


def busy_employer_pattern(base: list[Story], rng: random.Random, count: int = 14) -> list[Plant]:
    """One employer gives job offers to many independent learners across providers."""
    hired = [s for s in base if s.ltype == "independent" and s.m3 is not None]
    plants = []
    for story in rng.sample(hired, count):
        story.job_employer = BUSY_EMPLOYER
        story.doc("job_offer").employer = BUSY_EMPLOYER.name
        plants.append(Plant(story, PATTERN_EMPLOYER, "pattern", PATTERN_TEXT[PATTERN_EMPLOYER], M3))
    return plants
