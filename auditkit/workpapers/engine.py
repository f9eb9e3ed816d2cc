"""Where a workpaper store lives and how it is connected to: SQLite in the case folder, or a database URL.

SQLite connections run in WAL mode with ``synchronous=FULL`` (a commit is on disk before it is confirmed), a busy
timeout (writers wait for each other instead of failing with "database is locked"), foreign keys on, and every
write transaction begun with ``BEGIN IMMEDIATE`` (it takes the write lock at its start, so two writers never
deadlock on upgrading a read lock). PostgreSQL URLs (``postgresql://...``) are connected with psycopg 3.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from auditkit.case import Case
from auditkit.errors import InputError

#: Environment variable naming the store's database URL (``--store`` wins over it).
STORE_ENV = "AUDITKIT_STORE"
#: Environment variable naming the user (else the login name).
USER_ENV = "AUDITKIT_USER"
#: Where a case's own store is kept, inside the case folder.
STORE_FILE = Path(".auditkit") / "workpapers.sqlite"
#: How long a SQLite writer waits for another one (milliseconds).
BUSY_TIMEOUT_MS = 60_000


class StoreError(InputError):
    """A store, check, verdict or sign-off auditkit cannot use; the message says what would work."""


def current_user(user: str | None = None) -> str:
    """``user``, else ``AUDITKIT_USER``, else the login name."""
    name = user or os.environ.get(USER_ENV, "").strip()
    if not name:
        try:
            name = getpass.getuser()
        except (OSError, KeyError) as exc:
            raise StoreError(f"cannot tell who you are: set {USER_ENV}") from exc
    return name


def shown_url(url: sa.URL | str) -> str:
    """The URL with its password hidden, for messages."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "(a URL that cannot be read)"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def create_store_engine(url: str) -> sa.Engine:
    """The engine for ``url`` (``sqlite:///PATH`` or ``postgresql://...``); raises :class:`StoreError` for a URL
    that names no database auditkit can use."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise StoreError(f"{url!r}: not a database URL; give sqlite:///PATH or postgresql://USER@HOST/DB") from exc
    backend = parsed.get_backend_name()
    if backend == "postgresql" or parsed.drivername == "postgres":
        parsed = parsed.set(drivername="postgresql+psycopg")
        return sa.create_engine(parsed, pool_pre_ping=True)
    if backend != "sqlite":
        raise StoreError(f"{shown_url(parsed)}: auditkit keeps workpapers in SQLite or PostgreSQL, not {backend}")
    if not parsed.database or parsed.database == ":memory:":
        raise StoreError(f"{shown_url(parsed)}: give the SQLite file, sqlite:///PATH (a store in memory is lost)")
    path = Path(parsed.database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the store's folder ({exc.strerror or exc})") from exc
    engine = sa.create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the driver leaves transactions to us (see _sqlite_begin)
    cursor = dbapi_connection.cursor()
    for pragma in (f"busy_timeout = {BUSY_TIMEOUT_MS}", "journal_mode = WAL", "synchronous = FULL",
                   "foreign_keys = ON"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    conn.exec_driver_sql(f"BEGIN {mode}")


def store_url(where: object = None, url: str | None = None) -> str:
    """The URL of the store: ``url``, else ``AUDITKIT_STORE``, else the SQLite file :data:`STORE_FILE` in the case
    folder of ``where`` (a case, a case folder, or a ``.sqlite`` file)."""
    url = url or os.environ.get(STORE_ENV, "").strip() or None
    if url:
        return url
    if where is None:
        raise StoreError(f"no store given: give a case or its folder, --store URL or set {STORE_ENV}")
    if isinstance(where, str | Path):
        path = Path(where)
        if path.suffix in (".sqlite", ".db") and not path.is_dir():
            return sqlite_url(path.resolve())
        folder = path if path.is_dir() else path.parent
        return sqlite_url((folder / STORE_FILE).resolve())
    if not isinstance(where, Case):
        raise StoreError(f"the store of a case, a case folder or a .sqlite file, not of a {type(where).__name__}")
    return sqlite_url((case_folder(where) / STORE_FILE).resolve())


def case_folder(case: Case) -> Path:
    """The case's folder: the folder holding all its inputs (ILR files, contracts, evidence, register)."""
    files = case.files
    paths = [Path(str(s.path)) for s in files.ilr]
    paths += [p for p in (files.contracts, files.manifest, files.employers) if p is not None]
    folders = [p.resolve() if p.is_dir() else p.resolve().parent for p in paths]
    if files.documents is not None:
        folders.append(Path(files.documents).resolve().parent)
    if not folders:
        raise StoreError("the case has no input files, so no case folder to keep its workpapers in: give --store")
    return Path(os.path.commonpath(folders))
