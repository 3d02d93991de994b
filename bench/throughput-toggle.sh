#!/usr/bin/env bash
# The HTTP middleware's cost inside ONE long-running server: the same process measured with and without it.
#
#   bench/throughput-toggle.sh [--rounds 12] [--duration 5] [--warmup 60] [--connections 32]
#
# Separate server processes differ among themselves by ±10 % in req/s on this kind of VM (JIT tiering, memory
# layout, scheduling), more than the 3 % budget. Here one server (mode ours-toggle: the two lines, with the
# metrics middleware behind a switch) runs pinned to CPU 0; after a long warm-up, each round measures `wrk`
# (CPU 1) once with the middleware on and once off, the order alternating, and compares the two windows of
# the same round. Reported: median over rounds of on/off req/s and of off/on CPU per request.
set -euo pipefail

ROUNDS=12
DURATION=5
WARMUP=60
CONNECTIONS=32
MODES=""
HELP_LINES=2,10
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_args "$@"
require_tools

make_out_dir toggle
stop_server_on_exit

build_server
port="$(free_port)"
url="http://127.0.0.1:$port"
taskset -c 0 "${SERVER[@]}" --mode ours-toggle --port "$port" >"$OUT_DIR/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 200); do curl -fsS -o /dev/null "$url/hello" 2>/dev/null && break; sleep 0.1; done
echo "rounds=$ROUNDS duration=${DURATION}s warmup=${WARMUP}s connections=$CONNECTIONS; one server on CPU 0, wrk on CPU 1"
taskset -c 1 "$WRK" -t1 -c"$CONNECTIONS" -d"${WARMUP}s" "$url/hello" >/dev/null

measure() { # on|off -> "req/s cpu_us_per_req"
  [[ "$(curl -fsS -X POST "$url/toggle/$([[ $1 == on ]] && echo true || echo false)")" == "$([[ $1 == on ]] && echo true || echo false)" ]] \
    || { echo "the server did not switch the middleware $1" >&2; exit 1; }
  local before after output requests
  before="$(cpu_ticks "$SERVER_PID")"
  output="$(taskset -c 1 "$WRK" -t1 -c"$CONNECTIONS" -d"${DURATION}s" "$url/hello")"
  after="$(cpu_ticks "$SERVER_PID")"
  requests="$(awk '/requests in/ {print $1}' <<<"$output")"
  echo "$(awk '/Requests\/sec:/ {print $2}' <<<"$output") $(python3 -c "print(f'{($after - $before) * 1e6 / $CLK_TCK / $requests:.2f}')")"
}

printf 'round\ton_rps\toff_rps\ton_cpu_us\toff_cpu_us\tload1\n' >"$OUT_DIR/results.tsv"
for ((round = 1; round <= ROUNDS; round++)); do
  if ((round % 2)); then read -r on_rps on_cpu <<<"$(measure on)"; read -r off_rps off_cpu <<<"$(measure off)";
  else read -r off_rps off_cpu <<<"$(measure off)"; read -r on_rps on_cpu <<<"$(measure on)"; fi
  load="$(cut -d' ' -f1 /proc/loadavg)"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$on_rps" "$off_rps" "$on_cpu" "$off_cpu" "$load" >>"$OUT_DIR/results.tsv"
  printf 'round %2d/%d  on %8.0f req/s %6s us CPU/req   off %8.0f req/s %6s us CPU/req  (load %s)\n' \
    "$round" "$ROUNDS" "$on_rps" "$on_cpu" "$off_rps" "$off_cpu" "$load"
done

# The server must have recorded the on-windows' requests: the exposition counts GET /hello.
curl -fsS "$url/api/system/metrics/prometheus/" | grep -q 'thebot_http_requests_total{method="GET",endpoint="/hello",status="200"}' \
  || { echo "the middleware did not record /hello: the 'on' windows measured nothing" >&2; exit 1; }

python3 - "$OUT_DIR/results.tsv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
rps = [float(r["on_rps"]) / float(r["off_rps"]) for r in rows]
cpu = [float(r["off_cpu_us"]) / float(r["on_cpu_us"]) for r in rows]
print()
print("| measure | median (on vs off, same round) | min | max |")
print("|---|---:|---:|---:|")
print(f"| req/s with middleware ÷ without | {statistics.median(rps):.3f} | {min(rps):.3f} | {max(rps):.3f} |")
print(f"| CPU/request without ÷ with | {statistics.median(cpu):.3f} | {min(cpu):.3f} | {max(cpu):.3f} |")
print(f"| median req/s on / off | {statistics.median(float(r['on_rps']) for r in rows):,.0f} / {statistics.median(float(r['off_rps']) for r in rows):,.0f} | | |")
print(f"| median CPU µs/request on / off | {statistics.median(float(r['on_cpu_us']) for r in rows):.2f} / {statistics.median(float(r['off_cpu_us']) for r in rows):.2f} | | |")
PY
echo
echo "raw results: $OUT_DIR/results.tsv"
