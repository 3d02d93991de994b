#!/usr/bin/env bash
# When does the JIT settle? Bare and one mode side by side under load, as in bench/throughput-paired.sh.
#
#   bench/jit-timeline.sh [--mode ours] [--seconds 150] [--after 25] [--scrape-every 0]
#
# Both servers run pinned to CPU 0 with the runtime's JIT summary on (DOTNET_JitStdOutFile, DOTNET_JitDisasmSummary),
# each driven by its own `wrk -t1 -c16` on CPU 1 for --seconds. Every few seconds it prints how many methods each
# process has compiled so far, in total and at final tier 1 (the code a method keeps), and the JIT's compile time so
# far (the server's SIGUSR1 report, JitInfo.GetCompilationTime). Then it lists, for the mode,
# what was compiled after --after seconds (the paired benchmark's warm-up) by compilation tier and by type: work the
# JIT still does inside a measurement window that starts there. With --scrape-every N a real Prometheus on CPU 1
# scrapes the mode every N s (bench/lib.sh), as in the paired benchmark, so the scrape path's compiling shows too.
set -euo pipefail

MODE=ours
SECONDS_UNDER_LOAD=150
AFTER=25
while [[ $# -gt 0 ]]; do
  case "$1" in
    --mode) MODE="$2"; shift 2 ;;
    --seconds) SECONDS_UNDER_LOAD="$2"; shift 2 ;;
    --after) AFTER="$2"; shift 2 ;;
    --scrape-every) SCRAPE_EVERY="$2"; shift 2 ;;
    -h|--help) sed -n 2,12p "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_tools
make_out_dir jit
trap 'stop_pids; stop_scraper' EXIT
trap 'stop_pids; stop_scraper; exit 130' INT TERM
build_server

start() { # mode port
  DOTNET_JitStdOutFile="$OUT_DIR/jit-$1.txt" DOTNET_JitDisasmSummary=1 \
    taskset -c 0 "${SERVER[@]}" --mode "$1" --port "$2" >"$OUT_DIR/server-$1.log" 2>&1 &
  PIDS+=($!)
}
pb="$(free_port)"; pm="$(free_port)"
start bare "$pb"; start "$MODE" "$pm"
wait_ready "$pb" "${PIDS[0]}" && wait_ready "$pm" "${PIDS[1]}" || { echo "a server did not start (logs in $OUT_DIR)" >&2; exit 1; }
start_scraper "$MODE" "$pm" 1
taskset -c 1 "$WRK" -t1 -c16 -d"${SECONDS_UNDER_LOAD}s" "http://127.0.0.1:$pb/hello" >/dev/null & PIDS+=($!)
taskset -c 1 "$WRK" -t1 -c16 -d"${SECONDS_UNDER_LOAD}s" "http://127.0.0.1:$pm/hello" >/dev/null & PIDS+=($!)

counts() { # file -> "total final-tier1"
  printf '%d %d' "$(grep -c 'JIT compiled' "$1" || true)" "$(grep -cE '\[Tier1(,| with)' "$1" || true)"
}
jit_ms() { # log -> the JIT's compile time so far in ms, from the server's latest SIGUSR1 report
  sed -n 's/^jit: .* ms=\([0-9.]*\)$/\1/p' "$1" | tail -1
}
printf '%8s  %22s %9s  %22s %9s\n' "seconds" "bare: total / tier 1" "JIT ms" "$MODE: total / tier 1" "JIT ms"
started="$(now)"
elapsed=0
marked=0
window_end=0 # the paired benchmark's 10 s measurement window after the warm-up
while ((elapsed < SECONDS_UNDER_LOAD)); do
  elapsed=$((elapsed + (elapsed < 40 ? 5 : 10)))
  sleep_until "$started" "$elapsed" # on the clock, so the time spent reading below does not push later rows late
  read -r bt b1 <<<"$(counts "$OUT_DIR/jit-bare.txt")"; read -r mt m1 <<<"$(counts "$OUT_DIR/jit-$MODE.txt")"
  kill -USR1 "${PIDS[0]}" "${PIDS[1]}"; sleep 0.2 # both report at once; their logs have it a moment later
  bms="$(jit_ms "$OUT_DIR/server-bare.log")"; mms="$(jit_ms "$OUT_DIR/server-$MODE.log")"
  printf '%8d  %15d / %4d %9s  %15d / %4d %9s\n' "$elapsed" "$bt" "$b1" "$bms" "$mt" "$m1" "$mms"
  if ((marked == 0 && elapsed >= AFTER)); then marked="$mt"; fi
  if ((window_end == 0 && elapsed >= AFTER + 10)); then window_end="$mt"; fi
done

echo
echo "$MODE: compiled after ${AFTER} s, by tier:"
tail -n +"$((marked + 1))" "$OUT_DIR/jit-$MODE.txt" | sed -n 's/.*JIT compiled .* \[\([^,]*\),.*/\1/p' | sort | uniq -c | sort -rn
echo "$MODE: compiled after ${AFTER} s, by type (top 25):"
tail -n +"$((marked + 1))" "$OUT_DIR/jit-$MODE.txt" | sed -n 's/.*JIT compiled \([^:(]*\):.*/\1/p' | cut -c1-110 | sort | uniq -c | sort -rn | head -25
echo "$MODE: compiled in the 10 s after ${AFTER} s, by type (top 40):"
sed -n "$((marked + 1)),${window_end}p" "$OUT_DIR/jit-$MODE.txt" | sed -n 's/.*JIT compiled \([^:(]*\):.*/\1/p' | cut -c1-110 | sort | uniq -c | sort -rn | head -40
echo "JIT summaries: $OUT_DIR/jit-bare.txt, $OUT_DIR/jit-$MODE.txt"
