"""The workpaper store on both back ends (one parametrised fixture, ``store_url``): verdicts, sign-offs, history
that the database refuses to change, migrations safe to re-run, reveals, samples, users and URLs."""

from __future__ import annotations

import multiprocessing
import sqlite3

import pandas as pd
import pytest
import sqlalchemy as sa

from auditkit.frames.workpapers import WORKPAPER_HISTORY, WORKPAPERS
from auditkit.workpapers import StoreError, check_id, learner_key, open_store, stage_check_id
from auditkit.workpapers.engine import create_store_engine
from auditkit.workpapers.schema import MIGRATIONS, migrate

KEY = learner_key(10090001, "L1", "1234567890")


def _checks(n: int = 3, ukprn: int = 10090001, lrn: str = "L1") -> pd.DataFrame:
    """``n`` finding checks and the eligibility stage of one learner's bootcamp aim."""
    key = learner_key(ukprn, lrn, None)
    rows = [{"check_id": check_id("finding", f"W5_T_{i:02d}", key, "Z0009501", "2024-05-01", "PSM", ""),
             "kind": "finding", "rule_id": f"W5_T_{i:02d}", "ukprn": ukprn, "learner_key": key,
             "learn_ref_number": lrn, "uln": None, "bootcamp_aim": "Z0009501", "aim_start": "2024-05-01",
             "field": "PSM", "fingerprint": f"{i:016x}", "return_id": "R1"} for i in range(n)]
    rows.append({"check_id": stage_check_id(key, "Z0009501", "2024-05-01", "eligibility"), "kind": "stage",
                 "stage": "eligibility", "ukprn": ukprn, "learner_key": key, "learn_ref_number": lrn,
                 "uln": None, "bootcamp_aim": "Z0009501", "aim_start": "2024-05-01", "return_id": "R1"})
    return pd.DataFrame(rows)


@pytest.fixture
def store(store_url):
    with open_store(url=store_url, user="ann") as s:
        s.add_checks(_checks())
        yield s


def test_a_verdict_is_recorded_with_who_and_when_and_kept_in_history(store):
    finding, stage = _checks()["check_id"].iloc[0], _checks()["check_id"].iloc[-1]
    first = store.record(finding, "query", "ask for the contract")
    second = store.record(finding, "pass", "contract seen")
    store.record(stage, "not-applicable", "")
    assert second > first
    current = store.current()
    WORKPAPERS.validate(current)
    row = current.set_index("check_id").loc[finding]
    assert (row["verdict"], row["note"], row["user"], row["status"]) == ("pass", "contract seen", "ann", "done")
    assert pd.notna(row["recorded_at"])
    history = store.history(finding)
    WORKPAPER_HISTORY.validate(history)
    assert history["verdict"].tolist() == ["query", "pass"]
    assert history["history_id"].tolist() == [first, second]
    assert current.set_index("check_id").loc[_checks()["check_id"].iloc[1], "status"] == "open"  # no verdict yet


def test_verdicts_a_check_cannot_have_are_refused(store):
    finding, stage = _checks()["check_id"].iloc[0], _checks()["check_id"].iloc[-1]
    with pytest.raises(StoreError, match="needs a note"):
        store.record(finding, "explained", "  ")
    with pytest.raises(StoreError, match="verdict must be one of .* for a stage"):
        store.record(stage, "explained", "a reason")
    with pytest.raises(StoreError, match="verdict must be one of"):
        store.record(finding, "maybe", "")
    with pytest.raises(StoreError, match="no such check"):
        store.record("000000000000", "pass", "")
    assert store.history().empty  # nothing refused was written
    assert store.record(finding, "accepted", "immaterial") > 0


def test_a_query_stays_open_and_explained_leaves_the_open_list(store):
    a, b, c = _checks()["check_id"].iloc[:3]
    store.record(a, "query", "")
    store.record(b, "explained", "the employer confirmed by e-mail")
    open_ids = set(store.open_checks()["check_id"])
    assert a in open_ids and c in open_ids and b not in open_ids
    assert store.current(checks=[b])["note"].iloc[0] == "the employer confirmed by e-mail"


