#!/usr/bin/env bash
# Benchmarks Ferry against direct/haproxy/nginx/socat with the L4 load harness (its peers.sh), in one run.
#
#   bench/ferry-bench.sh HARNESS_DIR [peers.sh options...]
#       builds ferry-cli/target/ferry.jar if missing, then runs HARNESS_DIR/peers.sh with Ferry added as a
#       target (--target-cmd). Example: bench/ferry-bench.sh ../bench --reps 3 --duration 3
#   bench/ferry-bench.sh serve PORT UPSTREAM_PORT [JVM_FLAG...]
#       what peers.sh runs: writes a MOSN config (a listener on 127.0.0.1:PORT, tcp_proxy to a one-host cluster
#       127.0.0.1:UPSTREAM_PORT) and execs the JVM on it, with extra JVM flags appended.
#   bench/ferry-bench.sh serve-tcpcopy PORT UPSTREAM_PORT [JVM_FLAG...]
#       the same listener with tcpcopy (switch ON) in front of tcp_proxy, dumping to a new temporary directory, and an
#       admin server on 127.0.0.1:PORT+1000; as soon as the proxy is up it opens a one-hour sampling window
#       (POST /api/v1/tcpcopy/window?duration_s=3600), so every byte of the run is sampled, and it prints the
#       tcpcopy counters of GET /api/v1/stats every 30 s to its log.
#
#   bench/ferry-bench.sh serve-tcpcopy-kafka PORT UPSTREAM_PORT BOOTSTRAP [JVM_FLAG...]
#       serve-tcpcopy plus a kafka dump sink (default settings, topic ferry-bench) to BOOTSTRAP (host:port) (the kafka sink comes from
#       the default plugin directory, ferry-cli/target/plugins); prints the counters every 5 s (FERRY_BENCH_STATS_EVERY, seconds; 30 for serve-tcpcopy).
#
#   bench/ferry-bench.sh serve-mirror PORT UPSTREAM_PORT [JVM_FLAG...]
#       tcp_mirror (percent 100, compare on) in front of tcp_proxy, its shadow cluster the same echo upstream (which
#       then serves every connection twice), and an admin server on 127.0.0.1:PORT+1000 (GET
#       /api/v1/tcp_mirror/report).
#   bench/ferry-bench.sh serve-mirror-nocompare PORT UPSTREAM_PORT [JVM_FLAG...]
#       serve-mirror with compare off: the shadow's answer is read and counted, not compared.
#   bench/ferry-bench.sh serve-mirror-blackhole PORT UPSTREAM_PORT [JVM_FLAG...]
#       the same with the shadow cluster on a blackhole (bench/Blackhole.java on 127.0.0.1:PORT+2000: accepts and
#       never reads): a mirrored connection that sends more than the kernel's socket buffers and max_buffer absorb is
#       abandoned as overflow, a shorter one as slow once the grace after its close has passed.
#
# JVM flags: FERRY_JAVA_OPTS (default below). peers.sh pins the proxy to one CPU, so the JVM sees one processor.
# FERRY_JAR runs another build of ferry.jar (default: ferry-cli/target/ferry.jar).
# FERRY_BENCH_BASELINE_JAR=PATH adds a target ferry-baseline, the same config on the ferry.jar at PATH (e.g. one built
# from the commit before a change), so a change is measured against its baseline in one interleaved run.
# FERRY_BENCH_NIO=1 adds a second target, ferry-nio, the same proxy on Netty's NIO transport.
# FERRY_BENCH_FLOOR=1 adds the targets floor and floor-mirror: bench/relay-floor.c (built here with gcc -O2), the
# least a single-threaded epoll relay does, without and with a mirror to the echo upstream (its answers read and
# dropped), so the cost of mirroring to the kernel alone is measured in the same run.
# FERRY_BENCH_TCPCOPY=1 adds the target ferry-tcpcopy (serve-tcpcopy above). FERRY_TCPCOPY_DUMP adds fields to its
# "dump" object, e.g. FERRY_TCPCOPY_DUMP='"max_bytes_per_second": 0' for an unlimited capture budget.
# FERRY_BENCH_MIRROR=1 adds the targets ferry-mirror and ferry-mirror-blackhole (serve-mirror and
# serve-mirror-blackhole above), interleaved with plain ferry in the same run; with FERRY_BENCH_BASELINE_JAR also
# ferry-mirror-baseline, serve-mirror on the baseline jar, so a mirror change is measured against its baseline.
# FERRY_BENCH_KAFKA=1 adds three targets to the same interleaved run: ferry-tcpcopy, ferry-tcpcopy-kafka (its sink to
# a single-node KRaft broker this script starts on 127.0.0.1 from dump-kafka's test classes, pinned to
# FERRY_KAFKA_BROKER_CPU, default 0, the load generator's CPU, so the proxy's CPU stays the proxy's; stopped on exit)
# and ferry-tcpcopy-kafka-down (its sink to a 127.0.0.1 port where nothing listens: the broker is down). The three
# log their counters every 5 s (FERRY_BENCH_STATS_EVERY); at the end it prints the last tcpcopy and sink counters
# each tcpcopy target logged (queue drops, sent, dropped_*).
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
JAR="${FERRY_JAR:-$REPO/ferry-cli/target/ferry.jar}"
PLUGINS="$REPO/ferry-cli/target/plugins"
DEFAULT_JAVA_OPTS="-XX:+UseSerialGC -Xms256m -Xmx256m -XX:+AlwaysPreTouch -Dio.netty.leakDetection.level=disabled"
JAVA_OPTS="${FERRY_JAVA_OPTS:-$DEFAULT_JAVA_OPTS}"

