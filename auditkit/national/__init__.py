"""The national run: every provider's returns audited as one task each on a Dask cluster, then the whole-dataset
rules joined on ULN, the results written as Parquet partitioned by ILR year and provider (layer 6, beside the case).

- :mod:`auditkit.national.plan`: the providers of a folder and their files (one row per ILR file);
- :mod:`auditkit.national.provider`: the per-provider functions, plain pandas in and out (Spark's
  ``applyInPandas`` could run them; see docs/national.md);
- :mod:`auditkit.national.store`: the Parquet layout, written per provider and read back;
- :mod:`auditkit.national.run`: the run on a Dask cluster (a ``LocalCluster`` unless a scheduler is given).
"""

from auditkit.national.plan import plan_national
from auditkit.national.provider import audit_provider, provider_keys, read_provider, shared_rows
from auditkit.national.run import NationalError, NationalRun, run_national
from auditkit.national.store import TABLES, read_national

__all__ = ["TABLES", "NationalError", "NationalRun", "audit_provider", "plan_national", "provider_keys",
           "read_national", "read_provider", "run_national", "shared_rows"]
