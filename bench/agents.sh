#!/usr/bin/env bash
# Hand-run compatibility check: a real Fluent Bit (built by shared/tools/agents/build.sh) forwarding to the
# receiver jar (started with the documented JVM options) and a real Kafka broker, all on loopback.
#
# For each of COMPRESS=none and gzip, one Fluent Bit run with Require_ack_response and
# Retain_Metadata_In_Forward_Mode On sends:
#   - 20 dummy log events carrying metadata {"k8s":{"pod":"api-1"}}          -> fluent.metadata header
#   - 3 lines from a file: small, 2 MiB, small (in_tail)                      -> the 2 MiB event stored whole
#   - its own metrics (fluentbit_metrics input, every second)                 -> metrics topic, fluent.signal
# then the script reads the topics back and prints one PASS/FAIL line per check (results go to
# COMPATIBILITY.md by hand). CI cannot build agents, so this is not part of mvn verify.
#
# usage: FLUENT_BIT=/tmp/dls-agents/fluent-bit/bin/fluent-bit bash bench/agents.sh
set -euo pipefail
cd "$(dirname "$0")/.."

FLUENT_BIT=${FLUENT_BIT:-${AGENTS_BUILD:-/tmp/dls-agents}/fluent-bit/bin/fluent-bit}
[[ -x $FLUENT_BIT ]] || { echo "no Fluent Bit at $FLUENT_BIT: run shared/tools/agents/build.sh fluent-bit" >&2; exit 1; }
WORK=$(mktemp -d /tmp/bench-agents.XXXXXX)
# shellcheck source=bench/lib.sh
source bench/lib.sh
# The receiver's JVM options as README.md documents them.
RECEIVER_JVM="-Xmx256m -XX:MaxDirectMemorySize=192m -XX:+ExitOnOutOfMemoryError"

echo "[1/4] building the receiver jar and Kafka's class path"
mvn -B -q install -DskipTests -pl forward-receiver -am
mvn -B -q dependency:build-classpath -pl forward-receiver -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/cp.txt"
CP="$(cat "$WORK/cp.txt")"
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

echo "[2/4] Kafka and the receiver on loopback; scratch in $WORK"
start_kafka
for t in agents.logs agents.metrics agents.traces; do
  "$JAVA" -cp "$CP" org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOT" --create --topic "$t" \
    --partitions 1 --replication-factor 1 --config max.message.bytes=33619968 > /dev/null
done
RPORT=$(free_port); MPORT=$(free_port)
# shellcheck disable=SC2086
"$JAVA" $RECEIVER_JVM -jar forward-receiver/target/forward-receiver.jar --bind 127.0.0.1 --port "$RPORT" \
  --metrics-port "$MPORT" --set metrics.bind=127.0.0.1 --kafka-bootstrap "$BOOT" --topic agents.logs \
  --set kafka.metrics_topic=agents.metrics --set kafka.traces_topic=agents.traces > "$WORK/receiver.log" 2>&1 &
PIDS+=($!)
wait_port "$RPORT"

# small, 2 MiB, small
python3 - "$WORK/big.log" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("small line before\n")
    f.write("big " + "x" * (2 * 1024 * 1024 - 4) + "\n")
    f.write("small line after\n")
PY

run_fluent_bit() {  # $1 = none | gzip
  local dir=$WORK/fb-$1 compress=""
  mkdir -p "$dir"
  [[ $1 == gzip ]] && compress="    Compress              gzip"
  cat > "$dir/fluent-bit.conf" <<CONF
[SERVICE]
    Flush         1
    Log_Level     info
    HTTP_Server   Off

[INPUT]
    Name          dummy
    Tag           fb.$1.dummy
    Dummy         {"message":"dummy event with metadata"}
    Metadata      {"k8s":{"pod":"api-1"}}
    Samples       20
    Rate          20

[INPUT]
    Name              tail
    Tag               fb.$1.big
    Path              $WORK/big.log
    Read_from_Head    true
    Buffer_Chunk_Size 64k
    Buffer_Max_Size   4m
    DB                $dir/tail.db

[INPUT]
    Name              fluentbit_metrics
    Tag               fb.$1.metrics
    Scrape_Interval   1

[OUTPUT]
    Name                             forward
    Match                            *
    Host                             127.0.0.1
    Port                             $RPORT
    Require_ack_response             true
    Retain_Metadata_In_Forward_Mode  on
$compress
CONF
  "$FLUENT_BIT" -c "$dir/fluent-bit.conf" > "$dir/fluent-bit.log" 2>&1 &
  local fb=$!
  PIDS+=($fb)
  sleep 8   # 20 dummy events at 20/s, the file, and several metric scrapes, each flushed every second
  kill -TERM "$fb"; wait "$fb" || true
}

