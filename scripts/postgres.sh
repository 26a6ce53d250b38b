#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests:
#   scripts/postgres.sh start    start it (made on first use) and print its URL
#   scripts/postgres.sh stop     stop it (its data is kept for the next start)
#   scripts/postgres.sh url      print its URL
#   scripts/postgres.sh status   exit 0 when it runs, 3 when it does not
#   scripts/postgres.sh remove   stop it and delete its data
# Installs Debian's postgresql package if it is missing. The port is
# PGTEST_PORT (default 55432).
#
# Where its data lives: run as root, the server runs as the postgres user,
# which cannot enter a checkout inside a folder only its owner can (a home
# folder such as /root is mode 700). So the data directory is under the
# postgres user's home, one per checkout and port:
# ~postgres/nssa-test/<hash of the checkout's path>-<port>. Run as another
# user, the server runs as that user, in var/postgres-<port> of the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PGTEST_PORT:-55432}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
URL="postgresql://nssa@127.0.0.1:${PORT}/nssa"

if [ "$(id -u)" = 0 ]; then
  KEY="$(printf '%s' "$PWD" | sha256sum | cut -c1-16)"
  DIR="$(getent passwd postgres 2>/dev/null | cut -d: -f6 || true)"
  DIR="${DIR:-/var/lib/postgresql}/nssa-test/${KEY}-${PORT}"
else
  DIR="$PWD/var/postgres-${PORT}"
fi

as_owner() {
  # From /, which the postgres user can enter (the caller's folder may be mode 700).
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

case "${1:-start}" in
  start)
    if [ -z "$BIN" ]; then
      echo "Installing PostgreSQL (Debian package)..." >&2
      apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
      BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
    fi
    if [ "$(id -u)" = 0 ]; then
      mkdir -p "$(dirname "$DIR")" && chown postgres "$(dirname "$DIR")"
      runuser -u postgres -- mkdir -p "$DIR"
    else
      mkdir -p "$DIR"
    fi
    if [ ! -f "$DIR/PG_VERSION" ]; then
      as_owner "$BIN/initdb" -D "$DIR" -U postgres --auth=trust -E UTF8 >/dev/null
    fi
    if ! as_owner "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
      as_owner "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w \
        -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1" start >/dev/null
    fi
    as_owner "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc \
      "SELECT 1 FROM pg_roles WHERE rolname='nssa'" | grep -q 1 ||
      as_owner "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qc "CREATE ROLE nssa LOGIN CREATEDB"
    as_owner "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname='nssa'" | grep -q 1 ||
      as_owner "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qc "CREATE DATABASE nssa OWNER nssa"
    echo "$URL"
    ;;
  stop)
    if [ -n "$BIN" ] && [ -f "$DIR/PG_VERSION" ]; then
      as_owner "$BIN/pg_ctl" -D "$DIR" -m fast stop >/dev/null 2>&1 || true
    fi
    ;;
  remove)
    "$0" stop
    rm -rf "$DIR"
    ;;
  url)
    echo "$URL"
    ;;
  status)
    if [ -n "$BIN" ] && [ -f "$DIR/PG_VERSION" ] &&
      as_owner "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
      exit 0
    fi
    exit 3
    ;;
  *)
    echo "usage: $0 start|stop|url|remove|status" >&2
    exit 2
    ;;
esac
