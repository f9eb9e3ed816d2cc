"""What a provider changed between two of its returns: learners and aims added or removed, fields changed,
milestones newly claimed.

:func:`change_history` compares two returns of one provider (usually consecutive snapshots of one ILR year);
:func:`change_histories` does it for every consecutive pair of each provider's returns in each year.

Learners are matched on LearnRefNumber, aims on the learner and AimSeqNumber (an AimSeqNumber whose
LearnAimRef changed is reported as the old aim removed and the new one added). One row per change:

- ``learner-added`` / ``learner-removed``: a learner in only one of the two returns;
- ``aim-added`` / ``aim-removed``: a bootcamp (or other) aim of a learner present in both returns, in only one;
  an M2/M3 aim that disappears is ``aim-removed`` too;
- ``milestone-claimed``: an M2 (``Z0010211``) or M3 (``Z0010212``) aim in the later return only (also for a new
  learner); ``field`` is M2 or M3, ``new`` its date and its PSM texts (the bootcamp it names);
- ``field-changed``: a learner field (every ``Learner`` element, the employment statuses as one text, the
  destination outcomes as one text) or an aim field (every ``LearningDelivery`` element: dates, CompStatus,
  Outcome, WithdrawReason, ...; each PSM field as ``PSM A``-``PSM D``; each FAM type as ``LearningDeliveryFAM
  <type>``) whose value differs; ``field`` names the ILR element, ``old`` and ``new`` are the values as text
  (dates as YYYY-MM-DD, NA when absent).

Personal fields (names, date of birth, NI number, address, postcode, phone, e-mail) are reported like the others;
:func:`mask_changes` masks their old and new values for displays and exports.
"""

from __future__ import annotations

import pandas as pd

from auditkit.frames.ilr import ENTITY_BY_FRAME
from auditkit.frames.measures import CHANGES
from auditkit.privacy import mask_frame
from auditkit.readers.ilr import ILRData
from auditkit.reference.aims import M2_AIM, M3_AIM

LEARNER_ADDED, LEARNER_REMOVED = "learner-added", "learner-removed"
AIM_ADDED, AIM_REMOVED = "aim-added", "aim-removed"
FIELD_CHANGED, MILESTONE_CLAIMED = "field-changed", "milestone-claimed"
CHANGE_KINDS: tuple[str, ...] = (LEARNER_ADDED, LEARNER_REMOVED, AIM_ADDED, AIM_REMOVED, MILESTONE_CLAIMED,
                                 FIELD_CHANGED)
MILESTONE_LABELS = {M2_AIM: "M2", M3_AIM: "M3"}

_LEARNER_FIELDS = [f for f in ENTITY_BY_FRAME["learners"].fields]
_DELIVERY_FIELDS = [f for f in ENTITY_BY_FRAME["deliveries"].fields if f.column != "aim_seq_number"]


def _text(s: pd.Series) -> pd.Series:
    """Values as comparable text: dates as YYYY-MM-DD, numbers without a trailing .0, NA kept."""
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.dt.strftime("%Y-%m-%d").astype("string")
    if pd.api.types.is_integer_dtype(s) or pd.api.types.is_float_dtype(s):
        return pd.Series([pd.NA if pd.isna(v) else (str(int(v)) if float(v).is_integer() else str(v)) for v in s],
                         index=s.index, dtype="string")
    text = s.astype("string").str.strip()
    return text.mask(text == "")


def _order(returns: pd.DataFrame) -> pd.DataFrame:
    return returns.sort_values(["ilr_year", "period_number", "file_preparation_date", "date_time", "serial_no",
                                "return_id"], na_position="first", kind="stable")


def resolve_return(data: ILRData, ukprn: int, ref: str) -> str:
    """A return of the provider named by its return_id, its period (``R10``, when only one year has it) or
    ``<year> <period>`` / ``<year>/<period>`` (``2023-24 R10``)."""
    r = data.returns[data.returns["ukprn"] == int(ukprn)]
    if (r["return_id"] == ref).any():
        return ref
    text = str(ref).replace("/", " ").split()
    if len(text) == 2:
        hit = r[(r["ilr_year"] == text[0]) & (r["period"] == text[1].upper())]
    elif len(text) == 1:
        hit = r[r["period"] == text[0].upper()]
    else:
        hit = r.iloc[0:0]
    if len(hit) == 1:
        return str(hit["return_id"].iloc[0])
    choices = ", ".join(f"{y} {p} ({i})" for y, p, i in zip(r["ilr_year"], r["period"], r["return_id"], strict=True))
    how = "names several returns" if len(hit) > 1 else "names no return"
    raise ValueError(f"{ref!r} {how} of provider {ukprn}; its returns are: {choices or '(none)'}")


