"""The sampling frames: the population a sample is drawn from and the items drawn (:mod:`auditkit.sampling`)."""

from __future__ import annotations

from dataclasses import replace

import pandera.pandas as pa

from auditkit.frames.fields import Field, Frame, Money
from auditkit.frames.keys import BOOTCAMP_AIM, LEARN_REF_NUMBER, UKPRN, ULN

F = Field

_UNIT_FIELDS: tuple[Field, ...] = (
    F("item", "", "str", "Stable key of the unit: UKPRN/LearnRefNumber for a learner, "
      "UKPRN/LearnRefNumber/LearnAimRef/start date for a bootcamp aim (never the AimSeqNumber)."),
    F("unit", "", "str", "learner or aim."),
    UKPRN,
    LEARN_REF_NUMBER,
    ULN,
    replace(BOOTCAMP_AIM, description="LearnAimRef of the bootcamp aim (a learner's first when they have several)."),
    F("learn_start_date", "", "date", "Start date of that bootcamp aim."),
)
POPULATION_FIELDS: tuple[Field, ...] = (
    *_UNIT_FIELDS,
    F("learner_type", "", "str", "independent, co-funded or self-employed."),
    F("milestone", "", "str", "The furthest milestone claimed (M1, M2 or M3)."),
    F("milestones", "", "int", "How many milestones are claimed."),
    F("severity", "", "str", "The worst finding on the learner: no-pay, error, warning, not-evaluated or none."),
    F("risk_score", "", "decimal", "The unit's risk score when one was given (NA otherwise)."),
    Money("book_value", "", "decimal", "Pounds claimed for the unit (M1 + M2 + M3)."),
    Money("amount_due", "", "decimal", "Pounds auditkit recomputes the unit earned."),
)
ITEM_FIELDS: tuple[Field, ...] = (
    *_UNIT_FIELDS,
    F("stratum", "", "str", "The stratum the item was drawn in (`all` without strata; `individually significant` "
      "for monetary units at or above the interval)."),
    F("selected_by", "", "str", "random, stratum, point (a monetary unit) or individually-significant."),
    F("hits", "", "int", "Monetary unit sampling: the selection points that fell on the item; else 1."),
    F("rank", "", "int", "Order of selection (1 first): extending the sample adds items after these."),
    Money("book_value", "", "decimal", "Pounds claimed for the unit."),
    Money("amount_due", "", "decimal", "Pounds auditkit recomputes the unit earned."),
)

_MONEY = {c: [pa.Check.ge(0)] for c in ("book_value", "amount_due")}
POPULATION = Frame(
    "sampling_population", "One row per learner or bootcamp aim with a claim: what a sample is drawn from.",
    POPULATION_FIELDS, checks={**_MONEY, "unit": [pa.Check.isin(["learner", "aim"])]},
    not_null=frozenset({"item", "unit", "book_value"}),
    given_by="`auditkit.sampling.population(milestones, findings, unit=)`: one row per unit with a claim.")
SAMPLE_ITEMS = Frame(
    "sample_items", "The items of one drawn sample, in the order they were selected.",
    ITEM_FIELDS, checks={**_MONEY, "selected_by": [pa.Check.isin(
        ["random", "stratum", "point", "individually-significant"])]},
    not_null=frozenset({"item", "unit", "stratum", "selected_by", "hits", "rank", "book_value"}),
    given_by="`auditkit.sampling.draw_sample(...)` (`auditkit sample`): `Sample.items`.")
