"""The per-provider functions of a national run: plain pandas in, pandas out.

A provider's *plan* (its rows of :func:`auditkit.national.plan.plan_national`: one per ILR file, with the case's
other inputs as columns) is all a function needs, so each could run wherever its files can be read: as a Dask
task, or under Spark's ``groupBy("ukprn").applyInPandas`` (docs/national.md). What one provider's audit needs of
the others is handed to it: the ILR rows of the learners whose ULNs it shares with them (:func:`shared_rows`,
joined on ULN by the caller) and the employers' co-funded places (``auditkit.rules.co_funders``). With both, the
provider's findings, milestones and KPIs are those of a single-process audit of the whole folder.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from auditkit.case import Case, case_of
from auditkit.national.plan import case_files
from auditkit.privacy import mask_frame
from auditkit.readers.ilr import ILRData, read_ilr
from auditkit.reference.uln import usable_uln
from auditkit.rules import co_funders, first_places

Frames = Mapping[str, pd.DataFrame]
LEARNER = ["return_id", "ukprn", "learn_ref_number"]
#: What :func:`audit_provider` gives: the name of each output and how it is taken from the provider's case.
OUTPUTS = ("findings", "milestones", "kpis", "kpi_members")
#: The columns of the co-funded places (``auditkit.rules.co_funders``).
CO_FUNDER_COLUMNS = ("employer_key", "ukprn", "learn_ref_number", "how")


def _ukprn(plan: pd.DataFrame) -> int:
    ukprns = plan["ukprn"].unique()
    if len(ukprns) != 1:
        raise ValueError(f"a provider's plan names one UKPRN, not {len(ukprns)}")
    return int(ukprns[0])


def read_provider(plan: pd.DataFrame) -> tuple[ILRData, list[str]]:
    """The returns of the provider of ``plan`` (its files read, in plan order) and notes on what was left out: a
    file whose header names another UKPRN than its name (audited by neither: it should be renamed)."""
    ukprn = _ukprn(plan)
    plan = plan.sort_values("order", kind="stable")
    units = list(dict.fromkeys(plan["unit"]))
    data = read_ilr(units, progress=False)
    returns = data.returns
    mine = returns["ukprn"] == ukprn
    named = returns["path"].astype("string").isin(plan["source"].astype("string")).fillna(False).astype(bool)
    notes = [f"{path}: the file is named for UKPRN {ukprn} but its header gives UKPRN {other}; not audited "
             "(rename it ILR-<UKPRN>-... for the provider it holds)"
             for path, other in zip(returns.loc[named & ~mine, "path"], returns.loc[named & ~mine, "ukprn"],
                                    strict=True)]
    return data.select(returns.loc[mine & named, "return_id"]), notes


def provider_keys(data: ILRData) -> pd.DataFrame:
    """The provider's ULNs that identify a person (``ukprn``, ``uln``, each pair once): what the whole-dataset
    join on ULN reads of a provider."""
    keys = data.learners[["ukprn", "uln"]]
    return keys[usable_uln(keys["uln"])].drop_duplicates().reset_index(drop=True)


def shared_rows(data: ILRData, ulns: Iterable[object]) -> dict[str, pd.DataFrame]:
    """The rows of ``data`` about the learners with these ULNs (every entity below a learner), with every return
    of the provider (so that the latest return of each year is known) and no read problems: what another
    provider's audit needs of this one."""
    wanted = pd.Index(pd.unique(np.asarray(list(ulns), dtype=object)))
    learners = data.learners
    people = learners.loc[learners["uln"].isin(wanted), LEARNER].drop_duplicates()
    out: dict[str, pd.DataFrame] = {}
    for name, df in data.frames.items():
        if name == "returns":
            out[name] = df
        elif name != "problems" and set(LEARNER) <= set(df.columns) and len(df) and len(people):
            at = pd.MultiIndex.from_frame(df[LEARNER]).isin(pd.MultiIndex.from_frame(people))
            out[name] = df[at].reset_index(drop=True)
        else:
            out[name] = df.iloc[0:0]
    return out