def _outcomes_text(data: ILRData, return_id: str) -> pd.Series:
    """One text per learner (index: learn_ref_number) listing its DPOutcomes: ``EMP 1 from 2024-08-01 (collected
    2024-09-02)``, in a stable order."""
    rows = data.dp_outcomes[data.dp_outcomes["return_id"] == return_id]
    if rows.empty:
        return pd.Series(dtype="string")
    end = (" to " + _text(rows["out_end_date"])).fillna("")  # NA stays NA (a map may give an Arrow null array)
    text = (_text(rows["out_type"]).fillna("?") + " " + _text(rows["out_code"]).fillna("?") + " from "
            + _text(rows["out_start_date"]).fillna("?") + end + " (collected "
            + _text(rows["out_coll_date"]).fillna("?") + ")")
    out = pd.DataFrame({"lrn": rows["learn_ref_number"].astype("string"), "t": text.astype("string")})
    return out.sort_values(["lrn", "t"]).groupby("lrn")["t"].agg("; ".join).astype("string")


def _employment_text(data: ILRData, return_id: str) -> pd.Series:
    st = data.employment_statuses
    st = st[st["return_id"] == return_id]
    if st.empty:
        return pd.Series(dtype="string")
    esm = data.employment_status_monitoring
    esm = esm[esm["return_id"] == return_id]
    keys = ["learn_ref_number", "emp_status_seq"]
    mon = (esm.assign(t=esm["esm_type"].astype("string").fillna("?") + " " + _text(esm["esm_code"]).fillna(""))
           .sort_values([*keys, "t"]).groupby(keys)["t"].agg(", ".join))
    st = st.merge(mon.rename("mon").reset_index(), on=keys, how="left")
    emp = _text(st["emp_id"])
    text = ("EmpStat " + _text(st["emp_stat"]).fillna("?") + " from " + _text(st["date_emp_stat_app"]).fillna("?")
            + (" EmpId " + emp).fillna("") + (" (" + st["mon"].astype("string") + ")").fillna(""))
    out = pd.DataFrame({"lrn": st["learn_ref_number"].astype("string"), "t": text.astype("string")})
    return out.sort_values(["lrn", "t"]).groupby("lrn")["t"].agg("; ".join).astype("string")


def _learner_table(data: ILRData, return_id: str) -> pd.DataFrame:
    people = data.learners[data.learners["return_id"] == return_id].drop_duplicates("learn_ref_number")
    out = pd.DataFrame({f.xml: _text(people[f.column]) for f in _LEARNER_FIELDS}, index=people.index)
    out.index = people["learn_ref_number"].astype("string")
    out["LearnerEmploymentStatus"] = _employment_text(data, return_id).reindex(out.index)
    out["DPOutcome"] = _outcomes_text(data, return_id).reindex(out.index)
    return out


def _aim_table(data: ILRData, return_id: str) -> pd.DataFrame:
    aims = data.deliveries[data.deliveries["return_id"] == return_id].drop_duplicates(
        ["learn_ref_number", "aim_seq_number"])
    out = pd.DataFrame({f.xml: _text(aims[f.column]) for f in _DELIVERY_FIELDS}, index=aims.index)
    keys = ["learn_ref_number", "aim_seq_number"]
    index = pd.MultiIndex.from_frame(aims[keys].astype({"learn_ref_number": "string"}))
    out.index = index
    psm = data.delivery_provider_monitoring
    psm = psm[psm["return_id"] == return_id]
    if len(psm):
        occ = psm["prov_spec_del_mon_occur"].astype("string").str.strip().str.upper().fillna("?")
        wide = (psm.assign(occ="PSM " + occ, t=_text(psm["prov_spec_del_mon"]))
                .drop_duplicates([*keys, "occ"]).astype({"learn_ref_number": "string"})
                .pivot(index=keys, columns="occ", values="t"))
        for c in wide.columns:
            out[c] = wide[c].reindex(index).astype("string").to_numpy()
    fams = data.delivery_fams
    fams = fams[fams["return_id"] == return_id]
    if len(fams):
        ftype = "LearningDeliveryFAM " + fams["learn_del_fam_type"].astype("string").str.strip().str.upper().fillna(
            "?")
        joined = (fams.assign(ft=ftype, t=_text(fams["learn_del_fam_code"]).fillna(""))
                  .astype({"learn_ref_number": "string"}).sort_values([*keys, "ft", "t"])
                  .groupby([*keys, "ft"])["t"].agg(", ".join).unstack("ft"))
        for c in joined.columns:
            out[c] = joined[c].reindex(index).astype("string").to_numpy()
    return out


