"""The tasks a national run sends to its workers: each reads and writes one provider's files in the run's work
folder (pickles of pandas frames, written and read back within the run) and gives the driver only what is small:
counts, ULNs, co-funded places and the worker's peak memory."""

from __future__ import annotations

import functools
import os
import pickle
import resource
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from auditkit.errors import InputError
from auditkit.national.provider import (
    audit_provider,
    provider_co_funders,
    provider_keys,
    read_provider,
    shared_rows,
)
from auditkit.national.store import write_table
from auditkit.readers.ilr import ILRData
from auditkit.rules import error_text

F = TypeVar("F", bound=Callable[..., Any])


class ProviderFailure(Exception):
    """A provider's task that stopped: what it says, ready to be sent back to the driver (an error of the reader or
    of lxml may not pickle)."""


def failure_text(exc: BaseException) -> str:
    """An error as a failure says it: the reader's messages (they name the file and line) as they are; any other
    with quoted values and long numbers (maybe personal data) replaced."""
    return str(exc) if isinstance(exc, InputError | ProviderFailure) else error_text(exc, limit=400)


def _reported(task: F) -> F:
    @functools.wraps(task)
    def run(*args: Any, **kwargs: Any) -> Any:
        cpu = time.process_time()
        try:
            return task(*args, **kwargs) | {"cpu": time.process_time() - cpu}
        except Exception as exc:  # noqa: BLE001 - sent back as text: the driver names the provider and its files
            text = failure_text(exc)
        raise ProviderFailure(text)  # raised outside the handler: no context (lxml's error log) to pickle

    return run  # type: ignore[return-value]


def peak_bytes() -> int:
    """The peak resident memory of this process so far (Linux: ``ru_maxrss`` in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _worker() -> dict[str, object]:
    return {"pid": os.getpid(), "peak": peak_bytes()}


def own_file(work: Path, ukprn: int) -> Path:
    return work / f"{ukprn}.pkl"


def shared_file(work: Path, ukprn: int) -> Path:
    return work / f"{ukprn}.shared.pkl"


def _save(path: Path, frames: Mapping[str, pd.DataFrame]) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(dict(frames), fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)


def _load(path: Path) -> ILRData:
    with open(path, "rb") as fh:  # written by this run's own tasks (never a file given by a user)
        return ILRData(pickle.load(fh))  # noqa: S301


@_reported
def read_task(plan: pd.DataFrame, work: str) -> dict[str, object]:
    """Read one provider's returns, keep them for the audit, and give its ULNs and co-funded places."""
    data, notes = read_provider(plan)
    ukprn = int(plan["ukprn"].iloc[0])
    _save(own_file(Path(work), ukprn), data.frames)
    return {"ukprn": ukprn, "keys": provider_keys(data), "co_funders": provider_co_funders(plan, data),
            "notes": notes, "returns": len(data.returns), "learners": len(data.learners), **_worker()}


@_reported
def extract_task(ukprn: int, work: str, ulns: list[object]) -> dict[str, object]:
    """Keep the rows of one provider's learners with these (shared) ULNs for the other providers' audits."""
    frames = shared_rows(_load(own_file(Path(work), ukprn)), ulns)
    _save(shared_file(Path(work), ukprn), frames)
    return {"ukprn": ukprn, "rows": len(frames["learners"]), **_worker()}


@_reported
def audit_task(plan: pd.DataFrame, work: str, out: str, partners: list[int], co_funders: pd.DataFrame,
               order: Mapping[str, int], unattributed: bool) -> dict[str, object]:
    """Audit one provider with its partners' rows of the ULNs it shares and write its outputs as Parquet."""
    ukprn = int(plan["ukprn"].iloc[0])
    own = _load(own_file(Path(work), ukprn))
    ulns = provider_keys(own)["uln"]
    rows = [shared_rows(_load(shared_file(Path(work), q)), ulns) for q in partners]
    outside = co_funders[(co_funders["ukprn"] != ukprn).fillna(True).astype(bool)]
    results = audit_provider(plan, own, rows, outside, order=order, unattributed=unattributed)
    written = {name: write_table(Path(out), name, frame, own.returns, str(ukprn)) for name, frame in results.items()}
    return {"ukprn": ukprn, **written, **_worker()}
