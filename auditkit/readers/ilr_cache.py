"""A Parquet cache of the ILR frames, inside the case folder (issue 19; the layout is ``docs/parquet.md``).

The first load of a return parses its XML and writes its frames as Parquet files; a later load of the same bytes
(by SHA-256), under the same file name, reader schema version (:data:`auditkit.readers.ilr.SCHEMA_VERSION`) and
reading limits, reads them back instead: the same frames, dtypes and order as :func:`~auditkit.readers.ilr.read_ilr`
gives. A changed file is a different SHA-256 and is parsed again; a cache file that cannot be read, or does not
hold what its name says, is reported with a warning naming it and the return is parsed from the XML again.

Layout, under ``<case>/.auditkit/cache/ilr/``: one folder per frame, partitioned Hive-style by ILR year and
provider, one file per return named by its SHA-256::

    learners/ilr_year=2024-25/ukprn=10090001/<sha256>.parquet

The ``returns`` file of a return is written last: it marks the return's files complete. The cache holds personal
data (OFFICIAL-SENSITIVE): it lives only inside the case folder, and deleting ``<case>/.auditkit/cache`` removes it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import warnings
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from auditkit.errors import ILRFileError
from auditkit.frames.arrow import arrow_schema, from_arrow
from auditkit.frames.ilr import ILR_FRAMES, PROBLEMS
from auditkit.readers import ilr
from auditkit.readers.discover import ILRSource, find_ilr_files
from auditkit.readers.ilr_parallel import workers_wanted
from auditkit.readers.limits import Limits

#: Returns smaller than this are parsed at every load: their XML parses faster than their cache files open
#: (measured on the samples, about 120 KB a return: 10 ms to parse, 25-50 ms to read from a cache).
MIN_BYTES = 1 << 20
#: The cache's folder inside a case folder.
CACHE_FOLDER = Path(".auditkit") / "cache"
#: The ILR frames' folder inside :data:`CACHE_FOLDER`.
ILR_FOLDER = "ilr"
#: The Hive partition of a missing value (what Spark, Trino and DuckDB read as NULL).
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
#: The key of auditkit's metadata in each Parquet file's schema.
META_KEY = b"auditkit"
#: The frames of one return, in the order :func:`~auditkit.readers.ilr.read_ilr` gives them (``returns`` last on
#: disk: it marks the return complete).
FRAME_NAMES = tuple(f.name for f in ILR_FRAMES)
_FRAMES = {f.name: f for f in ILR_FRAMES}
#: The order of the frames in what read_ilr gives.
ORDER = (*(e.frame for e in ilr.ENTITIES), "returns", "source_files", "problems", "unknown_elements")


class CacheWarning(UserWarning):
    """A cache file that could not be used: the return was read from its XML again."""


def cache_folder(case_folder: str | Path) -> Path:
    """Where the ILR frames of the case in ``case_folder`` are cached."""
    return Path(case_folder) / CACHE_FOLDER / ILR_FOLDER


def case_folder_of(paths: Iterable[str | Path]) -> Path | None:
    """The case folder that can hold a cache: ``paths`` is one folder; None for files, zips or several paths."""
    given = [Path(p) for p in paths]
    return given[0] if len(given) == 1 and given[0].is_dir() else None


def read_ilr_cached(paths: Iterable[str | Path], cache: str | Path | None, *, progress: bool | None = None,
                    errors: str = "raise", min_bytes: int | None = None) -> ilr.ILRData:
    """What ``read_ilr(paths, progress=progress, errors=errors)`` gives, through the cache under the folder
    ``cache`` (see the module) for the returns of at least ``min_bytes`` (default :data:`MIN_BYTES`); ``cache=None``
    reads without one."""
    paths = list(paths)
    min_bytes = MIN_BYTES if min_bytes is None else min_bytes
    if errors not in ("raise", "report"):
        raise ValueError("errors must be 'raise' or 'report'")
    sources = find_ilr_files(paths) if cache is not None else []
    if cache is None or not any(s.size >= min_bytes for s in sources):
        return ilr.read_ilr(paths, progress=progress, errors=errors)
    root = Path(cache)
    if linked(root):
        warnings.warn(f"{root}: the ILR cache goes through a symbolic link, which could lead out of the case folder; "
                      "the case is read without it", CacheWarning, stacklevel=2)
        return ilr.read_ilr(paths, progress=progress, errors=errors)
    key = _key()
    taken: set[str] = set()
    seen: dict[str, str] = {}
    parts: list[tuple[str, dict[str, pd.DataFrame]] | pd.DataFrame] = []  # a return, or a file's problem
    with ilr._gc_paused():
        for source in sources:
            rid = ilr._return_id(source, taken)
            sha = _sha256(source)
            if sha is not None and sha in seen:
                parts.append(_same_bytes(source, seen[sha]))
                taken.discard(rid)
                continue
            cached = sha is not None and source.size >= min_bytes
            got = _load(root, sha, source, key) if cached and sha is not None else None
            if got is None:
                got = _parse(source, errors, progress)
                if got["returns"].empty:  # not read (errors="report"): its problem row
                    parts.append(got["problems"])
                    taken.discard(rid)
                    continue
                parsed = str(got["returns"]["sha256"].iloc[0])
                if parsed in seen:  # could not be hashed before, and the same bytes as an earlier file
                    parts.append(_same_bytes(source, seen[parsed]))
                    taken.discard(rid)
                    continue
                if cached:
                    _store(root, parsed, source, key, got)
            frames = got
            seen[str(frames["returns"]["sha256"].iloc[0])] = source.name
            parts.append((rid, _renamed(frames, rid, source.name)))
    _prune(root, set(seen))
    return ilr.ILRData(_assemble(parts))


def linked(root: Path) -> bool:
    """Whether the cache folder, the two folders above it (``.auditkit/cache``) or a folder in it is a symbolic link
    (reading or writing through it could leave the case folder)."""
    if any(p.is_symlink() for p in (root, root.parent, root.parent.parent)):
        return True
    if not root.is_dir():
        return False
    return any(p.is_symlink() for p in root.iterdir()) or any(p.is_symlink() for p in root.glob("*/*")) or any(
        p.is_symlink() for p in root.glob("*/*/*"))


# -- reading and writing one return ---------------------------------------------------------------------------

def _key() -> dict[str, Any]:
    """What besides the bytes and the file name decides the frames a file gives."""
    return {"reader_version": ilr.SCHEMA_VERSION, "limits": asdict(Limits.current())}


def _sha256(source: ILRSource) -> str | None:
    """The file's SHA-256, or None when it cannot be opened (the reader then says why)."""
    try:
        with source.open() as raw:
            sha = hashlib.sha256()
            while chunk := raw.read(1 << 20):
                sha.update(chunk)
            return sha.hexdigest()
    except (ILRFileError, OSError):
        return None


