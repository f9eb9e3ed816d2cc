"""Verdicts carried across returns: a provider's return from the shipped samples, then a next return made from it
with one finding fixed, one finding's values changed and one aim renumbered."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from lxml import etree

from auditkit import open_case
from auditkit.workpapers import open_store, store_for
from auditkit.workpapers.identity import finding_checks
from tests.conftest import SAMPLES

FIRST = SAMPLES / "ilr" / "foundry-lane-digital" / "ILR-10090001-2425-20250404-091204-01.xml"
NEXT_NAME = "ILR-10090001-2425-20250505-091204-01.xml"
NEXT_ID = NEXT_NAME.removesuffix(".xml")
NS = {"i": "ESFA/ILR/2024-25"}


def _learner(root: etree._Element, lrn: str) -> etree._Element:
    return root.xpath(f"i:Learner[i:LearnRefNumber='{lrn}']", namespaces=NS)[0]


def _next_return(folder: Path) -> None:
    """The next return: FLD0106's SOF 105 corrected to 112 (W5_SOF_01 no longer fires), FLD0071's end date typed
    differently but still before the start (W5_DATE_04 fires on other values), FLD0070's aim renumbered 1 -> 7
    (W5_AIM_01 fires on the same aim)."""
    tree = etree.parse(str(FIRST), etree.XMLParser(resolve_entities=False, no_network=True))
    root = tree.getroot()
    root.find(".//i:FilePreparationDate", NS).text = "2025-05-05"
    root.find(".//i:DateTime", NS).text = "2025-05-05T09:12:04"
    for code in _learner(root, "FLD0106").xpath(".//i:LearningDeliveryFAM[i:LearnDelFAMType='SOF']/i:LearnDelFAMCode",
                                                 namespaces=NS):
        code.text = "112"
    _learner(root, "FLD0071").find(".//i:LearnActEndDate", NS).text = "2024-10-08"
    for seq in _learner(root, "FLD0070").xpath(".//i:AimSeqNumber[.='1']", namespaces=NS):
        seq.text = "7"
    tree.write(str(folder / NEXT_NAME), xml_declaration=True, encoding="utf-8")


@pytest.fixture(scope="module")
def returns(tmp_path_factory):
    """The case of the first return alone (as of 2025-04-30), and of both (the next one latest)."""
    folder = tmp_path_factory.mktemp("carry")
    shutil.copy(FIRST, folder / FIRST.name)
    shutil.copy(SAMPLES / "contracts.toml", folder / "contracts.toml")
    _next_return(folder)
    case = open_case([folder], progress=False)
    return case.as_of("2025-04-30"), case


def _finding(frame: pd.DataFrame, rule_id: str, lrn: str) -> pd.Series:
    rows = frame[(frame["rule_id"] == rule_id) & (frame["learn_ref_number"] == lrn)]
    assert len(rows) == 1, f"{rule_id} on {lrn}: {len(rows)} rows"
    return rows.iloc[0]


def test_verdicts_are_carried_flagged_for_re_review_or_resolved_in_the_next_return(returns, store_url):
    first, second = returns
    with open_store(url=store_url, user="ann") as store:
        before = store.sync(first)
        findings = before[before["kind"] == "finding"]
        assert len(findings) == len(first.raw_findings)
        store.record_many([(c, "fail", "") for c in findings["check_id"]])
        explained = _finding(findings, "W5_RES_01", "FLD0113")["check_id"]
        store.record(explained, "explained", "the delivery postcode is the learner's employer in Walsall")
        assert explained not in set(store.open_checks()["check_id"])

        after = store.sync(second)
        unchanged = _finding(after, "W5_GLH_01", "FLD0122")
        assert (unchanged["status"], unchanged["verdict"]) == ("done", "fail")
        renumbered = _finding(after, "W5_AIM_01", "FLD0070")  # AimSeqNumber 1 -> 7: the same finding
        assert _finding(second.raw_findings, "W5_AIM_01", "FLD0070")["aim_seq_number"] == 7
        assert renumbered["check_id"] == _finding(findings, "W5_AIM_01", "FLD0070")["check_id"]
        assert (renumbered["status"], renumbered["verdict"]) == ("done", "fail")
        changed = _finding(after, "W5_DATE_04", "FLD0071")
        assert changed["check_id"] == _finding(findings, "W5_DATE_04", "FLD0071")["check_id"]
        assert (changed["status"], changed["verdict"]) == ("re-review", "fail")
        fixed = _finding(after, "W5_SOF_01", "FLD0106")
        assert (fixed["status"], fixed["resolved_in"], fixed["verdict"]) == ("resolved", NEXT_ID, "fail")
        kept = after.set_index("check_id").loc[explained]
        assert (kept["status"], kept["note"]) == ("done", "the delivery postcode is the learner's employer in Walsall")
        open_ids = set(store.open_checks()["check_id"])
        assert changed["check_id"] in open_ids and explained not in open_ids and fixed["check_id"] not in open_ids
        assert after.loc[after["kind"] == "finding", "last_return"].eq(NEXT_ID).sum() == len(second.raw_findings)

        store.record(changed["check_id"], "fail", "looked again: still before the start")  # re-reviewed
        assert store.current(checks=[changed["check_id"]])["status"].iloc[0] == "done"
        again = store.sync(first)  # the first return again: the fixed finding fires there, so it is open again
        assert _finding(again, "W5_SOF_01", "FLD0106")["resolved_in"] is pd.NA


def test_identities_do_not_depend_on_the_aim_seq_number_but_fingerprints_on_the_values(returns):
    first, second = returns
    a, b = finding_checks(first), finding_checks(second)
    assert a["check_id"].is_unique and b["check_id"].is_unique
    shared = a.merge(b, on="check_id", suffixes=("_a", "_b"))
    assert len(shared) == len(a) - 1  # all but the fixed one
    assert (shared["fingerprint_a"] != shared["fingerprint_b"]).sum() == 1  # the end date typed differently


def test_case_store_is_the_case_folders_store_synced_with_the_case(returns, monkeypatch):
    monkeypatch.delenv("AUDITKIT_STORE", raising=False)
    monkeypatch.setenv("AUDITKIT_USER", "ann")
    _, second = returns
    store = second.store
    folder = Path(str(second.files.ilr[0].path)).resolve().parent
    assert store.url == f"sqlite:///{folder / '.auditkit' / 'workpapers.sqlite'}"
    assert second.store is store  # once per case
    assert set(finding_checks(second)["check_id"]) <= set(store.current()["check_id"])
    assert isinstance(store_for(second).current(), pd.DataFrame)


def test_revealing_a_learner_is_logged_in_the_store_with_the_fields_shown(returns, store_url):
    _, second = returns
    with open_store(url=store_url, user="ann") as store:
        learner = store.reveal_learner(second, 10090001, "FLD0071", "checking the ID document")
        log = store.reveals()
    assert "***" not in str(learner.records["family_name"].iloc[0])
    assert log[["user", "ukprn", "learn_ref_number", "reason"]].values.tolist() == [
        ["ann", 10090001, "FLD0071", "checking the ID document"]]
    assert {"family_name", "date_of_birth", "ni_number"} <= set(log["fields"].iloc[0].split(","))
