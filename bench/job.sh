#!/usr/bin/env bash
# Benchmark: the Flink job against a plain _bulk load of the same documents into the same Elasticsearch.
#
#   job       WARMUP_RECORDS and then RECORDS realistic raw records (mixed levels, 4 services, 28 nodes, 1 in
#             12 a heartbeat) in logs.raw; the job (local MiniCluster, parallelism 2, the shipped alert
#             patterns) reads them and writes all_logs / critical_logs / node_failure and Elasticsearch; its
#             rate is the RECORDS' log documents indexed per second, from the first to 99 % of them (the
#             last partial bulks wait for the 1 s flush interval once the input runs out). The warm-up
#             records come first in the same run (a day earlier, in an index deleted before the measured
#             window) and are not measured: the JIT has compiled the job's code by then, as in a job that has
#             been running for a while (with 150,000 the job still spent half its CPU compiling), and
#             Elasticsearch is as warm for the job as it is for the baseline after it
#   baseline  the very same documents, as _bulk requests of 1,000 with their ids, sent by curl two at a
#             time (like the job's two sink subtasks) into the same Elasticsearch node
#   latency   the job under RATE events/s for SECONDS, an error burst (5 ERROR on a service of its own)
#             every 100 ms: p50/p99 from appending the fifth error to the alert on critical_logs; then three
#             nodes stop their heartbeats: when their heartbeat-timeout alerts (15 s window) arrive. Probe
#             bursts and the first 20 s at full rate come before, unmeasured (the JIT compiles the path)
#
# PIN=1: Elasticsearch on core 0, Kafka, the job and curl on the others, in both runs (see lib.sh).
# Prints the figures and, last, ratio=<job rate / bulk rate>. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."

RECORDS=${RECORDS:-300000}
ROUNDS=${ROUNDS:-3}
WARMUP_RECORDS=${WARMUP_RECORDS:-600000}
RATE=${RATE:-10000}
# A second latency run at a rate this machine sustains next to Kafka and Elasticsearch.
RATE_SUSTAINED=${RATE_SUSTAINED:-2000}
SECONDS_UNDER_LOAD=${SECONDS_UNDER_LOAD:-30}
WORK=$(mktemp -d /tmp/bench-job.XXXXXX)
# shellcheck source=bench/lib.sh
source bench/lib.sh
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

echo "[1/5] building the job and its test classpath (Maven)"
mvn -B -q install -DskipTests -pl flink-jobs -am
mvn -B -q dependency:build-classpath -pl flink-jobs -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/cp.txt"
CP="$PWD/flink-jobs/target/test-classes:$PWD/flink-jobs/target/classes:$(cat "$WORK/cp.txt")"
FLINK_JVM="${BENCH_JOB_JVM:-} -Xmx2g --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED"

echo "[2/5] starting Kafka and Elasticsearch on loopback; data in $WORK"
start_kafka
start_elasticsearch
echo "      kafka $BOOT, elasticsearch $ES"