if [ "${1:-}" = "serve-mirror" ] || [ "${1:-}" = "serve-mirror-nocompare" ] || [ "${1:-}" = "serve-mirror-blackhole" ]; then
  [ $# -ge 3 ] || { echo "usage: $0 $1 PORT UPSTREAM_PORT [JVM_FLAG...]" >&2; exit 2; }
  mode="$1"; port="$2"; upstream="$3"; shift 3
  compare=true
  [ "$mode" = "serve-mirror-nocompare" ] && compare=false
  shadow_port="$upstream"
  if [ "$mode" = "serve-mirror-blackhole" ]; then
    shadow_port=$((port + 2000))
    java "$REPO/bench/Blackhole.java" "$shadow_port" &
    blackhole_pid=$!
  fi
  cfg="$(mktemp -t ferry-bench-mirror.XXXXXX.json)"
  cat >"$cfg" <<JSON
{
  "servers": [{
    "default_log_level": "WARN",
    "listeners": [{
      "name": "bench",
      "address": "127.0.0.1:$port",
      "bind_port": true,
      "filter_chains": [{"filters": [
        {"type": "tcp_mirror", "config": {"cluster": "shadow", "percent": 100, "compare": $compare,
                                          "max_buffer": "1MiB", "connect_timeout": "1s"${FERRY_MIRROR_CONFIG:+, $FERRY_MIRROR_CONFIG}}},
        {"type": "tcp_proxy", "config": {"cluster": "echo"}}
      ]}]
    }]
  }],
  "cluster_manager": {"clusters": [
    {"name": "echo", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:$upstream"}]},
    {"name": "shadow", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:$shadow_port"}]}
  ]},
  "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": $((port + 1000))}}}
}
JSON
  echo "config $cfg, report: curl -s http://127.0.0.1:$((port + 1000))/api/v1/tcp_mirror/report"
  # shellcheck disable=SC2086
  java $JAVA_OPTS "$@" -jar "$JAR" start -c "$cfg" &
  java_pid=$!
  trap 'kill "$java_pid" ${blackhole_pid:+"$blackhole_pid"} 2>/dev/null || true' EXIT INT TERM
  # The shadows abandoned so far, by reason, each time they change (every 2 s, curl on CPU 0): a run whose
  # shadows were given up did less work than a healthy mirror, and its log says so.
  (last=""
   while kill -0 "$java_pid" 2>/dev/null; do
     sleep 2
     now="$(taskset -c 0 curl -s --max-time 1 "http://127.0.0.1:$((port + 1000))/api/v1/stats" 2>/dev/null \
       | tr -d ' \n' | grep -o '"abandoned_[a-z_]*":[0-9]*' | tr '\n' ' ' || true)"
     if [ -n "$now" ] && [ "$now" != "$last" ]; then echo "$(date -u +%H:%M:%S) shadows abandoned: $now"; last="$now"; fi
   done) &
  wait "$java_pid"
  exit $?
fi

