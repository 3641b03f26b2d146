package io.dls.job.index;

import io.dls.job.route.Output;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * The index job's dataflow, independent of where records come from and go to (tests pass their own):
 * all_logs + alerts -> documents -> Elasticsearch; records that are no document -> the dead-letter topic.
 * Elasticsearch's own refusals reach the dead-letter topic from inside the sink ({@link BulkSender}).
 */
public final class IndexPipeline {
    private IndexPipeline() {
    }

    /**
     * @param esParallelism subtasks of the Elasticsearch sink, 0 for the job's: each sends one bulk at a time
     */
    public static void build(DataStream<IndexInput> input, String alertsTopic, String deadLetterTopic,
                             Sink<Document> elasticsearch, Sink<Output> deadLetters, int esParallelism) {
        SingleOutputStreamOperator<Document> documents = input
                .process(new ToDocument(alertsTopic, deadLetterTopic)).uid("index-to-document").name("to document");
        var es = documents.sinkTo(elasticsearch).uid("index-elasticsearch-sink").name("elasticsearch: logs-*, alerts-*");
        if (esParallelism > 0) {
            es.setParallelism(esParallelism);
        }
        documents.getSideOutput(ToDocument.DEAD_LETTERS).sinkTo(deadLetters).setParallelism(1)
                .uid("index-kafka-sink-dead-letters").name("kafka: dead letters");
    }
}