def test_a_reviewer_signs_off_after_a_preparer_and_never_their_own_work(store):
    a = _checks()["check_id"].iloc[0]
    with pytest.raises(StoreError, match="no verdict yet"):
        store.signoff(a, "preparer")
    store.record(a, "fail", "no evidence of the interview")
    with pytest.raises(StoreError, match="preparer signs off before the reviewer"):
        store.signoff(a, "reviewer", user="bob")
    store.signoff(a, "preparer")
    with pytest.raises(StoreError, match="ann prepared it and cannot also review it"):
        store.signoff(a, "reviewer")
    with pytest.raises(StoreError, match="role must be one of"):
        store.signoff(a, "approver", user="bob")
    store.signoff(a, "reviewer", user="bob")
    row = store.current(checks=[a]).iloc[0]
    assert (row["preparer"], row["reviewer"], row["edited_after_review"]) == ("ann", "bob", False)
    assert store.history(a)["event"].tolist() == ["verdict", "signoff-preparer", "signoff-reviewer"]


def test_a_reviewer_who_recorded_the_verdict_cannot_review_it(store):
    a = _checks()["check_id"].iloc[0]
    store.record(a, "pass", "", user="bob")
    store.signoff(a, "preparer", user="ann")
    with pytest.raises(StoreError, match="bob prepared it"):
        store.signoff(a, "reviewer", user="bob")


def test_an_edit_after_sign_off_is_flagged(store):
    a, b = _checks()["check_id"].iloc[:2]
    for check in (a, b):
        store.record(check, "pass", "")
        store.signoff(check, "preparer")
        store.signoff(check, "reviewer", user="bob")
    store.record(a, "fail", "second look: the start date is outside the window", user="carol")
    flags = store.current().set_index("check_id")["edited_after_review"]
    assert bool(flags[a]) and not bool(flags[b])
    with pytest.raises(StoreError, match="no preparer has signed its current verdict"):
        store.signoff(a, "reviewer", user="bob")  # the new verdict needs its own preparer sign-off


@pytest.mark.parametrize("table", ["history", "signoffs", "reveals", "samples"])
def test_the_database_refuses_to_update_or_delete_append_only_rows(store, table):
    a = _checks()["check_id"].iloc[0]
    store.record(a, "pass", "")
    store.signoff(a, "preparer")
    store.log_reveal(10090001, "L1", ["family_name"], "phone call")
    store.record_sample("random", {"n": 1}, 7, [a])
    count = f"SELECT count(*) FROM {table} WHERE \"user\" = 'ann'"
    with store.engine.connect() as conn:
        before = conn.exec_driver_sql(count).scalar()
    assert before >= 1
    for sql in (f'UPDATE {table} SET "user" = \'mallory\'', f"DELETE FROM {table}"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.exec_driver_sql(sql)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql(count).scalar() == before


def test_migrations_are_recorded_and_safe_to_re_run(store_url):
    engine = create_store_engine(store_url)
    assert migrate(engine) == [name for name, _ in MIGRATIONS]
    assert migrate(engine) == []
    with open_store(url=store_url, user="ann") as s:
        s.add_checks(_checks())
        s.record(_checks()["check_id"].iloc[0], "pass", "")
    with open_store(url=store_url, user="ann") as s, s.engine.connect() as conn:  # reopening keeps everything
        assert s.current()["verdict"].notna().sum() == 1
        names = conn.execute(sa.text("SELECT name FROM workpaper_migrations ORDER BY name")).scalars().all()
    assert names == [name for name, _ in MIGRATIONS]
    engine.dispose()


def _open_and_record(url: str, n: int) -> None:
    with open_store(url=url, user=f"user{n}") as s:
        s.add_checks(_checks(1, lrn=f"L{n}"))
        s.record(_checks(1, lrn=f"L{n}")["check_id"].iloc[0], "pass", "")


def test_concurrent_first_opens_of_a_new_store_do_not_fail(store_url):
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_open_and_record, args=(store_url, n)) for n in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    with open_store(url=store_url, user="ann") as s:
        assert s.current()["verdict"].notna().sum() == 4
        assert sorted(s.history()["user"]) == ["user0", "user1", "user2", "user3"]


def test_reveals_and_samples_are_logged(store):
    store.log_reveal(10090001, "L1", ["family_name", "date_of_birth"], "checking identity", user="bob")
    reveals = store.reveals()
    assert reveals[["user", "ukprn", "learn_ref_number", "fields", "reason"]].values.tolist() == [
        ["bob", 10090001, "L1", "family_name,date_of_birth", "checking identity"]]
    assert pd.notna(reveals["recorded_at"].iloc[0])
    items = _checks()["check_id"].tolist()[:2]
    store.record_sample("stratified", {"per_provider": 2, "by": ["ukprn"]}, 2024, items)
    sample = store.samples().iloc[0]
    assert (sample["method"], sample["seed"], sample["items"]) == ("stratified", 2024, items)
    assert sample["parameters"] == {"by": ["ukprn"], "per_provider": 2}


