"""The employers frame: the employer register, one row per employer (:mod:`auditkit.readers.employers`)."""

from __future__ import annotations

from auditkit.frames.fields import Field, Frame

F = Field

#: Columns of the employers frame; ``xml`` holds the register column each is read from.
EMPLOYER_FIELDS: tuple[Field, ...] = (
    F("employer_id", "employer_id", "str", "Employer id as written (text, `E001` or `900100037`); matched to the ILR's "
      "EmpId by auditkit.readers.employers.employer_id_key."),
    F("name", "name", "str", "Employer name as written in the register."),
    F("name_key", "", "str", "The name compared loosely (see auditkit.readers.employers.employer_key)."),
    F("size", "size", "str", "sme or large (small, medium and micro are read as sme)."),
    F("roles", "roles", "str", "Roles, normalised and joined with ';': co-design, delivery, interview, own-staff."),
    F("satisfaction", "satisfaction", "decimal", "Satisfaction score 0-5 given at Milestone 2."),
    F("date_contacted", "date_contacted", "date", "Date the employer was contacted."),
    F("confirmed", "confirmed", "str", "yes or no: whether the employer confirmed its involvement."),
    F("source", "", "str", "The register file the row was read from."),
    F("row", "", "int", "Row of the register as a spreadsheet numbers it (the header is row 1)."),
)
EMPLOYERS = Frame("employers", "One row per employer of the register.", EMPLOYER_FIELDS, strict=False,
                  given_by="`auditkit.readers.employers.read_employers(path)`: the employer register (CSV or XLSX), "
                  "one row per employer; the ILR element column names the register column.")
