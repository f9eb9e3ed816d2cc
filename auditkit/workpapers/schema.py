"""The workpaper store's tables (SQLAlchemy Core) and its named migrations.

Current state: ``checks`` (one row per check, its identity and what the latest case said of it) and ``verdicts``
(the verdict standing on each check). Append-only: ``history`` (every verdict and sign-off), ``signoffs``,
``reveals`` (every reveal of personal data) and ``samples`` (the samples drawn); the database itself refuses to
update or delete their rows (triggers, on SQLite and PostgreSQL). ``workpaper_migrations`` records the migrations
applied, by name.

:func:`migrate` applies the migrations not yet recorded, in one transaction that holds the database's write lock
(``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL), so it is safe to re-run and safe when several
processes open a new store at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa

metadata = sa.MetaData()

migrations_table = sa.Table(
    "workpaper_migrations", metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("applied_at", sa.DateTime, nullable=False),
)
checks = sa.Table(
    "checks", metadata,
    sa.Column("check_id", sa.String(12), primary_key=True),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("rule_id", sa.String(40)),
    sa.Column("stage", sa.String(20)),
    sa.Column("ukprn", sa.BigInteger),
    sa.Column("learner_key", sa.String(120)),
    sa.Column("learn_ref_number", sa.String(40)),
    sa.Column("uln", sa.String(40)),
    sa.Column("bootcamp_aim", sa.String(40)),
    sa.Column("aim_start", sa.String(10)),
    sa.Column("field", sa.String(80)),
    sa.Column("fingerprint", sa.String(16)),
    sa.Column("first_return", sa.String(120)),
    sa.Column("last_return", sa.String(120)),
    sa.Column("resolved_in", sa.String(120)),
    sa.Column("created_at", sa.DateTime, nullable=False),
)
history = sa.Table(
    "history", metadata,
    sa.Column("history_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("check_id", sa.String(12), sa.ForeignKey("checks.check_id"), nullable=False),
    sa.Column("event", sa.String(20), nullable=False),
    sa.Column("verdict", sa.String(20)),
    sa.Column("note", sa.Text),
    sa.Column("user", sa.String(120), nullable=False),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    sa.Column("fingerprint", sa.String(16)),
)
verdicts = sa.Table(
    "verdicts", metadata,
    sa.Column("check_id", sa.String(12), sa.ForeignKey("checks.check_id"), primary_key=True),
    sa.Column("verdict", sa.String(20), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("user", sa.String(120), nullable=False),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    sa.Column("fingerprint", sa.String(16)),
    sa.Column("history_id", sa.Integer, sa.ForeignKey("history.history_id"), nullable=False),
)
signoffs = sa.Table(
    "signoffs", metadata,
    sa.Column("signoff_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("check_id", sa.String(12), sa.ForeignKey("checks.check_id"), nullable=False),
    sa.Column("role", sa.String(10), nullable=False),
    sa.Column("user", sa.String(120), nullable=False),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    sa.Column("history_id", sa.Integer, sa.ForeignKey("history.history_id"), nullable=False),
)
reveals = sa.Table(
    "reveals", metadata,
    sa.Column("reveal_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user", sa.String(120), nullable=False),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    sa.Column("ukprn", sa.BigInteger),
    sa.Column("learn_ref_number", sa.String(40)),
    sa.Column("fields", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
)
samples = sa.Table(
    "samples", metadata,
    sa.Column("sample_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user", sa.String(120), nullable=False),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    sa.Column("method", sa.String(80), nullable=False),
    sa.Column("parameters", sa.Text, nullable=False),
    sa.Column("seed", sa.BigInteger),
    sa.Column("items", sa.Text, nullable=False),
)
#: The tables whose rows are never updated or deleted.
APPEND_ONLY = ("history", "signoffs", "reveals", "samples")
TABLES = (checks, history, verdicts, signoffs, reveals, samples)


def _create_tables(conn: sa.Connection) -> None:
    metadata.create_all(conn, tables=list(TABLES))


def _append_only(conn: sa.Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text(  # text(): the driver's placeholders are escaped (plpgsql's % is not one)
            "CREATE OR REPLACE FUNCTION auditkit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'workpapers: % is append-only (% refused)', TG_TABLE_NAME, TG_OP; END $$"))
        for table in APPEND_ONLY:
            conn.exec_driver_sql(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                                 "FOR EACH ROW EXECUTE FUNCTION auditkit_append_only()")
            conn.exec_driver_sql(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                                 "FOR EACH STATEMENT EXECUTE FUNCTION auditkit_append_only()")
        return
    for table in APPEND_ONLY:
        for op in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                                 f"BEGIN SELECT RAISE(ABORT, 'workpapers: {table} is append-only ({op} refused)'); END")


def _indexes(conn: sa.Connection) -> None:
    for name, table, columns in (("checks_learner", "checks", "ukprn, learn_ref_number"),
                                 ("checks_learner_key", "checks", "learner_key"),
                                 ("history_check", "history", "check_id, history_id"),
                                 ("signoffs_check", "signoffs", "check_id, signoff_id")):
        conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})")


#: The named migrations, in order. Never edit or reorder one that shipped: add a new one.
MIGRATIONS: tuple[tuple[str, Callable[[sa.Connection], None]], ...] = (
    ("0001_tables", _create_tables),
    ("0002_append_only_triggers", _append_only),
    ("0003_indexes", _indexes),
)
#: Key of PostgreSQL's advisory lock held while migrating.
PG_LOCK = 0x61756469  # "audi"


def migrate(engine: sa.Engine) -> list[str]:
    """Apply the migrations not yet recorded, each recorded by name in ``workpaper_migrations``, all in one
    transaction under the database's write lock; gives the names applied (none when up to date)."""
    applied: list[str] = []
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK})
        metadata.create_all(conn, tables=[migrations_table])
        done = set(conn.execute(sa.select(migrations_table.c.name)).scalars())
        for name, step in MIGRATIONS:
            if name in done:
                continue
            step(conn)
            conn.execute(migrations_table.insert().values(name=name, applied_at=utcnow()))
            applied.append(name)
    return applied


def utcnow() -> dt.datetime:
    """Now, in UTC, without a time zone (how the store keeps times)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
