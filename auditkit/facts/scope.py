"""Which returns an audit uses, and what the user must be told about the returns that were read.

By default each provider and ILR year is audited on its latest return (:func:`auditkit.readers.ilr.latest_returns`).
A file that was read with problems can still be the latest (a truncated copy with a later date, say), so every
command names the returns read with problems (:func:`read_problem_returns`) and warns when the return it uses
looks incomplete (:func:`scope_warnings`). The user can choose: :func:`choose_returns` keeps only returns
prepared on or before a date (``--as-of``) and makes given returns the latest of their provider and year
(``--return``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from auditkit.errors import InputError
from auditkit.readers.ilr import ILRData, latest_returns

_ORDER = ["ukprn", "ilr_year", "period_number", "file_preparation_date", "date_time", "serial_no", "return_id"]


def _matches(returns: pd.DataFrame, ref: str | Path) -> pd.Series:
    """Returns that ``ref`` names: by return id, file name, or path (as given or resolved)."""
    text = str(ref)
    name = Path(text).name
    paths = returns["path"].astype("string")
    by_name = paths.map(lambda p: Path(str(p).split("::")[-1]).name if pd.notna(p) else None)
    resolved = paths.map(lambda p: str(Path(str(p)).resolve()) if pd.notna(p) and "::" not in str(p) else None)
    wanted = str(Path(text).resolve()) if "::" not in text else text
    return ((returns["return_id"] == text) | (paths == text) | (by_name == name) | (resolved == wanted)).fillna(False)


def choose_returns(data: ILRData, *, returns: Iterable[str | Path] = (), as_of: dt.date | str | None = None
                   ) -> ILRData:
    """The data restricted to the returns an audit should use.

    ``as_of``: only returns whose FilePreparationDate is on or before this date (each provider and year is then
    audited on its latest return by that day). ``returns``: each names a loaded return (by file name, path or
    return id), which becomes the latest of its provider and year: the later snapshots of that provider and year
    are left out. Raises :class:`InputError` naming what matched nothing."""
    chosen = data.returns
    if as_of is not None:
        day = pd.Timestamp(as_of)
        chosen = chosen[chosen["file_preparation_date"] <= day]
        if chosen.empty:
            first = data.returns["file_preparation_date"].min()
            raise InputError(f"no return was prepared on or before --as-of {day:%Y-%m-%d}"
                             + (f" (the earliest was prepared {first:%Y-%m-%d})" if pd.notna(first) else ""))
    refs = list(returns)
    if refs:
        ordered = chosen.sort_values(_ORDER, na_position="first").reset_index(drop=True)
        drop: set[str] = set()
        picked: set[str] = set()
        for ref in refs:
            hit = ordered[_matches(ordered, ref)]
            if hit.empty:
                known = ", ".join(Path(str(p).split("::")[-1]).name for p in data.returns["path"])
                raise InputError(f"--return {ref}: no such return was read (returns read: {known or 'none'})")
            if len(hit) > 1:
                raise InputError(f"--return {ref}: names {len(hit)} returns ({', '.join(hit['path'])}); give the "
                                 "full path")
            row = hit.iloc[0]
            picked.add(row["return_id"])
            same = ordered[(ordered["ukprn"] == row["ukprn"]) & (ordered["ilr_year"] == row["ilr_year"])]
            drop.update(ordered.loc[same.index[same.index > hit.index[0]], "return_id"])
        if picked & drop:
            raise InputError(f"--return names more than one return of a provider and year ({', '.join(sorted(picked))}"
                             "); give one return per provider and year")
        chosen = ordered[~ordered["return_id"].isin(drop)]
    if len(chosen) == len(data.returns):
        return data
    return data.select(chosen["return_id"])


def read_problem_returns(data: ILRData, used: ILRData | None = None) -> pd.DataFrame:
    """One row per file read with problems: ``file``, ``return_id``, ``ukprn``, ``ilr_year``, ``period``,
    ``errors``, ``warnings``, ``learners`` (read), ``latest`` (the return is the latest of its provider and year
    in ``used``, the returns the audit uses, by default ``data``), ``read`` (False for a file that was not read
    at all)."""
    problems = data.problems
    columns = ["file", "return_id", "ukprn", "ilr_year", "period", "errors", "warnings", "learners", "latest", "read"]
    if problems.empty:
        return pd.DataFrame(columns=columns)
    counts = (problems.assign(error=problems["severity"] == "error", warning=problems["severity"] != "error")
              .groupby(["file"], sort=True, dropna=False)
              .agg(return_id=("return_id", "first"), errors=("error", "sum"), warnings=("warning", "sum"))
              .reset_index())
    facts = data.returns[["return_id", "ukprn", "ilr_year", "period", "learner_count"]]
    out = counts.merge(facts, on="return_id", how="left")
    latest = set(latest_returns((used or data).returns)["return_id"])
    out = out.assign(learners=out["learner_count"].fillna(0).astype(int),
                     latest=out["return_id"].isin(latest), read=out["return_id"].notna(),
                     errors=out["errors"].astype(int), warnings=out["warnings"].astype(int))
    return out[columns].reset_index(drop=True)


def scope_warnings(data: ILRData) -> list[str]:
    """Warnings about the returns an audit uses: a latest return read with errors, or with fewer learners than
    an earlier snapshot of the same provider and year (a truncated or partial copy)."""
    warnings: list[str] = []
    returns = data.returns
    if returns.empty:
        return warnings
    errors = data.problems[data.problems["severity"] == "error"].groupby("return_id").size()
    for row in latest_returns(returns).itertuples(index=False):
        same = returns[(returns["ukprn"] == row.ukprn) & (returns["ilr_year"] == row.ilr_year)
                       & (returns["return_id"] != row.return_id)]
        n_errors = int(errors.get(row.return_id, 0))
        fuller = same[same["learner_count"] > row.learner_count]
        reasons = []
        if n_errors:
            reasons.append(f"was read with {n_errors} error{'s' if n_errors != 1 else ''}")
        if len(fuller):
            best = fuller.sort_values("learner_count").iloc[-1]
            reasons.append(f"has {row.learner_count} learners, fewer than the {best['learner_count']} of the earlier "
                           f"return {Path(str(best['path'])).name}")
        if reasons:
            warnings.append(f"The latest return of {row.ukprn} {row.ilr_year}, {Path(str(row.path)).name}, "
                            + " and ".join(reasons) + "; the audit uses it. Choose another with --return FILE or "
                            "--as-of DATE.")
    return warnings


def problem_lines(data: ILRData, used: ILRData | None = None, limit: int = 10) -> list[str]:
    """The lines every command prints about the files of ``data`` read with problems and about the returns the
    audit uses (``used``, by default ``data``); none when all is well."""
    table = read_problem_returns(data, used)
    lines = []
    if len(table):
        lines.append(f"{len(table)} file{'s' if len(table) != 1 else ''} read with problems "
                     "(auditkit load FILE lists them):")
        # the returns the audit uses first, then the rest; at most ``limit`` lines
        table = table.sort_values(["latest", "file"], ascending=[False, True], kind="stable")
        for r in table.head(limit).itertuples(index=False):
            what = (f"{r.errors} errors, {r.warnings} warnings, {r.learners} learners read"
                    + ("; the audit uses it (the latest return of its provider and year)" if r.latest else
                       "; not the return the audit uses")
                    if r.read else "not read")
            lines.append(f"  {r.file}: {what}")
        if len(table) > limit:
            lines.append(f"  ... and {len(table) - limit} more files read with problems")
    warnings = scope_warnings(used or data)
    lines += [f"Warning: {w}" for w in warnings[:limit]]
    if len(warnings) > limit:
        lines.append(f"... and {len(warnings) - limit} more warnings about the returns used (auditkit load lists "
                     "them all)")
    return lines


# -- what a snapshot sees (the case as of a day: ``Case.as_of``, KPI trends) ---------------------------------------

def snapshot_view(data: ILRData, as_of: dt.date | str | pd.Timestamp) -> ILRData:
    """Every return prepared on or before ``as_of``, keeping the latest of each provider and ILR year."""
    r = data.returns
    eligible = r[(r["file_preparation_date"] <= pd.Timestamp(as_of)).fillna(False).astype(bool)]
    return data.select(latest_returns(eligible)["return_id"])


def evidence_as_of(evidence: pd.DataFrame | None, day: pd.Timestamp) -> pd.DataFrame | None:
    """The evidence documents that existed on ``day``: dated (``document_date``) on or before it; undated rows are
    kept."""
    if evidence is None or "document_date" not in evidence:
        return evidence
    when = pd.to_datetime(evidence["document_date"], errors="coerce")
    return evidence[(when.isna() | (when <= day)).to_numpy()].reset_index(drop=True)


def employers_as_of(employers: pd.DataFrame | None, day: pd.Timestamp) -> pd.DataFrame | None:
    """The register with the satisfaction scores given after ``day`` (``date_contacted``) left empty."""
    if employers is None or "date_contacted" not in employers or "satisfaction" not in employers:
        return employers
    later = (pd.to_datetime(employers["date_contacted"], errors="coerce") > day).fillna(False).to_numpy()
    return employers.assign(satisfaction=employers["satisfaction"].astype("Float64").mask(later))
