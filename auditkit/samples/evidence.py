"""Evidence of the samples: documents behind each claim, the manifest (tracker) and one-page PDFs."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import textwrap
from dataclasses import dataclass

from auditkit.samples.pdf import one_page_pdf
from auditkit.samples.stories import Story
from auditkit.samples.world import EMPLOYERS, EVIDENCE_CUTOFF

ELIGIBILITY = ("enrolment_form", "id_check", "residency_proof", "employment_status_declaration", "iag_record",
               "initial_assessment")
M2_EVIDENCE = {"independent": "interview_offer", "co-funded": "new_responsibilities_letter",
               "self-employed": "self_employment_action_plan"}
M3_EVIDENCE = {"independent": "job_offer", "co-funded": "new_role_offer", "self-employed": "self_employment_contract"}
TITLES = {
    "enrolment_form": "Enrolment form", "id_check": "Identity check", "residency_proof": "Proof of residency",
    "employment_status_declaration": "Employment status declaration",
    "iag_record": "Information, advice and guidance record", "initial_assessment": "Initial skills assessment",
    "employer_contribution_invoice": "Employer contribution invoice",
    "employer_contribution_payment": "Employer contribution payment receipt",
    "attendance_record": "Attendance register", "final_assessment": "Final assessment",
    "certificate_of_achievement": "Certificate of achievement", "vendor_qualification": "Vendor qualification",
    "interview_offer": "Offer of interview", "new_responsibilities_letter": "Letter confirming new responsibilities",
    "self_employment_action_plan": "Self-employment action plan", "job_offer": "Offer of employment",
    "new_role_offer": "Offer of a new role", "self_employment_contract": "Self-employment contract",
    "destination_evidence": "Destination record", "referral_record": "Referral record",
}
EVIDENCE_TYPES = tuple(TITLES)
#: Documents the employer writes (the provider writes the others).
EMPLOYER_LETTERS = ("interview_offer", "new_responsibilities_letter", "job_offer", "new_role_offer")
MANIFEST_COLUMNS = ("ukprn", "learn_ref_number", "uln", "evidence_type", "document_date", "received_date", "employer",
                    "amount", "reference", "file", "sha256", "notes")
PRODUCER = "auditkit synthetic samples"


@dataclass
class Doc:
    """One evidence document of a learner, as the manifest lists it and the PDF shows it."""

    story: Story
    evidence_type: str
    date: dt.date
    received: dt.date
    created: dt.datetime  # PDF creation (and modification) date
    employer: str = ""
    amount: float | None = None
    reference: str = ""
    copy_of: Doc | None = None  # the file is a byte copy of another learner's document
    producer: str = PRODUCER  # the PDF's Producer (the program that made it)

    def redate(self, day: dt.date, created: dt.datetime | None = None) -> None:
        """Move the document (and, unless given, its PDF creation) to ``day``."""
        shift = day - self.date
        self.date, self.received = day, min(self.received + shift, EVIDENCE_CUTOFF)
        self.created = created or self.created + shift

    @property
    def file_stem(self) -> str:
        return f"{self.evidence_type}__{self.date.isoformat()}"


class _DocBuilder:
    """Collects one learner's documents, drawing received dates and creation times from ``rng``."""

    def __init__(self, story: Story, rng: random.Random) -> None:
        self.story, self.rng = story, rng
        self.docs: list[Doc] = []

    def add(self, evidence_type: str, day: dt.date, **extra: object) -> None:
        created = dt.datetime.combine(day, dt.time(self.rng.randint(8, 17), self.rng.randint(0, 59)))
        received = min(day + dt.timedelta(days=self.rng.randint(0, 3)), EVIDENCE_CUTOFF)
        self.docs.append(Doc(self.story, evidence_type, day, received, created, **extra))  # type: ignore[arg-type]


def _offer_employer(story: Story, role: str) -> str:
    if story.ltype == "co-funded":
        return story.employer.name if story.employer else ""
    chosen = story.interview_employer if role == "m2" else story.job_employer
    return chosen.name if story.ltype == "independent" and chosen else ""


