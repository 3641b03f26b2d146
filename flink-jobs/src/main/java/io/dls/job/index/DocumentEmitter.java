package io.dls.job.index;

import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.connector.elasticsearch.sink.ElasticsearchEmitter;
import org.apache.flink.connector.elasticsearch.sink.RequestIndexer;
import org.elasticsearch.action.index.IndexRequest;
import org.elasticsearch.common.xcontent.XContentType;

/**
 * Index requests with the document's own id, so a replay overwrites instead of duplicating. Nothing happens at
 * open: the templates are installed by the writer's {@link BulkSender} before its first bulk, with retries, so an
 * Elasticsearch that is down when the job starts costs lag, not a failed start.
 */
public final class DocumentEmitter implements ElasticsearchEmitter<Document> {
    @Override
    public void emit(Document d, SinkWriter.Context ctx, RequestIndexer indexer) {
        indexer.add(new IndexRequest(d.index).id(d.id).source(d.source, XContentType.JSON));
    }
}
