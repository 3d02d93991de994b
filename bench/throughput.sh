#!/usr/bin/env bash
# HTTP throughput of a trivial minimal-API endpoint under each kind of instrumentation.
#
#   bench/throughput.sh [--rounds 7] [--duration 10] [--warmup 30] [--connections 32] [--modes "bare ours prometheus-net otel naive"]
#                       [--scrape-every 1] [--ready-to-run]
#
# The server (bench/TheBot.Bench.Server, Release) runs pinned to CPU 0, wrk pinned to CPU 1. Each round starts a
# fresh server per mode, warms it up, measures GET /hello with `wrk -t1 -cN -dDs`, and stops it. Modes are
# interleaved and the order rotates every round, so that background noise hits every mode alike. The table gives
# per mode the median req/s, its ratio to bare's median, the median of the per-round ratios (mode / bare of
# the same round), and min/max. Raw numbers go to $OUT_DIR/results.tsv. With --scrape-every N a real Prometheus
# (pinned to wrk's core) scrapes the mode's metrics endpoint every N s through warm-up and measurement.
#
# It also reads the server's CPU time (utime+stime from /proc/PID/stat) around the measured run and reports CPU
# microseconds per request. When other work shares the machine, req/s swings with the CPU share the server gets;
# CPU per request barely does, so "cpu ratio" (bare's CPU per request / the mode's) is the steadier estimate
# of the throughput a mode keeps on a dedicated core.
set -euo pipefail

ROUNDS=7
DURATION=10
# Tiered JIT and dynamic PGO keep recompiling the request path for ~20 s under load (perf shows Tier-0 and
# instrumented code until then): a shorter warm-up measures the JIT, not the steady state a service lives in.
WARMUP=30
CONNECTIONS=32
MODES="bare ours prometheus-net otel naive"
SERVER_CPU=0
CLIENT_CPU=1
HELP_LINES=2,15
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_args "$@"
require_tools

make_out_dir throughput
stop_server_on_exit

build_server

start_server() { # mode port
  taskset -c "$SERVER_CPU" "${SERVER[@]}" --mode "$1" --port "$2" >"$OUT_DIR/server-$1.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 200); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$2/hello" 2>/dev/null; then return 0; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$OUT_DIR/server-$1.log" >&2; return 1; }
    sleep 0.1
  done
  echo "server ($1) did not answer on port $2" >&2
  return 1
}

