"""The whole case on the real ESFA files (``../shared/reference/ilr-external``, never copied): the change history,
the anomalies, the report's scope and a walk-through run without stopping on what real returns hold (returns
without a period, PSM and FAM records without an occurrence or type, employment monitoring without a type,
milestones without a price)."""

from __future__ import annotations

import pytest

from auditkit import open_case
from auditkit.report.sections import scope
from auditkit.views.timeline import timeline_events
from tests.test_read_ilr_external import EXTERNAL, _need


@pytest.fixture(scope="module")
def external():
    return open_case(_need(EXTERNAL), progress=False)


def test_change_history_and_anomalies(external) -> None:
    assert len(external.raw_changes) > 0
    anomalies = external.raw_anomalies
    assert set(anomalies["rule_id"]) <= {f"AN_{x}" for x in ("START_01", "END_01", "DATE_01", "OFFER_01", "OFFER_02",
                                                              "ULN_01", "CONTACT_01", "CHANGE_01", "KPI_01", "PDF_01")}


def test_scope_and_timelines(external) -> None:
    table = scope(external)
    assert "(unknown)" in " ".join(table["periods"])
    learners = external.context.learners[["ukprn", "learn_ref_number"]].drop_duplicates().head(25)
    for ukprn, ref in learners.itertuples(index=False):
        timeline_events(external.learner(int(ukprn), str(ref)))
