"""Detector on evidence documents: employer letters whose PDF metadata cluster (one tool, within minutes)."""

from __future__ import annotations

import pandas as pd

from auditkit.anomalies.inputs import AnomalyInputs
from auditkit.anomalies.registry import detector
from auditkit.anomalies.rows import anomaly_rows
from auditkit.facts.evidence import EMPLOYER_LETTERS, evidence_documents

#: Letters created no more than this many minutes after the one before belong to the same burst.
BURST_MINUTES = 10
#: A burst is reported when its letters name at least this many different employers.
MIN_EMPLOYERS = 3
#: The score reaches 1 at this many different employers in one burst.
FULL_EMPLOYERS = 5


@detector("AN_PDF_01", reads=["evidence: pdf_created, pdf_producer, employer (employer letters)"])
def pdf_bursts(inp: AnomalyInputs) -> pd.DataFrame:
    """Letters from different employers whose PDFs were made by one tool within minutes of each other.

    **What it checks**: the employer letters (interview offers, job offers, new-role offers, new-responsibilities
    letters) of each provider with a PDF creation time, grouped by PDF producer and ordered by creation time; a
    letter created within 10 minutes of the one before joins its burst. A burst whose letters name at least 3
    different employers (names compared loosely) gives one row per letter.
    **Why it matters**: letters from different employers are written on different computers at different times;
    several made by one program within minutes look made in one sitting, by one hand (often the provider's).
    **Example**: job offers "from" four employers all produced by "Microsoft Word 2016" between 14:02 and 14:19
    on one day: each is reported with score 3/4 = 0.75.
    **Score**: min(1, (employers in the burst - 1) / 4).
    **Limits**: a provider that scans letters it received, or a letter template service, makes PDFs in bursts
    legitimately (the producer is then the scanner's or the service's): check the originals. PDFs without
    metadata are not assessed, and metadata is easy to change.
    """
    if inp.evidence is None:
        return pd.DataFrame()
    docs = evidence_documents(inp.ctx)
    docs = docs[docs["evidence_type"].isin(list(EMPLOYER_LETTERS)) & docs["employer_key"].notna()
                & docs["pdf_created"].notna()]
    if docs.empty:
        return pd.DataFrame()
    docs = docs.drop(columns=["path", "line"], errors="ignore").rename(columns={"where": "path"})
    docs = docs.assign(_producer=docs["pdf_producer"].astype("string").fillna("(no producer)"))
    docs = docs.sort_values(["ukprn", "_producer", "pdf_created"], kind="stable")
    gap = docs.groupby(["ukprn", "_producer"])["pdf_created"].diff()
    docs = docs.assign(_burst=(gap.isna() | (gap > pd.Timedelta(minutes=BURST_MINUTES))).cumsum())
    burst = docs.groupby("_burst")
    docs = docs.assign(_employers=burst["employer_key"].transform("nunique"), _first=burst["pdf_created"].transform(
        "min"), _last=burst["pdf_created"].transform("max"), _letters=burst["employer_key"].transform("size"))
    rows = docs[docs["_employers"] >= MIN_EMPLOYERS]
    if rows.empty:
        return pd.DataFrame()
    minutes = (rows["_last"] - rows["_first"]).dt.total_seconds() / 60
    return anomaly_rows(
        rows, field="pdf_created", value=rows["pdf_created"].dt.strftime("%Y-%m-%d %H:%M"),
        message=[f"{str(t).replace('_', ' ').capitalize()} from {e} made by '{p}' within {m:.0f} minutes of letters "
                 f"from {k - 1} other employers." for t, e, p, m, k in
                 zip(rows["evidence_type"], rows["employer"], rows["_producer"], minutes, rows["_employers"],
                     strict=True)],
        score=((rows["_employers"] - 1) / (FULL_EMPLOYERS - 1)).clip(upper=1),
        evidence=[f"{n} letters naming {k} employers, PDF producer '{p}', created {f:%Y-%m-%d %H:%M} to {t:%H:%M}"
                  for n, k, p, f, t in zip(rows["_letters"], rows["_employers"], rows["_producer"], rows["_first"],
                                            rows["_last"], strict=True)])
