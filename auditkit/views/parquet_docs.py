"""Generate ``docs/parquet.md``, the layout of the Parquet cache of the ILR frames, from the frame declarations
(run ``auditkit docs``; a test keeps it current)."""

from __future__ import annotations

from auditkit.frames.arrow import ARROW_TYPES
from auditkit.frames.ilr import ILR_FRAMES
from auditkit.readers import ilr
from auditkit.readers.ilr_cache import CACHE_FOLDER, ILR_FOLDER, MIN_BYTES, NULL_PARTITION, ORDER

_ROOT = f"CASE/{CACHE_FOLDER.as_posix()}/{ILR_FOLDER}"
_INTRO = f"""# The Parquet cache of the ILR frames

Generated from the frame declarations (`auditkit/frames/`) and `auditkit/readers/ilr_cache.py` by
`auditkit docs`; do not edit by hand (a test checks it).

## What it is, and the personal data it holds

When a case is opened from **one case folder** (`auditkit check CASE`, `open_case("CASE")`), the first load of each
ILR return of at least {MIN_BYTES // 2**20} MiB parses its XML and writes its frames as Parquet files inside the case
folder, under `CASE/{CACHE_FOLDER.as_posix()}/{ILR_FOLDER}/`; later loads read those files instead of parsing the XML
again, and give exactly the frames the XML gives (values, dtypes, order, the `problems` naming file and line).
Smaller returns parse faster than their cache files open and are parsed every time. A case given as files, zips or
several paths has no case folder to hold a cache and is parsed every time.

**The cache holds personal data, unmasked: names, dates of birth, NI numbers, addresses, phone numbers and e-mail
addresses of learners. It is OFFICIAL-SENSITIVE, like the ILR returns it is made from.** It is written only inside
the case folder (never in a shared or temporary folder), so it is held, copied, backed up and deleted with the case.
Returns no longer in the case folder (changed or removed) are deleted from the cache at the next cached load.

- **Delete it:** remove the folder `CASE/{CACHE_FOLDER.as_posix()}` (e.g. `rm -r CASE/{CACHE_FOLDER.as_posix()}`);
  the next load parses the XML and writes it again.
- **Do without it:** `--no-cache` on any command that opens a case (`auditkit check CASE --no-cache`), or
  `open_case(..., cache=False)`, parses every file and neither reads nor writes the cache.
- **Trust:** the cache is as trustworthy as the case folder: whoever can write the case folder can change the
  cache. When that matters (evidence for a finding), run with `--no-cache`.

## When a return is read again

A cached return is found by the SHA-256 of its bytes, and used only when it was written from the same file name
(which gives the return id and the collection period), by the same reader schema version (`SCHEMA_VERSION` in
`auditkit/readers/ilr.py`, now {ilr.SCHEMA_VERSION}) and under the same reading limits (`auditkit/readers/limits.py`).
Otherwise the return is parsed again and its cache files rewritten. A cache file that cannot be read, or does
not hold what its name and the return's `returns` file say (another return, frame or version, other columns, types
or row counts, a file missing), is never used: a warning names the file, and the return is parsed from its XML
again (and its cache rewritten).

## Layout

One folder per frame, partitioned Hive-style by ILR year and provider, one file per return named by the SHA-256 of
the return's XML:

```
CASE/{CACHE_FOLDER.as_posix()}/{ILR_FOLDER}/
  <frame>/ilr_year=<YYYY-YY>/ukprn=<UKPRN>/<sha256>.parquet
```

e.g. `learners/ilr_year=2024-25/ukprn=10090001/3f5a….parquet`. A return without an ILR year or UKPRN is in the
partition `{NULL_PARTITION}` (read as NULL). A frame that is empty for a return has no file; the return's
`returns` file (written last, so it marks the return complete) counts the rows of every frame in its key-value
metadata (`auditkit`: a JSON object with `sha256`, `file_name`, `reader_version`, `limits`, `frame`, `rows`).
The partition columns `ilr_year` and `ukprn` are also columns of the files where the frame has them (`ukprn` in
every entity frame, both in `returns`), with the same values.

Text is Parquet `STRING` (UTF-8), whole numbers `INT64`, decimals `DOUBLE`, booleans `BOOLEAN`, dates and
date-times `TIMESTAMP(NANOS)` not adjusted to UTC (the clock times the file gives; a date is its midnight). Every
column is nullable.

Reading it with auditkit: `case.sql(...)` and `auditkit sql CASE "SELECT ..."` have a table `cache_<frame>` for
each frame cached (`cache_learners`, `cache_deliveries`, ...), every cached return scanned from the files as the
query goes; its personal columns are left out unless revealed (`reveal=True`, `--reveal`).

Reading it elsewhere:

- DuckDB: `SELECT ilr_year, ukprn, count(*) FROM read_parquet('{_ROOT}/learners/*/*/*.parquet',
  hive_partitioning = true) GROUP BY ALL`
- Spark: `spark.read.parquet("CASE/{CACHE_FOLDER.as_posix()}/{ILR_FOLDER}/learners")` (Spark before 3.2 cannot read
  nanosecond timestamps; later versions read them with `spark.sql.legacy.parquet.nanosAsLong=true` as numbers)
- Trino (Hive connector): an external table over the frame's folder, `partitioned_by = ARRAY['ilr_year', 'ukprn']`
  with `timestamp(9)` columns.

## Frames
"""

_TYPES = {"string": "STRING", "int64": "INT64", "double": "DOUBLE", "bool": "BOOLEAN",
          "timestamp[ns]": "TIMESTAMP(NANOS)"}


def parquet_markdown() -> str:
    """The whole of ``docs/parquet.md``."""
    frames = {f.name: f for f in ILR_FRAMES}
    out = [_INTRO]
    for name in ORDER:
        frame = frames[name]
        out += [f"### `{name}/`", "", frame.description, "",
                "| column | Parquet type | pandas dtype | personal | description |", "|---|---|---|---|---|"]
        for f in frame.fields:
            out.append(f"| `{f.column}` | {_TYPES[ARROW_TYPES[f.kind]]} | {f.dtype} | {f.personal or ''} | "
                       f"{f.description.replace('|', '/')} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
