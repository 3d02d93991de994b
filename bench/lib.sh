# Shared by bench/throughput.sh and bench/throughput-paired.sh (sourced, not run): arguments, prerequisites, the
# server build, free ports and a process's CPU time. The caller sets the defaults (ROUNDS, DURATION, WARMUP,
# CONNECTIONS, MODES) and HELP_LINES (the range of its header comment that `--help` prints) before sourcing.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

parse_args() {
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --rounds) ROUNDS="$2"; shift 2 ;;
      --duration) DURATION="$2"; shift 2 ;;
      --warmup) WARMUP="$2"; shift 2 ;;
      --connections) CONNECTIONS="$2"; shift 2 ;;
      --modes) MODES="$2"; shift 2 ;;
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

build_server() { # into $BIN, log in $OUT_DIR
  echo "building bench/TheBot.Bench.Server (Release) into $BIN ..."
  dotnet build "$ROOT/bench/TheBot.Bench.Server/TheBot.Bench.Server.csproj" -c Release -o "$BIN" -nologo -v quiet >"$OUT_DIR/build.log" 2>&1 \
    || { cat "$OUT_DIR/build.log" >&2; exit 1; }
  echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
}

CLK_TCK="$(getconf CLK_TCK)"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime of a process, in clock ticks
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

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
stop_server_on_exit() {
  trap stop_server EXIT
  trap 'stop_server; exit 130' INT TERM
}