def _field_changes(old: pd.DataFrame, new: pd.DataFrame, both: pd.Index) -> pd.DataFrame:
    """Rows (index label, field, old, new) where a value differs between ``old`` and ``new`` for labels in
    ``both``; a column only one side has counts as NA on the other."""
    columns = list(dict.fromkeys([*old.columns, *new.columns]))
    parts = []
    for c in columns:
        a = old[c].reindex(both) if c in old else pd.Series(pd.NA, index=both, dtype="string")
        b = new[c].reindex(both) if c in new else pd.Series(pd.NA, index=both, dtype="string")
        a, b = a.astype("string"), b.astype("string")
        differ = (a.isna() != b.isna()) | (a.notna() & b.notna() & (a != b)).fillna(False)
        differ = differ.fillna(False).astype(bool)
        if differ.any():
            parts.append(pd.DataFrame({"key": list(both[differ.to_numpy()]), "field": c,
                                       "old": a[differ].to_numpy(), "new": b[differ].to_numpy()}))
    if not parts:
        return pd.DataFrame(columns=["key", "field", "old", "new"])
    return pd.concat(parts, ignore_index=True)


def change_history(data: ILRData, ukprn: int, from_return: str, to_return: str) -> pd.DataFrame:
    """Every change of provider ``ukprn`` from one return to another (return ids, or periods: see
    :func:`resolve_return`). Values are not masked: use :func:`mask_changes` to display them."""
    ukprn = int(ukprn)
    a, b = resolve_return(data, ukprn, from_return), resolve_return(data, ukprn, to_return)
    returns = data.returns.set_index("return_id")
    rows: list[pd.DataFrame] = []
    old_l, new_l = _learner_table(data, a), _learner_table(data, b)
    uln = new_l["ULN"].combine_first(old_l["ULN"]) if len(new_l) or len(old_l) else pd.Series(dtype="string")
    added = new_l.index.difference(old_l.index)
    removed = old_l.index.difference(new_l.index)
    both = new_l.index.intersection(old_l.index)
    rows.append(pd.DataFrame({"change": LEARNER_ADDED, "learn_ref_number": added}))
    rows.append(pd.DataFrame({"change": LEARNER_REMOVED, "learn_ref_number": removed}))
    lf = _field_changes(old_l, new_l, both)
    rows.append(pd.DataFrame({"change": FIELD_CHANGED, "learn_ref_number": lf["key"], "field": lf["field"],
                              "old": lf["old"], "new": lf["new"]}))

    old_a, new_a = _aim_table(data, a), _aim_table(data, b)
    kept = set(both)
    old_keys = [k for k in old_a.index if k[0] in kept]
    same = [k for k in new_a.index if k in set(old_a.index)
            and old_a.at[k, "LearnAimRef"] == new_a.at[k, "LearnAimRef"]]
    same_set = set(same)
    appeared = [k for k in new_a.index if k not in same_set and (k[0] in kept or k[0] in set(added))]
    gone = [k for k in old_keys if k not in same_set]
    for keys, frame, kind in ((appeared, new_a, "new"), (gone, old_a, "old")):
        if not keys:
            continue
        sel = frame.loc[keys]
        refs = sel["LearnAimRef"]
        is_ms = refs.isin(list(MILESTONE_LABELS)).fillna(False).to_numpy()
        lrn = [k[0] for k in keys]
        seq = [k[1] for k in keys]
        if kind == "new":
            named = sel[[c for c in sel.columns if c.startswith("PSM ")]].apply(
                lambda r: ", ".join(v for v in r if isinstance(v, str)), axis=1) if any(
                c.startswith("PSM ") for c in sel.columns) else pd.Series("", index=sel.index)
            detail = [f"{d if isinstance(d, str) else '(no date)'} (PSM: {n or 'none'})"
                      for d, n in zip(sel["LearnStartDate"], named, strict=True)]
            frame_rows = pd.DataFrame({"learn_ref_number": lrn, "aim_seq_number": seq, "learn_aim_ref": refs.to_numpy(),
                                       "ms": is_ms, "detail": detail})
            new_learner = frame_rows["learn_ref_number"].isin(list(added))
            ms = frame_rows[frame_rows["ms"]]
            rows.append(pd.DataFrame({"change": MILESTONE_CLAIMED, "learn_ref_number": ms["learn_ref_number"],
                                      "aim_seq_number": ms["aim_seq_number"], "learn_aim_ref": ms["learn_aim_ref"],
                                      "field": ms["learn_aim_ref"].map(MILESTONE_LABELS), "new": ms["detail"]}))
            other = frame_rows[~frame_rows["ms"] & ~new_learner]
            rows.append(pd.DataFrame({"change": AIM_ADDED, "learn_ref_number": other["learn_ref_number"],
                                      "aim_seq_number": other["aim_seq_number"],
                                      "learn_aim_ref": other["learn_aim_ref"]}))
        else:
            rows.append(pd.DataFrame({"change": AIM_REMOVED, "learn_ref_number": lrn, "aim_seq_number": seq,
                                      "learn_aim_ref": refs.to_numpy()}))
    if same:
        af = _field_changes(old_a, new_a, pd.MultiIndex.from_tuples(same, names=["learn_ref_number",
                                                                                 "aim_seq_number"]))
        if len(af):
            rows.append(pd.DataFrame({
                "change": FIELD_CHANGED, "learn_ref_number": [k[0] for k in af["key"]],
                "aim_seq_number": [k[1] for k in af["key"]],
                "learn_aim_ref": [new_a.at[k, "LearnAimRef"] for k in af["key"]],
                "field": af["field"], "old": af["old"], "new": af["new"]}))
    rows = [r for r in rows if len(r)]
    if not rows:
        return CHANGES.empty()
    out = pd.concat(rows, ignore_index=True)
    out["ukprn"] = ukprn
    out["ilr_year"] = returns.at[b, "ilr_year"]
    out["from_return"], out["to_return"] = a, b
    out["from_period"], out["to_period"] = returns.at[a, "period"], returns.at[b, "period"]
    out["uln"] = out["learn_ref_number"].astype("string").map(uln)
    return _sort(CHANGES.conform(out))


