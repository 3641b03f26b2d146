#!/usr/bin/env bash
# Benchmark (issue 12): how the pipeline job's cost grows with the number of alert patterns. Driver:
# flink-jobs/src/test/java/io/dls/job/bench/PatternsBench.java (with JobBench's load, measurement and latency run;
# a JVM per step). Three pattern sets, each a directory of its own in WORK:
#   5     the shipped patterns, alert-patterns/*.yaml
#   100   the shipped 5 and 95 generated ones
#   500   the shipped 5 and 495 generated ones
# A generated pattern has the shipped error-burst's shape: 5 ERROR/FATAL of one service within 30 s, suppressed
# 1 m, keyed by host.name or service.name; every other one watches a service the load uses (svc-0 to
# svc-<SERVICES-1>), the others one it never uses. By default the load has a service for each generated pattern
# that watches one in the largest set (248 for 500), so each such pattern watches a service of its own, as the
# issue's generated patterns do (`service.name equals svc-N`) and as distinct rules do: an ERROR then reaches its
# service's generated pattern and the shipped error-burst. A smaller SERVICES gives each used service several
# identical patterns, and every ERROR reaches all of them (SERVICES=50: five each, the default before 2026-12-01's
# session 7). One Kafka broker (process, loopback) for all the steps:
#   fill      WARMUP_RECORDS and then RECORDS realistic raw records (JobBench's mix of levels and heartbeats, from
#             SERVICES services, 7 nodes each) into one raw topic, once
#   rates     ROUNDS rounds; in each, the pipeline job (local MiniCluster, parallelism PARALLELISM, TaskManager
#             network memory NETWORK_MEMORY) runs once per pattern set, the sets in a rotating order, each in a
#             fresh JVM reading the same raw topic into topics of its own: events/s to all_logs over the measured
#             records (from the first past the warm-up to 99 % of them, as bench/job.sh; for a job too slow for
#             that, the warm-up ends after WARMUP_SECONDS of output and the window after WINDOW_SECONDS), the job
#             JVM's CPU per event, the job's vertices and tasks (REST /jobs/<id>: the sum of the vertices'
#             parallelism), the TaskManager's heap (Status.JVM.Memory.Heap.Used: the highest sample during the
#             window, and after a System.gc() at its end) and network memory (Status.Shuffle.Netty.UsedMemory /
#             TotalMemory). The ratios of each round (100 / 5, 500 / 5) and their median over the rounds. A set
#             whose job did not deploy is not tried again in later rounds
#   latency   JobBench's latency run with the 500 patterns: RATE events/s for SECONDS_UNDER_LOAD s after 20 s at full
#             rate (ERRORs kept), an error burst every 100 ms (5 ERROR of svc-0 on a host of its own), timed from
#             appending the 5th error to the alert of a generated pattern watching svc-0 on critical_logs
#   dls       (DLS_CHECK=1) ./dls up with its default sizes (ports of its own, DLS_HOME in WORK) and the shipped
#             patterns, then ./dls patterns apply with the 100 set and then the 500 set: whether each deploys
#             (apply waits at most 180 s for every task to run), its vertices and tasks, the TaskManager's heap and
#             network memory (both jobs), and whether it runs: a probe event through logs.raw to all_logs and an
#             error burst to its alert on critical_logs. Taken down (--purge) at the end, however the script ends
# A job that does not deploy is reported with Flink's first exception (or how many of its tasks ran by the
# deadline), and the script carries on: every wait is bounded (DEPLOY_TIMEOUT, MEASURE_TIMEOUT until the first
# event, WARMUP_SECONDS, WINDOW_SECONDS, ./dls's own 180 s). The latency run is skipped when the largest set did not
# deploy in the rates steps (same cluster, same patterns).
#
# Sizes: RECORDS (300000), WARMUP_RECORDS (300000), ROUNDS (5: single rounds on a shared 2-core machine swing by a
# third), SERVICES (see above), RATE (2000),
# SECONDS_UNDER_LOAD (30), PARALLELISM (1, as ./dls), NETWORK_MEMORY (512m), DEPLOY_TIMEOUT (240 s),
# MEASURE_TIMEOUT (300 s), WARMUP_SECONDS (20), WINDOW_SECONDS (60), DLS_CHECK (1), SETS ("5 100 500", the smallest
# first). Quick check: RECORDS=20000 WARMUP_RECORDS=20000 ROUNDS=1 SECONDS_UNDER_LOAD=5 DLS_CHECK=0. MVN_ARGS goes
# to Maven (e.g. -o).
# Every step's whole output is in WORK (printed at the start). Loopback only. Prints the figures and, last, the
# 500-pattern rate over the 5-pattern rate (the 100-pattern one just before it).
set -euo pipefail
cd "$(dirname "$0")/.."

