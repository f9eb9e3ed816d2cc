"""Detectors on identities: one ULN at several providers, and contact details shared across learners (compared
as salted hashes, never shown)."""

from __future__ import annotations

import pandas as pd

from auditkit.anomalies.inputs import AnomalyInputs
from auditkit.anomalies.registry import detector
from auditkit.anomalies.rows import Salt, anomaly_rows
from auditkit.reference.tables import normalise_postcode
from auditkit.reference.uln import usable_uln

#: How many other providers a message names.
NAMED_PROVIDERS = 3
#: Score of a ULN at several providers; of a bootcamp that overlaps or restarts the one before at another provider.
SCORE_SEVERAL, SCORE_OVERLAP = 0.5, 0.75
#: CompStatus of a withdrawal.
WITHDRAWN = 3

#: A contact detail shared by at least this many learners (different people) is reported: a household of up to
#: three sharing a phone, e-mail or address is common.
MIN_SHARED = 4
#: The score reaches 1 when this many other learners share the detail.
FULL_SHARED = 8
_KINDS = {"TelNo": "a phone number", "Email": "an e-mail address", "address": "an address"}


def _others(group: pd.Series, own: pd.Series) -> list[str]:
    """The other providers each row names: at most :data:`NAMED_PROVIDERS` (``group`` holds one more than that)."""
    return [", ".join(str(u) for u in [u for u in g if u != o][:NAMED_PROVIDERS]) for g, o in
            zip(group, own, strict=True)]


@detector("AN_ULN_01", reads=["ULN", "LearnStartDate", "LearnActEndDate", "CompStatus"])
def uln_at_several_providers(inp: AnomalyInputs) -> pd.DataFrame:
    """One ULN with bootcamps at several providers, or restarting with another provider after a withdrawal.

    **What it checks**: bootcamp aims (every provider and ILR year loaded, each aim once) grouped by ULN (missing
    and temporary ULNs left out); a ULN with bootcamps at two or more providers gives one row per bootcamp. Each
    bootcamp is compared with the ULN's bootcamp that started just before it: at another provider and still
    running on this start (overlap), or withdrawn there before this start (restart).
    **Why it matters**: a person may take one Wave 5 bootcamp; two providers each claiming Milestone 1 for the
    same person, or a provider recruiting another provider's withdrawn learners, pay twice for one learner.
    W5_M1_01 and W5_COMP_03 refuse the clear cases; this shows every ULN shared by providers.
    **Example**: a learner withdrew from Tipton Forge Tech Skills Ltd on 2024-10-11 and started at Foundry Lane
    Digital Ltd on 2024-11-04: the Foundry Lane bootcamp scores 0.75, the Tipton Forge one 0.5.
    **Score**: 0.75 for an overlap or restart, else 0.5.
    **Limits**: a ULN mistyped into another person's is indistinguishable here from the same person; the row
    says the ULNs match, the names and dates of birth (masked here) tell. Only the bootcamp just before is
    compared, so an overlap with an earlier, longer bootcamp is scored 0.5.
    """
    b = inp.ctx.all_bootcamps
    b = b[usable_uln(b["uln"])].dropna(subset=["learn_start_date"])
    providers = b.groupby("uln")["ukprn"].transform("nunique")
    b = b[providers >= 2].assign(_providers=providers[providers >= 2])
    if b.empty:
        return pd.DataFrame()
    b = b.sort_values(["uln", "learn_start_date", "ukprn", "learn_ref_number"], kind="stable")
    prev = b.groupby("uln")[["ukprn", "learn_act_end_date", "comp_status"]].shift()
    other = prev["ukprn"].notna() & (prev["ukprn"] != b["ukprn"])
    running = other & (prev["learn_act_end_date"].isna() | (prev["learn_act_end_date"] >= b["learn_start_date"]))
    restart = other & ~running & (pd.to_numeric(prev["comp_status"], errors="coerce") == WITHDRAWN)
    running, restart = running.fillna(False).astype(bool), restart.fillna(False).astype(bool)
    names = b.groupby("uln")["ukprn"].agg(lambda s: sorted(set(s))[:NAMED_PROVIDERS + 1])
    others = _others(b["uln"].map(names), b["ukprn"])
    how = ["; it started while the one before at another provider was running" if r else
           "; it started after a withdrawal at another provider" if w else ""
           for r, w in zip(running, restart, strict=True)]
    return anomaly_rows(
        b, field="ULN", value=b["uln"],
        message=[f"The ULN also has a bootcamp at {n - 1} other provider(s) "
                 f"({o}{', ...' if n - 1 > NAMED_PROVIDERS else ''}){h}."
                 for n, o, h in zip(b["_providers"], others, how, strict=True)],
        score=(running | restart).map({True: SCORE_OVERLAP, False: SCORE_SEVERAL}),
        evidence=[f"ULN at {n} providers; compared with the bootcamp that started just before: "
                  + ("overlap" if r else "restart after withdrawal" if w else "none before, or no overlap")
                  for n, r, w in zip(b["_providers"], running, restart, strict=True)])