if [ "${1:-}" = "serve" ] || [ "${1:-}" = "serve-tcpcopy" ] || [ "${1:-}" = "serve-tcpcopy-kafka" ]; then
  [ $# -ge 3 ] || { echo "usage: $0 $1 PORT UPSTREAM_PORT [JVM_FLAG...]" >&2; exit 2; }
  mode="$1"; port="$2"; upstream="$3"; shift 3
  sinks=""
  stats_every="${FERRY_BENCH_STATS_EVERY:-30}"
  if [ "$mode" = "serve-tcpcopy-kafka" ]; then
    [ $# -ge 1 ] || { echo "usage: $0 $mode PORT UPSTREAM_PORT BOOTSTRAP [JVM_FLAG...]" >&2; exit 2; }
    sinks=', "sinks": [{"type": "kafka", "bootstrap_servers": "'"$1"'", "topic": "ferry-bench"}]'
    shift
    stats_every="${FERRY_BENCH_STATS_EVERY:-5}"
  fi
  cfg="$(mktemp -t ferry-bench.XXXXXX.json)"
  filters='{"type": "tcp_proxy", "config": {"cluster": "echo"}}'
  admin=""
  if [ "$mode" != "serve" ]; then
    dump="$(mktemp -d -t ferry-bench-dump.XXXXXX)"
    admin_port=$((port + 1000))
    filters='{"type": "tcpcopy", "config": {
        "strategy": {"switch": "ON", "interval": 3600, "duration": 10, "cpu_max_rate": 99.9, "mem_max_rate": 99.9},
        "dump": {"dir": "'"$dump"'", "max_total_size": 268435456'"${FERRY_TCPCOPY_DUMP:+, $FERRY_TCPCOPY_DUMP}$sinks"'}}},
      '"$filters"
    admin=',
  "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": '"$admin_port"'}}}'
  fi
  cat >"$cfg" <<JSON
{
  "servers": [{
    "default_log_level": "WARN",
    "listeners": [{
      "name": "bench",
      "address": "127.0.0.1:$port",
      "bind_port": true,
      "filter_chains": [{"filters": [$filters]}]
    }]
  }],
  "cluster_manager": {"clusters": [{"name": "echo", "lb_type": "LB_ROUNDROBIN",
                                    "hosts": [{"address": "127.0.0.1:$upstream"}]}]}$admin
}
JSON
  if [ "$mode" = "serve" ]; then
    # shellcheck disable=SC2086
    exec java $JAVA_OPTS "$@" -jar "$JAR" start -c "$cfg"
  fi
  echo "config $cfg, dump dir $dump"
  # shellcheck disable=SC2086
  java $JAVA_OPTS "$@" -jar "$JAR" start -c "$cfg" --plugins-dir "$PLUGINS" &
  java_pid=$!
  api="http://127.0.0.1:$admin_port/api/v1"
  opened=0
  for _ in $(seq 1 240); do                       # up to ~60 s for the proxy to start and the fuse to allow
    kill -0 "$java_pid" 2>/dev/null || break
    if out="$(curl -s -f -X POST "$api/tcpcopy/window?duration_s=3600" 2>/dev/null)"; then
      echo "window: $out"; opened=1; break
    fi
    sleep 0.25
  done
  [ "$opened" = 1 ] || { echo "could not open a tcpcopy window through $api" >&2; kill "$java_pid"; exit 1; }
  (while kill -0 "$java_pid" 2>/dev/null; do
     sleep "$stats_every"
     echo "$(date -u +%H:%M:%S) $(curl -s "$api/stats" | tr -d ' \n' | grep -o '"tcpcopy[^}]*}' | tr '\n' ' ')"
   done) &
  wait "$java_pid"
  exit $?
fi

