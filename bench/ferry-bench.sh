#!/usr/bin/env bash
# Benchmarks Ferry against direct/haproxy/nginx/socat with the L4 load harness (its peers.sh), in one run.
#
#   bench/ferry-bench.sh HARNESS_DIR [peers.sh options...]
#       builds proxy-runtime/target/ferry.jar if missing, then runs HARNESS_DIR/peers.sh with Ferry added as a
#       target (--target-cmd). Example: bench/ferry-bench.sh ../bench --reps 3 --duration 3
#   bench/ferry-bench.sh serve PORT UPSTREAM_PORT [JVM_FLAG...]
#       what peers.sh runs: writes a MOSN config (a listener on 127.0.0.1:PORT, tcp_proxy to a one-host cluster
#       127.0.0.1:UPSTREAM_PORT) and execs the JVM on it, with extra JVM flags appended.
#
# JVM flags: FERRY_JAVA_OPTS (default below). peers.sh pins the proxy to one CPU, so the JVM sees one processor.
# FERRY_BENCH_NIO=1 adds a second target, ferry-nio, the same proxy on Netty's NIO transport.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
JAR="$REPO/proxy-runtime/target/ferry.jar"
DEFAULT_JAVA_OPTS="-XX:+UseSerialGC -Xms256m -Xmx256m -XX:+AlwaysPreTouch -Dio.netty.leakDetection.level=disabled"
JAVA_OPTS="${FERRY_JAVA_OPTS:-$DEFAULT_JAVA_OPTS}"

if [ "${1:-}" = "serve" ]; then
  [ $# -ge 3 ] || { echo "usage: $0 serve PORT UPSTREAM_PORT [JVM_FLAG...]" >&2; exit 2; }
  port="$2"; upstream="$3"; shift 3
  cfg="$(mktemp -t ferry-bench.XXXXXX.json)"
  cat >"$cfg" <<JSON
{
  "servers": [{
    "default_log_level": "WARN",
    "listeners": [{
      "name": "bench",
      "address": "127.0.0.1:$port",
      "bind_port": true,
      "filter_chains": [{"filters": [{"type": "tcp_proxy", "config": {"cluster": "echo"}}]}]
    }]
  }],
  "cluster_manager": {"clusters": [{"name": "echo", "lb_type": "LB_ROUNDROBIN",
                                    "hosts": [{"address": "127.0.0.1:$upstream"}]}]}
}
JSON
  # shellcheck disable=SC2086
  exec java $JAVA_OPTS "$@" -jar "$JAR" start -c "$cfg"
fi

[ $# -ge 1 ] || { echo "usage: $0 HARNESS_DIR [peers.sh options...] | $0 serve PORT UPSTREAM_PORT" >&2; exit 2; }
HARNESS="$(cd "$1" && pwd)"; shift
[ -x "$HARNESS/peers.sh" ] || { echo "$HARNESS/peers.sh not found" >&2; exit 1; }
if [ ! -f "$JAR" ]; then
  (cd "$REPO" && mvn -B -q -pl proxy-runtime -am package -DskipTests)
fi
targets=(--target-cmd "ferry=$REPO/bench/ferry-bench.sh serve {port} {upstream_port}")
if [ "${FERRY_BENCH_NIO:-0}" = 1 ]; then
  targets+=(--target-cmd "ferry-nio=$REPO/bench/ferry-bench.sh serve {port} {upstream_port} -Dferry.transport=nio")
fi
exec "$HARNESS/peers.sh" "${targets[@]}" "$@"