# One round: the job on fresh records, then the baseline on the same documents; logs-* is emptied after it,
# so every round starts from the same Elasticsearch. Absolute rates on a shared 2-core machine vary from run
# to run (Elasticsearch's own cost per document varies by half); ROUNDS rounds and their median ratio.
es_cpu() { awk '{ print ($14 + $15) / 100 }' "/proc/$ES_PID/stat"; }
RATIOS=()
for round in $(seq 1 "$ROUNDS"); do
  echo "[3/5] round $round/$ROUNDS, job: $WARMUP_RECORDS warm-up and $RECORDS measured records into Elasticsearch"
  rm -rf "$WORK/bulk"
  # shellcheck disable=SC2086
  (cd flink-jobs && "${REST_TASKSET[@]}" "$JAVA" ${FLINK_JVM//@PHASE@/throughput} -Dbench.pids="kafka:$KAFKA_PID,es:$ES_PID" \
    -cp "$CP" io.dls.job.bench.JobBench throughput "$BOOT" "$ES" "$RECORDS" "$WORK/bulk" "$WARMUP_RECORDS") \
    2> "$WORK/job-throughput-$round.log" | tee "$WORK/job-$round.out"
  JOB_RATE=$(sed -nE 's/.*job_rate=([0-9.]+).*/\1/p' "$WORK/job-$round.out")
  JOB_DOCS=$(sed -nE 's/.*job_docs=([0-9]+).*/\1/p' "$WORK/job-$round.out")

  echo "[4/5] round $round/$ROUNDS, baseline: the same documents with plain _bulk (curl, 2 at a time)"
  FILES=$(ls "$WORK"/bulk/bulk-*.ndjson | wc -l)
  ES_CPU0=$(es_cpu)
  T0=$(date +%s.%N)
  ls "$WORK"/bulk/bulk-*.ndjson | "${REST_TASKSET[@]}" xargs -P 2 -I{} curl -sf -o /dev/null -H 'Content-Type: application/x-ndjson' \
    --data-binary @{} "$ES/_bulk"
  T1=$(date +%s.%N)
  ES_CPU1=$(es_cpu)
  curl -sf -X POST "$ES/logs-bulk*/_refresh" > /dev/null
  BULK_DOCS=$(curl -sf "$ES/logs-bulk*/_count" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')
  BULK_RATE=$(awk -v n="$BULK_DOCS" -v a="$T0" -v b="$T1" 'BEGIN { printf "%.0f", n / (b - a) }')
  EXPECTED=$(cat "$WORK"/bulk/bulk-*.ndjson | grep -c '^{"index"')
  if [[ $BULK_DOCS != "$EXPECTED" ]]; then
    echo "WARNING: plain _bulk stored $BULK_DOCS of $EXPECTED documents (Elasticsearch refused some; see $WORK/es.log)"
  fi
  echo "bulk_docs=$BULK_DOCS files=$FILES seconds=$(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.2f", b - a }') bulk_rate=$BULK_RATE" \
    "$(awk -v a="$ES_CPU0" -v b="$ES_CPU1" -v n="$BULK_DOCS" 'BEGIN { printf "cpu_es_s=%.2f us_per_doc_es=%.1f", b - a, (b - a) * 1e6 / n }')" \
    | tee "$WORK/bulk-$round.out"
  RATIOS+=("$(awk -v j="$JOB_RATE" -v b="$BULK_RATE" 'BEGIN { printf "%.3f", j / b }')")
  echo "round $round: job $JOB_RATE docs/s ($JOB_DOCS documents), _bulk $BULK_RATE docs/s, ratio ${RATIOS[-1]}"
  curl -sf -X DELETE "$ES/logs-*" > /dev/null
done

echo "[5/5] latency: $RATE events/s for $SECONDS_UNDER_LOAD s with an error burst every 100 ms"
# shellcheck disable=SC2086
(cd flink-jobs && "${REST_TASKSET[@]}" "$JAVA" ${FLINK_JVM//@PHASE@/latency} -cp "$CP" io.dls.job.bench.JobBench \
  latency "$BOOT" "$ES" "$RATE" "$SECONDS_UNDER_LOAD") 2> "$WORK/job-latency.log" | tee "$WORK/latency.out"

echo "      and again at $RATE_SUSTAINED events/s"
# shellcheck disable=SC2086
(cd flink-jobs && "${REST_TASKSET[@]}" "$JAVA" ${FLINK_JVM//@PHASE@/latency2} -cp "$CP" io.dls.job.bench.JobBench \
  latency "$BOOT" "$ES" "$RATE_SUSTAINED" "$SECONDS_UNDER_LOAD") 2> "$WORK/job-latency2.log" | tee "$WORK/latency2.out"

echo "results"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -m), $("$JAVA" -version 2>&1 | head -1)"
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round: job $(sed -nE 's/.*job_rate=([0-9.]+).*/\1/p' "$WORK/job-$round.out") docs/s" \
    "$(grep '^cpu:' "$WORK/job-$round.out" || true)"
  echo "         plain _bulk $(sed -nE 's/.*(bulk_rate=[0-9]+ cpu_es_s=[0-9.]+ us_per_doc_es=[0-9.]+).*/\1/p' "$WORK/bulk-$round.out"), ratio ${RATIOS[$((round - 1))]}"
done
echo "at $RATE events/s:"; grep -E 'alert_latency|heartbeat_timeout' "$WORK/latency.out" || true
echo "at $RATE_SUSTAINED events/s:"; grep -E 'alert_latency|heartbeat_timeout' "$WORK/latency2.out" || true
printf '%s\n' "${RATIOS[@]}" | sort -n | awk '{ r[NR] = $1 } END { printf "ratio=%.3f (median of %d rounds: job rate / plain _bulk rate)\n", r[int((NR + 1) / 2)], NR }'