def _parse(source: ILRSource, errors: str, progress: bool | None) -> dict[str, pd.DataFrame]:
    """One file's frames as the reader gives them alone (its problems in file order, as in any read), with the
    reader's processes."""
    return ilr._read_all([source], ilr._Collector(), ilr._progress_bar([source], progress), errors,
                         workers_wanted(None))


def _partition(frames: dict[str, pd.DataFrame]) -> Path:
    row = frames["returns"].iloc[0]
    year, ukprn = row["ilr_year"], row["ukprn"]
    return Path(f"ilr_year={NULL_PARTITION if pd.isna(year) else year}") / (
        f"ukprn={NULL_PARTITION if pd.isna(ukprn) else int(ukprn)}")


def _meta(sha: str, source: ILRSource, key: dict[str, Any], frame: str, rows: dict[str, int]) -> dict[str, Any]:
    return {**key, "sha256": sha, "file_name": source.file_name, "name": source.name, "frame": frame, "rows": rows}


def _store(root: Path, sha: str, source: ILRSource, key: dict[str, Any], frames: dict[str, pd.DataFrame]) -> None:
    """Write one return's frames (``returns`` last); a cache that cannot be written is warned about, not fatal."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    part = _partition(frames)
    rows = {name: len(frames[name]) for name in ORDER}
    try:
        for name in (*(n for n in ORDER if n != "returns"), "returns"):
            path = root / name / part / f"{sha}.parquet"
            for stale in root.glob(f"{name}/*/*/{sha}.parquet"):  # an earlier version of the cache
                stale.unlink()
            if not rows[name]:  # an empty frame has no file: its rows are counted in the returns file
                continue
            table = pa.Table.from_pandas(frames[name], schema=arrow_schema(_FRAMES[name]), preserve_index=False)
            meta = json.dumps(_meta(sha, source, key, name, rows)).encode()
            table = table.replace_schema_metadata({**(table.schema.metadata or {}), META_KEY: meta})
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{sha}.{os.getpid()}.tmp")
            pq.write_table(table, tmp, version="2.6")  # 2.6: timestamps keep their nanoseconds
            os.replace(tmp, path)
    except (OSError, pa.ArrowException) as exc:
        warnings.warn(f"{root}: the ILR cache could not be written ({exc}); the case is read without it",
                      CacheWarning, stacklevel=3)


class _Unusable(Exception):
    """A cache file that cannot be used; the message says why."""


def _load(root: Path, sha: str, source: ILRSource, key: dict[str, Any]) -> dict[str, pd.DataFrame] | None:
    """One return's frames from the cache, or None (not there, made by another reader version or from another
    file name, or unusable: then with a warning naming the cache file)."""
    found = sorted(root.glob(f"returns/*/*/{sha}.parquet"))
    if not found:
        return None
    path = found[0]
    try:
        meta = _read_meta(path)
        if (meta.get("reader_version"), meta.get("limits"), meta.get("file_name")) != (
                key["reader_version"], key["limits"], source.file_name):
            return None  # written by another reader version, limits or file name: read again and rewrite
        part = path.parent.relative_to(root / "returns")
        rows = meta.get("rows")
        if not isinstance(rows, dict) or set(rows) != set(ORDER):
            raise _Unusable("no row counts")
        frames = {}
        for name in ORDER:
            path = root / name / part / f"{sha}.parquet"
            frames[name] = _read_frame(path, sha, name, meta, int(rows[name]))
        counts = frames["returns"][["learner_count", "delivery_count"]].iloc[0].tolist()
        if len(frames["returns"]) != 1 or counts != [len(frames["learners"]), len(frames["deliveries"])]:
            raise _Unusable("its learners and aims are not those its returns row counts")
        return frames
    except _Unusable as exc:
        reason = str(exc)
    except Exception as exc:  # noqa: BLE001  # pyarrow raises many kinds on a damaged file; none may stop a load
        reason = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
    warnings.warn(f"{path}: the cache file cannot be used ({reason}); {source.name} is read from the XML again",
                  CacheWarning, stacklevel=3)
    return None


def _read_meta(path: Path) -> dict[str, Any]:
    import pyarrow.parquet as pq

    if not path.is_file():
        raise _Unusable("missing")
    raw = (pq.read_schema(path).metadata or {}).get(META_KEY)
    if raw is None:
        raise _Unusable("no auditkit metadata")
    meta = json.loads(raw)
    if not isinstance(meta, dict):
        raise _Unusable("bad auditkit metadata")
    return meta


def _read_frame(path: Path, sha: str, name: str, meta: dict[str, Any], rows: int) -> pd.DataFrame:
    import pyarrow.parquet as pq

    frame = _FRAMES[name]
    if rows == 0:
        if path.exists():
            raise _Unusable("a file where the frame is empty")
        return frame.empty()
    table = pq.read_table(path)
    mine = json.loads((table.schema.metadata or {}).get(META_KEY, b"{}"))
    if not isinstance(mine, dict) or (mine.get("sha256"), mine.get("frame"), mine.get("reader_version")) != (
            sha, name, meta["reader_version"]):
        raise _Unusable("it holds another return, frame or reader version")
    if not table.schema.remove_metadata().equals(arrow_schema(_FRAMES[name])) or table.num_rows != rows:
        raise _Unusable("not the declared columns, types and rows")
    try:
        return from_arrow(table, frame)
    except (TypeError, ValueError) as exc:
        raise _Unusable(str(exc)) from exc


def _prune(root: Path, keep: set[str]) -> None:
    """Remove the cached returns the case no longer holds (changed or removed files): personal data not kept
    longer than needed."""
    if not root.is_dir():
        return
    for path in root.glob("*/*/*/*.parquet"):
        if path.stem not in keep:
            with contextlib.suppress(OSError):
                path.unlink()


# -- one ILRData from the returns -----------------------------------------------------------------------------

def _same_bytes(source: ILRSource, earlier: str) -> pd.DataFrame:
    return PROBLEMS.conform([{"file": source.name, "return_id": None, "line": None, "entity": None, "field": None,
                              "value": None, "severity": "warning",
                              "message": f"same bytes as {earlier}; not read twice"}])


def _renamed(frames: dict[str, pd.DataFrame], rid: str, name: str) -> dict[str, pd.DataFrame]:
    """A return's frames under this load's return id and file name (a cache written under other ones: the same
    file in another folder, or a return id taken by an earlier file of the same name)."""
    old_rid = str(frames["returns"]["return_id"].iloc[0])
    old_name = str(frames["returns"]["path"].iloc[0])
    if (old_rid, old_name) == (rid, name):
        return frames
    out = {}
    for key, df in frames.items():
        df = df.copy()
        if "return_id" in df and len(df):
            df["return_id"] = df["return_id"].mask(df["return_id"] == old_rid, rid)
        if key == "returns":
            df["path"] = df["path"].mask(df["path"] == old_name, name)
        if key in ("problems", "unknown_elements") and len(df):
            df["file"] = df["file"].mask(df["file"] == old_name, name)
        out[key] = df
    return out


def _assemble(parts: list[tuple[str, dict[str, pd.DataFrame]] | pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The frames of every return in the order ``read_ilr`` gives them: rows return by return, and problems file by
    file (a file's own in file order; the problem of a file not read where the file came)."""
    out = {name: _concat(name, [p[1][name] for p in parts if isinstance(p, tuple)]) for name in ORDER
           if name != "problems"}
    out["problems"] = _concat("problems", [p if isinstance(p, pd.DataFrame) else p[1]["problems"] for p in parts])
    return {name: out[name] for name in ORDER}


def _concat(name: str, frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return _FRAMES[name].empty()
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    return pd.concat(frames, ignore_index=True)