read -r -a MODE_LIST <<<"$MODES"
COUNT=${#MODE_LIST[@]}
printf 'round\tmode\treq_per_s\trequests\tcpu_us_per_req\tload1\tjit_warmup_ms\tjit_methods\tjit_ms\n' >"$OUT_DIR/results.tsv"
echo "rounds=$ROUNDS duration=${DURATION}s warmup=${WARMUP}s connections=$CONNECTIONS scrape every ${SCRAPE_EVERY}s (0: none) server CPU $SERVER_CPU, wrk CPU $CLIENT_CPU"

for ((round = 1; round <= ROUNDS; round++)); do
  for ((k = 0; k < COUNT; k++)); do
    mode="${MODE_LIST[$(((round - 1 + k) % COUNT))]}"
    port="$(free_port)"
    start_server "$mode" "$port"
    start_scraper "$mode" "$port" "$CLIENT_CPU"
    url="http://127.0.0.1:$port/hello"
    taskset -c "$CLIENT_CPU" "$WRK" -t1 -c"$CONNECTIONS" -d"${WARMUP}s" "$url" >/dev/null
    cpu_before="$(cpu_ticks "$SERVER_PID")"
    kill -USR1 "$SERVER_PID"
    output="$(taskset -c "$CLIENT_CPU" "$WRK" -t1 -c"$CONNECTIONS" -d"${DURATION}s" "$url")"
    cpu_after="$(cpu_ticks "$SERVER_PID")"
    kill -USR1 "$SERVER_PID"
    sleep 0.2
    # JIT work up to the end of the warm-up (the first of the server's last two "jit:" lines) and during the measured
    # run (their difference).
    read -r jit_warmup_ms jit_methods jit_ms < <(grep '^jit:' "$OUT_DIR/server-$mode.log" | tail -2 | sed 's/jit: methods=\([0-9]*\) ms=\([0-9.]*\)/\1 \2/' \
      | awk 'NR == 1 {m = $1; t = $2} NR == 2 {printf "%.1f %d %.1f\n", t, $1 - m, $2 - t}')
    if grep -q 'Non-2xx\|Socket errors' <<<"$output"; then
      echo "round $round $mode: wrk reported errors:" >&2; echo "$output" >&2
    fi
    rps="$(awk '/Requests\/sec:/ {print $2}' <<<"$output")"
    requests="$(awk '/requests in/ {print $1}' <<<"$output")"
    cpu_us="$(python3 -c "print(f'{($cpu_after - $cpu_before) * 1e6 / $CLK_TCK / $requests:.2f}')")"
    load="$(cut -d' ' -f1 /proc/loadavg)"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$mode" "$rps" "$requests" "$cpu_us" "$load" "$jit_warmup_ms" "$jit_methods" "$jit_ms" >>"$OUT_DIR/results.tsv"
    printf 'round %d/%d  %-15s %10.0f req/s  %7s us CPU/req  (load %s; JIT: %s ms in warm-up, %s methods / %s ms during the run)\n' "$round" "$ROUNDS" "$mode" "$rps" "$cpu_us" "$load" "$jit_warmup_ms" "$jit_methods" "$jit_ms"
    scraper_check "$mode"
    stop_scraper
    stop_server
  done
done

python3 - "$OUT_DIR/results.tsv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
by_mode, by_round, cpu_mode, cpu_round = {}, {}, {}, {}
for r in rows:
    by_mode.setdefault(r["mode"], []).append(float(r["req_per_s"]))
    by_round.setdefault(r["round"], {})[r["mode"]] = float(r["req_per_s"])
    cpu_mode.setdefault(r["mode"], []).append(float(r["cpu_us_per_req"]))
    cpu_round.setdefault(r["round"], {})[r["mode"]] = float(r["cpu_us_per_req"])
bare = statistics.median(by_mode["bare"]) if "bare" in by_mode else None
bare_cpu = statistics.median(cpu_mode["bare"]) if "bare" in cpu_mode else None
print()
print("| mode | median req/s | ratio to bare median | median of per-round ratios | min req/s | max req/s | median CPU µs/req | cpu ratio (bare/mode) | median of per-round cpu ratios | median JIT ms in warm-up | median JIT ms during the run |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for mode, values in by_mode.items():
    med = statistics.median(values)
    ratio = f"{med / bare:.3f}" if bare else "n/a"
    per_round = [v[mode] / v["bare"] for v in by_round.values() if "bare" in v and mode in v]
    pr = f"{statistics.median(per_round):.3f}" if per_round else "n/a"
    cpu = statistics.median(cpu_mode[mode])
    cpu_ratio = f"{bare_cpu / cpu:.3f}" if bare_cpu else "n/a"
    cpu_per_round = [v["bare"] / v[mode] for v in cpu_round.values() if "bare" in v and mode in v]
    cpr = f"{statistics.median(cpu_per_round):.3f}" if cpu_per_round else "n/a"
    jit = [r for r in rows if r["mode"] == mode and r["jit_ms"]]
    jw = f"{statistics.median(float(r['jit_warmup_ms']) for r in jit):,.0f}" if jit else "n/a"
    jr = f"{statistics.median(float(r['jit_ms']) for r in jit):,.0f}" if jit else "n/a"
    print(f"| {mode} | {med:,.0f} | {ratio} | {pr} | {min(values):,.0f} | {max(values):,.0f} | {cpu:.2f} | {cpu_ratio} | {cpr} | {jw} | {jr} |")
PY
echo
echo "raw results: $OUT_DIR/results.tsv"