RECORDS=${RECORDS:-300000}
WARMUP_RECORDS=${WARMUP_RECORDS:-300000}
ROUNDS=${ROUNDS:-5}
SERVICES=${SERVICES:-}
RATE=${RATE:-2000}
SECONDS_UNDER_LOAD=${SECONDS_UNDER_LOAD:-30}
PARALLELISM=${PARALLELISM:-1}
NETWORK_MEMORY=${NETWORK_MEMORY:-512m}
DEPLOY_TIMEOUT=${DEPLOY_TIMEOUT:-240}
MEASURE_TIMEOUT=${MEASURE_TIMEOUT:-300}
WARMUP_SECONDS=${WARMUP_SECONDS:-20}
WINDOW_SECONDS=${WINDOW_SECONDS:-60}
DLS_CHECK=${DLS_CHECK:-1}
read -r -a SETS <<< "${SETS:-5 100 500}"
MVN_ARGS=${MVN_ARGS:-}
WORK=$(mktemp -d /tmp/bench-patterns.XXXXXX)
# shellcheck source=bench/lib.sh
source bench/lib.sh
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
START=$SECONDS

# ./dls's own stack (DLS_HOME in WORK, ports of its own: the DLS_* variables, exported once chosen), when the
# script started one, goes down with everything else however the script ends.
DLS_STARTED=0
dls_down() {
  if [[ $DLS_STARTED == 1 ]]; then
    echo "      taking the ./dls stack down (./dls down --purge, DLS_HOME=$DLS_HOME; its logs kept in $WORK/dls-logs)"
    cp -r "$DLS_HOME/logs" "$WORK/dls-logs" 2>/dev/null || true
    timeout 300 ./dls down --purge > "$WORK/dls-down.log" 2>&1 \
      || echo "WARNING: ./dls down did not finish; see $WORK/dls-down.log and the pid files in $DLS_HOME/run"
    DLS_STARTED=0
  fi
}
# bounded SECONDS OUT CMD...: runs CMD under timeout in the background, stdout and stderr to OUT, and waits for
# it where a signal can interrupt the wait (a foreground command would hold the traps until it ends). Sets RC.
# The command runs in a process group of its own (timeout's), so the script's finish stops it by its pid.
STEP=
bounded() {
  local secs=$1 out=$2; shift 2
  timeout --kill-after=30 "$secs" "$@" > "$out" 2>&1 &
  STEP=$!
  set +e
  wait "$STEP"
  RC=$?
  set -e
  STEP=
}
stop_step() {
  [[ -n $STEP ]] || return 0
  kill "$STEP" 2>/dev/null || true  # timeout passes the signal on to its command
  for _ in $(seq 1 60); do kill -0 "$STEP" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$STEP" 2>/dev/null; then pkill -KILL -P "$STEP" 2>/dev/null || true; kill -KILL "$STEP" 2>/dev/null || true; fi
  STEP=
}
finish() {
  stop_step
  dls_down
  cleanup
}
trap finish EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "[1/7] building the jars and the test classpath (Maven, in the reactor: nothing is installed)"
# shellcheck disable=SC2086
mvn -B -q $MVN_ARGS package -DskipTests -pl forward-receiver,flink-jobs,launcher,notifier -am
# shellcheck disable=SC2086
mvn -B -q $MVN_ARGS test-compile dependency:build-classpath -pl flink-jobs -am -Dmdep.includeScope=test \
  -Dmdep.outputFile="$WORK/cp.txt"
