"""A national run on a Dask distributed cluster: every provider's returns audited as one task each, the
whole-dataset rules joined on ULN, the results written as partitioned Parquet (:mod:`auditkit.national.store`).

The stages, each a task per provider (a worker runs one task at a time, so it holds one provider at a time):

1. **read**: the provider's returns, kept in the run's work folder; the driver gets its ULNs and co-funded places;
2. **join** (on the driver, over those small extracts): the ULNs at more than one provider, and which providers
   share each; the cross-provider anomalies (AN_ULN_01) over the shared learners' rows;
3. **extract**: each provider that shares ULNs keeps the rows of those learners for the others;
4. **audit**: each provider audited with its partners' rows of the ULNs it shares (so the whole-dataset rules,
   W5_M1_01, W5_M2_05, W5_COMP_03 and the milestone links across providers, see them) and the others' co-funded
   places (EV_EMP_02); its findings, milestones and KPIs written as Parquet.

A provider whose task fails is reported (its UKPRN, files and the error, in ``failures.csv``) and left out; the
others' results are kept. The work folder (personal data) is removed at the end unless kept.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from auditkit.anomalies import run_detectors
from auditkit.errors import InputError
from auditkit.facts.context import RuleContext
from auditkit.national.plan import plan_national
from auditkit.national.provider import CO_FUNDER_COLUMNS, OUTPUTS, combine
from auditkit.national.store import TABLES, remove_provider, write_table
from auditkit.national.tasks import audit_task, extract_task, failure_text, read_task, shared_file
from auditkit.privacy import mask_frame
from auditkit.readers.ilr import ILRData

#: Seconds to wait for a scheduler given by address.
SCHEDULER_TIMEOUT = 10
#: The work folder inside the run's output folder.
WORK = ".national-work"
#: What a run says it did, in its output folder (its presence marks a folder a national run wrote).
SUMMARY = "national.json"
#: The cross-provider anomaly detectors run over the shared learners.
CROSS_PROVIDER_DETECTORS = ["AN_ULN_01"]


class NationalError(InputError):
    """A national run that cannot start: no scheduler at the address given, a folder without returns."""


@dataclass
class NationalRun:
    """What a national run did: per provider (``providers``: UKPRN, files, returns, learners, rows written per
    output, worker), the ``failures`` (UKPRN, stage, files, error), notes, the ULNs shared by providers and the
    peak memory of each worker process (bytes)."""

    out: Path
    providers: pd.DataFrame
    failures: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    shared_ulns: int = 0
    worker_peaks: dict[str, int] = field(default_factory=dict)
    #: CPU seconds the tasks of each stage took in all (against the wall time: how parallel the run was).
    task_cpu: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.failures.empty

    def summary(self) -> dict[str, object]:
        p = self.providers
        return {"out": str(self.out), "providers": len(p), "failed": len(self.failures),
                "shared_ulns": self.shared_ulns,
                **{name: int(p[name].sum()) if name in p else 0 for name in ("returns", "learners", *TABLES)},
                "worker_peak_mb": {w: round(b / 2**20, 1) for w, b in self.worker_peaks.items()},
                "task_cpu_seconds": {k: round(v, 1) for k, v in self.task_cpu.items()},
                "notes": self.notes}


def _client(scheduler: str | None, workers: int, memory_limit: str | None) -> tuple[Any, Any]:
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout=SCHEDULER_TIMEOUT), None
        except (OSError, ValueError, TypeError) as exc:
            raise NationalError(f"cannot reach the Dask scheduler at {scheduler}: {exc} (is `dask scheduler` running "
                                "there, and the address tcp://HOST:PORT?)") from None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, memory_limit=memory_limit or "auto",
                           dashboard_address=None, silence_logs=logging.ERROR)
    return Client(cluster), cluster


def _files_text(plan: pd.DataFrame, limit: int = 3) -> str:
    names = list(dict.fromkeys(plan["source"]))
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


class _Stage:
    """One stage: a task per provider, run as the cluster allows, results and failures collected as they come."""

    def __init__(self, client: Any, progress: bool, failures: list[dict[str, object]], plans: dict[int, pd.DataFrame],
                 say: Callable[[str], None]) -> None:
        self.client, self.progress, self.failures, self.plans, self.say = client, progress, failures, plans, say

    def run(self, label: str, calls: dict[int, tuple[Callable[..., dict[str, object]], tuple[Any, ...]]]
            ) -> dict[int, dict[str, object]]:
        from distributed import as_completed
        from tqdm.auto import tqdm

        token = uuid.uuid4().hex[:8]
        futures = {self.client.submit(fn, *args, key=f"{label}-{ukprn}-{token}", pure=False): ukprn
                   for ukprn, (fn, args) in calls.items()}
        results: dict[int, dict[str, object]] = {}
        with tqdm(total=len(futures), desc=f"{label} ({len(futures)} providers)", unit="provider",
                  disable=not self.progress, file=sys.stderr) as bar:
            for future in as_completed(list(futures)):
                ukprn = futures[future]
                if future.status == "error":
                    failure = {"ukprn": ukprn, "stage": label, "files": _files_text(self.plans[ukprn]),
                               "error": failure_text(future.exception())}
                    self.failures.append(failure)
                    self.say(f"{label}: provider {ukprn} failed ({failure['files']}): {failure['error']}")
                else:
                    results[ukprn] = future.result()
                future.release()
                bar.update()
        failed = len(futures) - len(results)
        self.say(f"{label}: {len(results)} of {len(futures)} providers done" + (f", {failed} failed" if failed else ""))
        return results


def _cross_provider_anomalies(work: Path, sharing: Iterable[int], order: dict[str, int]) -> pd.DataFrame:
    """The cross-provider anomaly detectors over the rows of the learners whose ULNs several providers hold."""
    import pickle

    parts = []
    for ukprn in sharing:
        with open(shared_file(work, ukprn), "rb") as fh:  # written by this run's extract tasks
            parts.append(pickle.load(fh))  # noqa: S301
    if not parts:
        return TABLES["anomalies"].empty()
    data = combine(ILRData(parts[0]), parts[1:], order)
    return mask_frame(run_detectors(RuleContext(data), CROSS_PROVIDER_DETECTORS))


def _seconds(results: dict[int, dict[str, object]]) -> float:
    total = 0.0
    for r in results.values():
        total += float(r["cpu"])  # type: ignore[arg-type]
    return total


def run_national(folder: str | Path, out: str | Path, *, scheduler: str | None = None, workers: int = 2,
                 memory_limit: str | None = None, progress: bool | None = None, keep_work: bool = False,
                 say: Callable[[str], None] | None = None) -> NationalRun:
    """Audit every provider's returns under ``folder`` on a Dask cluster (``scheduler``: its address; else a
    ``LocalCluster`` of ``workers`` processes, one thread each, ``memory_limit`` each, e.g. ``"2GiB"``) and write
    findings, milestones, KPIs and the cross-provider anomalies as Parquet under ``out`` (see
    :mod:`auditkit.national.store`), with ``failures.csv`` and ``national.json``. ``progress``: a bar per stage
    (None: when stderr is a terminal); ``say``: where progress messages go. Raises :class:`NationalError` when
    the run cannot start; a provider that fails is reported in the result, not raised."""
    say = say or (lambda _: None)
    progress = sys.stderr.isatty() if progress is None else progress
    plan, unnamed = plan_national(folder)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise NationalError(f"{out}: is a file, not a folder; give a folder to write into (it is created if missing)")
    work = out / WORK
    ours = [out / name for name in (*TABLES, WORK) if (out / name).exists()]
    if ours and not (out / SUMMARY).is_file():
        raise NationalError(f"{out}: holds {', '.join(p.name for p in ours)} but no {SUMMARY}: not the output of a "
                            "national run, so it is left alone; give another folder")
    plans = {int(u): p.reset_index(drop=True) for u, p in plan.groupby("ukprn", sort=True)}
    order = dict(zip(plan["return_id"], plan["order"], strict=True))
    notes = [f"{name}: the file name gives no UKPRN (ILR-<UKPRN>-...); not audited" for name in unnamed]
    failures: list[dict[str, object]] = []
    say(f"National run: {len(plans)} providers, {len(plan)} ILR files under {folder}")
    client, cluster = _client(scheduler, workers, memory_limit)  # nothing is written when there is no cluster
    for path in ours:  # the outputs of an earlier national run into this folder, never anything else
        shutil.rmtree(path)
    try:
        work.mkdir(parents=True)
        stage = _Stage(client, progress, failures, plans, say)
        read = stage.run("read", {u: (read_task, (p, str(work))) for u, p in plans.items()})
        for r in read.values():
            notes += list(r["notes"])  # type: ignore[call-overload]
        keys = pd.concat([r["keys"] for r in read.values()], ignore_index=True) if read else pd.DataFrame(
            columns=["ukprn", "uln"])
        shared = keys[keys.groupby("uln")["ukprn"].transform("nunique") > 1]
        partners = (shared.merge(shared, on="uln", suffixes=("", "_p")).query("ukprn != ukprn_p")
                    .groupby("ukprn")["ukprn_p"].agg(lambda s: sorted(set(s))))
        say(f"Joined on ULN: {shared['uln'].nunique()} ULNs at more than one provider, held by {len(partners)} "
            "providers")
        ulns = shared.groupby("ukprn")["uln"].agg(list)
        extracted = stage.run("extract", {u: (extract_task, (u, str(work), ulns[u])) for u in ulns.index})
        places = [r["co_funders"] for r in read.values() if len(r["co_funders"])]  # type: ignore[arg-type]
        co_funders = pd.concat(places, ignore_index=True) if places else pd.DataFrame(columns=list(CO_FUNDER_COLUMNS))
        co_funders_future = client.scatter(co_funders, broadcast=True)
        missing = set(ulns.index) - set(extracted)
        first = min(read) if read else None
        audited = stage.run("audit", {
            u: (audit_task, (plans[u], str(work), str(out), [q for q in partners.get(u, []) if q not in missing],
                             co_funders_future, order, u == first))
            for u in read})
        for u in set(read) - set(audited):
            remove_provider(out, u)
        for u in sorted(missing):
            sharing = [q for q in partners.index if u in partners[q]]
            notes.append(f"{u}: its shared learners could not be extracted, so the audits of {sharing} did not see "
                         "its records of the ULNs they share")
        anomalies = _cross_provider_anomalies(work, sorted(extracted), order)
        anomalies = anomalies[anomalies["ukprn"].isin(list(audited)).fillna(False).astype(bool)]  # failed: none
        if len(anomalies):
            returns = pd.concat([pd.read_pickle(shared_file(work, u))["returns"] for u in extracted],
                                ignore_index=True)
            for ukprn, rows in anomalies.groupby("ukprn"):
                write_table(out, "anomalies", rows, returns, f"{ukprn}")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
        if not keep_work:
            shutil.rmtree(work, ignore_errors=True)
    rows = []
    peaks: dict[str, int] = {}
    for u, p in plans.items():
        r, a = read.get(u, {}), audited.get(u, {})
        rows.append({"ukprn": u, "files": p["source"].nunique(), "returns": r.get("returns", 0),
                     "learners": r.get("learners", 0), **{name: a.get(name, 0) for name in OUTPUTS},
                     "anomalies": int((anomalies["ukprn"] == u).sum()) if len(anomalies) else 0,
                     "audited": u in audited})
        for result in (r, extracted.get(u, {}), a):
            if "pid" in result:
                key = str(result["pid"])
                peaks[key] = max(peaks.get(key, 0), int(result["peak"]))  # type: ignore[call-overload]
    cpu = {label: _seconds(results) for label, results in (("read", read), ("extract", extracted),
                                                            ("audit", audited))}
    run = NationalRun(out, pd.DataFrame(rows), pd.DataFrame(failures, columns=["ukprn", "stage", "files", "error"]),
                      notes, int(shared["uln"].nunique()), peaks, cpu)
    run.failures.to_csv(out / "failures.csv", index=False)
    (out / SUMMARY).write_text(json.dumps(run.summary(), indent=2, default=str) + "\n", encoding="utf-8")
    return run
