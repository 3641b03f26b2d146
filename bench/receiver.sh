#!/usr/bin/env bash
# Benchmark: the forward receiver against Kafka's own producer, on the same local broker, in one run.
#
#   baseline  Kafka's ProducerPerformance: RECORDS records of 120 bytes, acks=all, idempotent,
#             linger 5 ms, batch 256 KiB, COMPRESSION; the payloads are the same log records as JSON lines
#             of 120 bytes (--payload-file), so both sides compress alike (PAYLOAD=random uses
#             ProducerPerformance's own random letters instead)
#   receiver  the same number of ~120-byte records as PackedForward chunks with ack, over CONNECTIONS
#             connections, through forward-receiver.jar with the same producer settings; a chunk counts
#             when its ack is back (so only after Kafka stored it)
#   cpu       the receiver JVM's CPU seconds (user + system, /proc) during each measured receiver round,
#             after WARMUP_RECORDS (2 million) through the same process: events per CPU-second, median
#   memory    the receiver's peak resident set (/usr/bin/time -v) with 1,000 connections under full load
#   peer      only when FLUENT_BIT names a fluent-bit binary with the Kafka output (shared/tools/agents/build.sh
#             with FLB_WITH_KAFKA=1): Fluent Bit as the aggregator a user would pick instead, in_forward ->
#             out_kafka (rdkafka request.required.acks=-1, enable.idempotence=true, compression.codec=lz4,
#             Format msgpack) into the same broker, fed by the same ForwardLoad (same connections, chunks in
#             flight), warmed up with WARMUP_RECORDS. Fluent Bit acks a chunk once it is in its own memory
#             buffer, before Kafka has it: its rate is the count over the time until the topic's end offset
#             reaches it. Its process's CPU seconds (/proc) per round as for the receiver.
#
# Baseline and receiver (and the peer) run in turns, ROUNDS times each after one warm-up of each; the medians
# are compared. Prints both rates, the peak memory and, last, ratio=<receiver rate / baseline rate>; with
# FLUENT_BIT also the peer's rate into Kafka and events per CPU-second and, last,
# cpu_ratio=<receiver events per CPU-second / Fluent Bit's>.
# Only loopback addresses are used. Knobs: RECORDS, ROUNDS, CONNECTIONS, COMPRESSION, PAYLOAD,
# MEMORY_RECORDS, WARMUP_RECORDS, BENCH_RECEIVER_JVM (the receiver's JVM flags; default: the ones README.md
# documents), FLUENT_BIT, FLB_FLUSH (its Flush seconds, default 0.2).
#   usage with the peer: FLUENT_BIT=/tmp/dls-agents/fluent-bit-kafka/bin/fluent-bit bash bench/receiver.sh
set -euo pipefail
cd "$(dirname "$0")/.."
FLUENT_BIT=${FLUENT_BIT:-}
if [[ -n $FLUENT_BIT ]]; then
  [[ -x $FLUENT_BIT ]] || { echo "FLUENT_BIT=$FLUENT_BIT is no executable" >&2; exit 1; }
  "$FLUENT_BIT" --help 2>&1 | grep -qw kafka \
    || { echo "$FLUENT_BIT has no Kafka output: build it with FLB_WITH_KAFKA=1 shared/tools/agents/build.sh fluent-bit" >&2; exit 1; }
fi
FLB_FLUSH=${FLB_FLUSH:-0.2}

RECORDS=${RECORDS:-3000000}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-8}
MEMORY_RECORDS=${MEMORY_RECORDS:-5000000}
COMPRESSION=${COMPRESSION:-lz4}
WARMUP_RECORDS=${WARMUP_RECORDS:-2000000}
BENCH_RECEIVER_JVM=${BENCH_RECEIVER_JVM:--Xmx256m -XX:MaxDirectMemorySize=192m -XX:+ExitOnOutOfMemoryError}
PRODUCER_PROPS="acks=all enable.idempotence=true linger.ms=5 batch.size=262144 compression.type=$COMPRESSION"
WORK=$(mktemp -d /tmp/bench-receiver.XXXXXX)
# shellcheck source=bench/lib.sh
source bench/lib.sh


