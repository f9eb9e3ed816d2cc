"""The reference tables shipped with auditkit (``auditkit/data``, read by :mod:`auditkit.reference.tables`)."""

from __future__ import annotations

from auditkit.frames.fields import Field, Frame

F = Field
DESTINATION_CODES = Frame(
    "destination_codes", "WMCA destination codes with their ESFA DPOutcome type and code (rule W5_DP_03).", (
        F("wmca_code", "wmca_code", "str", "The WMCA code, WMCA<n>.<m>."),
        F("esfa_out_type", "esfa_out_type", "str", "ESFA OutType it corresponds to (EMP, EDU, ...)."),
        F("esfa_out_code", "esfa_out_code", "int", "ESFA OutCode it corresponds to."),
        F("esfa_title", "esfa_title", "str", "ESFA's title of the outcome."),
        F("esfa_category", "esfa_category", "str", "positive or not, as ESFA counts it."),
        F("wmca_measure_code", "wmca_measure_code", "int", "The measure's number within the WMCA code."),
        F("wmca_measure", "wmca_measure", "str", "What the WMCA measure records (increase in hours, ...)."),
        F("wmca_category", "wmca_category", "str", "positive or not, as WMCA counts it."),
    ), given_by="`auditkit.reference.tables.destination_codes()` (shipped as "
    "`auditkit/data/wmca-destination-codes.csv`): "
    "one row per WMCA destination code and measure, with the ESFA DPOutcome it stands for (rule W5_DP_03).")
APPROVED_BOOTCAMPS = Frame(
    "approved_bootcamps", "Approved bootcamp aims of the 2021-22 programme.", (
        F("provider", "provider", "str", "Provider the bootcamp was approved for."),
        F("lars_code", "lars_code", "str", "LARS code (LearnAimRef) of the bootcamp aim."),
        F("bootcamp", "bootcamp", "str", "Title of the bootcamp."),
        F("duration_weeks", "duration_weeks", "int", "Approved length in weeks."),
    ), given_by="`auditkit.reference.tables.approved_bootcamps()` (shipped as "
    "`auditkit/data/approved-bootcamps-2021-22.csv`): one row per approved bootcamp aim of the 2021-22 programme.")
POSTCODE_DISTRICTS = Frame(
    "postcode_districts", "Postcode districts in and around the WMCA area (approximate).", (
        F("district", "district", "str", "The outward code, e.g. B15."),
        F("status", "status", "str", "inside, straddling or outside the seven WMCA councils."),
        F("councils", "councils", "str", "The councils the district is believed to cover (informative only)."),
        F("note", "note", "str", "The places concerned; `uncertain:` marks a district to check exactly."),
    ), given_by="`auditkit.reference.tables.postcode_districts()` (shipped as "
    "`auditkit/data/wmca-postcode-districts.csv`): one row per postcode district in and around the WMCA area; "
    "approximate, see `auditkit/data/README.md`.")
#: The shipped tables by file name.
REFERENCE_TABLES: dict[str, Frame] = {
    "wmca-destination-codes.csv": DESTINATION_CODES,
    "approved-bootcamps-2021-22.csv": APPROVED_BOOTCAMPS,
    "wmca-postcode-districts.csv": POSTCODE_DISTRICTS,
}
