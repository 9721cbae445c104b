#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL server of its own:
#
#   scripts/with-postgres.sh cargo test --locked -p server
#   scripts/with-postgres.sh bash -c 'DATABASE_URL=$TEST_DATABASE_URL target/debug/server'
#
# Installs Debian's `postgresql` if it is missing (the system service is
# never used), makes a cluster in a temporary directory (as the `postgres`
# user when run as root: PostgreSQL refuses root), starts it on 127.0.0.1
# with a free port, fsync off, and waits until it is ready. The command then
# runs with
#
#   TEST_DATABASE_URL=postgres://server_props:server_props@127.0.0.1:PORT/server_props
#   POSTGRES_URL      the same (for scripts that start servers on it)
#
# (the role may create databases: the server tests make one per test).
# `DATABASE_URL` is left as it was: the caller decides. On exit, whatever
# the command did, the server is stopped and the directory removed; the
# command's exit status is the script's.
set -euo pipefail

(($#)) || { echo "usage: scripts/with-postgres.sh CMD [ARGS...]" >&2; exit 2; }

log() { printf '\033[1;34m[with-postgres]\033[0m %s\n' "$*" >&2; }

# shellcheck source=apt.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/apt.sh"

# The server binaries of the highest version installed.
pg_bin() {
  find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1
}

bin=$(pg_bin)
if [[ -z "$bin" || ! -x "$bin/initdb" ]]; then
  apt_install postgresql
  bin=$(pg_bin)
fi
[[ -n "$bin" && -x "$bin/initdb" ]] || { echo "with-postgres: no initdb under /usr/lib/postgresql/*/bin" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/with-postgres.XXXXXX")
data=$tmp/data
started=false

# PostgreSQL will not run as root: the cluster belongs to `postgres` then.
if [[ $(id -u) -eq 0 ]]; then
  id postgres >/dev/null 2>&1 || { echo "with-postgres: running as root, but there is no postgres user" >&2; rm -rf "$tmp"; exit 1; }
  chown postgres: "$tmp"
  as_pg() { (cd "$tmp" && runuser -u postgres -- "$@"); }
else
  as_pg() { (cd "$tmp" && "$@"); }
fi

cleanup() {
  local status=$?
  if $started; then
    as_pg "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir "$tmp/socket"
[[ $(id -u) -ne 0 ]] || chown postgres: "$tmp/socket"
# The superuser's password is random and only the unix socket inside the
# directory trusts it; TCP connections authenticate with a password, as in
# a deployment.
(umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tmp/pwfile")
[[ $(id -u) -ne 0 ]] || chown postgres: "$tmp/pwfile"

log "initdb ($bin) in $tmp"
as_pg "$bin/initdb" -D "$data" -U postgres --pwfile="$tmp/pwfile" \
  --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C --no-sync >"$tmp/initdb.log" 2>&1 \
  || { cat "$tmp/initdb.log" >&2; exit 1; }

started=true
as_pg "$bin/pg_ctl" -D "$data" -l "$tmp/postgres.log" -W \
  -o "-h 127.0.0.1 -p $port -k $tmp/socket -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null || { cat "$tmp/postgres.log" >&2; exit 1; }
for _ in $(seq 1 300); do
  "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" && break
  sleep 0.1
done
"$bin/pg_isready" -q -h 127.0.0.1 -p "$port" || { cat "$tmp/postgres.log" >&2; echo "with-postgres: the server did not start" >&2; exit 1; }

as_pg "$bin/psql" -q -v ON_ERROR_STOP=1 -h "$tmp/socket" -p "$port" -U postgres -d postgres >/dev/null <<'SQL'
CREATE ROLE server_props LOGIN CREATEDB PASSWORD 'server_props';
CREATE DATABASE server_props OWNER server_props;
SQL

export TEST_DATABASE_URL="postgres://server_props:server_props@127.0.0.1:$port/server_props"
export POSTGRES_URL=$TEST_DATABASE_URL
log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"

# In the background, so a signal to this script stops the command and then
# the server at once (bash runs a trap only between commands); stdin stays
# the command's. Asynchronous commands ignore SIGINT: both signals reach it
# as SIGTERM.
child=
stop_child() {
  [[ -z "$child" ]] || kill -TERM "$child" 2>/dev/null || true
  [[ -z "$child" ]] || wait "$child" 2>/dev/null || true
  exit "$1"
}
trap 'stop_child 130' INT
trap 'stop_child 143' TERM
"$@" <&0 &
child=$!
set +e
wait "$child"
status=$?
set -e
exit "$status"
