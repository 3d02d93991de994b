#!/usr/bin/env bash
# Capacity of Prometheus 2.42 and VictoriaMetrics 1.79 at a given number of active series (docs/capacity.md, row 2).
#
#   bench/capacity/run.sh series N [--duration 240] [--scrape-interval 15s] [--template FILE] [--no-rules] [--keep]
#
# Serves ceil(N / S) synthetic backend instances, S = the series of one real instance (the template,
# bench/capacity/backend-exposition.txt, captured by real-series.sh), one scrape target per instance as in
# production (file_sd, instance="backend-<i>"). One Prometheus (the committed recording and alert rules loaded, scrape
# and evaluation every 15 s, external label replica="a") scrapes them and remote-writes everything to one
# VictoriaMetrics single node (-dedup.minScrapeInterval=15s, as the HA topology runs it).
# measure.py polls both for --duration seconds and prints RSS per series, scrape and rule-group durations,
# remote_write throughput and CPU per million samples (JSON). Results: /tmp/thebot-capacity.XXXX/ (printed).
# Every process runs at nice 10 on 127.0.0.1 free ports and is stopped on exit (also on error or Ctrl+C);
# the run stops early when the machine's available memory falls under 3 GiB. --keep keeps the data folders.
# --no-rules loads no rule file: the CPU difference to a run with rules is what evaluating them costs.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
[[ "${1:-}" == series && -n "${2:-}" ]] || { sed -n '2,15p' "$0"; exit 2; }
SERIES="$2"; shift 2
DURATION=240 INTERVAL=15s TEMPLATE="$HERE/backend-exposition.txt" KEEP=0 RULE_FILES="[recording_rules.yml, alert_rules.yml]"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --scrape-interval) INTERVAL="$2"; shift 2 ;;
    --template) TEMPLATE="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --no-rules) RULE_FILES="[]"; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
for tool in prometheus victoria-metrics python3 curl; do
  command -v "$tool" >/dev/null || { echo "$tool not found (apt-get install prometheus victoria-metrics python3 curl)" >&2; exit 1; }
done

OUT="$(mktemp -d /tmp/thebot-capacity.XXXXXX)"
PIDS=()
stop_all() {
  local pid i
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  # Prometheus flushes its remote_write queues for up to a minute when it stops; past 90 s, kill what is left.
  for ((i = 0; i < 900; i++)); do
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && break; done
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ $KEEP == 0 ]]; then rm -rf "$OUT/prometheus" "$OUT/vm"; fi
}
trap stop_all EXIT
trap 'exit 130' INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() { # url, seconds
  local i
  for ((i = 0; i < $2 * 10; i++)); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "not ready: $1" >&2; exit 1
}

PER_INSTANCE="$(python3 "$HERE/synth.py" count --template "$TEMPLATE")"
INSTANCES=$(( (SERIES + PER_INSTANCE - 1) / PER_INSTANCE ))
WORKERS=$(( INSTANCES / 150 + 1 )); (( WORKERS > 4 )) && WORKERS=4
echo "$SERIES series = $INSTANCES instances x $PER_INSTANCE series (template $TEMPLATE), $WORKERS generator processes; results in $OUT"
echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GiB", $2/2^20}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"

# Synthetic instances, split over WORKERS processes (one Python process serves its share on its own port).
GEN_PIDS=() WORKER_ARGS=()
first=0
for ((w = 0; w < WORKERS; w++)); do
  count=$(( INSTANCES / WORKERS + (w < INSTANCES % WORKERS ? 1 : 0) ))
  port="$(free_port)"
  nice -n 10 python3 "$HERE/synth.py" serve --template "$TEMPLATE" --port "$port" --first "$first" --count "$count" >"$OUT/synth-$w.log" 2>&1 &
  PIDS+=($!); GEN_PIDS+=($!); WORKER_ARGS+=(--worker "$port" "$first" "$count")
  wait_http "http://127.0.0.1:$port/metrics/$first" 60
  first=$(( first + count ))
done
python3 "$HERE/synth.py" targets "${WORKER_ARGS[@]}" >"$OUT/targets.json"

VM_PORT="$(free_port)"
nice -n 10 victoria-metrics -storageDataPath "$OUT/vm" -httpListenAddr "127.0.0.1:$VM_PORT" -retentionPeriod 1 \
  -dedup.minScrapeInterval "$INTERVAL" -loggerLevel WARN >"$OUT/vm.log" 2>&1 &
PIDS+=($!); VM_PID=$!
wait_http "http://127.0.0.1:$VM_PORT/health" 30

cp "$ROOT/monitoring/prometheus/recording_rules.yml" "$ROOT/monitoring/prometheus/alert_rules.yml" "$OUT/"
cat >"$OUT/prometheus.yml" <<EOF
global:
  scrape_interval: $INTERVAL
  evaluation_interval: $INTERVAL
  scrape_timeout: 10s
  external_labels: {cluster: capacity, replica: a}
rule_files: $RULE_FILES
scrape_configs:
  - job_name: thebot-backend
    file_sd_configs: [{files: [targets.json]}]
remote_write:
  - url: http://127.0.0.1:$VM_PORT/api/v1/write
EOF
PROM_PORT="$(free_port)"
nice -n 10 prometheus --config.file "$OUT/prometheus.yml" --storage.tsdb.path "$OUT/prometheus" \
  --web.listen-address "127.0.0.1:$PROM_PORT" --storage.tsdb.retention.time 1d --log.level warn >"$OUT/prometheus.log" 2>&1 &
PIDS+=($!); PROM_PID=$!
wait_http "http://127.0.0.1:$PROM_PORT/-/ready" 60

echo "prometheus $(prometheus --version 2>&1 | head -1 | cut -d' ' -f3) on :$PROM_PORT, victoria-metrics $(dpkg-query -W -f '${Version}' victoria-metrics 2>/dev/null) on :$VM_PORT"
rc=0
python3 "$HERE/measure.py" --prom "http://127.0.0.1:$PROM_PORT" --vm "http://127.0.0.1:$VM_PORT" \
  --prom-pid "$PROM_PID" --vm-pid "$VM_PID" --gen-pids "${GEN_PIDS[@]}" --duration "$DURATION" \
  --log "$OUT/samples.jsonl" | tee "$OUT/result.txt" || rc=$?
echo "series=$SERIES instances=$INSTANCES per_instance=$PER_INSTANCE interval=$INTERVAL duration=$DURATION" >>"$OUT/result.txt"
# The write-ahead log holds the last ~2-3 h of samples before they are compacted into a block: its bytes per sample.
python3 - "$OUT/prometheus/wal" "$OUT/samples.jsonl" <<'PY' | tee -a "$OUT/result.txt"
import json, os, sys
wal = sum(os.path.getsize(os.path.join(p, f)) for p, _, fs in os.walk(sys.argv[1]) for f in fs)
last = json.loads(open(sys.argv[2]).read().splitlines()[-1])
print(f"prometheus WAL {wal} B for {last['appended']:.0f} samples appended: {wal / max(last['appended'], 1):.2f} B/sample")
PY
echo "results: $OUT/result.txt"
exit "$rc"
