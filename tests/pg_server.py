"""A throwaway PostgreSQL server for the workpaper tests: a cluster in a temporary folder, on a free localhost port,
run as a non-root user (PostgreSQL refuses root; as root, the user ``auditkit-ci`` is created when missing).

``python tests/pg_server.py`` starts one and prints its URL and folder (``.ci/run`` uses the same steps in bash).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

#: The non-root user the server runs as when the tests run as root.
PG_USER = "auditkit-ci"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server could be started; the message says why."""


def bin_dir() -> Path:
    """The folder of initdb and pg_ctl: ``AUDITKIT_PG_BIN``, else Debian's /usr/lib/postgresql/<version>/bin, else
    on PATH."""
    given = os.environ.get("AUDITKIT_PG_BIN")
    if given:
        if not (Path(given) / "initdb").is_file():
            raise PostgresUnavailable(f"AUDITKIT_PG_BIN={given}: no initdb there")
        return Path(given)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgresUnavailable("PostgreSQL is not installed (no initdb): apt-get install -y postgresql")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    if subprocess.run(["id", "-u", PG_USER], capture_output=True).returncode != 0:
        made = subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_USER],
                              capture_output=True, text=True)
        if made.returncode != 0:
            raise PostgresUnavailable(f"cannot create the user {PG_USER} to run PostgreSQL: {made.stderr.strip()}")
    return ["runuser", "-u", PG_USER, "--"]


@dataclass
class Server:
    folder: Path
    port: int
    prefix: list[str]
    bin: Path

    @property
    def url(self) -> str:
        return f"postgresql://auditkit@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        subprocess.run([*self.prefix, str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate",
                        "stop"], capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)


def start() -> Server:
    """Start a server (trust authentication, user ``auditkit``, fsync off); raises :class:`PostgresUnavailable`."""
    pg = bin_dir()
    prefix = _as_user()
    folder = Path(tempfile.mkdtemp(prefix="auditkit-pg-"))
    if prefix:
        shutil.chown(folder, PG_USER)
    init = subprocess.run([*prefix, str(pg / "initdb"), "-D", str(folder / "data"), "-A", "trust", "-U", "auditkit",
                           "-E", "UTF8", "--no-sync"], capture_output=True, text=True)
    if init.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise PostgresUnavailable(f"initdb failed: {init.stderr.strip()[-500:]}")
    for _ in range(3):  # a port found free may be taken before the server binds it
        port = _free_port()
        run = subprocess.run([*prefix, str(pg / "pg_ctl"), "-D", str(folder / "data"), "-l", str(folder / "log"),
                              "-w", "-t", "60", "-o", f"-F -p {port} -k {folder} -c listen_addresses=127.0.0.1",
                              "start"], capture_output=True, text=True)
        if run.returncode == 0:
            return Server(folder, port, prefix, pg)
    log = (folder / "log").read_text(errors="replace")[-500:] if (folder / "log").exists() else run.stderr
    shutil.rmtree(folder, ignore_errors=True)
    raise PostgresUnavailable(f"pg_ctl start failed: {log.strip()}")


def fresh_database(url: str) -> str:
    """A new, empty database on the server of ``url``; gives its URL (the user must be allowed to create one)."""
    import sqlalchemy as sa

    name = f"wp_{uuid.uuid4().hex[:12]}"
    admin = sa.make_url(url).set(drivername="postgresql+psycopg")
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    engine.dispose()
    return sa.make_url(url).set(database=name).render_as_string(hide_password=False)


if __name__ == "__main__":  # pragma: no cover
    server = start()
    print(server.url, server.folder)
