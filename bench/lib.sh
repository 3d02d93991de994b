# Shared by the bench scripts (sourced, not run): arguments, prerequisites, the server build, free ports, a bench
# server's readiness, a process's CPU time, a wall-clock schedule and stopping the servers a script started. A caller
# using parse_args sets the defaults (ROUNDS, DURATION, WARMUP, CONNECTIONS, MODES) and HELP_LINES (the range of its
# header comment that `--help` prints) before sourcing.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

parse_args() {
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --rounds) ROUNDS="$2"; shift 2 ;;
      --duration) DURATION="$2"; shift 2 ;;
      --warmup) WARMUP="$2"; shift 2 ;;
      --connections) CONNECTIONS="$2"; shift 2 ;;
      --modes) MODES="$2"; shift 2 ;;
      --scrape-every) SCRAPE_EVERY="$2"; shift 2 ;;
      --ready-to-run) READY_TO_RUN=1; shift ;;
      --native-aot) NATIVE_AOT=1; shift ;;
      -h|--help) sed -n "${HELP_LINES}p" "$0"; exit 0 ;;
      *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
  done
}

require_tools() {
  WRK="${WRK:-$(command -v wrk || echo /usr/bin/wrk)}"
  [[ -x "$WRK" ]] || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
  command -v taskset >/dev/null || { echo "taskset not found: apt-get install util-linux" >&2; exit 1; }
  [[ $(nproc) -ge 2 ]] || { echo "needs 2 CPUs (servers and wrk on separate cores)" >&2; exit 1; }
}

# With --ready-to-run the server is published precompiled (PublishReadyToRun: every assembly, this library and the
# app included, ships native code next to its IL), as a production image often is; every mode gets the same build,
# so bare and the instrumented modes stay comparable. Without it, a plain Release build that starts in the JIT. The
# build's temp folder is the run's: the .NET SDK leaves two empty folders in it for every build.
# With --native-aot the server is published with Native AOT (PublishAot: one native binary, no JIT at all), as a
# `webapiaot` service is; meant for the modes bare and ours (prometheus-net and OpenTelemetry's exporter are not all
# trim-safe, so their warnings are not errors in this build). SERVER holds the command that starts the server.
READY_TO_RUN="${READY_TO_RUN:-0}"
NATIVE_AOT="${NATIVE_AOT:-0}"
build_server() { # into $BIN, log in $OUT_DIR; sets SERVER
  SERVER=(dotnet "$BIN/TheBot.Bench.Server.dll")
  if [[ "$NATIVE_AOT" == 1 ]]; then
    echo "publishing bench/TheBot.Bench.Server (Release, Native AOT, linux-x64) into $BIN ..."
    TMPDIR="$OUT_DIR" dotnet publish "$ROOT/bench/TheBot.Bench.Server/TheBot.Bench.Server.csproj" -c Release -r linux-x64 \
      -p:PublishAot=true -p:TreatWarningsAsErrors=false -o "$BIN" -nologo -v quiet >"$OUT_DIR/build.log" 2>&1 || { cat "$OUT_DIR/build.log" >&2; exit 1; }
    SERVER=("$BIN/TheBot.Bench.Server")
  elif [[ "$READY_TO_RUN" == 1 ]]; then
    echo "publishing bench/TheBot.Bench.Server (Release, ReadyToRun, linux-x64) into $BIN ..."
    TMPDIR="$OUT_DIR" dotnet publish "$ROOT/bench/TheBot.Bench.Server/TheBot.Bench.Server.csproj" -c Release -r linux-x64 --self-contained false \
      -p:PublishReadyToRun=true -o "$BIN" -nologo -v quiet >"$OUT_DIR/build.log" 2>&1 || { cat "$OUT_DIR/build.log" >&2; exit 1; }
  else
    echo "building bench/TheBot.Bench.Server (Release) into $BIN ..."
    TMPDIR="$OUT_DIR" dotnet build "$ROOT/bench/TheBot.Bench.Server/TheBot.Bench.Server.csproj" -c Release -o "$BIN" -nologo -v quiet >"$OUT_DIR/build.log" 2>&1 \
      || { cat "$OUT_DIR/build.log" >&2; exit 1; }
  fi
  echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
}