echo "[1/6] building the receiver and the tools classpath (Maven)"
mvn -B -q install -DskipTests -pl forward-receiver -am
mvn -B -q dependency:build-classpath -pl forward-receiver -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/cp.txt"
CP="forward-receiver/target/test-classes:forward-receiver/target/classes:$(cat "$WORK/cp.txt")"
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

echo "[2/6] starting a Kafka broker (KRaft) on loopback; data in $WORK"
start_kafka
for t in bench.baseline bench.receiver bench.memory; do
  "$JAVA" -cp "$CP" org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOT" --create --topic "$t" \
    --partitions 1 --replication-factor 1 > /dev/null
done
if [[ -n $FLUENT_BIT ]]; then
  "$JAVA" -cp "$CP" org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOT" --create --topic bench.fluentbit \
    --partitions 1 --replication-factor 1 > /dev/null
fi

end_offset() {
  "$JAVA" -cp "$CP" org.apache.kafka.tools.GetOffsetShell --bootstrap-server "$BOOT" --topic "$1" 2>/dev/null \
    | awk -F: '{s+=$3} END {print s+0}'
}

start_receiver() {  # $1 = topic, $2 = port
  /usr/bin/time -v -o "$WORK/time-$1.txt" "$JAVA" ${BENCH_RECEIVER_JVM//@TOPIC@/$1} \
    -jar forward-receiver/target/forward-receiver.jar --bind 127.0.0.1 --port "$2" --metrics-port -1 \
    --kafka-bootstrap "$BOOT" --topic "$1" --set kafka.producer.compression.type="$COMPRESSION" \
    --set max_connections=2000 > "$WORK/receiver-$1.log" 2>&1 &
  TIME_PID=$!
  PIDS+=($TIME_PID)
  wait_port "$2"
}
stop_receiver() {  # SIGTERM to the JVM under /usr/bin/time, which then writes its report
  local jvm
  jvm=$(pgrep -P "$TIME_PID" java)
  kill -TERM "$jvm"
  wait "$TIME_PID" || true
}
# CPU seconds (user + system) the receiver's JVM has used so far, from /proc/<pid>/stat.
receiver_cpu() {
  local jvm
  jvm=$(pgrep -P "$TIME_PID" java)
  awk -v hz="$(getconf CLK_TCK)" '{printf "%.3f", ($14 + $15) / hz}' "/proc/$jvm/stat"
}
# Fluent Bit as an aggregator: in_forward on loopback -> out_kafka, the data in its memory buffer (no
# Mem_Buf_Limit: with one, 4.2.8's in_forward closes every connection while the input is paused, and a chunk
# that arrives then is neither buffered nor acked).
start_fluent_bit() {  # $1 = port
  cat > "$WORK/fluent-bit.conf" <<CONF
[SERVICE]
    Flush         $FLB_FLUSH
    Log_Level     info
    HTTP_Server   Off

[INPUT]
    Name          forward
    Listen        127.0.0.1
    Port          $1

[OUTPUT]
    Name          kafka
    Match         *
    Brokers       $BOOT
    Topics        bench.fluentbit
    Format        msgpack
    rdkafka.request.required.acks  -1
    rdkafka.enable.idempotence     true
    rdkafka.compression.codec      lz4
CONF
  "$FLUENT_BIT" -c "$WORK/fluent-bit.conf" > "$WORK/fluent-bit.log" 2>&1 &
  FB_PID=$!
  PIDS+=($FB_PID)
  wait_port "$1"
}
fluent_bit_cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.3f", ($14 + $15) / hz}' "/proc/$FB_PID/stat"; }
fluent_bit_run() {  # $1 = records, $2 = the topic's end offset once they are all in Kafka
  "$JAVA" -Xmx512m -cp "$CP" io.dls.receiver.bench.ForwardLoad 127.0.0.1 "$FPORT" "$1" "$CONNECTIONS" 1000 4 \
    --until-in-kafka "$BOOT" bench.fluentbit "$2" 2>>"$WORK/fluent-bit-load.err" | grep 'kafka_records_per_sec=' \
    | tee -a "$WORK/fluent-bit.out" | sed -E 's/.*kafka_records_per_sec=([0-9.]+).*/\1/'
}
peak_rss_mib() { awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$WORK/time-$1.txt"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

baseline_run() {  # $1 = records
  # shellcheck disable=SC2086
  "$JAVA" -Xmx1g -cp "$CP" org.apache.kafka.tools.ProducerPerformance --topic bench.baseline \
    --num-records "$1" $PAYLOAD_ARGS --throughput -1 \
    --producer-props bootstrap.servers="$BOOT" $PRODUCER_PROPS | tail -1 | tee -a "$WORK/baseline.log" \
    | sed -E 's/.* records sent, ([0-9.]+) records\/sec.*/\1/'
}
receiver_run() {  # $1 = records
  "$JAVA" -Xmx512m -cp "$CP" io.dls.receiver.bench.ForwardLoad 127.0.0.1 "$RPORT" "$1" "$CONNECTIONS" 1000 4 \
    2>>"$WORK/load.err" | tee -a "$WORK/receiver.out" | sed -E 's/.*records_per_sec=([0-9.]+).*/\1/'
}

PAYLOAD=${PAYLOAD:-records}
if [ "$PAYLOAD" = random ]; then
  PAYLOAD_ARGS="--record-size 120"
else
  "$JAVA" -cp "$CP" io.dls.receiver.bench.ForwardLoad --json-payloads "$WORK/payloads.txt" 10000
  PAYLOAD_ARGS="--payload-file $WORK/payloads.txt"
fi

echo "[3/6] warm-up: 500000 records through ProducerPerformance, $WARMUP_RECORDS through the receiver"
RPORT=$(free_port)
start_receiver bench.receiver "$RPORT"
baseline_run 500000 > /dev/null
receiver_run "$WARMUP_RECORDS" > /dev/null
if [[ -n $FLUENT_BIT ]]; then
  echo "      and $WARMUP_RECORDS through Fluent Bit ($("$FLUENT_BIT" --version | head -1), in_forward -> out_kafka)"
  FPORT=$(free_port)
  start_fluent_bit "$FPORT"
  fluent_bit_run "$WARMUP_RECORDS" "$WARMUP_RECORDS" > /dev/null
fi
echo "[4/6] $ROUNDS rounds of $RECORDS records of ~120 bytes, $COMPRESSION: ProducerPerformance, then the receiver"
echo "      (PackedForward chunks of 1000 with ack, $CONNECTIONS connections, 4 chunks in flight each)"
[[ -z $FLUENT_BIT ]] || echo "      then the same load into Fluent Bit, timed until Kafka's end offset reaches the count"
: > "$WORK/baseline.rates"; : > "$WORK/receiver.rates"; : > "$WORK/receiver.cpu"
for r in $(seq 1 "$ROUNDS"); do
  b=$(baseline_run "$RECORDS"); echo "$b" >> "$WORK/baseline.rates"
  c0=$(receiver_cpu)
  x=$(receiver_run "$RECORDS"); echo "$x" >> "$WORK/receiver.rates"
  c1=$(receiver_cpu)
  e=$(awk -v n="$RECORDS" -v a="$c0" -v b="$c1" 'BEGIN {printf "%.0f", n / (b - a)}')
  echo "$e" >> "$WORK/receiver.cpu"
  printf '      round %d: ProducerPerformance %.0f records/s, receiver %.0f records/s, %s events per receiver CPU-second\n' \
    "$r" "$b" "$x" "$e"
  if [[ -n $FLUENT_BIT ]]; then
    f0=$(fluent_bit_cpu)
    y=$(fluent_bit_run "$RECORDS" $((WARMUP_RECORDS + r * RECORDS))); echo "$y" >> "$WORK/fluent-bit.rates"
    f1=$(fluent_bit_cpu)
    g=$(awk -v n="$RECORDS" -v a="$f0" -v b="$f1" 'BEGIN {printf "%.0f", n / (b - a)}')
    echo "$g" >> "$WORK/fluent-bit.cpu"
    printf '      round %d: Fluent Bit %.0f records/s into Kafka, %s events per Fluent Bit CPU-second\n' "$r" "$y" "$g"
  fi
done
stop_receiver
if [[ -n $FLUENT_BIT ]]; then
  FB_RSS=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$FB_PID/status")
  kill -TERM "$FB_PID"; wait "$FB_PID" || true
  FB_RATE=$(median < "$WORK/fluent-bit.rates")
  FB_CPU=$(median < "$WORK/fluent-bit.cpu")
  STORED_FB=$(end_offset bench.fluentbit)
fi
BASELINE=$(median < "$WORK/baseline.rates")
RECEIVER=$(median < "$WORK/receiver.rates")
CPU_RATE=$(median < "$WORK/receiver.cpu")
EXPECTED=$(( WARMUP_RECORDS + ROUNDS * RECORDS ))
STORED=$(end_offset bench.receiver)
RECORD_BYTES=$(grep -m1 -o 'record bytes [0-9]*' "$WORK/load.err" | awk '{print $3}')

echo "[5/6] memory: $MEMORY_RECORDS records over 1000 connections, one chunk in flight on each"
MPORT=$(free_port)
start_receiver bench.memory "$MPORT"
"$JAVA" -Xmx512m -cp "$CP" io.dls.receiver.bench.ForwardLoad 127.0.0.1 "$MPORT" "$MEMORY_RECORDS" 1000 1000 1 \
  | tee "$WORK/memory.out"
stop_receiver
MEMORY_RATE=$(sed -E 's/.*records_per_sec=([0-9.]+).*/\1/' "$WORK/memory.out")
STORED_MEM=$(end_offset bench.memory)

echo "[6/6] results"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -m), $("$JAVA" -version 2>&1 | head -1)"
echo "baseline ProducerPerformance records/s (median): $BASELINE"
echo "record value bytes: ProducerPerformance 120 ($PAYLOAD payloads), receiver $RECORD_BYTES (msgpack map, average)"
echo "receiver JVM: $BENCH_RECEIVER_JVM"
echo "baseline rounds: $(tr '\n' ' ' < "$WORK/baseline.rates")"
echo "receiver rounds: $(tr '\n' ' ' < "$WORK/receiver.rates")"
echo "receiver records/s ($CONNECTIONS connections, acked, median): $RECEIVER (in Kafka: $STORED of $EXPECTED sent)"
echo "receiver events per CPU-second of the receiver JVM (after $WARMUP_RECORDS warm-up, median): $CPU_RATE ($(tr '\n' ' ' < "$WORK/receiver.cpu"))"
echo "receiver records/s (1000 connections, acked): $MEMORY_RATE (in Kafka: $STORED_MEM of $MEMORY_RECORDS)"
echo "receiver peak RSS MiB: ${CONNECTIONS} connections $(peak_rss_mib bench.receiver), 1000 connections $(peak_rss_mib bench.memory)"
if [[ -n $FLUENT_BIT ]]; then
  echo "Fluent Bit: $("$FLUENT_BIT" --version | head -1), in_forward -> out_kafka (Format msgpack, Flush $FLB_FLUSH," \
    "rdkafka request.required.acks=-1 enable.idempotence=true compression.codec=lz4), peak RSS MiB $FB_RSS"
  echo "Fluent Bit rounds (into Kafka): $(tr '\n' ' ' < "$WORK/fluent-bit.rates")(acked into its buffer:" \
    "$(tail -n "$ROUNDS" "$WORK/fluent-bit.out" | sed -E 's/.* records_per_sec=([0-9]+).*/\1/' | tr '\n' ' ')records/s)"
  echo "Fluent Bit records/s into Kafka ($CONNECTIONS connections, until the end offset reached the count, median): $FB_RATE (in Kafka: $STORED_FB of $EXPECTED sent)"
  echo "events per CPU-second (after $WARMUP_RECORDS warm-up, median): receiver JVM $CPU_RATE, Fluent Bit $FB_CPU ($(tr '\n' ' ' < "$WORK/fluent-bit.cpu"))"
  echo "Fluent Bit log: $(grep -c 'queue is full' "$WORK/fluent-bit.log" || true) 'queue is full' warnings, $(grep -c '\[error\]' "$WORK/fluent-bit.log" || true) errors"
fi
if [ "$STORED" -lt "$EXPECTED" ] || [ "$STORED_MEM" -lt "$MEMORY_RECORDS" ]; then
  echo "ERROR: fewer records in Kafka than were acked" >&2; exit 1
fi
awk -v r="$RECEIVER" -v b="$BASELINE" 'BEGIN { printf "ratio=%.3f\n", r / b }'
if [[ -n $FLUENT_BIT ]]; then
  awk -v r="$CPU_RATE" -v f="$FB_CPU" 'BEGIN { printf "cpu_ratio=%.3f\n", r / f }'
fi
