"""``auditkit.open_case``: one case, its inputs read once, its results computed once and on demand, snapshots from
what was read, displays masked, and public signatures typed."""

from __future__ import annotations

import datetime as dt
import inspect
import typing

import pandas as pd
import pytest

import auditkit
from auditkit import Case, open_case
from auditkit.errors import InputError
from tests.rules.case import write_case
from tests.test_kpis import uln

D = dt.date


@pytest.fixture
def two_returns(tmp_path):
    """A 2023-24 R10 (2024-06-05) and R14 (2024-10-07) of one provider, with a manifest: L1's initial assessment
    dated 2024-04-28, its final assessment 2024-10-10 (after both returns)."""
    r14 = [{"learner": {"ULN": uln(1)}, "bootcamp": {"completed": True}, "m2": {}}]
    folder = write_case({"learner": {"ULN": uln(1)}, "extra_returns": [
        {"ukprn": 10000001, "year": "2023-24", "prepared": D(2024, 10, 7), "learners": r14}]}, tmp_path / "case")
    pd.DataFrame({"ukprn": [10000001] * 2, "learn_ref_number": ["L1", "L1"],
                  "evidence_type": ["initial_assessment", "final_assessment"],
                  "document_date": ["2024-04-28", "2024-10-10"],
                  "received_date": ["2024-04-29", "2024-10-11"]}).to_csv(folder / "manifest.csv", index=False)
    return folder


def _count(monkeypatch, module: str, name: str) -> list[int]:
    calls: list[int] = []
    real = getattr(__import__(module, fromlist=[name]), name)

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(f"{module}.{name}", counted)
    return calls


def test_inputs_are_read_once_whatever_is_computed(monkeypatch, two_returns):
    ilr = _count(monkeypatch, "auditkit.case.case", "read_ilr_cached")
    contracts = _count(monkeypatch, "auditkit.case.case", "read_contracts")
    evidence = _count(monkeypatch, "auditkit.case.inputs", "read_evidence")
    case = open_case(two_returns, progress=False)
    assert (len(ilr), len(contracts), len(evidence)) == (1, 0, 0)  # the other inputs wait for their first use
    case.findings, case.milestones, case.funding, case.kpis, case.changes, case.summary  # noqa: B018
    assert len(case.trends) and case.as_of("2024-06-05").kpis.values is not None
    assert (len(ilr), len(contracts), len(evidence)) == (1, 1, 1)


def test_results_are_computed_once(samples_case):
    assert samples_case.findings is samples_case.findings
    assert samples_case.kpis is samples_case.kpis
    assert samples_case.milestones is samples_case.milestones
    assert samples_case.context is samples_case.context


def test_open_case_takes_one_path_or_several(two_returns):
    one = open_case(two_returns, progress=False)
    several = open_case([str(two_returns)], progress=False)
    assert one.data.returns["return_id"].tolist() == several.data.returns["return_id"].tolist()
    assert len(one.loaded.returns) == 2 and one.files.manifest == two_returns / "manifest.csv"


def test_as_of_is_the_case_on_a_day_from_what_was_read(two_returns):
    case = open_case(two_returns, progress=False)
    early = case.as_of("2024-07-01")
    assert early.data.returns["file_preparation_date"].tolist() == [pd.Timestamp("2024-06-05")]
    assert early.loaded is case.loaded and early.files is case.files
    # the evidence documents dated by the day only; the whole case keeps both
    assert len(early.evidence.evidence) == 1 and len(case.evidence.evidence) == 2
    assert case.as_of(dt.date(2024, 10, 7)).evidence.evidence["evidence_type"].tolist() == ["initial_assessment"]
    # a snapshot of a snapshot never sees past the first day
    assert len(early.as_of("2030-01-01").evidence.evidence) == 1
    assert early.snapshot == pd.Timestamp("2024-07-01") and case.snapshot is None


def test_as_of_before_every_return_is_a_clear_error(two_returns):
    with pytest.raises(InputError, match="no return was prepared on or before"):
        open_case(two_returns, progress=False).as_of("2020-01-01")


def test_trends_evaluate_each_day_as_the_snapshot_case(two_returns):
    case = open_case(two_returns, progress=False)
    trends = case.trends
    for day, rows in trends.groupby("as_of"):
        latest = case.as_of(day).kpis.latest()
        mine = rows.set_index(["ukprn", "bootcamp_aim", "kpi"])["numerator"]
        theirs = latest.set_index(["ukprn", "bootcamp_aim", "kpi"])["cumulative_numerator"].reindex(mine.index)
        assert (mine.fillna(-1) == theirs.fillna(-1)).all(), day


def test_repr_says_what_was_read_and_never_a_personal_value(samples_case):
    from tests.test_privacy_commands import leaks

    samples_case.findings  # noqa: B018
    text, page = repr(samples_case), samples_case._repr_html_()
    assert text.startswith("Case(18 returns of 6 providers") and "findings" in text
    assert "<ul>" in page and "contracts: " in page
    assert not leaks(text) and not leaks(page)


def test_findings_are_masked_and_revealing_is_logged(samples_case, caplog):
    dob = samples_case.findings[samples_case.findings["rule_id"] == "W5_DOB_02"]
    assert len(dob) and dob["message"].str.contains(r"\d{4}-\*\*-\*\*").all()
    with caplog.at_level("WARNING", logger="auditkit.privacy"):
        raw = samples_case.revealed_findings("a test")
    assert "personal data revealed" in caplog.text and "(a test)" in caplog.text
    assert not raw[raw["rule_id"] == "W5_DOB_02"]["message"].str.contains(r"\d{4}-\*\*-\*\*").any()


def test_summary_counts_every_provider_audited(samples_case):
    summary = samples_case.summary
    assert sorted(summary["ukprn"]) == sorted(samples_case.data.latest().returns["ukprn"].unique())
    assert int(summary[["no-pay", "error", "warning"]].to_numpy().sum()) == int(
        (samples_case.findings["severity"] != "not-evaluated").sum())


def test_public_signatures_name_no_any():
    hints = [typing.get_type_hints(open_case)]
    for name, member in inspect.getmembers(Case):
        if name.startswith("_") and name != "__init__":
            continue
        func = member.fget if isinstance(member, property) else getattr(member, "func", member)
        if callable(func):
            hints.append(typing.get_type_hints(func))
    assert hints and not [h for h in hints if any(v is typing.Any for v in h.values())]
    assert auditkit.open_case is open_case and "Case" in auditkit.__all__
