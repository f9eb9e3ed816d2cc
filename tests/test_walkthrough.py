"""The learner walk-through: stages with their facts, evidence, findings and money; verdicts saved at once and
found again by a new session; a sample stepped through in order; reveals logged; errors shown, never lost."""

from __future__ import annotations

import shutil

import pytest

from auditkit import open_case
from auditkit.views.walkthrough import learner_walk, stage_of_rule
from auditkit.widgets.walkthrough import Walkthrough, sample_learners
from auditkit.workpapers import open_store
from auditkit.workpapers.identity import stage_checks
from tests.conftest import SAMPLES


@pytest.fixture
def case(tmp_path):
    folder = tmp_path / "case"
    shutil.copytree(SAMPLES, folder, ignore=shutil.ignore_patterns(".auditkit"))
    return open_case(folder, progress=False)


@pytest.mark.parametrize(("rule_id", "family", "stage"), [
    ("W5_M2_04", "milestone", "completion"), ("W5_M3_01", "milestone", "job-offer"),
    ("W5_DP_01", "destination", "job-offer"), ("W5_FFI_02", "delivery", "co-funding"),
    ("W5_RES_01", "delivery", "eligibility"), ("W5_DOB_01", "learner", "eligibility"),
    ("W5_DATE_01", "delivery", "delivery"), ("EV_TIMING_04", "evidence", None),
])
def test_each_rule_belongs_to_a_stage(rule_id: str, family: str, stage: str | None) -> None:
    assert stage_of_rule(rule_id, family) == stage


def test_the_stages_of_a_learner(samples_case) -> None:
    learner = samples_case.learner(10090001, "FLD0065")
    walk = learner_walk(samples_case, learner)
    assert len(walk) == 1
    stages = {p.stage: p for p in walk[0].stages}
    assert list(stages) == ["eligibility", "co-funding", "delivery", "completion", "job-offer"]
    assert stages["completion"].status == "suspect" and any("EV_TIMING_04" in s for s in stages["completion"].suspect)
    ms = learner.milestones
    assert stages["completion"].claimed == pytest.approx(ms.loc[ms["milestone"] == "M2", "amount_claimed"].sum())
    ids = set(stage_checks(samples_case)["check_id"])
    assert {p.check_id for p in walk[0].stages} <= ids


def test_findings_show_on_their_stage(samples_case) -> None:
    walk = learner_walk(samples_case, samples_case.learner(10090002, "CBC0049"))
    delivery = next(p for p in walk[0].stages if p.stage == "delivery")
    assert list(delivery.findings["rule_id"]) == ["W5_COMP_01"]


def test_a_verdict_is_saved_at_once_and_found_by_a_new_session(case) -> None:
    app = Walkthrough(case)
    box = app.stage_boxes[0]
    box.verdict.value, box.note.value = "query", "ID check dated after the start"
    box.save.click()
    assert app.errors == [] and "saved: <b>query</b>" in box.state.value
    with open_store(app.store_.engine.url.database) as fresh:
        rows = fresh.current_rows(checks=[box.panel.check_id])
        assert rows[0]["verdict"] == "query" and rows[0]["note"] == "ID check dated after the start"
    app2 = Walkthrough(case, store=open_store(app.store_.engine.url.database))
    first = app2.stage_boxes[0]
    assert first.verdict.value == "query" and first.note.value == "ID check dated after the start"


def test_a_verdict_needs_choosing_before_saving(case) -> None:
    app = Walkthrough(case)
    app.stage_boxes[1].save.click()
    assert "Choose a verdict" in app.status.value


def test_stepping_through_a_sample(case) -> None:
    sample = case.draw_sample("random", 6, seed=3)
    app = Walkthrough(case, sample=sample)
    order = sample_learners(sample)
    assert app.shown == order[0] and "1 of 6 sampled learners" in app.position.value
    app.next.click()
    assert app.shown == order[1]
    app.keys.action, app.keys.presses = "previous", app.keys.presses + 1
    assert app.shown == order[0]
    app.previous.click()
    assert app.shown == order[-1]


def test_choosing_a_learner(case) -> None:
    app = Walkthrough(case)
    app.provider.value = 10090003
    assert app.shown[0] == 10090003
    app.learner_pick.value = app.learner_pick.options[2]
    assert app.shown == (10090003, app.learner_pick.options[2]) and app.errors == []


def test_revealing_needs_a_reason_and_is_logged(case) -> None:
    app = Walkthrough(case)
    app.reveal.click()
    assert app.errors and "needs a reason" in app.errors[-1] and app.personal.value == ""
    app.reason.value = "QA visit: checking the ID document"
    app.reveal.click()
    assert "given_names" in app.personal.value and "***" not in app.personal.value
    log = app.store_.reveals()
    assert len(log) == 1 and log["reason"].iloc[0] == "QA visit: checking the ID document"
    app.next.click()
    assert app.personal.value == "", "personal data is hidden again on the next learner"


def test_carried_re_review_and_resolved_are_marked() -> None:
    from auditkit.widgets.walkthrough import marks, saved_text

    carried = {"verdict": "pass", "first_return": "ILR-A", "last_return": "ILR-B", "status": "done",
               "user": "ann", "recorded_at": "2026-11-30 10:00"}
    assert "carried from an earlier return (ILR-A)" in saved_text(carried)
    assert "needs re-review" in marks({**carried, "status": "re-review"})
    assert "resolved in ILR-B" in marks({"status": "resolved", "resolved_in": "ILR-B"})
    assert "edited after review" in marks({"verdict": "fail", "edited_after_review": True})
    assert marks({"verdict": "pass", "first_return": "ILR-A", "last_return": "ILR-A", "status": "done"}) == ""


def test_a_stored_finding_shows_on_its_stage_with_its_verdict(case) -> None:
    app = Walkthrough(case)
    app.show(10090002, "CBC0049")
    rows = [r for r in app.store_.learner(10090002, "CBC0049")[0] if r["kind"] == "finding"]
    assert any(r["rule_id"] == "W5_COMP_01" for r in rows)
    check = next(r for r in rows if r["rule_id"] == "W5_COMP_01")
    app.store_.record(str(check["check_id"]), "explained", "provider confirmed the break in learning")
    app.show(10090002, "CBC0049")
    delivery = next(b for b in app.stage_boxes if b.panel.stage == "delivery")
    assert "W5_COMP_01" in delivery.content.value and "provider confirmed the break" in delivery.content.value


def test_each_stage_lists_its_documents_with_their_metadata(samples_case) -> None:
    walk = learner_walk(samples_case, samples_case.learner(10090001, "FLD0065"))
    completion = next(p for p in walk[0].stages if p.stage == "completion")
    offer = completion.documents.set_index("evidence_type").loc["interview_offer"]
    assert offer["employer"] == "Wulfrun Civic Services Trust" and "EV_TIMING_04" in offer["issues"]
    assert str(offer["pdf_created"]).startswith("2025-02-23")
    assert set(completion.documents["evidence_type"]) >= {"final_assessment", "certificate_of_achievement"}
