#!/usr/bin/env bash
# What one scrape costs the server once its code is compiled, next to what one trivial request costs.
#
#   bench/scrape-cost.sh [--mode ours] [--warmup 30] [--rounds 3] [--requests 1000]
#
# One server of the mode, pinned to CPU 0, idle but for this script's client on CPU 1. For --warmup seconds the
# client first sends every kind of request below in turn, one after another (every method on these paths is then
# past the JIT's tier-up counts and its final code installed), then per round --requests of each: scrapes as Prometheus sends them (OpenMetrics preferred, gzip),
# OpenMetrics without gzip, the text format, and GET /hello, one at a time on one keep-alive connection. It prints the
# server's CPU time (utime + stime) per request of each kind. The difference between a scrape and /hello is what
# writing the exposition costs beyond serving a request; bench/jit-timeline.sh --scrape-every 1 shows what compiling
# the scrape path costs in the first minute.
set -euo pipefail

MODE=ours
WARMUP=30
ROUNDS=3
REQUESTS=1000
while [[ $# -gt 0 ]]; do
  case "$1" in
    --mode) MODE="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --requests) REQUESTS="$2"; shift 2 ;;
    -h|--help) sed -n 2,12p "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_tools
path="$(scrape_path "$MODE")"
[[ -n "$path" ]] || { echo "mode $MODE has no scrape endpoint" >&2; exit 2; }
make_out_dir scrape
stop_pids_on_exit
build_server

port="$(free_port)"
taskset -c 0 "${SERVER[@]}" --mode "$MODE" --port "$port" >"$OUT_DIR/server-$MODE.log" 2>&1 &
PIDS+=($!)
wait_ready "$port" "${PIDS[0]}" || { echo "the server did not start (logs in $OUT_DIR)" >&2; exit 1; }

taskset -c 1 python3 - "${PIDS[0]}" "$port" "$path" "$WARMUP" "$ROUNDS" "$REQUESTS" "$CLK_TCK" <<'PY'
import http.client, sys, time
pid, port, path, warmup, rounds, requests, clk_tck = sys.argv[1], int(sys.argv[2]), sys.argv[3], *map(int, sys.argv[4:])

def cpu_ms():  # utime + stime of the server; fields after the parenthesised command name
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / clk_tck

prometheus_accept = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                     "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")  # what Prometheus 2.42 sends
kinds = {
    "scrape, as Prometheus (OpenMetrics, gzip)": (path, {"Accept": prometheus_accept, "Accept-Encoding": "gzip",
                                                         "X-Prometheus-Scrape-Timeout-Seconds": "1"}),
    "scrape, OpenMetrics, no gzip": (path, {"Accept": "application/openmetrics-text;version=1.0.0"}),
    "scrape, text 0.0.4, no gzip": (path, {"Accept": "text/plain;version=0.0.4"}),
    "GET /hello": ("/hello", {}),
}
connection = http.client.HTTPConnection("127.0.0.1", port)
def send(target, headers):
    connection.request("GET", target, headers=headers)
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        sys.exit(f"{target} answered {response.status}: {body[:200]!r}")
    return len(body)

warm_until = time.monotonic() + warmup
warmed = 0
while time.monotonic() < warm_until:
    for target, headers in kinds.values():
        send(target, headers)
    warmed += 1
results = {kind: [] for kind in kinds}
sizes = {}
for _ in range(rounds):
    for kind, (target, headers) in kinds.items():
        before = cpu_ms()
        for _ in range(requests):
            sizes[kind] = send(target, headers)
        results[kind].append((cpu_ms() - before) * 1000 / requests)
print(f"server CPU per request after {warmup} s of warm-up ({warmed} of each), {rounds} rounds of {requests} (median, min-max):")
for kind, values in results.items():
    values.sort()
    print(f"  {kind:<44} {values[len(values) // 2]:6.0f} us  ({values[0]:.0f}-{values[-1]:.0f})  body {sizes[kind]} B")
PY