def combine(own: ILRData, partners: Iterable[Frames], order: Mapping[str, int]) -> ILRData:
    """The provider's data with its partners' rows added, each frame in the order of a single-process read of the
    whole folder (``order``: the place of each ``return_id``; the rows of one return keep theirs)."""
    partners = list(partners)
    if not partners:
        return own
    frames = {}
    for name, df in own.frames.items():
        parts = [df, *(p[name] for p in partners if name in p and len(p[name]))]
        whole = pd.concat(parts, ignore_index=True) if len(parts) > 1 else df
        if len(parts) > 1 and "return_id" in whole.columns:
            place = whole["return_id"].map(order).astype("float64").fillna(np.inf).to_numpy()
            whole = whole.iloc[np.argsort(place, kind="stable")].reset_index(drop=True)
        frames[name] = whole
    return ILRData(frames)


def provider_case(plan: pd.DataFrame, data: ILRData, outside_co_funders: pd.DataFrame | None = None) -> Case:
    """The case of ``data`` with the inputs ``plan`` names; the other providers' co-funded places given to the
    rules when known."""
    case = case_of(case_files(plan), data)
    if outside_co_funders is not None:
        case.context.outside["co_funders"] = outside_co_funders
    return case


def provider_co_funders(plan: pd.DataFrame, own: ILRData) -> pd.DataFrame:
    """The places the provider's learners' employers co-fund (``auditkit.rules.co_funders`` on its own
    returns), each employer's first few: what the other providers' EV_EMP_02 may name."""
    ukprn = _ukprn(plan)
    files = case_files(plan)
    if files.manifest is None and files.documents is None:  # EV_EMP_02, the one reader of them, needs evidence
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CO_FUNDER_COLUMNS})
    places = co_funders(provider_case(plan, own).context)
    return first_places(places[(places["ukprn"] == ukprn).fillna(False).astype(bool)])


def audit_provider(plan: pd.DataFrame, own: ILRData | None = None, partners: Iterable[Frames] = (),
                   outside_co_funders: pd.DataFrame | None = None, *, order: Mapping[str, int] | None = None,
                   unattributed: bool = False) -> dict[str, pd.DataFrame]:
    """The audit of one provider: its findings, milestones, KPI values and KPI members (:data:`OUTPUTS`), masked
    as ``auditkit audit`` writes them. ``own``: its returns (read from ``plan`` when not given); ``partners``:
    the other providers' :func:`shared_rows` of the ULNs it shares; ``outside_co_funders``: their co-funded
    places; ``order``: the place of every return in a single-process read of the whole folder (the plan's
    ``order`` by ``return_id``; by default the plan's returns, then the partners'). Rows of other providers are
    left out; rows of no provider (an evidence row without a UKPRN) only when ``unattributed`` (one provider of a
    run takes them)."""
    ukprn = _ukprn(plan)
    if own is None:
        own = read_provider(plan)[0]
    partners = list(partners)
    if order is None:
        order = dict(zip(plan["return_id"], plan["order"], strict=True))
        for frames in partners:
            order |= {r: order.get(r, len(order)) for r in frames["returns"]["return_id"]}
    case = provider_case(plan, combine(own, partners, order), outside_co_funders)
    out = {"findings": case.findings, "milestones": mask_frame(case.milestones), "kpis": case.kpis.values,
           "kpi_members": mask_frame(case.kpis.members)}
    return {name: _own(frame, ukprn, unattributed) for name, frame in out.items()}


def _own(frame: pd.DataFrame, ukprn: int, unattributed: bool) -> pd.DataFrame:
    keep = (frame["ukprn"] == ukprn).fillna(False).astype(bool)
    if unattributed:
        keep |= frame["ukprn"].isna()
    return frame[keep.to_numpy()].reset_index(drop=True)
