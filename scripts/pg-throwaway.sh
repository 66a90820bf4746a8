#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL cluster on loopback, owned by the postgres user.
#   scripts/pg-throwaway.sh start DIR PORT   -> prints nothing; server listens on 127.0.0.1:PORT
#                                               (a cluster stopped in DIR starts again, data kept)
#   scripts/pg-throwaway.sh stop DIR
# Installs Debian's postgresql when missing. PostgreSQL refuses to run as root, hence runuser.
set -euo pipefail
action=$1 dir=$2 port=${3:-55432}
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bin" ]; then
    echo "Installing PostgreSQL (Debian package)..." >&2
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  echo "$bin"
}
case $action in
  start)
    bin=$(pg_bin)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    [ -f "$dir/data/PG_VERSION" ] || as_postgres "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync >/dev/null
    if ! as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
      "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null; then
      # Say why (port taken, shared memory, permissions): pg_ctl only says "examine the log output".
      echo "PostgreSQL did not start on 127.0.0.1:$port; the end of $dir/server.log:" >&2
      tail -n 20 "$dir/server.log" >&2 || true
      exit 1
    fi
    ;;
  stop)
    bin=$(pg_bin)
    as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    ;;
  *) echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2 ;;
esac
