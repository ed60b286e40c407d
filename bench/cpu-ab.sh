#!/usr/bin/env bash
# Compares two builds of ferry.jar by the CPU time the proxy spends per byte relayed (stream) or per request (rr),
# measured from the proxy process's own CPU time (/proc/PID/stat), so it depends far less on what else runs on the
# machine than a throughput figure does. Rounds alternate the order of the two builds.
#
#   bench/cpu-ab.sh HARNESS_DIR A.jar B.jar [stream|rr|rr16k] [ROUNDS] [SECONDS]
#
# HARNESS_DIR is the L4 load harness (its build/tcpbench and build/echo must exist: run its peers.sh --quick once).
# Each round starts the proxy on the config `bench/ferry-bench.sh serve` writes, pinned to CPU 1 (load and echo
# upstream on CPU 0), warms it up for 5 s (FERRY_AB_WARMUP), then measures SECONDS (default 5) of `tcpbench -m stream
# -k echo -c 4 -s 65536` (stream), `-m rr -c 64 -s 128` (rr) or `-m rr -c 16 -s 16384` (rr16k). Prints one line per run (CPU,
# user and system ticks, units, rate) and the medians of the total, user and system CPU per unit, and of the rate.
# Ports: FERRY_AB_PORT (default 19300), +10 and +11. FERRY_AB_SERVE=serve-mirror runs the config
# `bench/ferry-bench.sh serve-mirror` writes instead (tcp_mirror, 100 %, its shadow the same echo upstream), and
# serve-mirror-nocompare the same with compare off. FERRY_AB_SERVE_B gives B another serve mode
# than A (default: the same), so A.jar and B.jar may be one jar: e.g. FERRY_AB_SERVE=serve
# FERRY_AB_SERVE_B=serve-mirror measures what mirroring costs. FERRY_AB_FLAGS_A and FERRY_AB_FLAGS_B add JVM flags
# to A's or B's command line (after ferry-bench.sh's defaults), e.g. FERRY_AB_FLAGS_B=-Dio.netty.allocator.lowMemory=true.
# FERRY_AB_WARMUP sets the warm-up seconds (default 5; the JIT of a mirroring proxy pinned to one CPU is still
# compiling after 15 s, so give 30 to compare steady states). Everything it starts is stopped by process id.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,20p' "$0" >&2; exit 2; }
REPO="$(cd "$(dirname "$0")/.." && pwd)"
H="$(cd "$1" && pwd)/build"; A="$(realpath "$2")"; B="$(realpath "$3")"
MODE="${4:-stream}"; ROUNDS="${5:-8}"; DUR="${6:-5}"; BASE="${FERRY_AB_PORT:-19300}"
SERVE="${FERRY_AB_SERVE:-serve}"
SERVE_B="${FERRY_AB_SERVE_B:-$SERVE}"
WARMUP="${FERRY_AB_WARMUP:-5}"
FERRY_AB_FLAGS_A="${FERRY_AB_FLAGS_A:-}"; FERRY_AB_FLAGS_B="${FERRY_AB_FLAGS_B:-}"
for s in "$SERVE" "$SERVE_B"; do
  case "$s" in serve|serve-mirror|serve-mirror-nocompare) ;;
    *) echo "serve mode $s (expected: serve, serve-mirror or serve-mirror-nocompare)" >&2
       exit 2;; esac
