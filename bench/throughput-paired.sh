#!/usr/bin/env bash
# Paired variant of bench/throughput.sh for a machine that other work shares.
#
#   bench/throughput-paired.sh [--rounds 5] [--duration 10] [--warmup 30] [--connections 16] [--modes "ours prometheus-net otel naive"]
#                              [--scrape-every 1] [--ready-to-run | --native-aot]
#
# Each round starts a `bare` server and a server of the mode under test AT THE SAME TIME, both pinned to CPU 0, and
# drives both at once with two `wrk -t1 -cN` pinned to CPU 1. The scheduler splits CPU 0 evenly between the two
# servers, so the ratio of their req/s is the ratio of their per-request costs, and whatever else runs on the
# machine during the round hits both alike. Reported per mode: median over rounds of (mode req/s ÷ bare req/s)
# and of (bare CPU µs/request ÷ mode CPU µs/request), with min/max. The CPU ratio is the one to read: the VM's speed
# moves both servers alike within a round, while their req/s also depends on how the scheduler shares CPU 0 between
# them (the mode's server has more threads). With --scrape-every N a real Prometheus on CPU 1 scrapes the mode's
# metrics endpoint every N s through warm-up and measurement, and its cost lands in the mode's CPU per request.
set -euo pipefail

ROUNDS=5
DURATION=10
WARMUP=30 # see bench/throughput.sh: past the JIT's tier-up, into the steady state
CONNECTIONS=16
MODES="ours prometheus-net otel naive"
HELP_LINES=2,14
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_args "$@"
require_tools

make_out_dir paired
PIDS=()
cleanup() {
  stop_scraper
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

build_server

start() { # mode port -> pid on stdout
  taskset -c 0 "${SERVER[@]}" --mode "$1" --port "$2" >"$OUT_DIR/server-$1.log" 2>&1 &
  echo $!
}

echo "rounds=$ROUNDS duration=${DURATION}s warmup=${WARMUP}s connections=$CONNECTIONS per server; both servers on CPU 0, both wrk on CPU 1; scrape every ${SCRAPE_EVERY}s (0: none)"
printf 'round\tmode\tbare_rps\tmode_rps\tbare_cpu_us\tmode_cpu_us\tload1\n' >"$OUT_DIR/results.tsv"
read -r -a MODE_LIST <<<"$MODES"
for ((round = 1; round <= ROUNDS; round++)); do
  for mode in "${MODE_LIST[@]}"; do
    pb="$(free_port)"; pm="$(free_port)"
    bare_pid="$(start bare "$pb")"; mode_pid="$(start "$mode" "$pm")"
    PIDS=("$bare_pid" "$mode_pid")
    wait_ready "$pb" "$bare_pid" && wait_ready "$pm" "$mode_pid" || { echo "a server did not start" >&2; exit 1; }
    start_scraper "$mode" "$pm" 1
    taskset -c 1 "$WRK" -t1 -c"$CONNECTIONS" -d"${WARMUP}s" "http://127.0.0.1:$pb/hello" >/dev/null &
    warm_pid=$!
    taskset -c 1 "$WRK" -t1 -c"$CONNECTIONS" -d"${WARMUP}s" "http://127.0.0.1:$pm/hello" >/dev/null
    wait "$warm_pid" # not a bare `wait`: the scraping Prometheus is a child of this shell too
    PIDS=("$bare_pid" "$mode_pid")
    cb0="$(cpu_ticks "$bare_pid")"; cm0="$(cpu_ticks "$mode_pid")"
    taskset -c 1 "$WRK" -t1 -c"$CONNECTIONS" -d"${DURATION}s" "http://127.0.0.1:$pb/hello" >"$OUT_DIR/wrk-bare.txt" &
    wrk_pid=$!
    taskset -c 1 "$WRK" -t1 -c"$CONNECTIONS" -d"${DURATION}s" "http://127.0.0.1:$pm/hello" >"$OUT_DIR/wrk-mode.txt"
    wait "$wrk_pid"
    cb1="$(cpu_ticks "$bare_pid")"; cm1="$(cpu_ticks "$mode_pid")"
    nb="$(awk '/requests in/ {print $1}' "$OUT_DIR/wrk-bare.txt")"; nm="$(awk '/requests in/ {print $1}' "$OUT_DIR/wrk-mode.txt")"
    line="$(python3 -c "
d=$DURATION; t=$CLK_TCK
print(f'{$nb/d:.0f}\t{$nm/d:.0f}\t{($cb1-$cb0)*1e6/t/$nb:.2f}\t{($cm1-$cm0)*1e6/t/$nm:.2f}')")"
    load="$(cut -d' ' -f1 /proc/loadavg)"
    scraper_check "$mode"
    printf '%s\t%s\t%s\t%s\n' "$round" "$mode" "$line" "$load" >>"$OUT_DIR/results.tsv"
    printf 'round %d/%d  %-15s bare/mode req/s and CPU us/req: %s  (load %s)\n' "$round" "$ROUNDS" "$mode" "$(tr '\t' ' ' <<<"$line")" "$load"
    cleanup
  done
done

python3 - "$OUT_DIR/results.tsv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
modes = {}
for r in rows:
    m = modes.setdefault(r["mode"], {"rps": [], "cpu": []})
    m["rps"].append(float(r["mode_rps"]) / float(r["bare_rps"]))
    m["cpu"].append(float(r["bare_cpu_us"]) / float(r["mode_cpu_us"]))
print()
print("| mode | median req/s ratio (mode/bare, same round) | min | max | median CPU ratio (bare/mode) | min | max |")
print("|---|---:|---:|---:|---:|---:|---:|")
for mode, v in modes.items():
    print(f"| {mode} | {statistics.median(v['rps']):.3f} | {min(v['rps']):.3f} | {max(v['rps']):.3f} | {statistics.median(v['cpu']):.3f} | {min(v['cpu']):.3f} | {max(v['cpu']):.3f} |")
PY
echo
echo "raw results: $OUT_DIR/results.tsv"
