#!/usr/bin/env bash
# Prometheus memory, disk and query time per histogram mode, on the same data at the same time.
#
#   bench/prometheus-memory.sh [--routes 500] [--minutes 5] [--connections 2]
#
# One server (bench/TheBot.Bench.Server --mode ours --routes N, pinned to CPU 0) takes wrk traffic spread over N
# route templates (wrk on CPU 1), so every HTTP family has N series. Two Prometheus 2.42 scrape it every second for
# the whole run: "classic" (no feature flag: OpenMetrics text, one series per bucket) and "native"
# (--enable-feature=native-histograms: protobuf, one series per histogram). At the end, per mode: head series,
# samples appended, resident memory, Go heap in use, head chunks, the data folder on disk, and the median time of
# the p95 query over all routes (the classic and the native form of what the rules run).
set -euo pipefail

ROUTES=500
MINUTES=5
CONNECTIONS=2
while [[ $# -gt 0 ]]; do
  case "$1" in
    --routes) ROUTES="$2"; shift 2 ;;
    --minutes) MINUTES="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    -h|--help) sed -n 2,11p "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done


source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_tools
PROMETHEUS="${PROMETHEUS:-/usr/bin/prometheus}"
[[ -x "$PROMETHEUS" ]] || { echo "prometheus not found: apt-get install prometheus" >&2; exit 1; }
make_out_dir prometheus-memory
build_server

PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

wait_for() { # url what
  for _ in $(seq 1 200); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "$2 did not answer at $1" >&2; exit 1
}

port="$(free_port)"
taskset -c 0 "${SERVER[@]}" --mode ours --port "$port" --routes "$ROUTES" >"$OUT_DIR/server.log" 2>&1 &
PIDS+=($!)
wait_for "http://127.0.0.1:$port/hello" "the server"
# Every route once before the first scrape, so both modes see all series from the start.
for ((i = 0; i < ROUTES; i++)); do curl -fsS -o /dev/null "http://127.0.0.1:$port/r$i"; done

declare -A PROM_URL
for mode in classic native; do
  dir="$OUT_DIR/$mode"
  own="$(free_port)"
  mkdir -p "$dir"
  cat >"$dir/prometheus.yml" <<YML
global: { scrape_interval: 1s, scrape_timeout: 1s }
scrape_configs:
  - { job_name: server, metrics_path: /api/system/metrics/prometheus/, static_configs: [ { targets: ['127.0.0.1:$port'] } ] }
YML
  flags=()
  [[ "$mode" == native ]] && flags=(--enable-feature=native-histograms)
  "$PROMETHEUS" --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" --web.listen-address="127.0.0.1:$own" \
    "${flags[@]}" >"$dir/prometheus.log" 2>&1 &
  PIDS+=($!)
  PROM_URL[$mode]="http://127.0.0.1:$own"
  wait_for "${PROM_URL[$mode]}/-/ready" "Prometheus ($mode)"
done

lua="$OUT_DIR/routes.lua"
echo "request = function() return wrk.format(nil, \"/r\" .. math.random(0, $((ROUTES - 1)))) end" >"$lua"
echo "routes=$ROUTES minutes=$MINUTES connections=$CONNECTIONS; wrk on CPU 1, server on CPU 0, both Prometheus unpinned"
taskset -c 1 "$WRK" -t1 -c"$CONNECTIONS" -d"$((MINUTES * 60))s" -s "$lua" "http://127.0.0.1:$port" >"$OUT_DIR/wrk.txt"
grep -E "Requests/sec|requests in" "$OUT_DIR/wrk.txt"

python3 - "$OUT_DIR" "${PROM_URL[classic]}" "${PROM_URL[native]}" <<'PY'
import json, os, re, statistics, subprocess, sys, time, urllib.parse, urllib.request
out, urls = sys.argv[1], {"classic": sys.argv[2], "native": sys.argv[3]}
queries = {
    "classic": 'histogram_quantile(0.95, sum by (le, endpoint) (rate(thebot_http_request_duration_seconds_bucket[1m])))',
    "native": 'histogram_quantile(0.95, sum by (endpoint) (rate(thebot_http_request_duration_seconds[1m])))',
}
def metric(text, name):
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total
def query(url, q):
    with urllib.request.urlopen(url + "/api/v1/query?query=" + urllib.parse.quote(q), timeout=30) as r:
        return json.load(r)["data"]["result"]
def du(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)
rows = []
for mode, url in urls.items():
    text = urllib.request.urlopen(url + "/metrics", timeout=10).read().decode()
    series = len(query(url, '{job="server", __name__=~"thebot_http_request_duration_seconds.*"}'))
    times = []
    for _ in range(7):
        start = time.perf_counter()
        result = query(url, queries[mode])
        times.append((time.perf_counter() - start) * 1000)
    rows.append((mode, int(metric(text, "prometheus_tsdb_head_series")), series, int(metric(text, "prometheus_tsdb_head_samples_appended_total")),
                 metric(text, "process_resident_memory_bytes") / 2**20, metric(text, "go_memstats_heap_inuse_bytes") / 2**20,
                 int(metric(text, "prometheus_tsdb_head_chunks")), du(os.path.join(out, mode, "data")) / 2**20,
                 statistics.median(times), len(result)))
print()
print("| mode | head series | duration-histogram series | samples appended | RSS MiB | Go heap in use MiB | head chunks | data on disk MiB | p95 query over all routes, median ms | result series |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    print(f"| {r[0]} | {r[1]:,} | {r[2]:,} | {r[3]:,} | {r[4]:.1f} | {r[5]:.1f} | {r[6]:,} | {r[7]:.1f} | {r[8]:.1f} | {r[9]} |")
c, n = rows
print()
print(f"native / classic: head series {n[1]/c[1]:.3f}, RSS {n[4]/c[4]:.3f}, heap {n[5]/c[5]:.3f}, disk {n[7]/c[7]:.3f}, p95 query {n[8]/c[8]:.3f}")
PY
echo
echo "logs and data: $OUT_DIR"
