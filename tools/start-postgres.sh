#!/usr/bin/env bash
# A throw-away PostgreSQL server for the records tests and for trying PostgreSQL sources.
#
#   bash tools/start-postgres.sh                 # start (installing Debian's postgresql if
#                                                # missing); prints the connection URL
#   bash tools/start-postgres.sh --stop          # stop it (the data directory is kept)
#   bash tools/start-postgres.sh --stop --clean  # stop it and remove its data directory
#
# Options: --dir DIR (default $KPIRULES_PG_DIR or /tmp/kpirules-pg), --port N (default: a
# free port on 127.0.0.1), --db NAME (default kpirules), --no-install (fail rather than
# apt-get), --quiet. The URL is printed on stdout and written to DIR/url:
#
#   postgresql://postgres@127.0.0.1:PORT/kpirules
#
# The cluster is initialised in DIR (initdb, C locale, UTF-8, trust authentication on
# 127.0.0.1 and on its own socket in DIR only, fsync off: it is for tests), listens on
# 127.0.0.1 and nowhere else, and is run by the invoking user — by the `postgres` system
# user when invoked as root (PostgreSQL refuses to run as root). Idempotent: when DIR's
# server is already running, it only prints the URL. Needs root (or sudo) only to install.
set -euo pipefail

DIR="${KPIRULES_PG_DIR:-/tmp/kpirules-pg}"
PORT=""
DB="kpirules"
INSTALL=1
STOP=0
CLEAN=0
QUIET=0

say() { [ "$QUIET" -eq 1 ] || echo "start-postgres: $*" >&2; }
die() { echo "start-postgres: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --dir) DIR="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --db) DB="$2"; shift 2 ;;
    --no-install) INSTALL=0; shift ;;
    --stop) STOP=1; shift ;;
    --clean) CLEAN=1; shift ;;
    --quiet|-q) QUIET=1; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
case "$DB" in (*[!A-Za-z0-9_]*|"") die "--db takes letters, digits and _ only" ;; esac
DIR="$(mkdir -p "$DIR" && cd "$DIR" && pwd)"
DATA="$DIR/data"

# ---------------------------------------------------------------- the binaries
find_bin() {
  local d
  if command -v pg_config >/dev/null 2>&1; then
    d="$(pg_config --bindir 2>/dev/null || true)"
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  done
  d="$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")"
  [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  return 1
}

install_pg() {
  command -v apt-get >/dev/null 2>&1 || die "PostgreSQL is not installed and apt-get is not here; install PostgreSQL (initdb, pg_ctl) by hand"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "PostgreSQL is not installed; installing it needs root: sudo apt-get install postgresql"
    sudo="sudo"
  fi
  # Debian's package creates and starts a `main` cluster on port 5432 unless told not to;
  # this server is all the tests need (only on a machine that never had the package).
  if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    $sudo mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.conf >/dev/null
  fi
  say "installing Debian's postgresql (apt-get)"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
}

BIN="$(find_bin || true)"
if [ -z "$BIN" ]; then
  [ "$STOP" -eq 1 ] && { say "PostgreSQL is not installed: nothing to stop"; exit 0; }
  [ "$INSTALL" -eq 1 ] || die "PostgreSQL is not installed (initdb, pg_ctl not found); run without --no-install, or: apt-get install postgresql"
  install_pg
  BIN="$(find_bin)" || die "postgresql installed, but initdb and pg_ctl are still not found"
fi

# ---------------------------------------------------------------- who runs it
RUNAS=()
OWNER="$(id -un)"
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || die "running as root, but there is no \`postgres\` user to run the server as"
  OWNER=postgres
  if command -v runuser >/dev/null 2>&1; then RUNAS=(runuser -u postgres --)
  else RUNAS=(su postgres -s /bin/sh -c '"$0" "$@"'); fi
  chown postgres "$DIR"
fi
pg() { "${RUNAS[@]}" "$@"; }

running() { [ -f "$DATA/postmaster.pid" ] && pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

if [ "$STOP" -eq 1 ]; then
  if running; then
    pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    say "stopped the server in $DATA"
  else
    say "no server running in $DATA"
  fi
  if [ "$CLEAN" -eq 1 ]; then
    rm -rf "$DATA" "$DIR/url" "$DIR/server.log" "$DIR/initdb.log"
    rmdir "$DIR" 2>/dev/null || true
  fi
  exit 0
fi

url_of() { echo "postgresql://postgres@127.0.0.1:$1/$DB"; }

if running; then
  port="$(sed -n '4p' "$DATA/postmaster.pid")"
else
  # ---------------------------------------------------------------- initdb (once)
  if [ ! -f "$DATA/PG_VERSION" ]; then
    mkdir -p "$DATA"
    chown "$OWNER" "$DATA"
    chmod 700 "$DATA"
    pg "$BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C >"$DIR/initdb.log" 2>&1 \
      || { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
  fi
  port="$PORT"
  if [ -z "$port" ]; then
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  fi
  touch "$DIR/server.log"
  chown "$OWNER" "$DIR/server.log"
  opts="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$DATA"
  opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  opts="$opts -c max_connections=40 -c shared_buffers=128MB"
  pg "$BIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -o "$opts" -w -t 60 start >/dev/null \
    || { tail -20 "$DIR/server.log" >&2; die "the server did not start (log: $DIR/server.log)"; }
  say "started PostgreSQL $("$BIN/pg_ctl" --version | awk '{print $3}') in $DATA on 127.0.0.1:$port"
fi

# ---------------------------------------------------------------- the database
PSQL="$BIN/psql"
[ -x "$PSQL" ] || PSQL="$(command -v psql)"
exists="$(pg "$PSQL" -h "$DATA" -p "$port" -U postgres -d postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname = '$DB'")"
if [ "$exists" != "1" ]; then
  pg "$PSQL" -h "$DATA" -p "$port" -U postgres -d postgres -qc "CREATE DATABASE \"$DB\"" >/dev/null
fi

url="$(url_of "$port")"
echo "$url" >"$DIR/url"
echo "$url"
