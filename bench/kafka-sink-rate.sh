#!/usr/bin/env bash
# The rate the Kafka sink sustains before drops begin (records/s and MB/s acknowledged by the broker), through the real
# path DumpWriter -> sink queue -> KafkaSink (default settings) -> a single-node KRaft broker on 127.0.0.1, for a few
# payload sizes. The broker runs in a JVM of its own, started and stopped by this script.
#
#   bench/kafka-sink-rate.sh [KafkaSinkRateBench options...]
#       e.g. bench/kafka-sink-rate.sh --sizes 64,1024,16384 --step-seconds 3
#
# Options and method: the javadoc of ferry-cli/src/test/java/io/ferry/cli/KafkaSinkRateBench.java. The sink is
# loaded from the default plugin directory, ferry-cli/target/plugins, as `ferry start` loads it.
# Environment: FERRY_RATE_JAVA_OPTS (the bench JVM, default below), FERRY_KAFKA_BROKER_JAVA_OPTS (the broker JVM,
# default -Xms512m -Xmx512m), FERRY_KAFKA_BROKER_CPU (pin the broker with taskset), FERRY_RATE_CPU (pin the bench).
# Nothing is pinned by default. Prints STEP lines and one RESULT line per size.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=bench/kafka-lib.sh
. "$REPO/bench/kafka-lib.sh"
JAVA_OPTS="${FERRY_RATE_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseParallelGC}"

kafka_build "$REPO"
WORK="$(mktemp -d -t ferry-kafka-rate.XXXXXX)"
trap 'kafka_stop_broker; rm -rf -- "$WORK"' EXIT INT TERM
kafka_start_broker "$REPO" "$WORK" ferry-rate:4
pin=()
[ -n "${FERRY_RATE_CPU:-}" ] && pin=(taskset -c "$FERRY_RATE_CPU")
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); java $(java -version 2>&1 | head -1)"
# shellcheck disable=SC2086
timeout -k 10 3000 "${pin[@]}" java $JAVA_OPTS -Dferry.plugins.dir="$REPO/ferry-cli/target/plugins" \
  -cp "$(kafka_test_cp "$REPO")" io.ferry.cli.KafkaSinkRateBench \
  --bootstrap "$KAFKA_BOOTSTRAP" --topic ferry-rate "$@"