def _sort(changes: pd.DataFrame) -> pd.DataFrame:
    kind = changes["change"].map({k: i for i, k in enumerate(CHANGE_KINDS)})
    order = changes.assign(_k=kind, _aim=changes["aim_seq_number"].fillna(0))
    order = order.sort_values(["ukprn", "ilr_year", "to_period", "learn_ref_number", "_aim", "_k", "field"],
                              kind="stable", na_position="first")
    return order.drop(columns=["_k", "_aim"]).reset_index(drop=True)


def return_pairs(data: ILRData, ukprn: int | None = None) -> list[tuple[int, str, str]]:
    """(ukprn, earlier return, later return) for every consecutive pair of a provider's returns in one year."""
    pairs = []
    returns = data.returns if ukprn is None else data.returns[data.returns["ukprn"] == int(ukprn)]
    for (p, _year), rows in _order(returns).groupby(["ukprn", "ilr_year"], sort=True):
        ids = list(rows["return_id"])
        pairs += [(int(p), x, y) for x, y in zip(ids, ids[1:], strict=False)]
    return pairs


def change_histories(data: ILRData, ukprn: int | None = None) -> pd.DataFrame:
    """:func:`change_history` for every consecutive pair of each provider's returns within an ILR year."""
    frames = [change_history(data, p, a, b) for p, a, b in return_pairs(data, ukprn)]
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else CHANGES.empty()


def mask_changes(changes: pd.DataFrame, reveal: bool = False) -> pd.DataFrame:
    """A copy with ``old`` and ``new`` masked where ``field`` is a personal ILR element (unless ``reveal``)."""
    if reveal or changes.empty:
        return changes.copy()
    out = changes.copy()
    for column in ("old", "new"):
        masked = mask_frame(pd.DataFrame({"field": out["field"], "value": out[column]}))
        out[column] = masked["value"].astype("string")
    return out


def summary(changes: pd.DataFrame) -> pd.DataFrame:
    """Counts of changes per provider, return pair and kind."""
    if changes.empty:
        return pd.DataFrame(columns=["ukprn", "ilr_year", "from_period", "to_period", *CHANGE_KINDS])
    counts = pd.crosstab([changes["ukprn"], changes["ilr_year"], changes["from_period"], changes["to_period"]],
                         changes["change"]).reindex(columns=list(CHANGE_KINDS), fill_value=0)
    return counts.reset_index().rename_axis(columns=None)
