# shellcheck shell=bash
# Sourced by .ci/run: a throwaway PostgreSQL for the workpaper store tests (issue 14). Installs Debian's postgresql
# when missing, creates a cluster in a temporary folder, starts it on a free localhost port as a non-root user
# (PostgreSQL refuses root: as root, the user auditkit-ci runs it) and exports AUDITKIT_TEST_PG; stopped on exit.
# Any failure stops CI (set -e): with CI set, the tests never skip PostgreSQL.
if [ -z "${AUDITKIT_TEST_PG:-}" ]; then
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -z "$PG_BIN" ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql
    PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  fi
  PG_AS=()
  PG_DIR="$(mktemp -d /tmp/auditkit-ci-pg.XXXXXX)"
  if [ "$(id -u)" -eq 0 ]; then
    id -u auditkit-ci >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin auditkit-ci
    PG_AS=(runuser -u auditkit-ci --)
    chown auditkit-ci "$PG_DIR"
  fi
  PG_PORT="$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U auditkit -E UTF8 --no-sync >/dev/null
  "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 60 \
    -o "-F -p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1" start
  stop_postgres() { "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null || true; rm -rf "$PG_DIR"; }
  trap stop_postgres EXIT
  export AUDITKIT_TEST_PG="postgresql://auditkit@127.0.0.1:$PG_PORT/postgres"
  echo "PostgreSQL for the tests: $AUDITKIT_TEST_PG"
fi
