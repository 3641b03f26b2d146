package io.dls.job.sink;

import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.connector.elasticsearch.sink.ElasticsearchEmitter;
import org.apache.flink.connector.elasticsearch.sink.RequestIndexer;
import org.elasticsearch.action.index.IndexRequest;
import org.elasticsearch.common.xcontent.XContentType;

/**
 * Index requests with the document's own id, so a replay overwrites instead of duplicating. Installs the
 * index templates when the sink opens, before the first document can create an index.
 */
public final class DocumentEmitter implements ElasticsearchEmitter<Document> {
    private final String baseUrl;
    private final String username;
    private final String password;

    public DocumentEmitter(String baseUrl, String username, String password) {
        this.baseUrl = baseUrl;
        this.username = username;
        this.password = password;
    }

    @Override
    public void open() throws Exception {
        IndexTemplates.install(baseUrl, username, password);
    }

    @Override
    public void emit(Document d, SinkWriter.Context ctx, RequestIndexer indexer) {
        indexer.add(new IndexRequest(d.index).id(d.id).source(d.source, XContentType.JSON));
    }
}
