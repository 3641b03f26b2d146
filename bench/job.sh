#!/usr/bin/env bash
# Benchmark: the two Flink jobs apart, each against its own baseline in the same run, and the alert latency with
# Elasticsearch up and stopped. Driver: flink-jobs/src/test/java/io/dls/job/bench/JobBench.java (a JVM per step).
#
# Each of ROUNDS rounds, on topics of its own (prefix r<round>.):
#   pipeline  WARMUP_RECORDS and then RECORDS realistic raw records (mixed levels, 4 services, 28 nodes, 1 in
#             12 a heartbeat; alternately on the two partitions of logs.raw; the warm-up ones dated a day
#             earlier). The pipeline job (local MiniCluster, parallelism 2, the shipped alert patterns, Kafka
#             only: all_logs / critical_logs / node_failure / alerts) reads them all; its rate is the measured
#             records' events reaching all_logs per second, from the first past the warm-up to 99 % of them
#             (the topic's end offsets, polled every 25 ms). The warm-up records are not measured. Before it
#             the step makes WARM_PASSES (3) whole passes over the same records into topics of their own
#             (warm<K>-<P>...), discarded, in the same JVM, so that the measured pass runs compiled code, as a
#             job that has been running for a while does (a fresh JVM running Flink is still compiling a minute
#             into the job; the JIT's CPU in the window is printed as cpu_jit); the copy and passthrough steps
#             get the same passes. WARM_PASSES=0 measures a fresh JVM's first pass, as before 2026-12-02
#   copy      its baseline: one KafkaConsumer + KafkaProducer loop, the producer with the events sink's
#             settings (lz4, linger 50 ms, batch 256 KiB, acks=all, idempotent), copies the same raw topic
#             (warm-up and measured records) to a topic of two partitions, each record to its partition, as
#             it is; measured the same way over the same records. Its consumer waits 10 ms for an empty fetch
#             (fetch.max.wait.ms; 500 by default held it back once one partition had run out, which a stream
#             that goes on never does; figures before 2026-12-02 have that flaw)
#   passthrough  Flink's floor under the pipeline job, on the same records: the job's own Kafka source and events
#             sink (same settings, checkpoints, object reuse, parallelism 2) with nothing between them, each raw
#             record handed on as it is; measured the same way. Its ratio to the copy is the most a Flink job of
#             this shape reaches on the machine, whatever it does per event
#   index     the index job (MiniCluster, parallelism 2) reads all_logs (and alerts) as the pipeline left
#             them and writes Elasticsearch: the warm-up documents first (into the day before's index,
#             deleted once complete), then the measured ones; its rate is the measured documents indexed
#             per second, from the first to 99 % of them (Elasticsearch's _stats/indexing, every 100 ms)
#   bulk      its baseline: the very same documents (the bytes the index job sends, same ids, same index
#             template), as _bulk requests of 1,000 sent by curl two at a time (like the index job's two sink
#             subtasks) into the same Elasticsearch node; then logs-* and alerts-* are emptied. Before the
#             index job and before the _bulk, the script waits for Elasticsearch to be idle (merges done)
# Then the alert latency, at RATE events/s for SECONDS_UNDER_LOAD s after 20 s at full rate: an error burst (5
# ERROR on a service of its own) every 100 ms, timed from appending the fifth error to its alert on
# critical_logs; then three nodes stop their heartbeats and their timeout alerts are timed (15 s window). The
# pipeline job runs in one JVM and the index job in another (as in two Flink clusters), reading the same
# topics: first with Elasticsearch up, then with the Elasticsearch process killed (the index job keeps
# retrying against the dead port). RATE_SUSTAINED=N adds the same pair at N events/s.
#
# ONLY=pipeline: just the pipeline, copy and passthrough steps (no Elasticsearch, no index or latency steps).
# Sizes: RECORDS, WARMUP_RECORDS, WARM_PASSES, ROUNDS, RATE, SECONDS_UNDER_LOAD (quick check: RECORDS=20000
# WARMUP_RECORDS=20000 ROUNDS=1 SECONDS_UNDER_LOAD=5). PIN=1: in the steps Elasticsearch takes part in
# (index, bulk, latency up and down) Elasticsearch runs on core 0 and Kafka, the jobs and curl on the others,
# as in lib.sh; the pipeline and copy steps involve no Elasticsearch, so there the broker, the job and the copy
# get every core (pinned to one core, the job's two subtasks would share it while the copy's one thread
# would not notice). LATENCY_PIN=0 with PIN=1: the latency steps on every core. Prints the figures and, last, the two ratios (median over the rounds). Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."

