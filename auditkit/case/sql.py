"""SQL over a case: DuckDB with every frame of the case as a table (personal values masked unless revealed).

``case.sql("SELECT ukprn, count(*) FROM findings GROUP BY ukprn")``. The tables are:

- the ILR frames of the returns audited (``learners``, ``deliveries``, ... as :data:`auditkit.frames.FRAMES`
  names them); ``returns_read`` (every return read) and ``learners_all_returns`` (the learners of every snapshot);
- ``findings``, ``milestones``, ``funding``, ``kpi_values``, ``kpi_members``, ``kpi_trends``, ``changes``;
- with evidence, ``evidence`` and ``employers``.

- with a Parquet cache (a case folder), ``cache_<frame>`` for each ILR frame cached (``cache_learners``,
  ``cache_deliveries``, ...): every cached return, scanned from the files as the query goes (so a query may
  aggregate more than memory holds). The cache holds personal values unmasked: its personal columns are left out
  of these tables unless revealed.

A query computes only the frames it names. DuckDB's access to files is switched off (and the setting locked): a
query reads the case's frames and the cache files auditkit hands it, never a file it names, so the session is no
way around the case folder. ``docs/parquet.md`` says how DuckDB, Spark or Trino read the cache files directly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from auditkit.errors import InputError
from auditkit.frames.fields import Frame
from auditkit.frames.ilr import ILR_FRAMES
from auditkit.privacy import PERSONAL_COLUMNS, mask_frame
from auditkit.readers.ilr_cache import linked

if TYPE_CHECKING:
    from auditkit.case.case import Case

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def case_tables(case: Case, reveal: bool = False) -> dict[str, Callable[[], pd.DataFrame]]:
    """Each table's name and how to compute it (masked unless ``reveal``)."""
    def masked(get: Callable[[], pd.DataFrame]) -> Callable[[], pd.DataFrame]:
        return lambda: mask_frame(get(), reveal=reveal)

    tables: dict[str, Callable[[], pd.DataFrame]] = {
        name: masked(lambda name=name: case.context.data.frames[name])  # type: ignore[misc]
        for name in case.context.data.frames}
    tables["returns_read"] = lambda: case.loaded.returns
    tables["learners_all_returns"] = masked(lambda: case.data.learners)
    tables.update({
        "findings": lambda: case.raw_findings if reveal else case.findings,
        "milestones": lambda: case.milestones,
        "funding": lambda: case.funding,
        "kpi_values": lambda: case.kpis.values,
        "kpi_members": lambda: case.kpis.members,
        "kpi_trends": lambda: case.trends,
        "changes": lambda: case.raw_changes if reveal else case.changes,
    })
    if case.evidence is not None:
        tables["evidence"] = masked(lambda: case.evidence.evidence)  # type: ignore[union-attr]
    if case.employers is not None:
        tables["employers"] = lambda: case.employers
    return tables


def run_sql(case: Case, query: str, *, reveal: bool = False) -> pd.DataFrame:
    """The result of ``query`` (DuckDB SQL) over the case's tables (see the module). Raises :class:`InputError`
    with DuckDB's message for a query it refuses."""
    import duckdb

    tables = case_tables(case, reveal)
    cached = cache_tables(case, reveal)
    named = {w.lower() for w in _WORD.findall(query)}
    con = duckdb.connect(":memory:")
    try:
        for name, get in tables.items():
            if name.lower() in named:
                con.register(name, _plain(get()))
        for name, make in cached.items():
            if name.lower() in named:
                con.register(name, make())
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        try:
            return con.execute(query).fetchdf()
        except duckdb.Error as error:
            known = ", ".join(sorted([*tables, *cached]))
            raise InputError(f"the query failed: {str(error).splitlines()[0]} (tables: {known})") from error
    finally:
        con.close()


def cache_tables(case: Case, reveal: bool = False) -> dict[str, Callable[[], object]]:
    """``cache_<frame>`` and how to open it: a pyarrow dataset of that frame's cache files (without the personal
    columns unless ``reveal``); none when the case has no cache."""
    root = case.cache
    if root is None or not root.is_dir() or linked(root):  # the cache's own rule: no way out of the case folder
        return {}
    out: dict[str, Callable[[], object]] = {}
    for frame in ILR_FRAMES:
        files = sorted(p for p in (root / frame.name).glob("*/*/*.parquet") if not p.is_symlink())
        if files:
            out[f"cache_{frame.name}"] = partial(_dataset, frame, files, reveal)
    return out


def _dataset(frame: Frame, files: list[Path], reveal: bool) -> object:
    import pyarrow.dataset as ds

    from auditkit.frames.arrow import arrow_schema

    schema = arrow_schema(frame)
    if not reveal:
        schema = _without(schema, [f.column for f in frame.fields if f.column in PERSONAL_COLUMNS])
    return ds.dataset([str(f) for f in files], schema=schema, format="parquet")


def _without(schema: Any, columns: list[str]) -> Any:
    """``schema`` (a pyarrow schema) without ``columns``."""
    for name in columns:
        schema = schema.remove(schema.get_field_index(name))
    return schema


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with pandas' nullable string columns as objects (every DuckDB version reads those)."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_string_dtype(out[column]) and not pd.api.types.is_object_dtype(out[column]):
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out
