"""Learner rules of the WMCA Wave 5 catalogue (W5_UKPRN_*, W5_ULN_*, W5_DOB_*, W5_EMP_*, W5_MAND_*, ...)."""

from __future__ import annotations

import pandas as pd

from auditkit.rules.context import RuleContext
from auditkit.rules.registry import rule
from auditkit.uln import TEMPORARY_ULN, is_valid_uln


@rule("W5_ULN_01", "no-pay", reads=["ULN"], family="learner")
def uln_missing(ctx: RuleContext) -> pd.DataFrame:
    """ULN missing, or the temporary ULN 9999999999.

    **What it checks**: every learner has a real Unique Learner Number: present and not the temporary
    number 9999999999.

    **Why it matters**: the funder tracks one Milestone 1 and one Milestone 2 per person by ULN (Wave 5
    guidance, payment milestone rules); without a real ULN a learner's claims cannot be checked against
    other claims, so the Learner Entry Tool's no-pay report refuses them.

    **Example**: learner `WMA0007` is returned with ULN `9999999999`: no-pay finding on ULN.
    """
    people = ctx.learners
    bad = people["uln"].isna() | (people["uln"] == TEMPORARY_ULN)
    rows = people[bad.fillna(True)]
    return ctx.findings(rows, field="ULN", value=rows["uln"], learner_level=True,
                        message=lambda r: r["uln"].map(
                            lambda u: "ULN is missing; a 10-digit ULN is required" if pd.isna(u)
                            else "ULN is the temporary 9999999999; the learner's real ULN is required"))


@rule("W5_ULN_02", "error", reads=["ULN"], family="learner")
def uln_check_digit(ctx: RuleContext) -> pd.DataFrame:
    """ULN is not a valid 10-digit ULN (fails the ULN check digit).

    **What it checks**: the ULN has exactly 10 digits and its last digit is the check digit of the first
    nine (ESFA derived data item DD01, validation rule ULN_04): weight the first nine digits 10, 9, ..., 2,
    add them, take the remainder of the sum divided by 11; the tenth digit must be 10 minus the remainder
    (a remainder of 0 makes every ULN invalid).

    **Why it matters**: a mistyped ULN attaches the learner's claims to somebody else, or to nobody, and
    defeats the one-claim-per-person checks.

    **Example**: ULN `1000000018`: the first nine digits give remainder 1, so the check digit must be 9;
    error finding. `1000000019` passes.

    **Limits**: missing and temporary ULNs are W5_ULN_01, not this rule.
    """
    people = ctx.learners
    uln = people["uln"]
    bad = uln.notna() & (uln != TEMPORARY_ULN) & ~uln.map(is_valid_uln, na_action="ignore").fillna(False).astype(bool)
    rows = people[bad]
    return ctx.findings(rows, field="ULN", value=rows["uln"], learner_level=True,
                        message=lambda r: "ULN " + r["uln"] + " fails the ULN check digit (ESFA ULN_04); "
                        "expected 10 digits whose last is the check digit of the first nine")
