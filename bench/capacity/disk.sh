#!/usr/bin/env bash
# Bytes per sample on disk for Prometheus 2.42 and VictoriaMetrics 1.79 (docs/capacity.md, row 2).
#
#   bench/capacity/disk.sh [--instances 4] [--hours 2] [--template FILE]
#
# Writes a known number of samples: --instances synthetic backend instances (the template's series each, values
# moving as in run.sh) over --hours at a 15 s step, aligned to Prometheus' 2 h block boundaries. Then
#   * Prometheus: `promtool tsdb create-blocks-from openmetrics` builds the blocks a Prometheus would have written;
#     bytes per sample = each block's size on disk (chunks, index, meta) / its numSamples (meta.json);
#   * VictoriaMetrics: the same samples (Prometheus text, millisecond timestamps) imported through
#     /api/v1/import/prometheus, flushed and force-merged; bytes per sample = vm_data_size_bytes (and the data
#     folder's size, indexdb included) / rows.
# Every process runs at nice 10 on a 127.0.0.1 free port and is stopped on exit; data goes to /tmp and is removed.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
INSTANCES=4 HOURS=2 TEMPLATE="$HERE/backend-exposition.txt"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --instances) INSTANCES="$2"; shift 2 ;;
    --hours) HOURS="$2"; shift 2 ;;
    --template) TEMPLATE="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
OUT="$(mktemp -d /tmp/thebot-capacity-disk.XXXXXX)"
VM_PID=""
cleanup() {
  if [[ -n "$VM_PID" ]]; then kill "$VM_PID" 2>/dev/null || true; wait "$VM_PID" 2>/dev/null || true; fi
  rm -rf "$OUT/blocks" "$OUT/vm" "$OUT"/data.*
}
trap cleanup EXIT
trap 'exit 130' INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# Start two whole blocks back, on a 2 h boundary, so the data fills whole blocks and ends in the past.
START=$(( ($(date +%s) / 7200 - 1) * 7200 - $(python3 -c "import math; print(math.ceil($HOURS / 2) * 7200)") ))
echo "writing $INSTANCES instances x $(python3 "$HERE/synth.py" count --template "$TEMPLATE") series x ${HOURS} h at 15 s from $(date -u -d @"$START" +%FT%TZ) ..."
nice -n 10 python3 "$HERE/synth.py" backfill --template "$TEMPLATE" --instances "$INSTANCES" --hours "$HOURS" \
  --start "$START" --format openmetrics >"$OUT/data.om" 2>"$OUT/samples.txt"
SAMPLES="$(cat "$OUT/samples.txt")"
echo "samples written: $SAMPLES ($(du -m "$OUT/data.om" | cut -f1) MB of OpenMetrics)"

echo "== Prometheus $(promtool --version 2>&1 | head -1 | cut -d' ' -f3): promtool tsdb create-blocks-from openmetrics"
/usr/bin/time -f "   promtool: %e s, %M KB max RSS" nice -n 10 promtool tsdb create-blocks-from openmetrics "$OUT/data.om" "$OUT/blocks" >"$OUT/promtool.log"
python3 - "$OUT/blocks" <<'EOF'
import json, os, sys
root = sys.argv[1]
tot_bytes = tot_samples = tot_chunks = 0
for b in sorted(os.listdir(root)):
    d = os.path.join(root, b)
    if not os.path.isfile(os.path.join(d, "meta.json")):
        continue
    meta = json.load(open(os.path.join(d, "meta.json")))
    size = {}
    for dirpath, _, files in os.walk(d):
        for f in files:
            part = os.path.relpath(dirpath, d).split(os.sep)[0]
            part = "chunks" if part == "chunks" else f
            size[part] = size.get(part, 0) + os.path.getsize(os.path.join(dirpath, f))
    n = meta["stats"]["numSamples"]
    total = sum(size.values())
    tot_bytes += total; tot_samples += n; tot_chunks += size.get("chunks", 0)
    print(f"   block {b}: {meta['stats']['numSeries']} series, {n} samples, chunks {size.get('chunks', 0)} B, "
          f"index {size.get('index', 0)} B -> {total / n:.3f} B/sample ({size.get('chunks', 0) / n:.3f} in chunks)")
print(f"   PROMETHEUS bytes/sample: {tot_bytes / tot_samples:.3f} (chunks only {tot_chunks / tot_samples:.3f}), {tot_samples} samples")
EOF

echo "== VictoriaMetrics $(dpkg-query -W -f '${Version}' victoria-metrics 2>/dev/null): /api/v1/import/prometheus"
sed -E '/^# EOF$/d; s/ ([0-9]+)$/ \1000/' "$OUT/data.om" >"$OUT/data.prom"
rm -f "$OUT/data.om"
VM_PORT="$(free_port)"
nice -n 10 victoria-metrics -storageDataPath "$OUT/vm" -httpListenAddr "127.0.0.1:$VM_PORT" -retentionPeriod 1 -loggerLevel WARN >"$OUT/vm.log" 2>&1 &
VM_PID=$!
for _ in $(seq 300); do curl -sf -o /dev/null "http://127.0.0.1:$VM_PORT/health" && break; sleep 0.1; done
/usr/bin/time -f "   import: %e s" curl -sf --data-binary @"$OUT/data.prom" "http://127.0.0.1:$VM_PORT/api/v1/import/prometheus"
curl -sf "http://127.0.0.1:$VM_PORT/internal/force_flush" >/dev/null
sleep 5
curl -sf "http://127.0.0.1:$VM_PORT/internal/force_merge" >/dev/null || echo "   (force_merge not available)"
sleep 10 # the merge runs in the background
curl -sf "http://127.0.0.1:$VM_PORT/metrics" >"$OUT/vm-metrics.txt"
python3 - "$OUT/vm-metrics.txt" "$OUT/vm" "$SAMPLES" <<'EOF'
import os, re, sys
text = open(sys.argv[1]).read()
def total(name, pattern):
    return sum(float(v) for labels, v in re.findall(rf'^{name}\{{([^}}]*)\}} (\S+)$', text, re.M) if re.search(pattern, labels))
rows = total("vm_rows", r'type="storage/')
data = total("vm_data_size_bytes", r'type="storage/')
index = total("vm_data_size_bytes", r'type="indexdb')
du = sum(os.path.getsize(os.path.join(p, f)) for p, _, fs in os.walk(sys.argv[2]) for f in fs)
expected = int(sys.argv[3])
print(f"   rows stored {rows:.0f} of {expected} written; data {data:.0f} B, indexdb {index:.0f} B, folder {du} B")
print(f"   VICTORIAMETRICS bytes/sample: {data / rows:.3f} (data parts), {(data + index) / rows:.3f} with indexdb, {du / rows:.3f} whole folder")
EOF
