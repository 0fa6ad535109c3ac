#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the web platform's tests (Debian's postgresql).
#   eval "$(tools/pg-test-cluster.sh start)"   prints: export STARPLUGIN_TEST_POSTGRES=...
#   tools/pg-test-cluster.sh stop
# The cluster lives in $STARPLUGIN_PG_DIR (default /tmp/starplugin-pg), listens on
# 127.0.0.1:${STARPLUGIN_PG_PORT:-55432} with trust auth for that address only, and runs
# as the 'postgres' system user when started by root (PostgreSQL refuses to run as root).
set -euo pipefail
dir="${STARPLUGIN_PG_DIR:-/tmp/starplugin-pg}" port="${STARPLUGIN_PG_PORT:-55432}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$bin/initdb" ] || { echo "pg-test-cluster: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "${1:-}" in
  start)
    if [ ! -f "$dir/PG_VERSION" ]; then
      mkdir -p "$dir"; [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
      as_owner "$bin/initdb" -D "$dir" -U lens --auth=trust -E UTF8 >/dev/null
    fi
    # Already running (a previous run that was not stopped): use it.
    as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1 ||
    as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200" start >/dev/null
    echo "export STARPLUGIN_TEST_POSTGRES='Host=127.0.0.1;Port=$port;Username=lens;Database=postgres;Pooling=true;Maximum Pool Size=50'"
    ;;
  stop)
    [ -f "$dir/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 1 ;;
esac
