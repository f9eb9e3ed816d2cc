"""Detectors on employer letters: offers concentrated on one employer, offers from the provider or a co-funder."""

from __future__ import annotations

import pandas as pd

from auditkit.anomalies.inputs import AnomalyInputs
from auditkit.anomalies.registry import detector
from auditkit.anomalies.rows import ROBUST_Z_LIMIT, anomaly_rows, robust_z
from auditkit.facts.evidence import CO_FUNDING, evidence_documents
from auditkit.readers.employers import employer_key

#: The offer letters compared, each type on its own.
OFFER_TYPES = ("interview_offer", "job_offer")
#: An employer with fewer learners than this on one type of offer is never reported.
MIN_OFFERS = 5
#: Score of an offer from the provider itself, and from an employer co-funding another place at the provider.
SCORE_OWN, SCORE_CO_FUNDER = 1.0, 0.6


def _offers(inp: AnomalyInputs) -> pd.DataFrame:
    if inp.evidence is None:
        return pd.DataFrame()
    docs = evidence_documents(inp.ctx)
    docs = docs[docs["evidence_type"].isin(list(OFFER_TYPES)) & docs["employer_key"].notna()]
    return docs.drop(columns=["path", "line"], errors="ignore").rename(columns={"where": "path"})


def _label(kind: object) -> str:
    return str(kind).replace("_", " ")


@detector("AN_OFFER_01", reads=["evidence: interview_offer, job_offer (employer)"])
def offers_from_one_employer(inp: AnomalyInputs) -> pd.DataFrame:
    """One employer named on far more interview offers or job offers than the other employers.

    **What it checks**: for each type of offer (interview offers, job offers), the learners each employer
    (names compared loosely, as the register does) made one to, across every provider of the case. An employer is
    reported when it made offers to at least 5 learners and its count is an outlier among the employers: a
    modified z-score 0.6745 x (count - median) / MAD above 3.5 (Iglewicz and Hoaglin; when most employers have the
    median count, MAD is 0 and the mean absolute deviation x 0.7979 stands in). Every learner with such an offer
    is one row.
    **Why it matters**: milestone payments rest on the offers; a single employer behind many of them may be a
    friendly or related business issuing letters for jobs that do not exist.
    **Example**: 12 employers made 1 or 2 job offers each, Kingsway Freight Systems Ltd made 14: each of its 14
    learners is reported with score 1 - 1/14 = 0.93.
    **Score**: 1 - the median employer's count / the employer's count.
    **Limits**: a large employer that recruits from every bootcamp legitimately makes many offers: check the jobs
    (with the register and the employer) before concluding. Needs evidence with the employer named.
    """
    docs = _offers(inp)
    if docs.empty:
        return pd.DataFrame()
    learners = docs.drop_duplicates(["evidence_type", "employer_key", "ukprn", "learn_ref_number"])
    counts = learners.groupby(["evidence_type", "employer_key"]).size().rename("n").reset_index()
    counts["z"] = counts.groupby("evidence_type")["n"].transform(robust_z)
    counts["median"] = counts.groupby("evidence_type")["n"].transform("median")
    counts["employers"] = counts.groupby("evidence_type")["n"].transform("size")
    hot = counts[(counts["n"] >= MIN_OFFERS) & (counts["z"] > ROBUST_Z_LIMIT)]
    rows = learners.merge(hot, on=["evidence_type", "employer_key"])
    if rows.empty:
        return pd.DataFrame()
    return anomaly_rows(
        rows, field="employer", value=rows["employer"],
        message=[f"{_label(t).capitalize()} from {e}, which made {n} {_label(t)}s where the typical employer made "
                 f"{m:g}." for t, e, n, m in zip(rows["evidence_type"], rows["employer"], rows["n"], rows["median"],
                                                  strict=True)],
        score=1 - rows["median"] / rows["n"],
        evidence=[f"{n} learners with a {_label(t)} from this employer; median {m:g} over {k} employers; "
                  f"modified z = {z:.1f} (> {ROBUST_Z_LIMIT})" for n, t, m, k, z in
                  zip(rows["n"], rows["evidence_type"], rows["median"], rows["employers"], rows["z"], strict=True)])


@detector("AN_OFFER_02", reads=["evidence: interview_offer, job_offer, contribution invoices and payments",
                                "contract provider name"])
def offers_from_interested_party(inp: AnomalyInputs) -> pd.DataFrame:
    """Interview or job offers from the provider itself, or from an employer that co-funds other places there.

    **What it checks**: every interview offer and job offer whose employer (names compared loosely) is the
    provider named in its contract, or an employer named on a contribution invoice or payment of another learner
    of the same provider. A learner's own co-funding employer is not counted (it pays for its own staff).
    **Why it matters**: an offer from a party with a stake in the bootcamp (the provider, or an employer buying
    places from it) is weaker evidence of a genuine interview or job. EV_EMP_02 refuses such job offers for
    independent learners; this detector also shows the interview offers behind M2, for every learner type.
    **Example**: an interview offer on Foundry Lane Digital Ltd's own letterhead for one of its learners: score 1.
    **Score**: 1 for the provider itself, 0.6 for a co-funding employer.
    **Limits**: providers may genuinely hire their graduates (as tutors or assistants), and co-funding employers
    may genuinely recruit; the row says who to ask, not that the offer is false.
    """
    docs = _offers(inp)
    if docs.empty:
        return pd.DataFrame()
    table = inp.ctx.contract_table()
    own_key = (pd.Series(employer_key(table["provider"]).to_numpy(), index=table["ukprn"]) if len(table)
               else pd.Series(dtype="string"))
    own = (docs["employer_key"] == docs["ukprn"].map(own_key)).fillna(False).astype(bool)
    all_docs = evidence_documents(inp.ctx)
    funders = all_docs[all_docs["evidence_type"].isin(list(CO_FUNDING)) & all_docs["employer_key"].notna()]
    funders = funders.drop_duplicates(["ukprn", "employer_key", "learn_ref_number"])
    places = funders.groupby(["ukprn", "employer_key"]).size().rename("_places").reset_index()
    docs = docs.merge(places, on=["ukprn", "employer_key"], how="left").assign(_own=own.to_numpy())
    mine = docs[["ukprn", "learn_ref_number", "employer_key"]].merge(
        funders[["ukprn", "learn_ref_number", "employer_key"]].assign(_mine=True), how="left")["_mine"]
    mine = mine.fillna(False).astype(bool).to_numpy()
    others = docs["_places"].fillna(0) - mine
    co = (others > 0) & ~mine
    rows = docs[docs["_own"] | co].assign(_others=others)
    if rows.empty:
        return pd.DataFrame()
    is_own = rows["_own"]
    what = ["the provider itself" if o else f"an employer that co-funds {int(k)} other place(s) at the provider"
            for o, k in zip(is_own, rows["_others"], strict=True)]
    return anomaly_rows(
        rows, field="employer", value=rows["employer"],
        message=[f"{_label(t).capitalize()} from {e}, {w}." for t, e, w in
                 zip(rows["evidence_type"], rows["employer"], what, strict=True)],
        score=is_own.map({True: SCORE_OWN, False: SCORE_CO_FUNDER}),
        evidence=["employer name matches the contract's provider name" if o else
                  f"employer named on contribution documents of {int(k)} other learner(s) of the provider"
                  for o, k in zip(is_own, rows["_others"], strict=True)])
