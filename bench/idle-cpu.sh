#!/usr/bin/env bash
# What the background work costs when nothing else runs: the CPU time of idle servers, one per mode, side by side.
#
#   bench/idle-cpu.sh [--duration 215] [--modes "bare ours ours-nosampler ours-nohealthprobe ours-nobridge ours-nobackground"]
#
# Every mode's server starts at the same moment and gets one request (so each has built its pipeline), then no
# traffic at all. At fixed times after the start (up to --duration seconds) the script reads each process's CPU time
# (utime + stime) and at the end prints, per interval, the milliseconds each server spent. An idle server runs only
# its timers (Kestrel's heartbeat, and in the ours modes the sampler, the health probe and whatever the JIT still
# compiles for them), so the difference between two modes in one interval is what the removed part cost then,
# without the noise of a load. The servers are not pinned: idle, they do not compete. Repeat the run with
# Monitoring__SampleInterval and Monitoring__Health__ProbeInterval set to 00:00:00.1 to see a tick's cost once the
# JIT has settled (hundreds of ticks in a few seconds), and Monitoring__SampleRetention=00:05:00: the default hour at
# 0.1 s is 36,000 samples, more than start-up allows (17,280).
set -euo pipefail

DURATION=215
MODES="bare ours ours-nosampler ours-nohealthprobe ours-nobridge ours-nobackground"
HELP_LINES=2,13
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_args "$@"
((DURATION >= 10)) || { echo "--duration must be at least 10 seconds" >&2; exit 2; }

make_out_dir idle
stop_pids_on_exit
build_server

read -r -a MODE_LIST <<<"$MODES"
PORTS=()
started="$(now)"
for mode in "${MODE_LIST[@]}"; do
  port="$(free_port)"
  "${SERVER[@]}" --mode "$mode" --port "$port" >"$OUT_DIR/server-$mode.log" 2>&1 &
  PIDS+=($!); PORTS+=("$port")
done
for i in "${!MODE_LIST[@]}"; do
  wait_ready "${PORTS[$i]}" "${PIDS[$i]}" || { echo "the ${MODE_LIST[$i]} server did not start (logs in $OUT_DIR)" >&2; exit 1; }
done

# Checkpoints: every 5 s up to 35 s (the paired benchmark's window starts at ~27 s), then every 30 s.
CHECKPOINTS=()
for ((s = 10; s <= DURATION; s += (s < 35 ? 5 : 30))); do CHECKPOINTS+=("$s"); done
printf 'seconds' >"$OUT_DIR/ticks.tsv"; printf '\t%s' "${MODE_LIST[@]}" >>"$OUT_DIR/ticks.tsv"; echo >>"$OUT_DIR/ticks.tsv"
for s in "${CHECKPOINTS[@]}"; do
  sleep_until "$started" "$s"
  printf '%s' "$s" >>"$OUT_DIR/ticks.tsv"
  for pid in "${PIDS[@]}"; do printf '\t%s' "$(cpu_ticks "$pid")" >>"$OUT_DIR/ticks.tsv"; done
  echo >>"$OUT_DIR/ticks.tsv"
done

echo "CPU ms spent in each interval (seconds after start), idle servers started together:"
python3 - "$OUT_DIR/ticks.tsv" "$CLK_TCK" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter="\t"))
tick_ms = 1000 / int(sys.argv[2])
header, data = rows[0], rows[1:]
print(f"{'interval':>12}" + "".join(f"{m:>20}" for m in header[1:]))
for before, after in zip(data, data[1:]):
    print(f"{before[0] + '-' + after[0]:>12}" + "".join(f"{(int(a) - int(b)) * tick_ms:>20.0f}" for a, b in zip(after[1:], before[1:])))
if len(data) > 2:
    first, last = data[0], data[-1]
    print(f"{first[0] + '-' + last[0]:>12}" + "".join(f"{(int(a) - int(b)) * tick_ms:>20.0f}" for a, b in zip(last[1:], first[1:])))
PY
echo "CPU ticks per checkpoint: $OUT_DIR/ticks.tsv"
