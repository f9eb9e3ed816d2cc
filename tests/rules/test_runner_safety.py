"""A rule that raises does not lose the audit: the other rules run and the failure is a not-evaluated finding."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from auditkit.rules.registry import REGISTRY, Rule
from auditkit.rules.runner import RULE_ERROR, error_text
from tests.rules.case import run_case


def _broken(ctx):
    """Broken on purpose."""
    raise ValueError("cannot convert 'Alex Sample' (ULN 1000000019) to int")


def test_a_rule_that_raises_is_reported_and_the_others_still_run(tmp_path, monkeypatch):
    monkeypatch.setitem(REGISTRY, "W5_BROKEN_01", Rule("W5_BROKEN_01", "no-pay", "learner", (), _broken))
    # the bootcamp starts after the return was prepared: W5_DATE_02 must still report it
    case = {"bootcamp": {"LearnStartDate": dt.date(2024, 6, 6), "LearnPlanEndDate": dt.date(2024, 8, 29)}}
    findings = run_case(case, tmp_path, ["W5_BROKEN_01", "W5_DATE_02"])
    broken = findings[findings["rule_id"] == "W5_BROKEN_01"]
    assert len(broken) == 1
    row = broken.iloc[0]
    assert row["severity"] == "not-evaluated" and row["ukprn"] == 10000001 and pd.isna(row["learn_ref_number"])
    assert row["message"].startswith(RULE_ERROR) and "ValueError: cannot convert" in row["message"]
    assert "Alex" not in row["message"] and "1000000019" not in row["message"]  # input values are not repeated
    assert (findings["rule_id"] == "W5_DATE_02").any()


def test_error_text_hides_quoted_values_and_long_numbers():
    assert error_text(KeyError("x")) == "KeyError: '…'"
    assert error_text(ValueError('bad "QQ123456C" and 1000000019 at row 12')) == (
        "ValueError: bad '…' and … at row 12")
    assert len(error_text(RuntimeError("y" * 1000))) < 230
