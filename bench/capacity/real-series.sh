#!/usr/bin/env bash
# Active series of ONE real backend instance, with the platform's real label sets (docs/capacity.md, row 1).
#
#   bench/capacity/real-series.sh [--duration 60s] [--port-offset 40000] [--state-dir /tmp/cap-stack] [--keep]
#
# Starts the real stack (`./thebot up --detach`, which builds), counts the series per job before any traffic,
# drives `./thebot load` for --duration, waits two scrape intervals, counts again (per job, per backend family),
# saves the backend's exposition as the synthetic template (bench/capacity/backend-exposition.txt: text format
# 0.0.4, HELP lines dropped), and stops the stack (`./thebot down`) on exit, also on error or Ctrl+C.
# --keep leaves the template where it is and writes the new one to <state-dir>/backend-exposition.txt instead.
# The state folder must not exist yet (a reused one would replay the previous run's series from the WAL).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DURATION=60s OFFSET=40000 STATE=/tmp/cap-stack KEEP=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --port-offset) OFFSET="$2"; shift 2 ;;
    --state-dir) STATE="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
# A fresh state folder: a reused one would replay the previous run's series from Prometheus' WAL into the count.
[[ -e "$STATE" ]] && { echo "$STATE exists: remove it or pass another --state-dir (the count must start from an empty TSDB)" >&2; exit 2; }
PROM="http://127.0.0.1:$((9090 + OFFSET))"
BACKEND="http://127.0.0.1:$((8000 + OFFSET))"

down() { (cd "$ROOT" && ./thebot down --port-offset "$OFFSET" --state-dir "$STATE") || true; }
trap down EXIT
trap 'exit 130' INT TERM

query() { # PromQL -> "labels value" lines
  curl -sf --get "$PROM/api/v1/query" --data-urlencode "query=$1" | python3 -c '
import json, sys
for r in json.load(sys.stdin)["data"]["result"]:
    labels = ",".join(k + "=" + v for k, v in sorted(r["metric"].items()))
    print(labels or "-", r["value"][1])'
}

(cd "$ROOT" && nice -n 10 ./thebot up --detach --port-offset "$OFFSET" --state-dir "$STATE")
echo "== series per job, before traffic"
query 'sort_desc(count by (job) ({job=~".+"}))'
# `load` exits 1 when requests got answers the platform should not give (e.g. 503s on an overloaded machine); the
# count still runs, but such answers add status series a healthy instance does not have, so say so.
if ! (cd "$ROOT" && nice -n 10 ./thebot load --port-offset "$OFFSET" --state-dir "$STATE" --duration "$DURATION"); then
  echo "WARNING: load reported unexpected answers; the counts below include their status series" >&2
fi
sleep 35 # two scrape intervals: the last requests' series are in the head
echo "== series per job, after load --duration $DURATION"
query 'sort_desc(count by (job) ({job=~".+"}))'
echo "== thebot-backend series per instance"
query 'count by (instance) ({job="thebot-backend"})'
echo "== thebot-backend series per family (top 25)"
query 'topk(25, count by (__name__) ({job="thebot-backend"}))'
echo "== thebot-backend series per prefix"
query 'count by (prefix) (label_replace({job="thebot-backend"}, "prefix", "$1", "__name__", "([a-z]+)_.*"))'
echo "== scrape duration and samples of the backend"
query 'scrape_duration_seconds{job="thebot-backend"}'
query 'scrape_samples_scraped{job="thebot-backend"}'

out="$HERE/backend-exposition.txt"
[[ $KEEP == 1 ]] && out="$STATE/backend-exposition.txt"
curl -sf -H "Authorization: Bearer $(cat "$STATE/secrets/scrape-token")" -H 'Accept: text/plain; version=0.0.4' \
  "$BACKEND/api/system/metrics/prometheus/" | grep -v '^# HELP' >"$out"
echo "template: $out ($(python3 "$HERE/synth.py" count --template "$out") series)"
