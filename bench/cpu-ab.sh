#!/usr/bin/env bash
# Compares two builds of ferry.jar by the CPU time the proxy spends per byte relayed (stream) or per request (rr),
# measured from the proxy process's own CPU time (/proc/PID/stat), so it depends far less on what else runs on the
# machine than a throughput figure does. Rounds alternate the order of the two builds.
#
#   bench/cpu-ab.sh HARNESS_DIR A.jar B.jar [stream|rr] [ROUNDS] [SECONDS]
#
# HARNESS_DIR is the L4 load harness (its build/tcpbench and build/echo must exist: run its peers.sh --quick once).
# Each round starts the proxy on the config `bench/ferry-bench.sh serve` writes, pinned to CPU 1 (load and echo
# upstream on CPU 0), warms it up for 5 s, then measures SECONDS (default 5) of `tcpbench -m stream -k echo -c 4
# -s 65536` or `-m rr -c 64 -s 128`. Prints one line per run and the medians. Ports: FERRY_AB_PORT (default 19300),
# +10 and +11. FERRY_AB_SERVE=serve-mirror runs the config `bench/ferry-bench.sh serve-mirror` writes instead
# (tcp_mirror, 100 %, its shadow the same echo upstream). Everything it starts is stopped by process id.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,14p' "$0" >&2; exit 2; }
REPO="$(cd "$(dirname "$0")/.." && pwd)"
H="$(cd "$1" && pwd)/build"; A="$(realpath "$2")"; B="$(realpath "$3")"
MODE="${4:-stream}"; ROUNDS="${5:-8}"; DUR="${6:-5}"; BASE="${FERRY_AB_PORT:-19300}"
SERVE="${FERRY_AB_SERVE:-serve}"
case "$SERVE" in serve|serve-mirror) ;; *) echo "FERRY_AB_SERVE: $SERVE (expected: serve or serve-mirror)" >&2; exit 2;; esac
[ -x "$H/tcpbench" ] && [ -x "$H/echo" ] || { echo "$H/tcpbench or $H/echo missing: run the harness once" >&2; exit 1; }
[ "$MODE" = rr ] && ARGS=(-c 64 -s 128) || ARGS=(-k echo -c 4 -s 65536)
log="$(mktemp -d -t ferry-cpu-ab.XXXXXX)"
taskset -c 0 "$H/echo" -p "$BASE" -L 7200 >"$log/echo.log" 2>&1 &
echo_pid=$!
proxy_pid=""
trap 'kill "$echo_pid" 2>/dev/null || true; [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null || true' EXIT
run() { # label jar port
  local label=$1 jar=$2 port=$3
  FERRY_JAR="$jar" taskset -c 1 "$REPO/bench/ferry-bench.sh" "$SERVE" "$port" "$BASE" >"$log/$label.log" 2>&1 &
  proxy_pid=$!
  for _ in $(seq 1 300); do ss -ltn | grep -q ":$port " && break; sleep 0.1; done
  taskset -c 0 "$H/tcpbench" -m "$MODE" "${ARGS[@]}" -p "$port" -d 5 -w 1 >/dev/null 2>&1 || true
  local t0 t1 out n
  t0=$(awk '{print $14+$15}' "/proc/$proxy_pid/stat")
  out=$(taskset -c 0 "$H/tcpbench" -m "$MODE" "${ARGS[@]}" -p "$port" -d "$DUR" -w 0 2>&1 | grep RESULT || true)
  t1=$(awk '{print $14+$15}' "/proc/$proxy_pid/stat")
  kill "$proxy_pid"; wait "$proxy_pid" 2>/dev/null || true; proxy_pid=""
  if [ "$MODE" = rr ]; then n=$(echo "$out" | grep -o ' reqs=[0-9]*' | cut -d= -f2 || true)
  else n=$(echo "$out" | grep -o ' bytes=[0-9]*' | cut -d= -f2 || true); fi
  echo "$label cpu_ticks=$((t1 - t0)) units=${n:-0} status=$(echo "$out" | grep -o 'status=[a-z]*' | cut -d= -f2)"
}
{
  for r in $(seq 1 "$ROUNDS"); do
    if [ $((r % 2)) = 1 ]; then run A "$A" $((BASE + 10)); run B "$B" $((BASE + 11))
    else run B "$B" $((BASE + 11)); run A "$A" $((BASE + 10)); fi
  done
} | tee "$log/results.txt"
hz=$(getconf CLK_TCK)
unit="us of CPU per 100 MB"; [ "$MODE" = rr ] && unit="us of CPU per request"
for label in A B; do
  awk -v hz="$hz" -v mode="$MODE" -v l="$label" '$1 == l {
      split($2, t, "="); split($3, u, "=");
      if (u[2] > 0) print t[2] / hz * 1e6 / (mode == "rr" ? u[2] : u[2] / 1e8) }' "$log/results.txt" | sort -n |
    awk -v l="$label" -v unit="$unit" '{ v[NR] = $1 } END { if (NR == 0) { print l ": no result"; exit }
      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%s: median %.0f %s over %d runs\n", l, m, unit, NR }'
done