echo "[3/4] Fluent Bit $("$FLUENT_BIT" --version | head -1 | awk '{print $3}'), without and with Compress gzip"
run_fluent_bit none
run_fluent_bit gzip

echo "[4/4] what Kafka holds"
raw() {  # $1 = topic -> headers TAB key TAB value, one record a line (binary bytes as they are)
  "$JAVA" -cp "$CP" org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$BOOT" --topic "$1" \
    --from-beginning --timeout-ms 8000 --property print.headers=true --property print.key=true \
    --property print.value=true --property key.separator=$'\t' --property headers.separator='|' 2>/dev/null
}
consume() {  # $1 = topic -> one line per record: headers TAB key TAB value length
  raw "$1" | awk -F'\t' '{ k = $(NF - 1); v = $NF; h = substr($0, 1, length($0) - length(k) - length(v) - 2);
                    gsub(/\t/, " ", h); print h "\t" k "\t" length(v) }'
}
# fluent.time is 8 binary bytes: a tab in it is blanked above; a newline in it splits a record's line before
# fluent.chunk, and the piece before the split is no record of ours (it matches no key).
consume agents.logs > "$WORK/logs.tsv"
# cmetrics values are binary (tabs, newlines): count header-and-key pairs, which share a line.
raw agents.metrics > "$WORK/metrics.raw"
check() {  # $1 = name, $2 = condition (0 = pass)
  if [[ $2 == 0 ]]; then echo "PASS $1"; else echo "FAIL $1"; FAILED=1; fi
}
FAILED=0
for c in none gzip; do
  n=$(awk -F'\t' -v k="fb.$c.dummy" '$2 == k && $1 ~ /fluent.metadata:/' "$WORK/logs.tsv" | wc -l)
  check "compress=$c: 20 dummy events with a fluent.metadata header (got $n)" $([[ $n -ge 20 ]]; echo $?)
  big=$(awk -F'\t' -v k="fb.$c.big" '$2 == k && $3 > 2000000 && $1 !~ /fluent.truncated/' "$WORK/logs.tsv" | wc -l)
  all=$(awk -F'\t' -v k="fb.$c.big" '$2 == k' "$WORK/logs.tsv" | wc -l)
  check "compress=$c: the 2 MiB line stored whole, with the lines around it (big $big, lines $all)" \
    $([[ $big -ge 1 && $all -ge 3 ]]; echo $?)
  m=$(grep -a -c "fluent.signal:metrics.*"$'\t'"fb.$c.metrics"$'\t' "$WORK/metrics.raw" || true)
  check "compress=$c: metrics chunks on the metrics topic with fluent.signal (got $m)" $([[ $m -ge 1 ]]; echo $?)
done
invalid=$(curl -sf "http://127.0.0.1:$MPORT/metrics" | grep -c '^fluent_receiver_invalid_events_total{' || true)
check "no invalid events counted by the receiver (series: $invalid)" $([[ $invalid -eq 0 ]]; echo $?)
errors=$(grep -c 'level=ERROR\|OutOfMemoryError' "$WORK/receiver.log" || true)
check "no ERROR or OutOfMemoryError in the receiver's log ($errors)" $([[ $errors -eq 0 ]]; echo $?)
echo "logs: $WORK (receiver.log, fb-*/fluent-bit.log, logs.tsv, metrics.raw)"
exit "$FAILED"
