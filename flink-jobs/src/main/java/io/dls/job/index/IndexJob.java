package io.dls.job.index;

import io.dls.contracts.JobNames;
import io.dls.job.JobCommand;
import io.dls.job.Connectors;
import io.dls.job.JobOptions;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.Set;
import java.util.concurrent.Callable;

/**
 * The index job: {@code flink run flink-jobs.jar index [options]}. It reads all_logs and alerts and keeps
 * Elasticsearch's logs-* and alerts-* up to date; Elasticsearch being down or refusing documents costs this job
 * lag, never a failure, and never touches the pipeline job.
 */
@Command(name = "flink-jobs.jar index", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The dls index job: all_logs + alerts -> Elasticsearch logs-* and alerts-*;",
                "documents Elasticsearch refuses for good -> logs.dead-letter.",
                "Run it with: flink run flink-jobs.jar index --kafka-bootstrap HOST:PORT --es-hosts http://HOST:9200"})
public final class IndexJob implements Callable<Integer> {
    @Mixin
    JobOptions options = new JobOptions();

    public static void main(String[] args) {
        JobCommand.main(new IndexJob(), args);
    }

    @Override
    public Integer call() throws Exception {
        if (!JobCommand.valid(options, "index")) {
            return 2;
        }
        Connectors.createTopics(options, Set.of());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        build(env, options);
        env.execute(JobNames.INDEX.flinkName());
        return 0;
    }

    /** The whole job on the given environment with the real connectors; tests call this too. */
    public static void build(StreamExecutionEnvironment env, JobOptions o) {
        env.enableCheckpointing(o.checkpointIntervalMs(), CheckpointingMode.EXACTLY_ONCE);
        // A checkpoint waits for Elasticsearch to take what the writer holds (the connector flushes on
        // checkpoint). While it is down, checkpoints expire: that is lag, not a reason to fail the job.
        env.getCheckpointConfig().setTolerableCheckpointFailureNumber(Integer.MAX_VALUE);
        env.getConfig().enableObjectReuse();
        var input = env.fromSource(Connectors.indexSource(o), WatermarkStrategy.noWatermarks(),
                "kafka: " + o.topicAll() + ", " + o.topicAlerts()).uid("index-kafka-source");
        IndexPipeline.build(input, o.topicAlerts(), o.topicDeadLetter(), Connectors.elasticsearchSink(o),
                Connectors.kafkaSink(o, "index-dead-letters"), o.esParallelism());
    }
}
