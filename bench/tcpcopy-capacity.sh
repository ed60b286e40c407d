#!/usr/bin/env bash
# How many MB/s of echo conversations tcpcopy captures complete, and what happens above that rate.
#
#   bench/tcpcopy-capacity.sh HARNESS_DIR RATE...        (RATE: client payload in MB/s, e.g. 1 5 20 50 100)
#
# For each rate: a fresh Ferry (bench/ferry-bench.sh serve-tcpcopy: tcpcopy on its defaults plus FERRY_TCPCOPY_DUMP,
# a window open for the whole run) pinned to CPU 1, the harness's echo upstream and the load (bench/CaptureLoad.java:
# conversations of CAPACITY_SIZE bytes, default 256 KiB, each echoed back and checked, started at the paced rate by
# CAPACITY_WORKERS threads, default 16, for CAPACITY_SECONDS, default 20) on CPU 0; then the proxy's tcpcopy counters:
# conversations admitted, complete, abandoned and refused by reason. The capture sees twice the payload (both
# directions). Example, the capture budget off:
#   FERRY_TCPCOPY_DUMP='"max_bytes_per_second": 0' bench/tcpcopy-capacity.sh ../bench 20 50 100 150
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
[ $# -ge 2 ] || { echo "usage: $0 HARNESS_DIR RATE..." >&2; exit 2; }
HARNESS="$(cd "$1" && pwd)"; shift
size="${CAPACITY_SIZE:-262144}"
workers="${CAPACITY_WORKERS:-16}"
seconds="${CAPACITY_SECONDS:-20}"
port=19110
admin=$((port + 1000))
upstream=19100

work="$(mktemp -d -t ferry-capacity.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]+"${pids[@]}"}"; do kill -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null || true; done
  rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

gcc -O2 -pthread -o "$work/echo" "$HARNESS/echo.c"
setsid taskset -c 0 "$work/echo" -p "$upstream" -a 127.0.0.1 -L $(( (seconds + 60) * $# + 60 )) >"$work/echo.log" 2>&1 &
pids+=($!)

echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) tcpcopy capacity: ${size} B conversations, ${workers} workers, ${seconds} s per" \
     "rate; dump: defaults${FERRY_TCPCOPY_DUMP:+ + $FERRY_TCPCOPY_DUMP}; $(nproc) CPUs, $(uname -r)"
for rate in "$@"; do
  log="$work/ferry-$rate.log"
  setsid taskset -c 1 "$REPO/bench/ferry-bench.sh" serve-tcpcopy "$port" "$upstream" >"$log" 2>&1 &
  proxy=$!
  pids+=("$proxy")
  for _ in $(seq 1 240); do
    grep -q '^window:' "$log" && break
    kill -0 "$proxy" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.25
  done
  dump="$(sed -n 's/.*dump dir \(.*\)$/\1/p' "$log" | head -1)"
  echo "## rate $rate MB/s"
  taskset -c 0 java -Xmx512m "$REPO/bench/CaptureLoad.java" --port "$port" --admin "$admin" --listener bench \
      --rate "$rate" --size "$size" --concurrency "$workers" --seconds "$seconds" || true
  echo "dump dir: $(du -sh "$dump" 2>/dev/null | cut -f1)"
  kill -- "-$proxy" 2>/dev/null || kill "$proxy" 2>/dev/null || true
  wait "$proxy" 2>/dev/null || true
  rm -rf -- "$dump"
done
