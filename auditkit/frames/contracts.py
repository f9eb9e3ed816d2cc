"""The contracts frames: provider contracts and the bootcamp aims allocated under them
(:mod:`auditkit.readers.contracts`)."""

from __future__ import annotations

from dataclasses import replace

import pandera.pandas as pa

from auditkit.frames.fields import Field, Frame, Money
from auditkit.frames.keys import UKPRN

MODES: tuple[str, ...] = ("full-time", "part-time")
F = Field
#: Columns of the contracts frame; ``xml`` holds the TOML key each column is read from.
CONTRACT_FIELDS: tuple[Field, ...] = (
    replace(UKPRN, xml="ukprn", description="UKPRN of the provider (8 digits).", required=True),
    F("provider", "provider", "str", "Provider name as written in the contract."),
    F("start_from", "start_window", "date", "First day of the contract window (bootcamp LearnStartDate)."),
    F("start_to", "start_window", "date", "Last day of the contract window."),
    F("planned_end_from", "planned_end_window", "date", "First day of the planned-end window (LearnPlanEndDate)."),
    F("planned_end_to", "planned_end_window", "date", "Last day of the planned-end window."),
    F("line", "", "int", "Line of the contract's [[contract]] header in the file."),
    F("source", "", "str", "The contracts file the row was read from."),
)
#: Columns of the aims frame: one row per bootcamp aim allocated to a provider.
AIM_FIELDS: tuple[Field, ...] = (
    replace(UKPRN, description="UKPRN of the contract the aim is allocated under."),
    F("lars", "lars", "str", "LARS code of the bootcamp aim (LearnAimRef), upper case."),
    F("title", "title", "str", "Title of the bootcamp."),
    F("weeks", "weeks", "int", "Planned length in weeks."),
    F("mode", "mode", "str", "full-time or part-time."),
    Money("price", "price", "decimal", "Price per learner, in pounds."),
    F("line", "", "int", "Line of the aim's [[contract.aim]] header in the file."),
)
_CHECKS: dict[str, list[pa.Check]] = {
    "ukprn": [pa.Check.in_range(10_000_000, 99_999_999)],
    "mode": [pa.Check.isin(MODES)],
    "weeks": [pa.Check.gt(0)],
    "price": [pa.Check.ge(0)],
}




def _not_null(fields: tuple[Field, ...]) -> frozenset[str]:
    return frozenset(f.column for f in fields if f.required)


CONTRACTS = Frame("contracts", "One row per provider contract in a contracts file.", CONTRACT_FIELDS,
                  given_by="From `contracts.toml` (`auditkit.readers.contracts.read_contracts`): one row per "
                  "provider's contract.", checks=_CHECKS, not_null=_not_null(CONTRACT_FIELDS))
CONTRACT_AIMS = Frame("contract_aims", "Bootcamp aims allocated to each contract.", AIM_FIELDS,
                      given_by="From `[[contract.aim]]`: one row per bootcamp aim allocated to a provider.",
                      checks=_CHECKS, not_null=_not_null(AIM_FIELDS))
