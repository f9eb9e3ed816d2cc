"""Nothing confirmed is lost: writers killed with SIGKILL at random points lose no verdict they confirmed and leave a
database that passes ``PRAGMA integrity_check``; two writers at once both get through, with no "database is
locked" reaching them."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time
import traceback

import pandas as pd

from auditkit.workpapers import check_id, open_store

KILLS = 100


def _checks(prefix: str, n: int) -> pd.DataFrame:
    return pd.DataFrame([{"check_id": check_id(prefix, i), "kind": "finding", "rule_id": "W5_T_01", "ukprn": 1,
                          "learner_key": f"lrn:1/{prefix}{i}", "learn_ref_number": f"{prefix}{i}",
                          "fingerprint": "0" * 16} for i in range(n)])


def _write_until_killed(url: str, checks: list[str], fd: int, first: int) -> None:
    """The child: say it is ready (``R``), then record verdicts one after another, writing each history id to ``fd``
    once it is committed."""
    store = open_store(url=url, user="writer")
    store.current_rows(checks=checks[:1])  # the first statements compiled before the kills begin
    os.write(fd, b"R\n")
    n = first
    while True:
        history_id = store.record(checks[n % len(checks)], "query" if n % 2 else "pass", f"note {n}")
        os.write(fd, f"{history_id}\n".encode())  # a write this small to a pipe is atomic
        n += 1


def test_a_writer_killed_at_random_points_loses_no_confirmed_verdict(tmp_path):
    url = f"sqlite:///{tmp_path / 'workpapers.sqlite'}"
    checks = _checks("K", 50)
    with open_store(url=url, user="ann") as store:
        store.add_checks(checks)
    ids = checks["check_id"].tolist()
    rng = random.Random(14)
    confirmed: list[int] = []
    rounds_with_writes = 0
    for kill in range(KILLS):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child never returns into pytest
            os.close(read)
            try:
                _write_until_killed(url, ids, write, kill * 1000)
            finally:
                os._exit(1)
        os.close(write)
        head = os.read(read, 4096)  # waits for the child to be ready: the kills land among its writes
        time.sleep(rng.uniform(0.0, 0.05))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        with os.fdopen(read, "rb") as pipe:
            got = [int(line) for line in (head + pipe.read()).split() if line != b"R"]
        rounds_with_writes += bool(got)
        confirmed += got
    assert rounds_with_writes >= KILLS // 2, "most kills must land while the writer is writing"
    with open_store(url=url, user="ann") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        history = store.history()
        missing = set(confirmed) - set(history["history_id"])
        assert not missing, f"{len(missing)} confirmed verdicts lost"
        # the current verdict of each check is its latest history row: no half-written change
        latest = history.groupby("check_id")["history_id"].max()
        current = store.current().set_index("check_id")
        stored = dict(conn.exec_driver_sql("SELECT check_id, history_id FROM verdicts").all())
        assert stored == {c: int(h) for c, h in latest.items()}
        assert set(current.index[current["verdict"].notna()]) == set(latest.index)


def _write_many(url: str, checks: list[str], go, errors) -> None:
    try:
        store = open_store(url=url, user=f"writer-{os.getpid()}")
        go.wait(30)
        for n, check in enumerate(checks):
            store.record(check, "pass", f"note {n}")
    except Exception:  # reported to the parent: nothing may reach the user
        errors.put(traceback.format_exc())
        raise


def test_two_writers_at_once_both_get_every_verdict_in(store_url):
    with open_store(url=store_url, user="ann") as store:
        store.add_checks(pd.concat([_checks("A", 1000), _checks("B", 1000)]))
    ctx = multiprocessing.get_context("fork")
    go, errors = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_write_many, args=(store_url, _checks(p, 1000)["check_id"].tolist(), go, errors))
             for p in "AB"]
    for p in procs:
        p.start()
    go.set()
    for p in procs:
        p.join(300)
    problems = []
    while not errors.empty():
        problems.append(errors.get())
    assert not problems, problems[0]
    assert [p.exitcode for p in procs] == [0, 0]
    with open_store(url=store_url, user="ann") as store:
        history = store.history()
        assert len(history) == 2000
        assert history["user"].nunique() == 2
        assert store.current()["verdict"].notna().sum() == 2000