RECORDS=${RECORDS:-300000}
ROUNDS=${ROUNDS:-3}
WARMUP_RECORDS=${WARMUP_RECORDS:-600000}
WARM_PASSES=${WARM_PASSES:-3}
RATE=${RATE:-10000}
RATE_SUSTAINED=${RATE_SUSTAINED:-}
SECONDS_UNDER_LOAD=${SECONDS_UNDER_LOAD:-30}
ONLY=${ONLY:-}
# With PIN=1, LATENCY_PIN=0 runs the latency steps on every core (Elasticsearch, the broker and both jobs).
LATENCY_PIN=${LATENCY_PIN:-${PIN:-0}}
WORK=$(mktemp -d /tmp/bench-job.XXXXXX)
# shellcheck source=bench/lib.sh
source bench/lib.sh
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "[1/6] building the jobs and the test classpath (Maven, in the reactor: nothing is installed)"
mvn ${MVN_ARGS:-} -B -q test-compile dependency:build-classpath -pl flink-jobs -am -Dmdep.includeScope=test \
  -Dmdep.outputFile="$WORK/cp.txt"
CP="$PWD/flink-jobs/target/test-classes:$PWD/flink-jobs/target/classes:$(cat "$WORK/cp.txt")"
FLINK_JVM="${BENCH_JOB_JVM:-} -Dbench.warmPasses=$WARM_PASSES -Xmx2g --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED"

echo "[2/6] starting Kafka and Elasticsearch on loopback; data in $WORK"
start_kafka
if [[ $ONLY == pipeline ]]; then
  ES_PID=
  echo "      kafka $BOOT (ONLY=pipeline: no Elasticsearch)"
else
  start_elasticsearch
  echo "      kafka $BOOT, elasticsearch $ES"
fi

