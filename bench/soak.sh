#!/usr/bin/env bash
# Soak: a steady forward load with acks through the whole ./dls pipeline for MINUTES minutes.
#
#   ./dls up in a fresh DLS_HOME (the default ports unless DLS_* says otherwise), then the demo services
#   (12 nodes, Fluency with acks) at RATE log events/s plus registrations and heartbeats, with the demo's
#   error burst and dying node so alerts are raised. Every 10 s it samples the resident memory of the
#   receiver, the TaskManager and the JobManager. At the end it counts the events sent and acknowledged (by
#   the client), in logs.raw, in Elasticsearch and the alerts raised, prints the memory over time, and, last,
#   lost=<acknowledged events missing from Elasticsearch>.
#
#   MINUTES=5 RATE=2000 bench/soak.sh        (not part of CI; minutes, not seconds)
set -euo pipefail
cd "$(dirname "$0")/.."

MINUTES=${MINUTES:-5}
RATE=${RATE:-2000}
export DLS_HOME=${DLS_HOME:-$(mktemp -d /tmp/dls-soak.XXXXXX)}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
SAMPLES=$DLS_HOME/rss.tsv

stop_all() { ./dls down > /dev/null 2>&1 || true; }
trap stop_all EXIT

echo "[1/4] ./dls up (state in $DLS_HOME)"
./dls up | sed 's/^/    /'
# shellcheck disable=SC1091
source <(sed 's/^/SET_/' "$DLS_HOME/settings")
BOOT=127.0.0.1:$SET_KAFKA_PORT
ES=http://127.0.0.1:$SET_ES_PORT

rss() { awk '/VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$(cat "$DLS_HOME/run/$1.pid")/status" 2>/dev/null || echo -; }

echo "[2/4] $MINUTES min of demo services at $RATE log events/s with acks; memory (MiB) every 10 s"
printf 'seconds\treceiver\ttaskmanager\tjobmanager\n' > "$SAMPLES"
(
  t=0
  while sleep 10; do
    t=$((t + 10))
    printf '%s\t%s\t%s\t%s\n' "$t" "$(rss receiver)" "$(rss taskmanager)" "$(rss jobmanager)" >> "$SAMPLES"
  done
) &
SAMPLER=$!
"$JAVA" -jar launcher/target/dls-launcher.jar demo --no-console --forward-port "$SET_FORWARD_PORT" \
  --kafka-bootstrap "$BOOT" --rate "$RATE" --duration "${MINUTES}m" --burst-after 60s --node-dies-after 90s \
  | tee "$DLS_HOME/demo.out"
kill "$SAMPLER" 2>/dev/null || true

SUMMARY=$(grep -E '^demo: sent' "$DLS_HOME/demo.out" | tail -n 1)
SENT=$(sed -nE 's/^demo: sent ([0-9]+) events.*/\1/p' <<< "$SUMMARY")
HEARTBEATS=$(sed -nE 's/.* ([0-9]+) heartbeats.*/\1/p' <<< "$SUMMARY")
ACKED=$(sed -nE 's/.*acked ([0-9]+).*/\1/p' <<< "$SUMMARY")

echo "[3/4] waiting for the job to drain into Elasticsearch"
KAFKA_CP=$(cat "$DLS_HOME/classpath/kafka.txt")
RAW=$("$JAVA" -cp "$KAFKA_CP" org.apache.kafka.tools.GetOffsetShell --bootstrap-server "$BOOT" --topic logs.raw 2>/dev/null \
  | awk -F: '{ s += $3 } END { print s }')
# Heartbeats stay out of logs-*; everything else the client sent must be there exactly once.
WANT=$((ACKED - HEARTBEATS))
LAST=-1
for _ in $(seq 1 120); do
  curl -sf -X POST "$ES/logs-*/_refresh" > /dev/null
  DOCS=$(curl -sf "$ES/logs-*/_count" | sed -nE 's/.*"count":([0-9]+).*/\1/p')
  [[ $DOCS -ge $WANT || $DOCS -eq $LAST ]] && break
  LAST=$DOCS
  sleep 5
done
ALERTS=$(curl -sf "$ES/alerts-*/_count" | sed -nE 's/.*"count":([0-9]+).*/\1/p')

echo "[4/4] results"
echo "resident memory over time (MiB):"
column -t "$SAMPLES" | sed 's/^/    /'
PEAK_RECEIVER=$(awk 'NR > 1 && $2 != "-" { if ($2 > m) m = $2 } END { print m + 0 }' "$SAMPLES")
PEAK_TM=$(awk 'NR > 1 && $3 != "-" { if ($3 > m) m = $3 } END { print m + 0 }' "$SAMPLES")
echo "minutes=$MINUTES rate=$RATE"
echo "sent=$SENT acknowledged=$ACKED heartbeats=$HEARTBEATS"
echo "logs_raw=$RAW (duplicates $((RAW - ACKED)))"
echo "elasticsearch_logs=$DOCS expected=$WANT alerts=$ALERTS"
echo "peak_rss_receiver_mib=$PEAK_RECEIVER peak_rss_taskmanager_mib=$PEAK_TM"
echo "lost=$((WANT > DOCS ? WANT - DOCS : 0))"