CP="$PWD/flink-jobs/target/test-classes:$PWD/flink-jobs/target/classes:$(cat "$WORK/cp.txt")"
FLINK_JVM="${BENCH_JOB_JVM:-} -Xmx2g --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED"
BENCH_PROPS="-Dbench.parallelism=$PARALLELISM -Dbench.networkMemory=$NETWORK_MEMORY -Dbench.deployTimeoutS=$DEPLOY_TIMEOUT -Dbench.measureTimeoutS=$MEASURE_TIMEOUT -Dbench.warmupS=$WARMUP_SECONDS -Dbench.windowS=$WINDOW_SECONDS"

echo "[2/7] pattern sets ${SETS[*]} in $WORK/patterns-N (the shipped ones, then generated error bursts)"
SHIPPED=$(ls alert-patterns/*.yaml | wc -l)
if [[ -z $SERVICES ]]; then
  # A service of the load for every generated pattern of the largest set that watches one (every other one).
  SERVICES=$(( (${SETS[-1]} - SHIPPED + 1) / 2 ))
  if ((SERVICES < 4)); then SERVICES=4; fi
fi
# gen_patterns TOTAL: WORK/patterns-TOTAL, the shipped patterns and TOTAL - SHIPPED generated ones; writes the name
# of the last generated pattern that watches svc-0 (keyed by host) to WORK/patterns-TOTAL.burst-rule.
gen_patterns() {
  local total=$1 dir=$WORK/patterns-$1
  mkdir -p "$dir"
  cp alert-patterns/*.yaml alert-patterns/pattern.schema.json "$dir"/
  awk -v dir="$dir" -v n=$((total - SHIPPED)) -v s="$SERVICES" 'BEGIN {
    last = ""
    for (i = 0; i < n; i++) {
      j = int(i / 2)
      # even: a service of the load (svc-0 .. svc-<s-1>, in turn); odd: one it never uses (svc-<s> and up)
      idx = (i % 2 == 0) ? j % s : s + j
      key = (idx % 2 == 0) ? "host.name" : "service.name"
      name = sprintf("gen-%04d", i)
      if (idx == 0) last = name
      f = sprintf("%s/%s.yaml", dir, name)
      print "# Generated by bench/patterns.sh: the shipped error-burst shape" > f
      print "name: " name > f
      printf "description: 5 or more ERROR/FATAL logs of svc-%d per %s within 30 s\n", idx, key > f
      print "key: " key > f
      print "severity: warning" > f
      print "topic: critical_logs" > f
      print "within: 30s" > f
      print "suppress: 1m" > f
      printf "message: \"{count} errors of svc-%d from {key} within 30s ({first} to {last})\"\n", idx > f
      print "steps:" > f
      print "  - name: errors" > f
      printf "    where: {all: [{field: service.name, equals: svc-%d}, {field: log.level, in: [ERROR, FATAL]}]}\n", idx > f
      print "    times: 5" > f
      close(f)
    }
    print last > (dir ".burst-rule")
  }'
}
for n in "${SETS[@]}"; do
  if [[ $n -lt $SHIPPED ]]; then echo "ERROR: a set of $n patterns is smaller than the $SHIPPED shipped ones" >&2; exit 2; fi
  gen_patterns "$n"
  echo "      $n: $(ls "$WORK/patterns-$n"/*.yaml | wc -l) files, latency rule $(cat "$WORK/patterns-$n.burst-rule")"
done
LARGEST=${SETS[-1]}
SMALLEST=${SETS[0]}

echo "[3/7] starting Kafka on loopback; data and every step's output in $WORK"
start_kafka
echo "      kafka $BOOT"

# One PatternsBench step in a JVM of its own, bounded; its stdout (log lines too) to WORK/<name>.out, stderr to .log;
# the result lines shown as they come. Sets RC to its exit code (3: the job did not deploy; 124 or 137: killed at
# the bound). Waits where a signal can interrupt it; STEP is the step's timeout process, for finish to stop.
bench() {
  local name=$1 bound=$2; shift 2
  echo "      ($name: load average $(cut -d' ' -f1-3 /proc/loadavg))"
  rm -f "$WORK/step.pid" "$WORK/$name.rc"
  (
    cd flink-jobs
    # shellcheck disable=SC2086
    timeout --kill-after=30 "$bound" "$JAVA" $FLINK_JVM $BENCH_PROPS -Dbench.pids="kafka:$KAFKA_PID" -cp "$CP" \
      io.dls.job.bench.PatternsBench "$@" 2> "$WORK/$name.log" &
    echo $! > "$WORK/step.pid"
    rc=0
    wait $! || rc=$?
    echo "$rc" > "$WORK/$name.rc"
  ) | tee "$WORK/$name.out" \
    | { grep --line-buffered -E '^(patterns=|cpu:|not deployed|not measured|filled|appended=|bursts=|heartbeat_timeout)' || true; } \
    | sed -u 's/^/      /' &
  local shower=$!
  for _ in $(seq 1 50); do [[ -s $WORK/step.pid ]] && break; sleep 0.1; done
  STEP=$(cat "$WORK/step.pid" 2>/dev/null || true)
  wait "$shower" || true
  STEP=
  RC=$(cat "$WORK/$name.rc" 2>/dev/null || echo 1)
  if [[ $RC == 124 || $RC == 137 ]]; then
    echo "      $name: killed after $bound s (see $WORK/$name.log)" | tee -a "$WORK/$name.out"
  elif [[ $RC != 0 && $RC != 3 ]]; then
    echo "      $name: failed, exit code $RC (see $WORK/$name.log): $(grep -m1 -E 'Exception|Error' "$WORK/$name.log" || true)" \
      | tee -a "$WORK/$name.out"
  fi
}
field() { sed -nE "s/.*(^| )$1=([0-9.]+).*/\2/p" "$2" 2>/dev/null | head -1; }
median() { [[ $# -gt 0 ]] || { printf none; return 0; }; printf '%s\n' "$@" | sort -n | awk '{ r[NR] = $1 } END { if (NR) printf "%.3f", r[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
STEP_BOUND=$((DEPLOY_TIMEOUT + MEASURE_TIMEOUT + WARMUP_SECONDS + WINDOW_SECONDS + 120))

echo "[4/7] filling the raw topic: $WARMUP_RECORDS warm-up and $RECORDS measured records from $SERVICES services"
bench fill 600 fill "$BOOT" "p." "$RECORDS" "$WARMUP_RECORDS" "$SERVICES"
grep -q '^filled' "$WORK/fill.out" || { echo "ERROR: could not fill the raw topic; see $WORK/fill.log" >&2; exit 1; }

echo "[5/7] $ROUNDS rounds: the pipeline job over the same records with each pattern set (MiniCluster, parallelism $PARALLELISM, network memory $NETWORK_MEMORY)"
declare -A RATIOS=() UNDEPLOYED=()
for round in $(seq 1 "$ROUNDS"); do
  # The sets in a rotating order, so that none is always first (a cold broker page cache) or last.
  order=("${SETS[@]:$(((round - 1) % ${#SETS[@]}))}" "${SETS[@]:0:$(((round - 1) % ${#SETS[@]}))}")
  for n in "${order[@]}"; do
    if [[ -n ${UNDEPLOYED[$n]:-} ]]; then
      echo "      round $round/$ROUNDS, $n patterns: skipped (did not deploy in round ${UNDEPLOYED[$n]})" \
        | tee "$WORK/pipeline-$round-$n.out"
      continue
    fi
    echo "      round $round/$ROUNDS, $n patterns"
    bench "pipeline-$round-$n" "$STEP_BOUND" pipeline "$BOOT" "p." "r$round.p$n." "$RECORDS" "$WARMUP_RECORDS" \
      "$WORK/patterns-$n"
    if [[ $RC == 3 ]] || grep -q 'deployed=no' "$WORK/pipeline-$round-$n.out"; then UNDEPLOYED[$n]=$round; fi
  done
  base=$(field pipeline_rate "$WORK/pipeline-$round-$SMALLEST.out")
  for n in "${SETS[@]:1}"; do
    r=$(field pipeline_rate "$WORK/pipeline-$round-$n.out")
    if [[ -n $base && -n $r ]]; then RATIOS[$n]+="$(ratio "$r" "$base") "; fi
  done
  echo "      round $round: $(for n in "${SETS[@]}"; do printf '%s patterns %s events/s; ' "$n" \
    "$(field pipeline_rate "$WORK/pipeline-$round-$n.out")"; done)"
done

echo "[6/7] alert latency with $LARGEST patterns at $RATE events/s for $SECONDS_UNDER_LOAD s (after 20 s at full rate)"
if [[ -n ${UNDEPLOYED[$LARGEST]:-} ]]; then
  echo "      skipped: the $LARGEST-pattern job did not deploy in round ${UNDEPLOYED[$LARGEST]} (same cluster and patterns)" \
    | tee "$WORK/latency-$LARGEST.out"
else
  bench "latency-$LARGEST" $((DEPLOY_TIMEOUT + MEASURE_TIMEOUT + SECONDS_UNDER_LOAD + 300)) latency "$BOOT" \
    "lat$LARGEST." "$RATE" "$SECONDS_UNDER_LOAD" "$WORK/patterns-$LARGEST" "$SERVICES" svc-0 \
    "$(cat "$WORK/patterns-$LARGEST.burst-rule")"
fi

# The ./dls stack: figures of the running pipeline job, from Flink's REST API and the TaskManager's metrics.
dls_figures() {  # NAME
  local rest=http://127.0.0.1:$DLS_FLINK_PORT
  # A full collection first (jcmd, when the JDK has it), and then Flink's metrics, which are up to 10 s old.
  if [[ -n ${TM_PID:-} ]] && command -v jcmd > /dev/null; then
    timeout 30 jcmd "$TM_PID" GC.run > /dev/null 2>&1 || true
    sleep 11
  fi
  if python3 - "$rest" "$1" > "$WORK/dls-$1.out" 2> "$WORK/dls-$1.err" <<'PY'
import json, sys, urllib.request
rest, name = sys.argv[1], sys.argv[2]
def get(path):
    with urllib.request.urlopen(rest + path, timeout=10) as r:
        return json.load(r)
jobs = [j for j in get("/jobs/overview")["jobs"] if j["name"] == "dls log pipeline"]
job = max(jobs, key=lambda j: j["start-time"]) if jobs else None
out = [f"dls {name}:"]
if job is None:
    out.append("no pipeline job")
else:
    d = get(f"/jobs/{job['jid']}")
    tasks = sum(v["parallelism"] for v in d["vertices"])
    running = sum(v["tasks"].get("RUNNING", 0) for v in d["vertices"])
    restarts = get(f"/jobs/{job['jid']}/metrics?get=numRestarts")
    out.append(f"state={d['state']} vertices={len(d['vertices'])} tasks={tasks} running_tasks={running}"
               f" restarts={restarts[0]['value'] if restarts else '?'}")
    hist = get(f"/jobs/{job['jid']}/exceptions").get("exceptionHistory", {}).get("entries", [])
    if hist:
        lines = hist[0].get("stacktrace", hist[0].get("exceptionName", "")).splitlines()
        causes = [l[len("Caused by: "):] for l in lines if l.startswith("Caused by: ")]
        out.append("first_exception=\"" + lines[0].strip() + (" / caused by: " + causes[-1].strip() if causes else "") + "\"")
tms = get("/taskmanagers")["taskmanagers"]
if tms:
    m = {x["id"]: float(x["value"]) for x in get(f"/taskmanagers/{tms[0]['id']}/metrics?get=Status.JVM.Memory.Heap.Used,"
                                                 "Status.Shuffle.Netty.UsedMemory,Status.Shuffle.Netty.TotalMemory")}
    mib = lambda k: "%.0f" % (m[k] / 1048576) if k in m else "?"
    out.append(f"tm_heap_used_mib={mib('Status.JVM.Memory.Heap.Used')}"
               f" tm_network_used_mib={mib('Status.Shuffle.Netty.UsedMemory')}"
               f" tm_network_total_mib={mib('Status.Shuffle.Netty.TotalMemory')} (TaskManager, both jobs)")
print(" ".join(out))
PY
  then
    cat "$WORK/dls-$1.out"
  else
    echo "dls $1: no figures ($(tail -1 "$WORK/dls-$1.err"))" | tee "$WORK/dls-$1.out"
  fi
}
dls_probe() {  # NAME SERVICE RULE
  # shellcheck disable=SC2086
  bounded 200 "$WORK/dls-probe-$1.log" bash -c 'cd flink-jobs && exec "$@" > "$0"' "$WORK/dls-probe-$1.raw" \
    "$JAVA" $FLINK_JVM -cp "$CP" io.dls.job.bench.PatternsBench probe "127.0.0.1:$DLS_KAFKA_PORT" "$2" "$3" 60
  sed "s/^/dls $1: /" "$WORK/dls-probe-$1.raw" | tee "$WORK/dls-probe-$1.out"
  [[ $RC == 0 ]] || echo "dls $1: the probe did not come through (exit code $RC; see $WORK/dls-probe-$1.log)" \
    | tee -a "$WORK/dls-probe-$1.out"
}
dls_ports() {
  DLS_FORWARD_PORT=$(free_port); DLS_METRICS_PORT=$(free_port); DLS_KAFKA_PORT=$(free_port)
  DLS_KAFKA_CONTROLLER_PORT=$(free_port); DLS_FLINK_PORT=$(free_port); DLS_FLINK_RPC_PORT=$(free_port)
  DLS_ALERTMANAGER_PORT=$(free_port)
  # The Prometheus reporters take two ports in a row; Elasticsearch's runner one between 9200 and 9299.
  read -r DLS_FLINK_METRICS_PORT DLS_ES_PORT < <(python3 -c '
import socket
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); return True
    except OSError:
        return False
    finally:
        s.close()
m = next(p for p in range(29249, 29999, 2) if free(p) and free(p + 1))
e = next(p for p in range(9299, 9199, -1) if free(p))
print(m, e)')
}

if [[ $DLS_CHECK == 1 ]]; then
  echo "[7/7] ./dls up with its defaults (own ports, DLS_HOME $WORK/dls): $SMALLEST patterns, then apply ${SETS[*]:1}"
  dls_ports
  export DLS_HOME=$WORK/dls DLS_FORWARD_PORT DLS_METRICS_PORT DLS_KAFKA_PORT DLS_KAFKA_CONTROLLER_PORT DLS_ES_PORT \
    DLS_FLINK_PORT DLS_FLINK_RPC_PORT DLS_FLINK_METRICS_PORT DLS_ALERTMANAGER_PORT
  DLS_STARTED=1
  bounded 900 "$WORK/dls-up.log" ./dls up --patterns "$WORK/patterns-$SMALLEST"
  if [[ $RC == 0 ]]; then
    TM_PID=$(cat "$WORK/dls/run/taskmanager.pid" 2>/dev/null || true)
    echo "dls $SMALLEST: deployed=yes (./dls up)" | tee "$WORK/dls-deploy-$SMALLEST.out"
    dls_figures "$SMALLEST"
    dls_probe "$SMALLEST" "dls-probe-$RANDOM" error-burst
    for n in "${SETS[@]:1}"; do
      t0=$SECONDS
      bounded 600 "$WORK/dls-apply-$n.log" ./dls patterns apply "$WORK/patterns-$n"
      if [[ $RC == 0 ]]; then
        echo "dls $n: deployed=yes (./dls patterns apply, $((SECONDS - t0)) s)" | tee "$WORK/dls-deploy-$n.out"
        dls_figures "$n"
        dls_probe "$n" svc-0 "$(cat "$WORK/patterns-$n.burst-rule")"
      else
        echo "dls $n: deployed=no (./dls patterns apply failed after $((SECONDS - t0)) s: $(grep -m1 -E 'did not|^dls:' "$WORK/dls-apply-$n.log" || tail -1 "$WORK/dls-apply-$n.log"))" \
          | tee "$WORK/dls-deploy-$n.out"
        dls_figures "$n"
        break  # the pipeline job is not running: a larger set would only be applied over a failing job
      fi
    done
  else
    echo "dls $SMALLEST: ./dls up failed: $(grep -m1 '^dls:' "$WORK/dls-up.log" || tail -1 "$WORK/dls-up.log") (log $WORK/dls-up.log)" \
      | tee "$WORK/dls-deploy-$SMALLEST.out"
  fi
  dls_down
else
  echo "[7/7] ./dls check skipped (DLS_CHECK=0)"
fi

echo "results"
echo "RECORDS=$RECORDS WARMUP_RECORDS=$WARMUP_RECORDS ROUNDS=$ROUNDS SERVICES=$SERVICES PARALLELISM=$PARALLELISM NETWORK_MEMORY=$NETWORK_MEMORY WARMUP_SECONDS=$WARMUP_SECONDS WINDOW_SECONDS=$WINDOW_SECONDS DEPLOY_TIMEOUT=$DEPLOY_TIMEOUT RATE=$RATE SECONDS_UNDER_LOAD=$SECONDS_UNDER_LOAD SETS=${SETS[*]}"
echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -m), $("$JAVA" -version 2>&1 | head -1), load average at the start $LOAD0, at the end $(cut -d' ' -f1-3 /proc/loadavg); $(( (SECONDS - START) / 60 )) min"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
for round in $(seq 1 "$ROUNDS"); do
  for n in "${SETS[@]}"; do
    f=$WORK/pipeline-$round-$n.out
    echo "round $round, $n patterns: $(grep -E '^patterns=' "$f" 2>/dev/null | sed -E 's/^patterns=[0-9]+ //' \
      || grep -oE 'skipped.*' "$f" 2>/dev/null || echo 'no result')"
    grep -E '^(not deployed|not measured)|killed after|failed, exit' "$f" 2>/dev/null | sed 's/^ */         /' || true
    grep '^cpu:' "$f" 2>/dev/null | sed 's/^/         /' || true
  done
done
for n in "${SETS[@]}"; do
  rates=()
  cpus=()
  for round in $(seq 1 "$ROUNDS"); do
    r=$(field pipeline_rate "$WORK/pipeline-$round-$n.out"); [[ -n $r ]] && rates+=("$r")
    c=$(field us_per_event_job "$WORK/pipeline-$round-$n.out"); [[ -n $c ]] && cpus+=("$c")
  done
  echo "$n patterns: events/s median $(median "${rates[@]}" | sed 's/[.]000$//') (rounds ${rates[*]:-none}), job CPU µs/event median $(median "${cpus[@]}") (rounds ${cpus[*]:-none})"
done
echo "latency, $LARGEST patterns, $RATE events/s:"
grep -E '^(patterns=|not deployed|bursts=|heartbeat_timeout)|killed after|failed, exit|skipped' "$WORK/latency-$LARGEST.out" 2>/dev/null | sed 's/^ */  /' || echo "  no result"
if [[ $DLS_CHECK == 1 ]]; then
  echo "./dls defaults:"
  for n in "${SETS[@]}"; do
    cat "$WORK/dls-deploy-$n.out" "$WORK/dls-$n.out" "$WORK/dls-probe-$n.out" 2>/dev/null | sed 's/^/  /' || true
  done
fi
P99=$(field alert_latency_ms_p99 "$WORK/latency-$LARGEST.out")
echo "p99_alert_latency_ms=${P99:-none} ($LARGEST patterns, $RATE events/s, MiniCluster; target < 1000)"
for n in "${SETS[@]:1}"; do
  read -r -a rs <<< "${RATIOS[$n]:-}"
  case $n in 100) target=">= 0.8" ;; 500) target=">= 0.6" ;; *) target="none" ;; esac
  if [[ ${#rs[@]} -gt 0 ]]; then
    echo "ratio_$n=$(median "${rs[@]}") (median of ${#rs[@]} rounds: $n-pattern events/s / $SMALLEST-pattern events/s; rounds ${rs[*]}; target $target)"
  else
    why="no round measured both $n and $SMALLEST patterns: see above"
    [[ -n ${UNDEPLOYED[$n]:-} ]] && why="the $n-pattern job did not deploy (round ${UNDEPLOYED[$n]})"
    echo "ratio_$n=none ($why; target $target)"
  fi
done