def _phone(s: pd.Series) -> pd.Series:
    digits = s.astype("string").str.replace(r"\D", "", regex=True)
    return digits.str.replace(r"^44", "0", regex=True).mask(lambda d: d.str.len() < 7)


def _email(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip().str.lower().mask(lambda e: ~e.str.contains("@", regex=False))


def _address(learners: pd.DataFrame) -> pd.Series:
    line = learners["add_line1"].astype("string").str.upper().str.replace(r"[^A-Z0-9]", "", regex=True)
    postcode = learners["postcode"].map(normalise_postcode).astype("string")
    return (line.mask(line == "") + "|" + postcode)


@detector("AN_CONTACT_01", reads=["TelNo", "Email", "AddLine1", "Postcode"])
def shared_contacts(inp: AnomalyInputs) -> pd.DataFrame:
    """The same phone number, e-mail address or address recorded for several different learners.

    **What it checks**: each learner's phone number (digits only, +44 read as 0), e-mail (lower case) and address
    (first address line and postcode, spaces and punctuation ignored) are replaced by a salted SHA-256 hash (the
    salt is random, made for the run with ``secrets`` and never written); learners with equal hashes share the
    detail. A detail shared by at least 4 different people (different ULNs, or different learner records
    without a usable ULN) gives one row per learner record. The value itself is never shown or kept.
    **Why it matters**: a provider that fills in its own phone number or e-mail for learners it cannot reach, or
    enrols many "learners" at one address, may be enrolling people who do not exist or did not take part.
    **Example**: five learners at two providers with the same mobile number: each is reported as sharing a phone
    number with 4 other learners, score 4/8 = 0.5.
    **Score**: min(1, other learners sharing it / 8).
    **Limits**: families, shared houses, hostels and care homes share addresses and phones legitimately; a
    provider's enquiry line recorded for learners without a phone is poor recording rather than fraud.
    """
    learners = inp.ctx.learners
    if learners.empty:
        return pd.DataFrame()
    person = learners["uln"].astype("string").where(usable_uln(learners["uln"]),
                                                    "#" + learners["ukprn"].astype("string") + "/"
                                                    + learners["learn_ref_number"].astype("string"))
    salt = Salt()
    details = {"TelNo": _phone(learners["tel_no"]), "Email": _email(learners["email"]),
               "address": _address(learners)}
    out = []
    for field, values in details.items():
        hashed = salt.hash(values)
        rows = learners.assign(_hash=hashed, _person=person).dropna(subset=["_hash"])
        rows = rows.drop_duplicates(["ukprn", "learn_ref_number", "_hash"])
        n = rows.groupby("_hash")["_person"].transform("nunique")
        rows = rows[n >= MIN_SHARED].assign(_n=n[n >= MIN_SHARED])
        if rows.empty:
            continue
        rows = rows.assign(_providers=rows.groupby("_hash")["ukprn"].transform("nunique"))
        out.append(anomaly_rows(
            rows, field=field, value=pd.NA,
            message=[f"Shares {_KINDS[field]} with {k - 1} other learners (at {p} provider(s))." for k, p in
                     zip(rows["_n"], rows["_providers"], strict=True)],
            score=((rows["_n"] - 1) / FULL_SHARED).clip(upper=1),
            evidence=[f"salted hashes of the normalised {_KINDS[field].split(' ', 1)[1]} equal for {k} different "
                      f"people at {p} provider(s); the value is not shown" for k, p in
                      zip(rows["_n"], rows["_providers"], strict=True)]))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()
