#!/usr/bin/env bash
# Benchmark (JMH): an event's cost on the pipeline job's keyed exchange to the pattern operator, written by the
# sending task and read back by the receiving one, with the job's serializer (dls: DispatchedSerializer and
# LogEventSerializer) against what Flink derives for the same type (flink-pojo: its POJO serializer, Kryo for the
# event's maps; what the job used before 2026-12-02), in the same run. Driver:
# flink-jobs/src/test/java/io/dls/job/bench/ExchangeBench.java; the events are bench/job.sh's records, decoded and
# normalized as the job does. Sizes: FORKS (2), ITERATIONS (5 of 1 s, after as many warm-up iterations).
# Prints each serializer's ns (the median of all measured iterations, and the mean) and bytes allocated per event,
# and, last, the ratio flink-pojo / dls (above 1: ours is faster). No network, no Kafka: the CPU of serialization
# alone.
set -euo pipefail
cd "$(dirname "$0")/.."
FORKS=${FORKS:-2}
ITERATIONS=${ITERATIONS:-5}
WORK=$(mktemp -d /tmp/bench-exchange.XXXXXX)
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

echo "[1/2] building the jobs and the test classpath (Maven, in the reactor: nothing is installed)"
mvn ${MVN_ARGS:-} -B -q test-compile dependency:build-classpath -pl flink-jobs -am -Dmdep.includeScope=test \
  -Dmdep.outputFile="$WORK/cp.txt"
CP="$PWD/flink-jobs/target/test-classes:$PWD/flink-jobs/target/classes:$(cat "$WORK/cp.txt")"

echo "[2/2] JMH: $FORKS forks x $ITERATIONS iterations of 1 s per serializer (about $((FORKS * ITERATIONS * 2 * 2 + 10)) s)"
"$JAVA" -cp "$CP" org.openjdk.jmh.Main 'io.dls.job.bench.ExchangeBench' -f "$FORKS" -wi "$ITERATIONS" -w 1s \
  -i "$ITERATIONS" -r 1s -prof gc -rf json -rff "$WORK/jmh.json" \
  -jvmArgsAppend "--add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED" \
  > "$WORK/jmh.out" 2>&1 || { tail -40 "$WORK/jmh.out"; echo "JMH failed: see $WORK/jmh.out" >&2; exit 1; }
grep -E '^Benchmark|^ExchangeBench' "$WORK/jmh.out" | grep -E 'Benchmark|roundTrip( |:gc.alloc.rate.norm)'

# The median of every measured iteration (both forks) besides JMH's mean: on a shared machine one slow second
# (another tenant, a GC) moves the mean, not the median.
python3 - "$WORK/jmh.json" <<'PY'
import json, statistics, sys
ns, mean, alloc = {}, {}, {}
for b in json.load(open(sys.argv[1])):
    ser = b["params"]["serializer"]
    m = b["primaryMetric"]
    ns[ser] = statistics.median(x for fork in m["rawData"] for x in fork)
    mean[ser] = m["score"]
    alloc[ser] = b["secondaryMetrics"]["gc.alloc.rate.norm"]["score"]
for ser in ("flink-pojo", "dls"):
    print(f"{ser}: {ns[ser]:.0f} ns per event (median of iterations; mean {mean[ser]:.0f}), "
          f"{alloc[ser]:.0f} bytes allocated per event")
print(f"exchange_ratio={ns['flink-pojo'] / ns['dls']:.2f} (flink-pojo / dls, median ns per event written and read "
      "back; above 1: the job's serializer is faster)")
PY
