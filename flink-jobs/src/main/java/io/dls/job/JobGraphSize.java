package io.dls.job;

import io.dls.job.patterns.CompiledPattern;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import picocli.CommandLine;

import java.util.List;

/**
 * How big the pipeline job is with a set of patterns: its operators, its tasks (what a TaskManager must deploy
 * and give network buffers to) and its exchanges, from the job graph Flink would submit. Nothing runs.
 *
 * @param exchanges edges between tasks (each needs network buffers on both sides)
 */
public record JobGraphSize(int patterns, int parallelism, int operators, int tasks, int exchanges) {

    public static JobGraphSize of(List<CompiledPattern> patterns, int parallelism) {
        JobOptions options = new JobOptions();
        new CommandLine(options).parseArgs(); // the defaults: only the shape of the graph matters here
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
        LogPipelineJob.build(env, options, patterns);
        StreamGraph graph = env.getStreamGraph();
        int operators = graph.getStreamNodes().size();
        JobGraph job = graph.getJobGraph();
        int tasks = 0;
        int exchanges = 0;
        for (JobVertex v : job.getVertices()) {
            tasks += v.getParallelism();
            exchanges += v.getInputs().size();
        }
        return new JobGraphSize(patterns.size(), parallelism, operators, tasks, exchanges);
    }

    @Override
    public String toString() {
        return "the pipeline job with " + patterns + " pattern(s): " + operators + " operators in " + tasks
                + " tasks at parallelism " + parallelism + ", " + exchanges + " exchanges between tasks"
                + " (the patterns take two operators and one exchange, whatever their number)";
    }
}
