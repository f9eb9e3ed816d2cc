"""Stable identities of checks, and the fingerprints of what a finding rests on.

A finding's identity is its rule, its learner and its aim: the learner by ULN (else by LearnRefNumber, when the ULN
is missing or the ILR's "not known" 9999999999) at its provider (UKPRN), the aim by its LearnAimRef and
LearnStartDate (never the AimSeqNumber, which providers renumber), and the ILR field the finding is about.
Provider-level findings have the provider as their learner and no aim. When two findings still share an identity (a
rule firing twice on the same field of one aim), they are told apart by their order of value: ``#2``, ``#3``. A
stage's identity is its stage and the learner's bootcamp aim. :func:`check_id` hashes an identity into 12 hex digits.

A finding's fingerprint hashes its rule id, field and value and the values of the ILR elements the rule reads
(:attr:`auditkit.rules.Rule.reads`) in the finding's aim and learner record: when any of them changes between
returns, the verdict on the finding is due a re-review. Only the hash is stored, never the values.
"""

from __future__ import annotations

import hashlib
import re

import pandas as pd

from auditkit.case import Case
from auditkit.frames.ilr import ENTITIES
from auditkit.frames.workpapers import STAGES

#: The ILR's ULN for a learner whose ULN is not known.
UNKNOWN_ULN = "9999999999"
#: Columns of :func:`finding_checks` and :func:`stage_checks`.
CHECK_COLUMNS = ["check_id", "kind", "rule_id", "stage", "ukprn", "learner_key", "learn_ref_number", "uln",
                 "bootcamp_aim", "aim_start", "field", "fingerprint", "return_id"]
_LINE = re.compile(r":\d+$")
_SEP = "\x1f"


def check_id(*parts: object) -> str:
    """12 hex digits that name a check: a hash of its identity ``parts``."""
    return hashlib.sha256(_SEP.join(_text(p) for p in parts).encode("utf-8")).hexdigest()[:12]


def fingerprint(*values: object) -> str:
    """16 hex digits: a hash of ``values`` (what a finding rests on)."""
    return hashlib.sha256(_SEP.join(_text(v) for v in values).encode("utf-8")).hexdigest()[:16]


def learner_key(ukprn: object, learn_ref_number: object, uln: object) -> str:
    """The learner at a provider: ``uln:<ULN>@<UKPRN>`` when the ULN is known, else ``lrn:<LearnRefNumber>@<UKPRN>``,
    else (a provider-level finding) ``provider:<UKPRN>``. The same learner at two providers is two learners: each
    provider's findings are its own."""
    text = _text(uln).strip()
    if text and text != UNKNOWN_ULN:
        return f"uln:{text}@{_text(ukprn)}"
    if _text(learn_ref_number):
        return f"lrn:{_text(learn_ref_number)}@{_text(ukprn)}"
    return f"provider:{_text(ukprn)}"


def stage_check_id(key: str, bootcamp_aim: object, aim_start: object, stage: str) -> str:
    """The id of a walk-through stage of a learner's (``key``, see :func:`learner_key`) bootcamp aim."""
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {', '.join(STAGES)}, not {stage!r}")
    return check_id("stage", stage, key, bootcamp_aim, _day(aim_start))


