# shellcheck shell=bash
# Sourced by scripts/test and scripts/bench.
# A throwaway PostgreSQL cluster for kith-server's tests and benchmarks, started once per run and removed on
# exit (KITH_TEST_POSTGRES from outside is used as it is instead). initdb in a temporary folder,
# a free loopback port, the socket in that folder, a random password (so no other local user
# can use it meanwhile). PostgreSQL refuses to run as root: as root, the cluster belongs to the
# `postgres` user that Debian's package creates. fsync is off: the tests kill kith-server, never
# PostgreSQL, so flushing to disk would only slow them.
PG_DIR=""
PG_AS=()
postgres_start() {
  [ -n "${KITH_TEST_POSTGRES:-}" ] && return 0
  local bin port password
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ ! -x "$bin/initdb" ]; then
    echo "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run scripts/setup" >&2
    return 1
  fi
  if [ "$(id -u)" -eq 0 ]; then
    # Under /tmp rather than $TMPDIR, which may be a folder the postgres user cannot enter.
    PG_DIR=$(mktemp -d /tmp/kith-pg-XXXXXX)
    chown postgres: "$PG_DIR"
    PG_AS=(runuser -u postgres --)
  else
    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/kith-pg-XXXXXX")
  fi
  trap postgres_stop EXIT
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  password=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
  (umask 077; printf '%s\n' "$password" >"$PG_DIR/password")
  [ "$(id -u)" -eq 0 ] && chown postgres: "$PG_DIR/password"
  "${PG_AS[@]}" "$bin/initdb" -D "$PG_DIR/data" -U kith --pwfile="$PG_DIR/password" --auth=scram-sha-256 \
    -E UTF8 --locale=C --no-sync >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; return 1; }
  "${PG_AS[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$PG_DIR -c max_connections=300 -c fsync=off" \
    >/dev/null || { cat "$PG_DIR/postgres.log" >&2; return 1; }
  export KITH_TEST_POSTGRES="postgres://kith:$password@127.0.0.1:$port/postgres"
  echo "[test] PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (throwaway cluster in $PG_DIR)"
}
# Runs one SQL statement as the cluster's owner, in the database KITH_TEST_POSTGRES names.
postgres_sql() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  "$bin/psql" -q -v ON_ERROR_STOP=1 "$KITH_TEST_POSTGRES" -c "$1" >/dev/null
}
postgres_stop() {
  [ -n "$PG_DIR" ] || return 0
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  "${PG_AS[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  PG_DIR=""
}
