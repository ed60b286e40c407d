# Shared by bench/kafka-sink-rate.sh and bench/ferry-bench.sh (sourced, not run): builds ferry-cli with the default
# plugin directory (ferry-cli/target/plugins, where the Kafka sink is) and runs the standalone single-node KRaft
# broker of dump-kafka's test sources (io.ferry.dump.kafka.KafkaBrokerMain) on 127.0.0.1.
#
#   kafka_build REPO          packages ferry-cli and its reactor dependencies (tests compiled, none run) and writes
#                             ferry-cli/target/bench-test-classpath.txt
#   kafka_test_cp REPO        class path of the benchmark mains (ferry-cli's test scope, which has the broker but
#                             not the Kafka sink: the benchmark loads that from the plugin directory)
#   kafka_start_broker REPO WORKDIR TOPIC:PARTITIONS...
#                             starts the broker in its own session (lifetime bound FERRY_KAFKA_BROKER_LIFETIME s,
#                             default 3600; pinned with taskset to FERRY_KAFKA_BROKER_CPU when set), waits until it
#                             is ready and sets KAFKA_BOOTSTRAP (host:port), KAFKA_DOWN_PORT (a port where nothing
#                             listens) and KAFKA_BROKER_PGID; its log is WORKDIR/kafka-broker.log
#   kafka_stop_broker         stops that process group: TERM, then KILL after 10 s

kafka_build() {
  local repo="$1"
  (cd "$repo" && mvn -B -q -pl ferry-cli -am package -DskipTests && \
      mvn -B -q -pl ferry-cli dependency:build-classpath -Dmdep.includeScope=test \
      -Dmdep.excludeGroupIds=io.ferry -Dmdep.outputFile=target/bench-test-classpath.txt)
}

# The reactor modules are not in the dependency plugin's list (they are not installed): add their classes.
_kafka_reactor_cp() {
  local repo="$1" m cp=""
  for m in filter-api filter-chain filter-registry filter-testkit dump-format dump-tools filter-tcpcopy proxy-runtime; do
    [ -d "$repo/$m/target/classes" ] && cp="$cp:$repo/$m/target/classes"
  done
  echo "$cp"
}

kafka_test_cp() {
  local repo="$1"
  echo "$repo/ferry-cli/target/test-classes:$repo/ferry-cli/target/classes:$repo/dump-kafka/target/test-classes$(_kafka_reactor_cp "$repo"):$(cat "$repo/ferry-cli/target/bench-test-classpath.txt")"
}

kafka_start_broker() {
  local repo="$1" work="$2" t
  shift 2
  local args=()
  for t in "$@"; do args+=(--topic "$t"); done
  local pin=()
  [ -n "${FERRY_KAFKA_BROKER_CPU:-}" ] && pin=(taskset -c "$FERRY_KAFKA_BROKER_CPU")
  local lifetime="${FERRY_KAFKA_BROKER_LIFETIME:-3600}"
  rm -f "$work/kafka-bootstrap" "$work/kafka-down-port"
  # shellcheck disable=SC2086
  setsid "${pin[@]}" timeout -k 10 "$lifetime" java ${FERRY_KAFKA_BROKER_JAVA_OPTS:--Xms512m -Xmx512m} \
    -cp "$(kafka_test_cp "$repo")" io.ferry.dump.kafka.KafkaBrokerMain "${args[@]}" --max-seconds "$lifetime" \
    --bootstrap-file "$work/kafka-bootstrap" --free-port-file "$work/kafka-down-port" \
    >"$work/kafka-broker.log" 2>&1 </dev/null &
  KAFKA_BROKER_PGID=$!
  local i
  for i in $(seq 1 240); do                      # up to 120 s
    [ -s "$work/kafka-bootstrap" ] && break
    kill -0 "$KAFKA_BROKER_PGID" 2>/dev/null || { echo "kafka broker exited; log: $work/kafka-broker.log" >&2; tail -20 "$work/kafka-broker.log" >&2; return 1; }
    sleep 0.5
  done
  [ -s "$work/kafka-bootstrap" ] || { echo "kafka broker not ready after 120 s; log: $work/kafka-broker.log" >&2; kafka_stop_broker; return 1; }
  KAFKA_BOOTSTRAP="$(cat "$work/kafka-bootstrap")"
  KAFKA_DOWN_PORT="$(cat "$work/kafka-down-port")"
  echo "kafka broker up on $KAFKA_BOOTSTRAP (pgid $KAFKA_BROKER_PGID${FERRY_KAFKA_BROKER_CPU:+, CPU $FERRY_KAFKA_BROKER_CPU}); nothing listens on 127.0.0.1:$KAFKA_DOWN_PORT"
}

kafka_stop_broker() {
  [ -n "${KAFKA_BROKER_PGID:-}" ] || return 0
  kill -TERM -- "-$KAFKA_BROKER_PGID" 2>/dev/null || true
  local i
  for i in $(seq 1 40); do
    kill -0 -- "-$KAFKA_BROKER_PGID" 2>/dev/null || break
    sleep 0.25
  done
  kill -KILL -- "-$KAFKA_BROKER_PGID" 2>/dev/null || true
  KAFKA_BROKER_PGID=""
}