def build_docs(story: Story, rng: random.Random) -> list[Doc]:
    """The complete, consistent evidence of a story: every document dated on or before the claim it supports."""
    b, s, days = _DocBuilder(story, rng), story, dt.timedelta
    enrol = s.start - days(rng.randint(8, 21))
    employer = s.employer.name if s.employer else ""
    for kind in ELIGIBILITY[:3]:
        b.add(kind, enrol)
    b.add("employment_status_declaration", enrol, employer=employer)
    b.add("iag_record", enrol + days(rng.randint(1, 5)))
    b.add("initial_assessment", s.start - days(rng.randint(1, 3)))
    if s.ltype == "co-funded" and s.contribution:
        amount = round(s.aim.price * s.contribution / 100, 2)
        invoice = s.start - days(rng.randint(21, 28))
        b.add("employer_contribution_invoice", invoice, employer=employer, amount=amount,
              reference=f"INV-{s.ukprn}-{s.index:04d}")
        b.add("employer_contribution_payment", invoice + days(rng.randint(7, 14)), employer=employer, amount=amount,
              reference=f"INV-{s.ukprn}-{s.index:04d}")
    b.add("attendance_record", min(s.start + days(14), s.end or s.start + days(14)))
    if s.end is not None and s.end_kind == "completed":
        b.add("final_assessment", max(s.start, s.end - days(rng.randint(0, 2))))
        if s.achieved:
            b.add("certificate_of_achievement", s.end)
            if rng.random() < 0.25:
                b.add("vendor_qualification", s.end)
    for n, day in enumerate(s.m2):
        b.add(M2_EVIDENCE[s.ltype], day, employer=_offer_employer(s, "m2"), reference=f"VAC-{s.index:04d}-{n + 2}")
    if s.m3 is not None:
        b.add(M3_EVIDENCE[s.ltype], s.m3, employer=_offer_employer(s, "m3"), reference=f"VAC-{s.index:04d}-J")
    if s.out_coll is not None and s.out_coll <= EVIDENCE_CUTOFF:
        b.add("destination_evidence", s.out_coll)
    if s.end_kind == "withdrawn" or (s.end_kind == "completed" and not s.achieved):
        assert s.end is not None  # a withdrawn or completed learner has an end date
        referral = s.end + days(rng.randint(2, 10))
        if referral <= EVIDENCE_CUTOFF:
            b.add("referral_record", referral)
    return b.docs


def _body(doc: Doc) -> str:
    s, kind = doc.story, doc.evidence_type
    employer = doc.employer or "the employer"
    bodies = {
        "enrolment_form": f"Enrolment on the bootcamp, planned to start on {s.start:%d %B %Y}.",
        "id_check": "Identity and right to work checked against photographic identification.",
        "residency_proof": f"Utility bill showing the learner's home postcode {s.person.lsd_postcode}.",
        "employment_status_declaration": f"Learner declares employment status {s.emp_stat} at the start of learning.",
        "iag_record": "Information, advice and guidance session held; bootcamp suits the learner's goals.",
        "initial_assessment": "Initial assessment of digital skills completed; starting level recorded.",
        "employer_contribution_invoice": f"Invoice to {employer} for the employer contribution to the bootcamp.",
        "employer_contribution_payment": f"Payment received from {employer} for the employer contribution.",
        "attendance_record": "Register of attendance for the first 14 days of the bootcamp.",
        "final_assessment": "Final assessment of the skills learned on the bootcamp.",
        "certificate_of_achievement": "The learner completed and achieved the bootcamp.",
        "vendor_qualification": "Industry vendor qualification awarded after the bootcamp.",
        "interview_offer": f"{employer} invites the learner to interview for a role using the skills learned.",
        "new_responsibilities_letter": f"{employer} confirms new responsibilities for the learner after training.",
        "self_employment_action_plan": "Realistic action plan for growing the learner's own business.",
        "job_offer": f"{employer} offers the learner a job starting within the month.",
        "new_role_offer": f"{employer} offers the learner a new role with new responsibilities.",
        "self_employment_contract": "A new contract secured by the learner's own business.",
        "destination_evidence": f"Destination after the bootcamp: {s.dest_code or 'not recorded'}.",
        "referral_record": "Learner referred to further support and opportunities.",
    }
    return bodies[kind]