# One JobBench step in a JVM of its own; stdout (and the log lines) to WORK/<name>.out, stderr to .log.
# bench NAME pinned|free MODE ARGS...: pinned like the rest (PIN=1), or on every core with the broker too.
ALL_CORES="0-$(($(nproc) - 1))"
bench() {
  local name=$1 pin=$2; shift 2
  local ts=("${REST_TASKSET[@]}")
  if [[ ${PIN:-0} == 1 ]]; then
    if [[ $pin == free ]]; then
      ts=()
      taskset -a -p -c "$ALL_CORES" "$KAFKA_PID" > /dev/null
    else
      taskset -a -p -c "1-$(($(nproc) - 1))" "$KAFKA_PID" > /dev/null
    fi
  fi
  echo "      ($name: load average $(cut -d' ' -f1-3 /proc/loadavg))"
  # shellcheck disable=SC2086
  (cd flink-jobs && "${ts[@]}" "$JAVA" $FLINK_JVM -Dbench.pids="kafka:$KAFKA_PID${ES_PID:+,es:$ES_PID}" \
    -cp "$CP" io.dls.job.bench.JobBench "$@") 2> "$WORK/$name.log" | tee "$WORK/$name.out"
}
field() { sed -nE "s/.*$1=([0-9.]+).*/\1/p" "$2" | head -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
median() { printf '%s\n' "$@" | sort -n | awk '{ r[NR] = $1 } END { printf "%.3f", r[int((NR + 1) / 2)] }'; }
es_cpu() { awk '{ print ($14 + $15) / 100 }' "/proc/$ES_PID/stat"; }
# Waits (at most 60 s) until Elasticsearch has used under 5 % of a core for a whole second, so that neither the
# index job nor the _bulk baseline pays for what came before it. (Added because Elasticsearch spent more CPU per
# document on the _bulk than on the job's documents; in the runs of 2026-12-01 it was idle within a second
# every time, so that difference has another cause: see BENCHMARKS.md.)
es_quiet() {
  local start=$SECONDS a b
  while ((SECONDS - start < 60)); do
    a=$(es_cpu); sleep 1; b=$(es_cpu)
    if awk -v a="$a" -v b="$b" 'BEGIN { exit !(b - a < 0.05) }'; then break; fi
  done
  echo "      (Elasticsearch quiet after $((SECONDS - start)) s)"
}

# Absolute rates on a shared 2-core machine vary from run to run (Elasticsearch's own cost per document by up
# to half); ROUNDS rounds and the median of each ratio.
PIPE_RATIOS=()
FLOOR_RATIOS=()
INDEX_RATIOS=()
for round in $(seq 1 "$ROUNDS"); do
  P="r$round."
  BASE_MS=$(($(date +%s%3N) - 60000))

  echo "[3/6] round $round/$ROUNDS, pipeline job: $WARMUP_RECORDS warm-up and $RECORDS measured records, logs.raw to the topics"
  bench "pipeline-$round" free pipeline "$BOOT" "$P" "$RECORDS" "$WARMUP_RECORDS" "$BASE_MS"
  echo "      baseline: a plain consumer + producer copy of the same raw records to another topic"
  bench "copy-$round" free copy "$BOOT" "$P" "$RECORDS" "$WARMUP_RECORDS"
  echo "      Flink's floor: the job's Kafka source and events sink with nothing between, over the same records"
  bench "passthrough-$round" free passthrough "$BOOT" "$P" "$RECORDS" "$WARMUP_RECORDS"
  PIPE_RATIOS+=("$(ratio "$(field pipeline_rate "$WORK/pipeline-$round.out")" "$(field copy_rate "$WORK/copy-$round.out")")")
  FLOOR_RATIOS+=("$(ratio "$(field passthrough_rate "$WORK/passthrough-$round.out")" "$(field copy_rate "$WORK/copy-$round.out")")")
  echo "round $round: pipeline job $(field pipeline_rate "$WORK/pipeline-$round.out") events/s," \
    "plain copy $(field copy_rate "$WORK/copy-$round.out") events/s, ratio ${PIPE_RATIOS[-1]};" \
    "Flink passthrough $(field passthrough_rate "$WORK/passthrough-$round.out") events/s, ratio to the copy ${FLOOR_RATIOS[-1]}"
  if [[ $ONLY == pipeline ]]; then continue; fi

  echo "[4/6] round $round/$ROUNDS, index job: the round's all_logs into Elasticsearch"
  rm -rf "$WORK/bulk"
  es_quiet
  bench "index-$round" pinned index "$BOOT" "$ES" "$P" "$BASE_MS" "$WORK/bulk"
  INDEX_RATE=$(field index_rate "$WORK/index-$round.out")
  BULK_INDEX=$(sed -nE 's/.*bulk_index=([a-z0-9-]+).*/\1/p' "$WORK/index-$round.out")

  echo "      baseline: the same documents with plain _bulk (curl, 2 at a time)"
  FILES=$(ls "$WORK"/bulk/bulk-*.ndjson | wc -l)
  es_quiet
  ES_CPU0=$(es_cpu)
  T0=$(date +%s.%N)
  ls "$WORK"/bulk/bulk-*.ndjson | "${REST_TASKSET[@]}" xargs -P 2 -I{} curl -sf -o /dev/null -H 'Content-Type: application/x-ndjson' \
    --data-binary @{} "$ES/_bulk"
  T1=$(date +%s.%N)
  ES_CPU1=$(es_cpu)
  curl -sf -X POST "$ES/$BULK_INDEX/_refresh" > /dev/null
  BULK_DOCS=$(curl -sf "$ES/$BULK_INDEX/_count" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')
  BULK_RATE=$(awk -v n="$BULK_DOCS" -v a="$T0" -v b="$T1" 'BEGIN { printf "%.0f", n / (b - a) }')
  EXPECTED=$(cat "$WORK"/bulk/bulk-*.ndjson | grep -c '^{"index"')
  if [[ $BULK_DOCS != "$EXPECTED" ]]; then
    echo "WARNING: plain _bulk stored $BULK_DOCS of $EXPECTED documents (Elasticsearch refused some; see $WORK/es.log)"
  fi
  echo "bulk_docs=$BULK_DOCS files=$FILES seconds=$(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.2f", b - a }') bulk_rate=$BULK_RATE" \
    "$(awk -v a="$ES_CPU0" -v b="$ES_CPU1" -v n="$BULK_DOCS" 'BEGIN { printf "cpu_es_s=%.2f us_per_doc_es=%.1f", b - a, (b - a) * 1e6 / n }')" \
    | tee "$WORK/bulk-$round.out"
  INDEX_RATIOS+=("$(ratio "$INDEX_RATE" "$BULK_RATE")")
  echo "round $round: index job $INDEX_RATE docs/s, plain _bulk $BULK_RATE docs/s, ratio ${INDEX_RATIOS[-1]}"
  curl -sf -X DELETE "$ES/logs-*,alerts-*" > /dev/null
done

# The pipeline job under load in one JVM, the index job following the same topics in another.
latency() {
  local name=$1 rate=$2 es=$3 pin=pinned ts=("${REST_TASKSET[@]}")
  if [[ ${PIN:-0} == 1 && $LATENCY_PIN == 0 ]]; then
    # Every process on every core, Elasticsearch too (the broker: in bench).
    pin=free
    ts=()
    if kill -0 "$ES_PID" 2>/dev/null; then taskset -a -p -c "$ALL_CORES" "$ES_PID" > /dev/null; fi
    taskset -a -p -c "$ALL_CORES" "$KAFKA_PID" > /dev/null
  fi
  # shellcheck disable=SC2086
  (cd flink-jobs && exec "${ts[@]}" "$JAVA" $FLINK_JVM -cp "$CP" io.dls.job.bench.JobBench \
    index-follow "$BOOT" "$es" "$name." > "$WORK/index-follow-$name.out" 2> "$WORK/index-follow-$name.log") &
  local follower=$!  # the index job's JVM itself (exec)
  PIDS+=("$follower")
  for _ in $(seq 1 600); do
    grep -q 'index job submitted' "$WORK/index-follow-$name.out" 2>/dev/null && break
    sleep 0.2
  done
  bench "latency-$name" "$pin" latency "$BOOT" "$name." "$rate" "$SECONDS_UNDER_LOAD"
  echo "      index job: $(grep '^index_job' "$WORK/index-follow-$name.out" | tail -1)"
  kill "$follower" 2>/dev/null || true
  wait "$follower" 2>/dev/null || true
}

if [[ $ONLY != pipeline ]]; then
echo "[5/6] latency at $RATE events/s for $SECONDS_UNDER_LOAD s, Elasticsearch up (the index job indexing beside it)"
latency lat-up "$RATE" "$ES"
curl -sf -X POST "$ES/logs-*/_refresh" > /dev/null
INDEXED_UP=$(curl -sf "$ES/logs-*/_count" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')
echo "      the index job had indexed $INDEXED_UP documents when it was stopped (appended: $(field appended "$WORK/latency-lat-up.out") events, heartbeats and probes besides)"
if [[ -n $RATE_SUSTAINED ]]; then
  echo "      and at $RATE_SUSTAINED events/s"
  latency lat-up-sustained "$RATE_SUSTAINED" "$ES"
fi

echo "[6/6] the Elasticsearch process killed; latency at $RATE events/s again, the index job retrying a dead port"
kill "$ES_PID"
for _ in $(seq 1 150); do kill -0 "$ES_PID" 2>/dev/null || break; sleep 0.2; done
kill -9 "$ES_PID" 2>/dev/null || true
wait "$ES_PID" 2>/dev/null || true
if curl -s -o /dev/null "$ES"; then echo "ERROR: Elasticsearch still answers at $ES"; exit 1; fi
latency lat-down "$RATE" "$ES"
if [[ -n $RATE_SUSTAINED ]]; then
  echo "      and at $RATE_SUSTAINED events/s"
  latency lat-down-sustained "$RATE_SUSTAINED" "$ES"
fi

fi

echo "results"
echo "PIN=${PIN:-0} LATENCY_PIN=$LATENCY_PIN RECORDS=$RECORDS WARMUP_RECORDS=$WARMUP_RECORDS ROUNDS=$ROUNDS WARM_PASSES=$WARM_PASSES RATE=$RATE SECONDS_UNDER_LOAD=$SECONDS_UNDER_LOAD"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -m), $("$JAVA" -version 2>&1 | head -1), load average at the start $LOAD0, at the end $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round: pipeline job $(field pipeline_rate "$WORK/pipeline-$round.out") events/s $(grep '^cpu:' "$WORK/pipeline-$round.out" || true)"
  echo "         plain copy   $(field copy_rate "$WORK/copy-$round.out") events/s $(grep '^cpu:' "$WORK/copy-$round.out" || true)"
  echo "         Flink passthrough $(field passthrough_rate "$WORK/passthrough-$round.out") events/s $(grep '^cpu:' "$WORK/passthrough-$round.out" || true)"
  echo "         pipeline ratio ${PIPE_RATIOS[$((round - 1))]}, passthrough ratio ${FLOOR_RATIOS[$((round - 1))]}"
  [[ $ONLY == pipeline ]] && continue
  echo "         index job    $(field index_rate "$WORK/index-$round.out") docs/s $(grep '^cpu:' "$WORK/index-$round.out" || true)"
  echo "         plain _bulk  $(sed -nE 's/.*(bulk_rate=[0-9]+ cpu_es_s=[0-9.]+ us_per_doc_es=[0-9.]+).*/\1/p' "$WORK/bulk-$round.out")"
  echo "         index ratio ${INDEX_RATIOS[$((round - 1))]}"
done
if [[ $ONLY != pipeline ]]; then
  for name in lat-up lat-up-sustained lat-down lat-down-sustained; do
    [[ -f $WORK/latency-$name.out ]] || continue
    echo "$name:"; grep -E 'alert_latency|heartbeat_timeout' "$WORK/latency-$name.out" || true
  done
  for name in lat-up lat-down; do
    echo "index job beside $name, last word: $(grep '^index_job' "$WORK/index-follow-$name.out" | tail -1)"
  done
  echo "p99_alert_latency_ms es_up=$(field alert_latency_ms_p99 "$WORK/latency-lat-up.out") es_down=$(field alert_latency_ms_p99 "$WORK/latency-lat-down.out") (bar: < 1000 in both)"
  echo "index_ratio=$(median "${INDEX_RATIOS[@]}") (median of $ROUNDS rounds: index job docs/s / plain _bulk docs/s; rounds ${INDEX_RATIOS[*]}; bar >= 1.0)"
fi
echo "passthrough_ratio=$(median "${FLOOR_RATIOS[@]}") (median of $ROUNDS rounds: Flink's Kafka source and events sink with nothing between / plain Kafka copy; rounds ${FLOOR_RATIOS[*]}: the most a Flink job of this shape reaches here)"
echo "pipeline_ratio=$(median "${PIPE_RATIOS[@]}") (median of $ROUNDS rounds: pipeline job events/s / plain Kafka copy events/s; rounds ${PIPE_RATIOS[*]}; WARM_PASSES=$WARM_PASSES; bar >= 0.8)"
