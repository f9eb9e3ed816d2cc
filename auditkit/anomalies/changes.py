"""Detector on the change history: eligibility facts rewritten between returns in a way that unlocks funding."""

from __future__ import annotations

import re

import pandas as pd

from auditkit.anomalies.inputs import AnomalyInputs
from auditkit.anomalies.registry import detector
from auditkit.anomalies.rows import anomaly_rows
from auditkit.measures.changes import FIELD_CHANGED
from auditkit.reference.tables import postcode_district, wmca_area

#: Scores: a postcode moved into the WMCA area; an employment status at the start no longer "employed" (so no
#: employer co-funds the place); any other change of employment status or prior attainment.
SCORE_POSTCODE_IN, SCORE_EMPLOYMENT_OUT, SCORE_OTHER = 0.9, 0.7, 0.4
#: Employment status 10: in paid employment.
EMPLOYED = "10"
_EMP_STAT = re.compile(r"EmpStat (\w+)")
_FIELDS = ("Postcode", "LearnerEmploymentStatus", "PriorAttain")


def _codes(text: object) -> list[str]:
    return _EMP_STAT.findall(text) if isinstance(text, str) else []


@detector("AN_CHANGE_01", reads=["change history: Postcode, LearnerEmploymentStatus, PriorAttain"])
def eligibility_rewritten(inp: AnomalyInputs) -> pd.DataFrame:
    """Postcode, employment status or prior attainment changed between two returns in a way that unlocks funding.

    **What it checks**: the change history between consecutive returns of each provider and year
    (``auditkit.measures.changes``): a learner's Postcode that moved from outside (or unknown to) the WMCA area
    into it; an employment status history that was "employed" (EmpStat 10) and no longer is; any other rewrite of
    the employment statuses or of PriorAttain. One row per change.
    **Why it matters**: residency in the WMCA area and the employment status at the start decide whether a
    learner is eligible and whether an employer must co-fund the place; rewriting them after the start, when
    the learner is already claimed for, can turn an ineligible or co-funded learner into a fully funded one.
    **Example**: a learner's Postcode changes between R10 and R14 from a district outside the area (S1) to one
    inside (B15): score 0.9. Values are not shown; the districts are.
    **Score**: 0.9 postcode moved into the area; 0.7 "employed" removed from the employment statuses; 0.4 other.
    **Limits**: learners move and providers correct honest mistakes; a change is a question for the provider
    (what evidence supports the new value), not a finding. Needs two or more returns of a provider and year.
    """
    ch = inp.changes
    ch = ch[(ch["change"] == FIELD_CHANGED) & ch["field"].isin(list(_FIELDS))]
    if ch.empty:
        return pd.DataFrame()
    ch = ch.reset_index(drop=True)
    score = pd.Series(0.0, index=ch.index)
    message = pd.Series("", index=ch.index, dtype=object)
    value = pd.Series(pd.NA, index=ch.index, dtype=object)
    when = "between " + ch["from_period"].astype("string") + " and " + ch["to_period"].astype("string") + " of " \
        + ch["ilr_year"].astype("string")
    post = ch["field"] == "Postcode"
    if post.any():
        old, new = ch.loc[post, "old"], ch.loc[post, "new"]
        moved_in = (wmca_area(old) != "inside") & (wmca_area(new) == "inside")
        districts = [f"{postcode_district(o) or 'none'} to {postcode_district(n) or 'none'}" for o, n in
                     zip(old, new, strict=True)]
        score[post] = moved_in.map({True: SCORE_POSTCODE_IN, False: SCORE_OTHER}).to_numpy()
        message[post] = [f"Postcode changed {w} from district {d}" + (", into the WMCA area." if m else ".")
                         for w, d, m in zip(when[post], districts, moved_in, strict=True)]
    emp = ch["field"] == "LearnerEmploymentStatus"
    if emp.any():
        old, new = ch.loc[emp, "old"].map(_codes), ch.loc[emp, "new"].map(_codes)
        out = [EMPLOYED in o and EMPLOYED not in n for o, n in zip(old, new, strict=True)]
        score[emp] = [SCORE_EMPLOYMENT_OUT if x else SCORE_OTHER for x in out]
        value[emp] = [f"EmpStat {', '.join(o) or '-'} -> {', '.join(n) or '-'}" for o, n in zip(old, new, strict=True)]
        message[emp] = [f"Employment statuses rewritten {w}" + ("; no longer employed, so no employer co-funds the "
                        "place." if x else ".") for w, x in zip(when[emp], out, strict=True)]
    prior = ch["field"] == "PriorAttain"
    if prior.any():
        score[prior] = SCORE_OTHER
        value[prior] = (ch.loc[prior, "old"].astype("string").fillna("-") + " -> "
                        + ch.loc[prior, "new"].astype("string").fillna("-"))
        message[prior] = "PriorAttain changed " + when[prior] + "."
    rows = ch.assign(path=ch["to_return"])
    return anomaly_rows(rows, field=ch["field"], value=value, message=message, score=score,
                        evidence=("field-changed in the change history from " + ch["from_return"].astype("string")
                                  + " to " + ch["to_return"].astype("string")))
