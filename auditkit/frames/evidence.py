"""The evidence frames: one row per evidence document, and the problems found reading a manifest, a document
folder or an employer register (:mod:`auditkit.readers.evidence`, :mod:`auditkit.readers.employers`)."""

from __future__ import annotations

from dataclasses import replace

from auditkit.frames.fields import Field, Frame, Money
from auditkit.frames.keys import LEARN_REF_NUMBER, UKPRN, ULN

F = Field

#: Columns of the evidence frame; ``xml`` holds the manifest column each is read from ("" when derived).
EVIDENCE_FIELDS: tuple[Field, ...] = (
    replace(UKPRN, xml="ukprn", description="Provider (UKPRN) the document belongs to.", required=True),
    replace(LEARN_REF_NUMBER, xml="learn_ref_number", description="The learner's LearnRefNumber in the ILR (looked "
            "up from the ULN when the manifest leaves it empty).", required=True),
    replace(ULN, xml="uln", description="The learner's ULN (from the ILR when the manifest leaves it empty)."),
    F("evidence_type", "evidence_type", "str", "One of the evidence types (enrolment_form, job_offer, ...), "
      "normalised to lower case with underscores.", required=True),
    F("stage", "", "str", "Stage the type belongs to: eligibility, co-funding, delivery, completion, M2, M3, after."),
    F("document_date", "document_date", "date", "The date written on the document (offer date, invoice date, ...)."),
    F("received_date", "received_date", "date", "When the provider received it."),
    F("employer", "employer", "str", "Employer named on the document."),
    Money("amount", "amount", "decimal", "Money on the document, in pounds (invoices and payments)."),
    F("reference", "reference", "str", "Invoice number, vacancy reference, ..."),
    F("file", "file", "str", "The document's path as listed in the manifest (relative to it), or relative to the "
      "document folder for a file no manifest lists."),
    F("path", "", "str", "Where the file was found on disk (empty when it was not found or none is named)."),
    F("file_status", "", "str", "present, missing (also a listed file refused as outside the folders: an absolute "
      "path, a '..' part, a symbolic link out), unreadable (a file that cannot be opened, or a PDF pypdf cannot "
      "read) or encrypted; empty when no file is named."),
    F("sha256", "sha256", "str", "SHA-256 of the file's bytes (computed when the file is present, else as listed)."),
    F("file_size", "", "int", "Size of the file in bytes."),
    F("pdf_created", "", "datetime", "PDF metadata: creation date (local time as written in the PDF)."),
    F("pdf_modified", "", "datetime", "PDF metadata: modification date."),
    F("pdf_producer", "", "str", "PDF metadata: producer (the software that wrote the PDF)."),
    F("pdf_author", "", "str", "PDF metadata: author."),
    F("pdf_pages", "", "int", "Number of pages of the PDF."),
    F("notes", "notes", "str", "Free text."),
    F("origin", "", "str", "manifest (a manifest row, its file not found or not named), folder (a file no manifest "
      "lists) or both (a manifest row matched to its file)."),
    F("source", "", "str", "The manifest the row comes from, or the document folder for a file no manifest lists."),
    F("row", "", "int", "Row of the manifest as a spreadsheet numbers it (the header is row 1); empty for folder "
      "files."),
)
#: Columns of the evidence problems frame (shared with the employer register reader).
EVIDENCE_PROBLEM_FIELDS: tuple[Field, ...] = (
    F("file", "", "str", "The file the problem is in: the manifest, the register, or a document of the folder."),
    F("row", "", "int", "Row as a spreadsheet numbers it (the header is row 1); empty for a document of the folder."),
    F("check_id", "", "str", "What is wrong: MAN_* (manifest row), DOC_* (file of the folder no manifest lists), "
      "REG_* (employer register row)."),
    F("column", "", "str", "The column (or path part) concerned."),
    F("value", "", "str", "The value found."),
    F("reason", "", "str", "Plain English: what was found and what was expected."),
    F("outcome", "", "str", "dropped (the row is not in the evidence or employer frame) or kept (loaded, the bad "
      "value left empty or the file flagged)."),
    replace(UKPRN, description="Provider, when known."),
    replace(LEARN_REF_NUMBER, description="Learner, when known."),
    replace(ULN, description="ULN as given, when known."),
    F("document", "", "str", "The document file concerned, when any."),
)



#: Not strict: a manifest's extra columns are kept after the declared ones.
EVIDENCE = Frame("evidence", "One row per evidence document.", EVIDENCE_FIELDS, strict=False, ordered=False,
                 given_by="`auditkit.readers.evidence.read_evidence(manifest, documents)`"
                 ": one row per evidence document, from a manifest (CSV or XLSX; the ILR element column names the "
                 "manifest column, matched without regard to case, spaces or underscores; extra columns are kept "
                 "after these) and/or a document folder "
                 "`<ukprn>/<learn_ref_number>/<evidence_type>[__<yyyy-mm-dd>][__<anything>].<ext>`.")
EVIDENCE_PROBLEMS = Frame("evidence_problems", "Rows of a manifest, register or document folder that could not be "
                          "read as expected.", EVIDENCE_PROBLEM_FIELDS, ordered=False,
                          given_by="`read_evidence(...).problems` and `read_employers(...).problems`: one row per "
                          "manifest, folder or register row that could not be read as expected.")