done
case "$MODE" in stream|rr|rr16k) ;; *) echo "workload $MODE (expected: stream, rr or rr16k)" >&2; exit 2;; esac
[ -x "$H/tcpbench" ] && [ -x "$H/echo" ] || { echo "$H/tcpbench or $H/echo missing: run the harness once" >&2; exit 1; }
case "$MODE" in rr) ARGS=(-m rr -c 64 -s 128);; rr16k) ARGS=(-m rr -c 16 -s 16384);; *) ARGS=(-m stream -k echo -c 4 -s 65536);; esac
log="$(mktemp -d -t ferry-cpu-ab.XXXXXX)"
taskset -c 0 "$H/echo" -p "$BASE" -L 7200 >"$log/echo.log" 2>&1 &
echo_pid=$!
proxy_pid=""
trap 'kill "$echo_pid" 2>/dev/null || true; [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null || true' EXIT
run() { # label jar port serve-mode
  local label=$1 jar=$2 port=$3 serve=$4 flags=()
  [ "$label" = A ] && read -r -a flags <<<"${FERRY_AB_FLAGS_A:-}"
  [ "$label" = B ] && read -r -a flags <<<"${FERRY_AB_FLAGS_B:-}"
  FERRY_JAR="$jar" taskset -c 1 "$REPO/bench/ferry-bench.sh" "$serve" "$port" "$BASE" ${flags[@]+"${flags[@]}"} \
    >"$log/$label.log" 2>&1 &
  proxy_pid=$!
  for _ in $(seq 1 300); do ss -ltn | grep -q ":$port " && break; sleep 0.1; done
  taskset -c 0 "$H/tcpbench" "${ARGS[@]}" -p "$port" -d "$WARMUP" -w 1 >/dev/null 2>&1 || true
  local u0 s0 u1 s1 out n rate
  read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$proxy_pid/stat")
  out=$(taskset -c 0 "$H/tcpbench" "${ARGS[@]}" -p "$port" -d "$DUR" -w 0 2>&1 | grep RESULT || true)
  read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$proxy_pid/stat")
  kill "$proxy_pid"; wait "$proxy_pid" 2>/dev/null || true; proxy_pid=""
  if [ "$MODE" = stream ]; then n=$(echo "$out" | grep -o ' bytes=[0-9]*' | cut -d= -f2 || true)
    rate=$(echo "$out" | grep -o ' mb_s=[0-9.]*' | cut -d= -f2 || true)
  else n=$(echo "$out" | grep -o ' reqs=[0-9]*' | cut -d= -f2 || true)
    rate=$(echo "$out" | grep -o ' rps=[0-9.]*' | cut -d= -f2 || true); fi
  echo "$label cpu_ticks=$((u1 + s1 - u0 - s0)) units=${n:-0} user_ticks=$((u1 - u0)) sys_ticks=$((s1 - s0))" \
    "rate=${rate:-0} status=$(echo "$out" | grep -o 'status=[a-z]*' | cut -d= -f2)"
}
{
  for r in $(seq 1 "$ROUNDS"); do
    if [ $((r % 2)) = 1 ]; then run A "$A" $((BASE + 10)) "$SERVE"; run B "$B" $((BASE + 11)) "$SERVE_B"
    else run B "$B" $((BASE + 11)) "$SERVE_B"; run A "$A" $((BASE + 10)) "$SERVE"; fi
  done
} | tee "$log/results.txt"
hz=$(getconf CLK_TCK)
unit="us of CPU per 100 MB"; rate_unit="MB/s"
[ "$MODE" != stream ] && { unit="us of CPU per request"; rate_unit="req/s"; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit }
  printf "%.0f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for label in A B; do
  serve="$SERVE"; [ "$label" = B ] && serve="$SERVE_B"
  per() { # field: CPU ticks per unit, in us
    awk -v hz="$hz" -v mode="$MODE" -v l="$label" -v f="$1" '$1 == l {
        for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        if (v["units"] > 0) print v[f] / hz * 1e6 / (mode == "stream" ? v["units"] / 1e8 : v["units"]) }' "$log/results.txt"; }
  n=$(awk -v l="$label" '$1 == l' "$log/results.txt" | wc -l)
  [ "$n" -gt 0 ] || { echo "$label: no result"; continue; }
  rate=$(awk -v l="$label" '$1 == l { for (i = 2; i <= NF; i++) if ($i ~ /^rate=/) { sub(/rate=/, "", $i); print $i } }' \
    "$log/results.txt" | median)
  flags="$FERRY_AB_FLAGS_A"; [ "$label" = B ] && flags="$FERRY_AB_FLAGS_B"
  echo "$label ($serve${flags:+ $flags}): median $(per cpu_ticks | median) $unit (user $(per user_ticks | median), system" \
    "$(per sys_ticks | median)), $rate $rate_unit, over $n runs"
done