def finding_checks(case: Case) -> pd.DataFrame:
    """One row per finding of ``case`` (its raw findings, in order): identity, check id and fingerprint
    (:data:`CHECK_COLUMNS`); ``return_id`` is the return the finding comes from."""
    findings = case.raw_findings
    if findings.empty:
        return pd.DataFrame(columns=CHECK_COLUMNS)
    returns = case.data.returns
    return_of_path = dict(zip(returns["path"].astype(str), returns["return_id"].astype(str), strict=True))
    latest = _latest_return_by_provider(returns)
    aims = case.data.deliveries.set_index(["return_id", "ukprn", "learn_ref_number", "aim_seq_number"]).sort_index()
    learners = case.data.learners.set_index(["return_id", "ukprn", "learn_ref_number"]).sort_index()
    aim_columns, learner_columns = _columns_by_element("deliveries"), _columns_by_element("learners")
    reads = _rule_reads()
    rows = []
    for f in findings.itertuples(index=False):
        source = _LINE.sub("", str(f.source)) if pd.notna(f.source) else ""
        ukprn = _int(f.ukprn)
        return_id = return_of_path.get(source) or (latest.get(ukprn, "") if ukprn is not None else "")
        aim = _row(aims, (return_id, f.ukprn, f.learn_ref_number, f.aim_seq_number))
        learner = _row(learners, (return_id, f.ukprn, f.learn_ref_number))
        bootcamp_aim = aim.get("learn_aim_ref") if aim is not None else None
        aim_start = _day(aim.get("learn_start_date")) if aim is not None else ""
        key = learner_key(f.ukprn, f.learn_ref_number, f.uln)
        read = []
        for element in reads.get(str(f.rule_id), ()):
            if aim is not None and element in aim_columns:
                read.append(aim.get(aim_columns[element]))
            elif learner is not None and element in learner_columns:
                read.append(learner.get(learner_columns[element]))
        rows.append({"kind": "finding", "rule_id": f.rule_id, "stage": None, "ukprn": ukprn,
                     "learner_key": key, "learn_ref_number": _none(f.learn_ref_number), "uln": _none(f.uln),
                     "bootcamp_aim": _none(bootcamp_aim), "aim_start": aim_start or None, "field": _none(f.field),
                     "fingerprint": fingerprint(f.rule_id, f.field, f.value, *read), "return_id": return_id or None,
                     "_value": _text(f.value)})
    out = pd.DataFrame(rows)
    identity = ["rule_id", "learner_key", "bootcamp_aim", "aim_start", "field"]
    out = out.sort_values([*identity, "_value"], kind="stable", na_position="first")
    occurrence = out.fillna({c: "" for c in identity}).groupby(identity, dropna=False).cumcount() + 1
    out["check_id"] = [check_id("finding", r.rule_id, r.learner_key, r.bootcamp_aim, r.aim_start, r.field,
                                "" if n == 1 else f"#{n}")
                       for r, n in zip(out.itertuples(index=False), occurrence, strict=True)]
    return out.sort_index()[CHECK_COLUMNS].reset_index(drop=True)


def stage_checks(case: Case) -> pd.DataFrame:
    """One row per walk-through stage of every bootcamp aim of ``case`` (:data:`CHECK_COLUMNS`; no fingerprint)."""
    camps = case.context.bootcamps
    rows = []
    for a in camps.itertuples(index=False):
        key = learner_key(a.ukprn, a.learn_ref_number, getattr(a, "uln", None))
        for stage in STAGES:
            rows.append({"check_id": stage_check_id(key, a.learn_aim_ref, a.learn_start_date, stage),
                         "kind": "stage", "rule_id": None, "stage": stage, "ukprn": _int(a.ukprn),
                         "learner_key": key, "learn_ref_number": _none(a.learn_ref_number),
                         "uln": _none(getattr(a, "uln", None)), "bootcamp_aim": _none(a.learn_aim_ref),
                         "aim_start": _day(a.learn_start_date) or None, "field": None, "fingerprint": None,
                         "return_id": _none(a.return_id)})
    out = pd.DataFrame(rows, columns=CHECK_COLUMNS)
    return out.drop_duplicates("check_id", keep="last").reset_index(drop=True)


def _latest_return_by_provider(returns: pd.DataFrame) -> dict[int, str]:
    ordered = returns.sort_values("file_preparation_date", kind="stable")
    return {int(u): str(r) for u, r in zip(ordered["ukprn"], ordered["return_id"], strict=True) if pd.notna(u)}


def latest_returns(case: Case) -> dict[int, str]:
    """The latest return (return id) of each provider of ``case``, by preparation date."""
    return _latest_return_by_provider(case.data.returns)


def _rule_reads() -> dict[str, tuple[str, ...]]:
    from auditkit.rules import all_rules

    return {r.id: tuple(r.reads) for r in all_rules()}


def _columns_by_element(frame: str) -> dict[str, str]:
    entity = next(e for e in ENTITIES if e.frame == frame)
    return {f.xml: f.column for f in entity.fields if f.xml}


def _row(index: pd.DataFrame, key: tuple) -> dict | None:
    if any(k is None or (not isinstance(k, str) and pd.isna(k)) for k in key):
        return None
    try:
        found = index.loc[key]
    except (KeyError, TypeError):
        return None
    if isinstance(found, pd.DataFrame):
        if found.empty:
            return None
        found = found.iloc[-1]
    return found.to_dict()


def _day(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return pd.Timestamp(value).strftime("%Y-%m-%d") if not isinstance(value, str) else value[:10]


def _int(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[call-overload]


def _none(value: object) -> str | None:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    return str(value)
