"""The ILR frames, declared once.

Every entity of the ILR XML becomes one tidy frame. This module is the single place that says which
entities exist, which XML element each column comes from, its dtype, and whether it is personal data.
The reader, the writer, the pandera schemas, the masking of personal data and ``docs/frames.md`` are
all driven from :data:`ENTITIES`.

Field order follows the ESFA XSD sequence, so the writer can emit schema-valid XML from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from auditkit.frames.fields import Field, Frame
from auditkit.frames.keys import AIM_SEQ_NUMBER, ILR_YEAR, LEARN_REF_NUMBER, RETURN_ID, UKPRN, ULN


@dataclass(frozen=True)
class Entity:
    """One ILR entity: an XML element that repeats, read into one frame."""

    frame: str
    xml: str
    parent: str | None
    level: str  # "learner", "delivery", "emp_status", "destination", "he"
    fields: tuple[Field, ...]
    description: str = ""
    keys: tuple[Field, ...] = field(default=())

    @property
    def columns(self) -> list[str]:
        return [k.column for k in self.keys] + [f.column for f in self.fields] + ["line"]

    def by_xml(self) -> dict[str, Field]:
        return {f.xml: f for f in self.fields}


F = Field
_RETURN = RETURN_ID
_UKPRN = replace(UKPRN, description="UKPRN of the provider (LearningProvider) of the return.")
_LRN = LEARN_REF_NUMBER
_AIM = AIM_SEQ_NUMBER
_EMP = F("emp_status_seq", "", "int", "1-based position of the employment status record within the learner.")
_DP_ULN = replace(ULN, description="ULN of the destination record's learner.")
LEARNER_KEYS = (_RETURN, _UKPRN, _LRN)
DELIVERY_KEYS = (*LEARNER_KEYS, _AIM)

LEARNER_FIELDS = (
    F("learn_ref_number", "LearnRefNumber", required=True, description="Provider's reference for the learner."),
    F("prev_learn_ref_number", "PrevLearnRefNumber"),
    F("prev_ukprn", "PrevUKPRN", "int"),
    F("pmukprn", "PMUKPRN", "int"),
    F("camp_id", "CampId"),
    F("uln", "ULN", required=True, description="Unique learner number, kept as written (10 digits when valid)."),
    F("family_name", "FamilyName", personal="name"),
    F("given_names", "GivenNames", personal="name"),
    F("date_of_birth", "DateOfBirth", "date", personal="dob"),
    F("ethnicity", "Ethnicity", "int", required=True),
    F("sex", "Sex", required=True),
    F("lldd_health_prob", "LLDDHealthProb", "int", required=True, description="1 = has an LLDD or health problem, 2 = no, 9 = not provided."),
    F("ni_number", "NINumber", personal="ni"),
    F("prior_attain", "PriorAttain", "int", description="Prior attainment code of the learner (from 2021-22 the prior_attainments frame instead)."),
    F("accom", "Accom", "int"),
    F("als_cost", "ALSCost", "int"),
    F("plan_learn_hours", "PlanLearnHours", "int", description="Planned learning hours."),
    F("plan_eep_hours", "PlanEEPHours", "int"),
    F("math_grade", "MathGrade"),
    F("eng_grade", "EngGrade"),
    F("postcode_prior", "PostcodePrior", required=True, personal="postcode"),
    F("postcode", "Postcode", required=True, personal="postcode"),
    F("add_line1", "AddLine1", personal="address"),
    F("add_line2", "AddLine2", personal="address"),
    F("add_line3", "AddLine3", personal="address"),
    F("add_line4", "AddLine4", personal="address"),
    F("tel_no", "TelNo", personal="phone"),
    F("email", "Email", personal="email"),
    F("otj_hours", "OTJHours", "int", description="Planned off-the-job hours of the learner (later OTJActHours of a delivery)."),
)

DELIVERY_FIELDS = (
    F("learn_aim_ref", "LearnAimRef", required=True, description="Learning aim reference (bootcamp LARS code or milestone aim)."),
    F("aim_type", "AimType", "int", required=True),
    F("aim_seq_number", "AimSeqNumber", "int", required=True),
    F("learn_start_date", "LearnStartDate", "date", required=True),
    F("orig_learn_start_date", "OrigLearnStartDate", "date"),
    F("learn_plan_end_date", "LearnPlanEndDate", "date", required=True),
    F("fund_model", "FundModel", "int", required=True),
    F("p_hours", "PHours", "int"),
    F("otj_act_hours", "OTJActHours", "int"),
    F("prog_type", "ProgType", "int"),
    F("fwork_code", "FworkCode", "int", description="Apprenticeship framework code."),
    F("pway_code", "PwayCode", "int", description="Apprenticeship pathway."),
    F("std_code", "StdCode", "int"),
    F("partner_ukprn", "PartnerUKPRN", "int"),
    F("del_loc_postcode", "DelLocPostCode", required=True),
    F("lsd_postcode", "LSDPostcode", personal="postcode", description="Learning start date postcode (where the learner lived at the start)."),
    F("add_hours", "AddHours", "int"),
    F("prior_learn_fund_adj", "PriorLearnFundAdj", "int"),
    F("other_fund_adj", "OtherFundAdj", "int"),
    F("con_ref_number", "ConRefNumber"),
    F("epa_org_id", "EPAOrgID"),
    F("emp_outcome", "EmpOutcome", "int", description="Employment outcome."),
    F("comp_status", "CompStatus", "int", required=True, description="1 continuing, 2 completed, 3 withdrawn, 6 temporarily withdrawn."),
    F("learn_act_end_date", "LearnActEndDate", "date"),
    F("withdraw_reason", "WithdrawReason", "int"),
    F("outcome", "Outcome", "int", description="1 achieved, 3 no achievement, 8 not yet known."),
    F("ach_date", "AchDate", "date"),
    F("out_grade", "OutGrade"),
    F("sw_sup_aim_id", "SWSupAimId"),
    F("tl_out", "TLOut", "int"),
)


def _ent(frame, xml, parent, level, fields, description, keys):
    return Entity(frame, xml, parent, level, tuple(fields), description, tuple(keys))


ENTITIES: tuple[Entity, ...] = (
    _ent("learners", "Learner", None, "learner",
         [f for f in LEARNER_FIELDS if f.column != "learn_ref_number"],
         "One row per learner per return.", LEARNER_KEYS),
    _ent("prior_attainments", "PriorAttain", "Learner", "learner", [
        F("prior_level", "PriorLevel", "int", required=True),
        F("date_level_app", "DateLevelApp", "date", required=True),
    ], "Learner's prior attainment level and the date it applies from.", LEARNER_KEYS),
    _ent("lldd_health_problems", "LLDDandHealthProblem", "Learner", "learner", [
        F("lldd_cat", "LLDDCat", "int", required=True),
        F("primary_lldd", "PrimaryLLDD", "int"),
    ], "LLDD and health problem categories; PrimaryLLDD = 1 marks the primary one.", LEARNER_KEYS),
    _ent("learner_fams", "LearnerFAM", "Learner", "learner", [
        F("learn_fam_type", "LearnFAMType", required=True),
        F("learn_fam_code", "LearnFAMCode", "int", required=True),
    ], "Learner funding and monitoring codes.", LEARNER_KEYS),
    _ent("learner_provider_monitoring", "ProviderSpecLearnerMonitoring", "Learner", "learner", [
        F("prov_spec_learn_mon_occur", "ProvSpecLearnMonOccur", required=True),
        F("prov_spec_learn_mon", "ProvSpecLearnMon", required=True),
    ], "Provider-specified learner monitoring (occurrences A and B).", LEARNER_KEYS),
    _ent("contact_preferences", "ContactPreference", "Learner", "learner", [
        F("cont_pref_type", "ContPrefType"),
        F("cont_pref_code", "ContPrefCode", "int"),
    ], "Contact preferences (only in older ILR years).", LEARNER_KEYS),
    _ent("employment_statuses", "LearnerEmploymentStatus", "Learner", "emp_status", [
        F("emp_stat", "EmpStat", "int", required=True, description="10 employed, 11 not employed and looking, 12 not looking, 98 not known."),
        F("date_emp_stat_app", "DateEmpStatApp", "date", required=True),
        F("emp_id", "EmpId", "int"),
        F("agree_id", "AgreeId", description="Agreement identifier."),
    ], "Employment statuses; the one applying at a date is the latest with DateEmpStatApp on or before it.",
        (*LEARNER_KEYS, _EMP)),
    _ent("employment_status_monitoring", "EmploymentStatusMonitoring", "LearnerEmploymentStatus", "emp_status", [
        F("esm_type", "ESMType", required=True, description="SEI self-employed, LOU length of unemployment, ..."),
        F("esm_code", "ESMCode", "int", required=True),
    ], "Monitoring of an employment status (joined on emp_status_seq).", (*LEARNER_KEYS, _EMP)),
    _ent("learner_he", "LearnerHE", "Learner", "learner", [
        F("ucasperid", "UCASPERID"),
        F("ttaccom", "TTACCOM", "int"),
    ], "Learner HE data.", LEARNER_KEYS),
    _ent("learner_he_financial_support", "LearnerHEFinancialSupport", "LearnerHE", "learner", [
        F("fin_type", "FINTYPE", "int", required=True),
        F("fin_amount", "FINAMOUNT", "int", required=True),
    ], "Learner HE financial support.", LEARNER_KEYS),
    _ent("deliveries", "LearningDelivery", "Learner", "delivery",
         [f for f in DELIVERY_FIELDS if f.column != "aim_seq_number"],
         "One row per learning delivery (bootcamp aim or milestone aim) per return.", DELIVERY_KEYS),
    _ent("delivery_fams", "LearningDeliveryFAM", "LearningDelivery", "delivery", [
        F("learn_del_fam_type", "LearnDelFAMType", required=True, description="SOF, FFI, DAM, RES, ..."),
        F("learn_del_fam_code", "LearnDelFAMCode", required=True, description="Kept as text: DAM codes have leading zeros (023)."),
        F("learn_del_fam_date_from", "LearnDelFAMDateFrom", "date"),
        F("learn_del_fam_date_to", "LearnDelFAMDateTo", "date"),
    ], "Learning delivery funding and monitoring codes.", DELIVERY_KEYS),
    _ent("work_placements", "LearningDeliveryWorkPlacement", "LearningDelivery", "delivery", [
        F("work_place_start_date", "WorkPlaceStartDate", "date", required=True),
        F("work_place_end_date", "WorkPlaceEndDate", "date"),
        F("work_place_hours", "WorkPlaceHours", "int", required=True),
        F("work_place_mode", "WorkPlaceMode", "int", required=True),
        F("work_place_emp_id", "WorkPlaceEmpId", "int"),
    ], "Work placements of a delivery.", DELIVERY_KEYS),
    _ent("app_fin_records", "AppFinRecord", "LearningDelivery", "delivery", [
        F("afin_type", "AFinType", required=True),
        F("afin_code", "AFinCode", "int", required=True),
        F("afin_date", "AFinDate", "date", required=True),
        F("afin_amount", "AFinAmount", "int", required=True),
    ], "Financial records of a delivery.", DELIVERY_KEYS),
    _ent("delivery_provider_monitoring", "ProviderSpecDeliveryMonitoring", "LearningDelivery", "delivery", [
        F("prov_spec_del_mon_occur", "ProvSpecDelMonOccur", required=True, description="Occurrence A, B, C or D."),
        F("prov_spec_del_mon", "ProvSpecDelMon", required=True,
          description="Free text: contribution (Contribution 10/30), WMCA destination code, or the bootcamp aim of a milestone."),
    ], "Provider-specified delivery monitoring (PSM fields A-D).", DELIVERY_KEYS),
    _ent("delivery_he", "LearningDeliveryHE", "LearningDelivery", "delivery", [
        F("numhus", "NUMHUS", description="Student instance identifier."),
        F("ssn", "SSN"),
        F("qualent3", "QUALENT3"),
        F("soc2000", "SOC2000", "int", description="Occupation code, SOC 2000 (later SOC)."),
        F("soc", "SOC", "int"),
        F("sec", "SEC", "int"),
        F("ucasappid", "UCASAPPID", description="UCAS application code."),
        F("ucasschemecode", "UCASSCHEMECODE"),
        F("typeyr", "TYPEYR", "int", required=True),
        F("modestud", "MODESTUD", "int", required=True),
        F("fundlev", "FUNDLEV", "int"),
        F("fundcomp", "FUNDCOMP", "int"),
        F("stuload", "STULOAD", "decimal"),
        F("yearstu", "YEARSTU", "int", required=True),
        F("mstufee", "MSTUFEE", "int", required=True),
        F("pcolab", "PCOLAB", "decimal"),
        F("pcfldcs", "PCFLDCS", "decimal", description="Percentage taught in the first LDCS subject."),
        F("pcsldcs", "PCSLDCS", "decimal", description="Percentage taught in the second LDCS subject."),
        F("pctldcs", "PCTLDCS", "decimal", description="Percentage taught in the third LDCS subject."),
        F("specfee", "SPECFEE", "int", required=True),
        F("netfee", "NETFEE", "int"),
        F("grossfee", "GROSSFEE", "int"),
        F("domicile", "DOMICILE", description="Country of domicile (later PERMADDCOUNTRY)."),
        F("permaddcountry", "PERMADDCOUNTRY"),
        F("elq", "ELQ", "int"),
        F("he_postcode", "HEPostCode", personal="postcode"),
    ], "Learning delivery HE data.", DELIVERY_KEYS),
    _ent("destinations", "LearnerDestinationandProgression", None, "destination", [
        F("learn_ref_number", "LearnRefNumber", required=True),
        F("uln", "ULN", required=True),
    ], "Destination and progression records (ILR years up to 2023-24).", (_RETURN, _UKPRN)),
    _ent("dp_outcomes", "DPOutcome", "LearnerDestinationandProgression", "destination", [
        F("out_type", "OutType", required=True, description="EMP, NPE, EDU, GAP, SDE, VOL, OTH."),
        F("out_code", "OutCode", "int", required=True),
        F("out_start_date", "OutStartDate", "date", required=True),
        F("out_end_date", "OutEndDate", "date"),
        F("out_coll_date", "OutCollDate", "date", required=True),
    ], "Destination outcomes of a destination record.", (_RETURN, _UKPRN, _LRN, _DP_ULN)),
)

ENTITY_BY_FRAME: dict[str, Entity] = {e.frame: e for e in ENTITIES}
ENTITY_BY_XML: dict[str, Entity] = {e.xml: e for e in ENTITIES}

#: Columns of the returns frame (one row per file read).
RETURN_FIELDS: tuple[Field, ...] = (
    replace(RETURN_ID, description="Short unique id of the return: the file name without .xml."),
    F("path", "", "str", "Where the file was read from (zip members as zip::member)."),
    F("sha256", "", "str", "SHA-256 of the file's bytes."),
    F("file_size", "", "int", "Size in bytes."),
    replace(UKPRN, description="UKPRN of the LearningProvider."),
    F("header_ukprn", "", "int", "UKPRN in the file header (Source)."),
    replace(ILR_YEAR, description="ILR year, e.g. 2024-25 (from the namespace, else the header Year)."),
    F("namespace", "", "str", "XML namespace of the file (empty when none)."),
    F("collection", "Collection", "str", "Header collection (ILR)."),
    F("year_code", "Year", "str", "Header year code, e.g. 2425."),
    F("file_preparation_date", "FilePreparationDate", "date", "Header file preparation date."),
    F("protective_marking", "ProtectiveMarking", "str", "Header protective marking."),
    F("software_supplier", "SoftwareSupplier", "str", ""),
    F("software_package", "SoftwarePackage", "str", ""),
    F("release", "Release", "str", ""),
    F("serial_no", "SerialNo", "str", "Header serial number."),
    F("date_time", "DateTime", "datetime", "Header date and time the file was made."),
    F("reference_data", "ReferenceData", "str", ""),
    F("component_set_version", "ComponentSetVersion", "str", ""),
    F("period", "", "str", "Collection period R01-R14 (from the file name's date, else the preparation date)."),
    F("period_number", "", "int", "The period as a number 1-14."),
    F("learner_count", "", "int", "Learners read from the file."),
    F("delivery_count", "", "int", "Learning deliveries read from the file."),
    F("problem_count", "", "int", "Problems reported while reading the file."),
)

SOURCE_FILE_FIELDS: tuple[Field, ...] = (
    replace(RETURN_ID, description="The return this row belongs to."),
    F("source_file_name", "SourceFileName", "str", ""),
    F("file_preparation_date", "FilePreparationDate", "date", ""),
    F("software_supplier", "SoftwareSupplier", "str", ""),
    F("software_package", "SoftwarePackage", "str", ""),
    F("release", "Release", "str", ""),
    F("serial_no", "SerialNo", "str", ""),
    F("date_time", "DateTime", "datetime", ""),
)

PROBLEM_FIELDS: tuple[Field, ...] = (
    F("file", "", "str", "The file (or zip::member) the problem was found in."),
    replace(RETURN_ID, description="The return, when the file was read far enough to know it."),
    F("line", "", "int", "Line in the file."),
    replace(LEARN_REF_NUMBER, description="The learner concerned, when known."),
    F("entity", "", "str", "The ILR entity (XML element) concerned."),
    F("field", "", "str", "The XML element whose value is wrong."),
    F("value", "", "str", "The value found (personal fields are masked for display)."),
    F("facet", "", "str", "The schema facet the value breaks (length, maxLength, pattern, maxInclusive, totalDigits, "
      "maxOccurs, ...), when it is one."),
    F("expected", "", "str", "What the facet expects, e.g. at most 12 characters."),
    F("severity", "", "str", "error: value or record could not be read as the schema says; warning: read, but not as expected."),
    F("message", "", "str", "What was found and what was expected."),
)

#: Elements the file's ILR year does not define, kept (never dropped): one row per element with a value.
UNKNOWN_FIELDS: tuple[Field, ...] = (
    replace(RETURN_ID, description="The return the element was read from."),
    F("file", "", "str", "The file (or zip::member)."),
    F("line", "", "int", "Line of the element in the file."),
    replace(LEARN_REF_NUMBER, description="The learner it was inside, when known."),
    F("entity", "", "str", "The ILR entity (XML element) it was inside."),
    F("path", "", "str", "Where it is: local names from the top, e.g. Learner/LearningDelivery/Foo."),
    F("field", "", "str", "Its local name, as written."),
    F("value", "", "str", "Its text, as written (masked for display unless it is a known non-personal element)."),
)

_LINE = F("line", "", "int", "Line of the record's element in the source file.")

#: One frame per ILR entity: its keys, its fields, then ``line``.
ENTITY_FRAMES: dict[str, Frame] = {
    e.frame: Frame(e.frame, e.description, (*e.keys, *e.fields, _LINE)) for e in ENTITIES
}
RETURNS = Frame("returns", "One row per ILR file read.", RETURN_FIELDS,
                given_by="`auditkit.read_ilr(paths).returns`: one row per ILR file read.")
SOURCE_FILES = Frame("source_files", "Header source files of each return.", SOURCE_FILE_FIELDS)
PROBLEMS = Frame("problems", "Everything the reader could not read as expected.", PROBLEM_FIELDS)
UNKNOWN_ELEMENTS = Frame("unknown_elements", "Elements the file's ILR year does not define, with their values.",
                         UNKNOWN_FIELDS)
#: Every frame of :class:`~auditkit.readers.ilr.ILRData`, in the order ``docs/frames.md`` lists them.
ILR_FRAMES: tuple[Frame, ...] = (RETURNS, *ENTITY_FRAMES.values(), SOURCE_FILES, PROBLEMS, UNKNOWN_ELEMENTS)


def personal_columns() -> dict[str, str]:
    """Column name -> kind of personal data, over every ILR frame."""
    out: dict[str, str] = {}
    for frame in ENTITY_FRAMES.values():
        out.update(frame.personal)
    return out