[ $# -ge 1 ] || { echo "usage: $0 HARNESS_DIR [peers.sh options...] | $0 serve PORT UPSTREAM_PORT" >&2; exit 2; }
HARNESS="$(cd "$1" && pwd)"; shift
[ -x "$HARNESS/peers.sh" ] || { echo "$HARNESS/peers.sh not found" >&2; exit 1; }
if [ ! -f "$JAR" ] || [ ! -d "$PLUGINS/dump-kafka" ]; then
  (cd "$REPO" && mvn -B -q -pl ferry-cli -am package -DskipTests)
fi
targets=(--target-cmd "ferry=$REPO/bench/ferry-bench.sh serve {port} {upstream_port}")
if [ -n "${FERRY_BENCH_BASELINE_JAR:-}" ]; then
  baseline="$(cd "$(dirname "$FERRY_BENCH_BASELINE_JAR")" && pwd)/$(basename "$FERRY_BENCH_BASELINE_JAR")"
  [ -f "$baseline" ] || { echo "FERRY_BENCH_BASELINE_JAR: $baseline not found" >&2; exit 1; }
  targets+=(--target-cmd "ferry-baseline=env FERRY_JAR=$baseline $REPO/bench/ferry-bench.sh serve {port} {upstream_port}")
fi
if [ "${FERRY_BENCH_NIO:-0}" = 1 ]; then
  targets+=(--target-cmd "ferry-nio=$REPO/bench/ferry-bench.sh serve {port} {upstream_port} -Dferry.transport=nio")
fi
if [ "${FERRY_BENCH_MIRROR:-0}" = 1 ]; then
  targets+=(--target-cmd "ferry-mirror=$REPO/bench/ferry-bench.sh serve-mirror {port} {upstream_port}")
  targets+=(--target-cmd "ferry-mirror-blackhole=$REPO/bench/ferry-bench.sh serve-mirror-blackhole {port} {upstream_port}")
  if [ -n "${FERRY_BENCH_BASELINE_JAR:-}" ]; then
    targets+=(--target-cmd "ferry-mirror-baseline=env FERRY_JAR=$baseline $REPO/bench/ferry-bench.sh serve-mirror {port} {upstream_port}")
  fi
fi
if [ "${FERRY_BENCH_FLOOR:-0}" = 1 ]; then
  floor_dir="$(mktemp -d -t ferry-relay-floor.XXXXXX)"
  gcc -O2 -o "$floor_dir/relay-floor" "$REPO/bench/relay-floor.c"
  targets+=(--target-cmd "floor=$floor_dir/relay-floor -l {port} -u {upstream_port}")
  targets+=(--target-cmd "floor-mirror=$floor_dir/relay-floor -l {port} -u {upstream_port} -m {upstream_port}")
fi
if [ "${FERRY_BENCH_TCPCOPY:-0}" = 1 ] || [ "${FERRY_BENCH_KAFKA:-0}" = 1 ]; then
  targets+=(--target-cmd "ferry-tcpcopy=$REPO/bench/ferry-bench.sh serve-tcpcopy {port} {upstream_port}")
fi
if [ "${FERRY_BENCH_KAFKA:-0}" != 1 ]; then
  exec "$HARNESS/peers.sh" "${targets[@]}" "$@"
fi

# FERRY_BENCH_KAFKA=1: a broker for the run, stopped on exit; the run's out dir, to print the counters afterwards.
# shellcheck source=bench/kafka-lib.sh
. "$REPO/bench/kafka-lib.sh"
out=""
prev=""
for a in "$@"; do
  [ "$prev" = "--out" ] && out="$a"
  prev="$a"
done
extra=()
if [ -z "$out" ]; then
  out="$HARNESS/out/$(date -u +%Y%m%dT%H%M%SZ)-kafka"
  extra=(--out "$out")
fi
kafka_build "$REPO"
work="$(mktemp -d -t ferry-bench-kafka.XXXXXX)"
trap 'kafka_stop_broker; rm -rf -- "$work"' EXIT
trap 'exit 130' INT TERM
FERRY_KAFKA_BROKER_CPU="${FERRY_KAFKA_BROKER_CPU-0}" kafka_start_broker "$REPO" "$work" ferry-bench:4
targets+=(--target-cmd "ferry-tcpcopy-kafka=$REPO/bench/ferry-bench.sh serve-tcpcopy-kafka {port} {upstream_port} $KAFKA_BOOTSTRAP")
targets+=(--target-cmd "ferry-tcpcopy-kafka-down=$REPO/bench/ferry-bench.sh serve-tcpcopy-kafka {port} {upstream_port} 127.0.0.1:$KAFKA_DOWN_PORT")
export FERRY_BENCH_STATS_EVERY="${FERRY_BENCH_STATS_EVERY:-5}"   # the same for the three tcpcopy targets
rc=0
"$HARNESS/peers.sh" "${targets[@]}" "${extra[@]+"${extra[@]}"}" "$@" || rc=$?
echo
echo "last counters logged by each tcpcopy target (GET /api/v1/stats, tcpcopy namespaces):"
for t in ferry-tcpcopy ferry-tcpcopy-kafka ferry-tcpcopy-kafka-down; do
  line="$(grep '"tcpcopy' "$out/run/$t.log" 2>/dev/null | tail -1 || true)"
  echo "$t: ${line:-(none logged; see $out/run/$t.log)}"
done
exit "$rc"
