"""The employer engagement picture of a QA visit: offers and co-funded places per employer, with the register."""

from __future__ import annotations

from auditkit.views.employers import employer_engagement, engagement_chart


def test_the_planted_employer_with_many_offers_comes_first(samples_case) -> None:
    table = employer_engagement(samples_case)
    # a co-funder's new-role offers to its own staff count as offers too: among the employers hiring learners
    # who are not their staff, the planted one leads
    hiring = table[table["co_funded_places"] == 0]
    top = hiring.iloc[0]
    assert top["employer"] == "Kingsway Freight Systems Ltd"  # PAT_EMPLOYER_OFFERS in samples/PLANTED.md
    assert top["job_offers"] == 14 and top["learners"] == 14
    assert (hiring["job_offers"].iloc[1:] < top["job_offers"] / 2).all()


def test_counts_are_the_evidence_documents(samples_case) -> None:
    table = employer_engagement(samples_case)
    docs = samples_case.evidence.evidence
    invoices = docs[(docs["evidence_type"] == "employer_contribution_invoice") & docs["employer"].notna()]
    assert table["co_funded_places"].sum() == len(invoices)
    assert table["interview_offers"].sum() == (docs["evidence_type"] == "interview_offer").sum()


def test_one_provider_and_the_register(samples_case) -> None:
    mine = employer_engagement(samples_case, 10090003)
    assert (mine["providers"] == 1).all()
    assert mine["in_register"].any() and set(mine["size"].dropna()) <= {"sme", "large"}
    fig = engagement_chart(mine, top=5)
    assert len(fig.data) == 3 and len(fig.data[0].y) == min(5, len(mine))