CLK_TCK="$(getconf CLK_TCK)"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime of a process, in clock ticks
now() { date +%s.%N; }
sleep_until() { # start offset -> sleeps until `offset` seconds after `start` (a `now` reading); at once if that is past
  sleep "$(python3 -c "import time; print(max(0, $1 + $2 - time.time()))")"
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# A real Prometheus scraping the server every $SCRAPE_EVERY seconds during warm-up and measurement (0: none), pinned
# to the client's core like wrk. It also scrapes itself, in every mode, so the client core carries the same extra
# work when the mode has no endpoint (bare): the ratio then holds exactly the server's share of the scrapes.
SCRAPE_EVERY="${SCRAPE_EVERY:-0}"
SCRAPER_PID=""
scrape_path() { # mode -> the path of its scrape endpoint, empty when it has none
  case "$1" in
    ours-unmapped) echo "" ;; # the services without their endpoints
    ours | ours-*) echo "/api/system/metrics/prometheus/" ;;
    prometheus-net | prometheus-net-cached | otel | otel-sdk | naive) echo "/metrics" ;;
    *) echo "" ;;
  esac
}
start_scraper() { # mode port cpu
  [[ "$SCRAPE_EVERY" == 0 ]] && return 0
  local dir="$OUT_DIR/scraper-$1-$2" own path
  own="$(free_port)"
  path="$(scrape_path "$1")"
  mkdir -p "$dir"
  {
    echo "global: { scrape_interval: ${SCRAPE_EVERY}s, scrape_timeout: ${SCRAPE_EVERY}s }"
    echo "scrape_configs:"
    echo "  - { job_name: self, static_configs: [ { targets: ['127.0.0.1:$own'] } ] }"
    [[ -n "$path" ]] && echo "  - { job_name: server, metrics_path: '$path', static_configs: [ { targets: ['127.0.0.1:$2'] } ] }"
  } >"$dir/prometheus.yml"
  taskset -c "$3" "${PROMETHEUS:-/usr/bin/prometheus}" --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
    --web.listen-address="127.0.0.1:$own" >"$dir/prometheus.log" 2>&1 &
  SCRAPER_PID=$!
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "http://127.0.0.1:$own/-/ready" 2>/dev/null && { SCRAPER_URL="http://127.0.0.1:$own"; return 0; }
    sleep 0.1
  done
  echo "the scraping Prometheus did not start: $dir/prometheus.log" >&2
  return 1
}
scraper_check() { # mode -> fails unless the server's target is up with at least one scrape per interval so far
  [[ "$SCRAPE_EVERY" == 0 || -z "$(scrape_path "$1")" ]] && return 0
  local health
  health="$(curl -fsS "$SCRAPER_URL/api/v1/targets" | python3 -c 'import json,sys; t=[x for x in json.load(sys.stdin)["data"]["activeTargets"] if x["labels"]["job"]=="server"]; print(t[0]["health"] if t else "missing")')"
  [[ "$health" == up ]] || { echo "scrape target of $1 is $health" >&2; return 1; }
}
stop_scraper() {
  if [[ -n "$SCRAPER_PID" ]] && kill -0 "$SCRAPER_PID" 2>/dev/null; then
    kill "$SCRAPER_PID" 2>/dev/null || true
    wait "$SCRAPER_PID" 2>/dev/null || true
  fi
  SCRAPER_PID=""
}

wait_ready() { # port pid -> fails when the bench server is not answering /hello within 20 s or has exited
  for _ in $(seq 1 200); do
    curl -fsS -o /dev/null "http://127.0.0.1:$1/hello" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

make_out_dir() { # name -> OUT_DIR (results, logs) and BIN (the server build)
  OUT_DIR="$(mktemp -d "/tmp/thebot-$1.XXXXXX")"
  BIN="$OUT_DIR/server"
}

# One server at a time (throughput.sh, throughput-toggle.sh): its pid, and the stop the exit traps call.
SERVER_PID=""
stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}

# Several servers at once (jit-timeline.sh, idle-cpu.sh): their pids in PIDS, stopped by the exit traps.
PIDS=()
stop_pids() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
stop_pids_on_exit() {
  trap stop_pids EXIT
  trap 'stop_pids; exit 130' INT TERM
}

stop_server_on_exit() {
  trap 'stop_server; stop_scraper' EXIT
  trap 'stop_server; stop_scraper; exit 130' INT TERM
}
