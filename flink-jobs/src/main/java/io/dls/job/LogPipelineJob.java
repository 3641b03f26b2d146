package io.dls.job;

import io.dls.contracts.JobNames;
import io.dls.job.decode.InputLimits;
import io.dls.job.decode.RawRecord;
import io.dls.job.decode.RawWatermarks;
import io.dls.job.normalize.AliasConfig;
import io.dls.job.normalize.Normalizer;
import io.dls.job.patterns.CompiledPattern;
import io.dls.job.patterns.PatternCompiler;
import io.dls.job.patterns.PatternLoader;
import io.dls.job.patterns.PatternSpec;
import io.dls.job.patterns.PatternStreams;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/**
 * The pipeline job: {@code flink run flink-jobs.jar pipeline [options]} ({@link Main} sends {@code index ...} to
 * the index job and {@code patterns ...} to the pattern tools).
 */
@Command(name = "flink-jobs.jar pipeline", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The dls log pipeline: logs.raw -> normalize -> all_logs / critical_logs / node_failure,",
                "CEP alert patterns -> alerts. Writes to Kafka only (Elasticsearch is the index job's).",
                "Run it with: flink run flink-jobs.jar pipeline --kafka-bootstrap HOST:PORT --patterns DIR"})
public final class LogPipelineJob implements Callable<Integer> {
    @Mixin
    JobOptions options = new JobOptions();

    public static void main(String[] args) {
        JobCommand.main(new LogPipelineJob(), args);
    }

    @Override
    public Integer call() throws Exception {
        if (!JobCommand.valid(options, "pipeline")) {
            return 2;
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        List<CompiledPattern> patterns = compilePatterns(options);
        Set<String> alertTopics = new TreeSet<>();
        patterns.forEach(p -> alertTopics.add(p.spec().topic()));
        Connectors.createTopics(options, alertTopics);
        build(env, options, patterns);
        env.execute(JobNames.PIPELINE.flinkName());
        return 0;
    }

    public static List<CompiledPattern> compilePatterns(JobOptions o) {
        List<CompiledPattern> out = new ArrayList<>();
        for (PatternSpec spec : PatternLoader.loadDirectory(o.patterns)) {
            out.add(PatternCompiler.compile(spec, false));
        }
        return out;
    }

    /** The environment settings of the job: checkpoints and object reuse (benchmarks give their jobs the same). */
    public static void configure(StreamExecutionEnvironment env, JobOptions o) {
        env.enableCheckpointing(o.checkpointIntervalMs, CheckpointingMode.EXACTLY_ONCE);
        // No function of the pipeline modifies or keeps the records it is given, so chained operators can
        // pass them on instead of deep-copying each one (its maps through Kryo) at every hop.
        env.getConfig().enableObjectReuse();
    }

    /** The whole job on the given environment with the real connectors; tests call this too. */
    public static LogPipeline.Streams build(StreamExecutionEnvironment env, JobOptions o, List<CompiledPattern> patterns) {
        configure(env, o);
        InputLimits limits = o.inputLimits();
        DataStream<RawRecord> raw = env.fromSource(Connectors.source(o),
                WatermarkStrategy.<RawRecord>forGenerator(c -> new RawWatermarks(Duration.ofSeconds(2)))
                        // A time far ahead must not drag the watermark along (every later event would be late).
                        .withTimestampAssigner((r, ts) -> limits.flinkTimestamp(r.timestamp, System.currentTimeMillis()))
                        .withIdleness(Duration.ofSeconds(30)),
                "kafka: " + o.topicRaw).uid("kafka-source");
        Normalizer normalizer = new Normalizer(o.aliases == null ? AliasConfig.defaults() : AliasConfig.load(o.aliases));
        return LogPipeline.build(raw, o.topics(), normalizer, events -> PatternStreams.applyAll(events, patterns),
                Connectors.sinks(o), limits, o.fleetSilence());
    }
}