def pdf_lines(doc: Doc) -> list[tuple[str, str]]:
    """The text of a document's PDF, line by line."""
    s = doc.story
    lines = [
        ("title", "SYNTHETIC SAMPLE - NOT A REAL DOCUMENT"),
        ("text", f"{s.provider.name} (UKPRN {s.ukprn}), a fictional provider"),
        ("heading", TITLES[doc.evidence_type]),
        ("text", f"Learner: {s.person.display_name}, ref {s.lrn}, ULN {s.uln}"),
        ("text", f"Date: {doc.date:%d %B %Y}"),
        ("text", f"Bootcamp: {s.aim.title} ({s.aim.lars}), {s.aim.weeks} weeks {s.aim.mode}"),
    ]
    if doc.employer:
        lines.append(("text", f"Employer: {doc.employer}"))
    if doc.amount is not None:
        lines.append(("text", f"Amount: \u00a3{doc.amount:,.2f}"))
    if doc.reference:
        lines.append(("text", f"Reference: {doc.reference}"))
    lines += [("text", part) for part in textwrap.wrap(_body(doc), 88)]
    lines.append(("text", "Invented for auditkit's samples: every person, provider and employer here is fictional."))
    return lines


def render_pdf(doc: Doc) -> bytes:
    """The document's one-page PDF (a byte copy of the original for a reused document)."""
    if doc.copy_of is not None:
        return render_pdf(doc.copy_of)
    s = doc.story
    return one_page_pdf(
        pdf_lines(doc), title=f"{TITLES[doc.evidence_type]} - {s.lrn}",
        author=doc.employer if doc.evidence_type in EMPLOYER_LETTERS and doc.employer else s.provider.name,
        subject=doc.evidence_type, producer=doc.producer, creator=f"{s.provider.name} document system",
        created=doc.created,
    )


def document_paths(story: Story) -> dict[int, str]:
    """``id(doc) -> path`` under the manifest's folder, for a story whose documents are shipped as files."""
    paths: dict[int, str] = {}
    seen: set[str] = set()
    for doc in story.docs:
        stem = doc.file_stem
        n = 2
        while stem in seen:
            stem, n = f"{doc.file_stem}__{n}", n + 1
        seen.add(stem)
        paths[id(doc)] = f"documents/{story.ukprn}/{story.lrn}/{stem}.pdf"
    return paths


def manifest_row(doc: Doc, path: str = "", content: bytes | None = None) -> dict[str, str]:
    """The manifest row of a document (file and sha256 only when the file is shipped)."""
    s = doc.story
    return {
        "ukprn": str(s.ukprn), "learn_ref_number": s.lrn, "uln": s.uln, "evidence_type": doc.evidence_type,
        "document_date": doc.date.isoformat(), "received_date": doc.received.isoformat(), "employer": doc.employer,
        "amount": "" if doc.amount is None else f"{doc.amount:.2f}", "reference": doc.reference, "file": path,
        "sha256": hashlib.sha256(content).hexdigest() if content is not None else "", "notes": "",
    }


def register_rows() -> list[dict[str, str]]:
    """The employer register: one row per employer."""
    return [
        {"employer_id": str(e.employer_id), "name": e.name, "size": e.size, "roles": ";".join(e.roles),
         "satisfaction": "" if e.satisfaction is None else str(e.satisfaction),
         "date_contacted": e.date_contacted.isoformat() if e.date_contacted else "",
         "confirmed": "yes" if e.confirmed else "no"}
        for e in EMPLOYERS
    ]
