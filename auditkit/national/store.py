"""The Parquet layout of a national run: one dataset per output under the run's folder, partitioned (Hive style)
by ILR year and provider, ``<out>/<table>/ilr_year=2024-25/ukprn=10090001/part-10090001-0.parquet``, written
by each provider's task for its own rows (no two tasks write one file) and read back with the declared types.

The ILR year of a row: its return's (findings: the return its ``source`` names; milestones: their ``ilr_year``;
KPI members: their ``return_id``'s); of a KPI value, the year its month falls in (August to July). A row of no
return has ``ilr_year=__HIVE_DEFAULT_PARTITION__`` (read back as missing).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from auditkit.frames.anomalies import ANOMALIES
from auditkit.frames.fields import Frame
from auditkit.frames.findings import FINDINGS
from auditkit.frames.funding import MILESTONE_FRAME
from auditkit.frames.measures import KPI_MEMBERS, KPI_VALUES

#: Each dataset a national run writes, with the frame declaration its rows follow.
TABLES: dict[str, Frame] = {"findings": FINDINGS, "milestones": MILESTONE_FRAME, "kpis": KPI_VALUES,
                            "kpi_members": KPI_MEMBERS, "anomalies": ANOMALIES}
PARTITIONS = ["ilr_year", "ukprn"]


def ilr_year_of_month(month: pd.Series) -> pd.Series:
    """``2024-09`` -> ``2024-25``: the ILR year (August to July) of a ``YYYY-MM`` month; NA when not a month."""
    parts = month.astype("string").str.extract(r"^(\d{4})-(\d{2})$")
    year = pd.to_numeric(parts[0], errors="coerce")
    start = year.where(pd.to_numeric(parts[1], errors="coerce") >= 8, year - 1)
    text = start.astype("Int64").astype("string") + "-" + ((start + 1) % 100).astype("Int64").astype(
        "string").str.zfill(2)
    return text.astype(object).where(start.notna(), None)


def ilr_years(name: str, frame: pd.DataFrame, returns: pd.DataFrame) -> pd.Series:
    """The ILR year of each row of output ``name`` (see the module docstring); ``returns``: the returns read."""
    by_id = returns.drop_duplicates("return_id").set_index("return_id")["ilr_year"].astype(object)
    if name == "kpis":
        return ilr_year_of_month(frame["month"])
    if name == "milestones":
        return frame["ilr_year"].astype(object)
    if "return_id" in frame.columns:
        return frame["return_id"].map(by_id)
    by_path = returns.drop_duplicates("path").set_index("path")["ilr_year"].astype(object)
    path = frame["source"].astype("string").str.replace(r":\d+$", "", regex=True)
    return path.map(by_path).astype(object)


def write_table(out: Path, name: str, frame: pd.DataFrame, returns: pd.DataFrame, tag: str) -> int:
    """Write ``frame`` (rows of output ``name``) into ``out/name``, partitioned by ILR year and provider, in files
    named ``part-<tag>-N.parquet``; gives the rows written."""
    if frame.empty:
        return 0
    rows = frame.assign(**{"_ilr_year": ilr_years(name, frame, returns).astype("string")})
    if "ilr_year" in rows.columns:
        rows = rows.drop(columns="ilr_year")
    rows = rows.rename(columns={"_ilr_year": "ilr_year"})
    rows = rows.astype({c: "string" for c in rows.columns if rows[c].dtype == object})
    rows["ukprn"] = rows["ukprn"].astype("Int64")
    table = pa.Table.from_pandas(rows, preserve_index=False)
    pq.write_to_dataset(table, out / name, partition_cols=PARTITIONS, basename_template=f"part-{tag}-{{i}}.parquet",
                        existing_data_behavior="overwrite_or_ignore")
    return len(frame)


def remove_provider(out: Path, ukprn: int) -> None:
    """Remove what a provider's task wrote (a task that failed part way: none of its rows is kept)."""
    for name in TABLES:
        for part in (out / name).glob(f"ilr_year=*/ukprn={ukprn}/part-{ukprn}-*.parquet"):
            part.unlink()


def read_national(out: str | Path, name: str, filters: list[tuple[str, str, object]] | None = None) -> pd.DataFrame:
    """Output ``name`` (:data:`TABLES`) of the national run written to ``out``, with its declared columns and
    types (``filters``: pyarrow filters, e.g. ``[("ukprn", "=", 10090001)]``, read only those partitions)."""
    frame_decl = TABLES[name]
    folder = Path(out) / name
    if not folder.is_dir():
        return frame_decl.empty()
    partitioning = ds.partitioning(pa.schema([("ilr_year", pa.string()), ("ukprn", pa.int64())]), flavor="hive")
    dataset = ds.dataset(folder, format="parquet", partitioning=partitioning)
    table = dataset.to_table(filter=pq.filters_to_expression(filters) if filters else None)
    return frame_decl.conform(table.to_pandas())
