# Shared by the bench scripts: ports, a Kafka broker process, an Elasticsearch node process.
# Expects WORK (a scratch directory), CP (a class path with Kafka / the ES runner) and JAVA. Every process
# started here or added to PIDS is stopped when the script exits, however it exits.

PIDS=()
# PIN=1 gives Elasticsearch a core of its own (core 0) and everything else the other cores, in the
# measured run and in its baseline alike, so the job's CPU does not take Elasticsearch's (taskset).
if [[ ${PIN:-0} == 1 ]]; then
  ES_TASKSET=(taskset -c 0)
  REST_TASKSET=(taskset -c "1-$(($(nproc) - 1))")
else
  ES_TASKSET=()
  REST_TASKSET=()
fi
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_port() {
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.2
  done
  echo "port $1 did not open; logs in $WORK" >&2; exit 1
}

# Starts a one-node KRaft broker on loopback; sets BOOT.
start_kafka() {
  local kport cport
  kport=$(free_port); cport=$(free_port)
  cat > "$WORK/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$kport,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$kport
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$WORK/kafka-data
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
  "$JAVA" -cp "$CP" kafka.tools.StorageTool format -t "$("$JAVA" -cp "$CP" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)" \
    -c "$WORK/server.properties" > "$WORK/format.log" 2>&1
  "${REST_TASKSET[@]}" "$JAVA" -Xms1g -Xmx1g -cp "$CP" kafka.Kafka "$WORK/server.properties" > "$WORK/kafka.log" 2>&1 &
  KAFKA_PID=$!
  PIDS+=($!)
  wait_port "$kport"
  BOOT=127.0.0.1:$kport
}

# Starts a one-node Elasticsearch 7.10 (codelibs cluster runner, separate process); sets ES.
start_elasticsearch() {
  local base
  # The runner takes HTTP ports only below 9300 (base+1 for the node): find a free one there.
  base=$(python3 -c '
import socket
for b in range(9200, 9290):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", b + 1)); print(b); break
    except OSError:
        pass
    finally:
        s.close()')
  # G1 as Elasticsearch's own jvm.options sets it: with the JVM's defaults the real-memory circuit breaker
  # refuses whole bulk requests (HTTP 429) under a steady indexing load.
  "${ES_TASKSET[@]}" "$JAVA" -Xms1g -Xmx1g -XX:+UseG1GC -XX:G1ReservePercent=25 -XX:InitiatingHeapOccupancyPercent=30 \
    -da -cp "$CP" org.codelibs.elasticsearch.runner.ElasticsearchClusterRunner \
    -basePath "$WORK/es" -numOfNode 1 -baseHttpPort "$base" -clusterName bench > "$WORK/es.log" 2>&1 &
  ES_PID=$!
  PIDS+=($!)
  wait_port $((base + 1))
  ES=http://127.0.0.1:$((base + 1))
  curl -sf "$ES/_cluster/health?wait_for_status=yellow&timeout=60s" > /dev/null
}
