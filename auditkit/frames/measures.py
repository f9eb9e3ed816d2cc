"""The measures frames: KPI values and members, KPI trends and the change history (:mod:`auditkit.measures`)."""

from __future__ import annotations

from dataclasses import replace

from auditkit.frames.fields import Field, Frame
from auditkit.frames.keys import AIM_SEQ_NUMBER, BOOTCAMP_AIM, ILR_YEAR, KPI_ID, LEARN_REF_NUMBER, RETURN_ID, UKPRN, ULN

F = Field
#: Columns of :attr:`KPIResult.values`.
KPI_VALUE_FIELDS: tuple[Field, ...] = (
    UKPRN,
    replace(BOOTCAMP_AIM, description="LearnAimRef of the bootcamp aim, or `all` for the provider's total."),
    replace(KPI_ID, description="KPI id (see `auditkit.measures.kpis.KPIS`): starts, m1_achieved, drop_out_rate, ..."),
    F("month", "", "str", "Calendar month (YYYY-MM) of the KPI's event date (see the KPI's definition)."),
    F("numerator", "", "int", "Members counted in the numerator this month (the count, for starts and M1 achieved); "
      "NA when not evaluated."),
    F("denominator", "", "int", "Members counted in the denominator this month; NA for counts."),
    F("value", "", "decimal", "numerator / denominator (a ratio: 0.2 = 20%), or the count; NA without a "
      "denominator or when not evaluated."),
    F("cumulative_numerator", "", "int", "Numerator members up to the end of the month."),
    F("cumulative_denominator", "", "int", "Denominator members up to the end of the month."),
    F("cumulative_value", "", "decimal", "cumulative_numerator / cumulative_denominator, or the cumulative count."),
    F("target", "", "decimal", "Target as a ratio (NA when the KPI has none)."),
    F("direction", "", "str", "at-least or at-most (NA without a target)."),
    F("status", "", "str", "red / amber / green of the cumulative value against the target (amber: within 5 "
      "points); not-evaluated when inputs are missing or nothing is due yet; NA without a target."),
    F("as_of", "", "date", "The provider's as-of date: the latest preparation date of its returns."),
)
#: Columns of :attr:`KPIResult.members`.
KPI_MEMBER_FIELDS: tuple[Field, ...] = (
    UKPRN,
    replace(BOOTCAMP_AIM, description="LearnAimRef of the member's bootcamp aim (`all` for employer "
            "satisfaction)."),
    KPI_ID,
    F("month", "", "str", "Month (YYYY-MM) the member is counted in."),
    replace(LEARN_REF_NUMBER, description="The learner (NA for employer members)."),
    ULN,
    replace(AIM_SEQ_NUMBER, description="AimSeqNumber of the bootcamp aim."),
    replace(RETURN_ID, description="Return of the bootcamp aim."),
    F("employer_id", "", "str", "The employer, for employer satisfaction (NA otherwise)."),
    F("role", "", "str", "numerator or denominator (a numerator member is also a denominator member)."),
    F("event_date", "", "date", "The date that places the member in its month."),
)
#: Columns of :func:`kpi_trends`.
TREND_FIELDS: tuple[Field, ...] = (
    UKPRN,
    replace(ILR_YEAR, description="ILR year of the snapshot return."),
    F("period", "", "str", "Period (R01-R14) of the snapshot return."),
    replace(RETURN_ID, description="The snapshot return."),
    F("as_of", "", "date", "Preparation date of the snapshot: the date the KPIs are as of."),
    replace(BOOTCAMP_AIM, description="LearnAimRef of the bootcamp aim, or `all` for the provider's total."),
    KPI_ID,
    F("numerator", "", "int", "Cumulative numerator as of the snapshot (the count for starts and M1 achieved)."),
    F("denominator", "", "int", "Cumulative denominator as of the snapshot (NA for counts)."),
    F("value", "", "decimal", "numerator / denominator (a ratio), or the count."),
    F("target", "", "decimal", "Target as a ratio (NA without one)."),
    F("direction", "", "str", "at-least or at-most."),
    F("status", "", "str", "red / amber / green / not-evaluated against the target (NA without one)."),
)
#: Columns of the change history frame.
CHANGE_FIELDS: tuple[Field, ...] = (
    UKPRN,
    replace(ILR_YEAR, description="ILR year of the later return."),
    F("from_return", "", "str", "The earlier return (return_id)."),
    F("to_return", "", "str", "The later return (return_id)."),
    F("from_period", "", "str", "Period (R01-R14) of the earlier return."),
    F("to_period", "", "str", "Period of the later return."),
    F("change", "", "str", "learner-added, learner-removed, aim-added, aim-removed, milestone-claimed or "
      "field-changed."),
    replace(LEARN_REF_NUMBER, description="The learner."),
    replace(ULN, description="The learner's ULN (in the later return, else the earlier)."),
    replace(AIM_SEQ_NUMBER, description="The aim (empty for learner-level changes)."),
    F("learn_aim_ref", "", "str", "LearnAimRef of the aim."),
    F("field", "", "str", "The ILR element that changed (PSM A-D, LearningDeliveryFAM <type>, "
      "LearnerEmploymentStatus, DPOutcome), or M2/M3 for a milestone claimed."),
    F("old", "", "str", "Value in the earlier return (masked in displays when the field is personal)."),
    F("new", "", "str", "Value in the later return (masked in displays when the field is personal)."),
)

KPI_VALUES = Frame("kpi_values", "KPI values per provider, bootcamp aim, KPI and month.", KPI_VALUE_FIELDS,
                   given_by="`auditkit.measures.kpis.kpis(...).values` (`auditkit kpis`): one row per provider, "
                   "bootcamp aim (and `all`), KPI and calendar month; the KPIs are below (`auditkit.measures.kpis` "
                   "explains the months, cumulative values and statuses).")
KPI_MEMBERS = Frame("kpi_members", "The bootcamp aims (or employers) behind each KPI value.", KPI_MEMBER_FIELDS,
                    given_by="`auditkit.measures.kpis.kpis(...).members`: the bootcamp aims (or employers) behind "
                    "each KPI value, as numerator or denominator members.")
KPI_TRENDS = Frame("kpi_trends", "KPI values as of each snapshot return.", TREND_FIELDS,
                   given_by="`auditkit.measures.trends.kpi_trends` (`auditkit kpis --trends`): the cumulative KPIs as "
                   "of each snapshot return of each provider.")
CHANGES = Frame("changes", "What a provider changed between two returns.", CHANGE_FIELDS,
                given_by="`auditkit.measures.changes.change_history` (`auditkit kpis --changes`): one row per change "
                "a provider made between two returns.")