def test_the_workpapers_come_in_the_same_order_on_every_back_end(store):
    store.add_checks(_checks(1, lrn="L0"))
    store.add_checks([{"check_id": check_id("provider"), "kind": "finding", "rule_id": "W5_GLH_01", "ukprn": 10090001,
                       "learner_key": "provider:10090001"}])
    frame = store.current()
    assert frame["learn_ref_number"].isna().iloc[0] and frame["learn_ref_number"].dropna().is_monotonic_increasing


def test_one_learners_checks_and_history_are_read_back(store):
    store.add_checks(_checks(2, lrn="L2"))
    mine = _checks()["check_id"].tolist()
    store.record(mine[0], "pass", "")
    store.record(_checks(2, lrn="L2")["check_id"].iloc[0], "fail", "")
    rows, changes = store.learner(10090001, "L1")
    assert sorted(r["check_id"] for r in rows) == sorted(mine)
    assert [c["check_id"] for c in changes] == [mine[0]]


def test_the_user_comes_from_auditkit_user_else_the_login_name(store_url, monkeypatch):
    import getpass

    monkeypatch.setenv("AUDITKIT_USER", "dana")
    with open_store(url=store_url) as s:
        assert s.user == "dana"
    monkeypatch.delenv("AUDITKIT_USER")
    monkeypatch.setattr(getpass, "getuser", lambda: "login-name")
    with open_store(url=store_url) as s:
        assert s.user == "login-name"


def test_the_store_url_comes_from_the_argument_else_auditkit_store_else_the_case_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("AUDITKIT_STORE", raising=False)
    with open_store(tmp_path, user="ann") as s:
        assert s.url == f"sqlite:///{tmp_path / '.auditkit' / 'workpapers.sqlite'}"
    assert (tmp_path / ".auditkit" / "workpapers.sqlite").is_file()
    other = tmp_path / "elsewhere.sqlite"
    monkeypatch.setenv("AUDITKIT_STORE", f"sqlite:///{other}")
    with open_store(tmp_path, user="ann") as s:
        assert s.url == f"sqlite:///{other}"
    with open_store(tmp_path, url=f"sqlite:///{tmp_path / 'given.sqlite'}", user="ann") as s:
        assert s.url.endswith("given.sqlite")


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys(tmp_path):
    with open_store(tmp_path, user="ann") as s, s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


@pytest.mark.parametrize("url, message", [
    ("mysql://u@h/db", "SQLite or PostgreSQL, not mysql"),
    ("not a url", "not a database URL"),
    ("sqlite://", "give the SQLite file"),
])
def test_a_store_url_auditkit_cannot_use_is_refused_clearly(url, message):
    with pytest.raises(StoreError, match=message):
        open_store(url=url, user="ann")


def test_a_server_that_cannot_be_reached_is_an_error_that_hides_the_password():
    with pytest.raises(StoreError, match="cannot open the workpaper store") as caught:
        open_store(url="postgresql://ann:secret@127.0.0.1:1/none?connect_timeout=2", user="ann")
    assert "secret" not in str(caught.value) and "***" in str(caught.value)


def test_stage_ids_name_a_known_stage():
    with pytest.raises(ValueError, match="stage must be one of"):
        stage_check_id(KEY, "Z0009501", "2024-05-01", "interview")
    assert stage_check_id(KEY, "Z0009501", "2024-05-01", "job-offer") != stage_check_id(
        KEY, "Z0009501", "2024-05-01", "completion")
    assert learner_key(1, "L", "1234567890") == "uln:1234567890@1"
    assert learner_key(1, "L", "9999999999") == "lrn:L@1" and learner_key(1, None, None) == "provider:1"
    assert learner_key(2, "L", "1234567890") != learner_key(1, "L", "1234567890")  # each provider's own


def test_a_verdict_the_database_cannot_write_is_an_error_saying_it_was_not_recorded(tmp_path, monkeypatch):
    import auditkit.workpapers.engine as engine

    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 0)  # another writer holds the lock past the busy timeout
    with open_store(tmp_path, user="ann") as store:
        store.add_checks(_checks())
        blocker = sqlite3.connect(tmp_path / ".auditkit" / "workpapers.sqlite", isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreError, match="the verdicts were not recorded .*locked"):
                store.record_many([(_checks()["check_id"].iloc[0], "pass", "")])
        finally:
            blocker.rollback()
            blocker.close()
        assert store.history().empty
