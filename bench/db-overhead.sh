#!/usr/bin/env bash
# Cost of InstrumentedDbDataSource against a plain NpgsqlDataSource on a tight loop of indexed single-row reads.
#
#   bench/db-overhead.sh [--rounds 21] [--seconds 1.5] [--rows 10000]
#
# Starts a throw-away PostgreSQL 15 in a temp folder on a free port (pinned to CPU 0, fsync off), runs
# bench/TheBot.Bench.Db (Release, pinned to CPU 1), then stops PostgreSQL and deletes the folder.
set -euo pipefail

ARGS=("$@")
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
[[ -x "$PG_BIN/postgres" ]] || PG_BIN="$(dirname "$(ls -d /usr/lib/postgresql/*/bin/postgres | sort -V | tail -1)")"
[[ -x "$PG_BIN/postgres" ]] || { echo "PostgreSQL server binaries not found: apt-get install postgresql" >&2; exit 1; }

DATA="$(mktemp -d /tmp/thebot-db-bench.XXXXXX)"
PG_PID=""
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

cleanup() {
  if [[ -n "$PG_PID" ]] && kill -0 "$PG_PID" 2>/dev/null; then
    kill -INT "$PG_PID" 2>/dev/null || true   # fast shutdown
    for _ in $(seq 1 100); do kill -0 "$PG_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  PG_PID=""
  rm -rf "$DATA"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
[[ $(id -u) -eq 0 ]] && chown postgres:postgres "$DATA"
as_pg "$PG_BIN/initdb" -D "$DATA/pg" -U postgres --auth=trust -E UTF8 >"$DATA/initdb.log" 2>&1 || { cat "$DATA/initdb.log" >&2; exit 1; }

CPU_PG=0
CPU_CLIENT=1
[[ $(nproc) -ge 2 ]] || CPU_CLIENT=0
taskset -c "$CPU_PG" bash -c "$(declare -f as_pg); as_pg '$PG_BIN/postgres' -D '$DATA/pg' -p '$PORT' -k '$DATA/pg' \
  -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=64MB" \
  >"$DATA/postgres.log" 2>&1 &
for _ in $(seq 1 100); do
  PG_PID="$(head -1 "$DATA/pg/postmaster.pid" 2>/dev/null || true)"
  if [[ -n "$PG_PID" ]] && "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then break; fi
  sleep 0.1
done
"$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" || { cat "$DATA/postgres.log" >&2; exit 1; }
"$PG_BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -X -q -c "CREATE DATABASE thebot_bench" >/dev/null

echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (CPU $CPU_PG), client on CPU $CPU_CLIENT"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
dotnet build "$ROOT/bench/TheBot.Bench.Db/TheBot.Bench.Db.csproj" -c Release -o "$DATA/bin" -nologo -v quiet >"$DATA/build.log" 2>&1 \
  || { cat "$DATA/build.log" >&2; exit 1; }
taskset -c "$CPU_CLIENT" dotnet "$DATA/bin/TheBot.Bench.Db.dll" \
  --connection "Host=127.0.0.1;Port=$PORT;Username=postgres;Database=thebot_bench" "${ARGS[@]}"
