package io.dls.job.index;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import org.apache.http.entity.ByteArrayEntity;
import org.apache.http.entity.ContentType;
import org.apache.http.util.ByteArrayBuffer;
import org.apache.http.util.EntityUtils;
import org.elasticsearch.action.DocWriteRequest;
import org.elasticsearch.action.bulk.BulkItemResponse;
import org.elasticsearch.action.bulk.BulkRequest;
import org.elasticsearch.action.bulk.BulkResponse;
import org.elasticsearch.action.index.IndexRequest;
import org.elasticsearch.action.index.IndexResponse;
import org.elasticsearch.cluster.metadata.IndexMetadata;
import org.elasticsearch.index.shard.ShardId;
import org.elasticsearch.action.support.ActiveShardCount;
import org.elasticsearch.action.support.WriteRequest;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.Response;
import org.elasticsearch.common.lucene.uid.Versions;
import org.elasticsearch.common.xcontent.DeprecationHandler;
import org.elasticsearch.common.xcontent.NamedXContentRegistry;
import org.elasticsearch.common.xcontent.XContentParser;
import org.elasticsearch.common.xcontent.XContentType;
import org.elasticsearch.index.VersionType;
import org.elasticsearch.index.seqno.SequenceNumbers;
import org.apache.lucene.util.BytesRef;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A {@code _bulk} request written from each index request's JSON as it is, and its response read only as far
 * as it must be.
 *
 * <p>Why: the high-level client's bulk converter parses every document's JSON and writes it out again, and
 * parses every item of the response; for documents the job has just written as JSON itself, that was most of
 * the Elasticsearch writer's CPU. Requests with anything but a plain index action (routing, pipelines,
 * versions, refresh) are not for this class ({@link #applies}) and go through the client as before.
 */
public final class JsonBulk {
    private static final JsonFactory JSON = new JsonFactory();
    private static final ContentType NDJSON = ContentType.create("application/x-ndjson", StandardCharsets.UTF_8);
    /** The action line around the index name and the id. */
    private static final byte[] INDEX = "{\"index\":{\"_index\":\"".getBytes(StandardCharsets.UTF_8);
    private static final byte[] ID = "\",\"_id\":\"".getBytes(StandardCharsets.UTF_8);
    private static final byte[] END_ACTION = "\"}}\n".getBytes(StandardCharsets.UTF_8);

    private JsonBulk() {
    }

    /** Whether every action of the request is a plain index of a JSON document with an id. */
    public static boolean applies(BulkRequest bulk) {
        if (bulk.getRefreshPolicy() != WriteRequest.RefreshPolicy.NONE || bulk.pipeline() != null
                || bulk.routing() != null || bulk.requireAlias() != null
                || bulk.waitForActiveShards() != ActiveShardCount.DEFAULT) {
            return false;
        }
        for (DocWriteRequest<?> action : bulk.requests()) {
            if (!(action instanceof IndexRequest r) || r.opType() != DocWriteRequest.OpType.INDEX
                    || r.getContentType() != XContentType.JSON || r.id() == null || r.routing() != null
                    || r.getPipeline() != null || r.version() != Versions.MATCH_ANY
                    || r.versionType() != VersionType.INTERNAL || r.ifSeqNo() != SequenceNumbers.UNASSIGNED_SEQ_NO
                    || r.isRequireAlias()) {
                return false;
            }
        }
        return true;
    }

    /** {@code POST /_bulk}: an action line and the document's bytes for each request (see {@link #applies}). */
    public static Request request(BulkRequest bulk) {
        ByteArrayBuffer body = new ByteArrayBuffer((int) Math.min(Integer.MAX_VALUE - 8,
                bulk.estimatedSizeInBytes() + 96L * bulk.numberOfActions()));
        String lastIndex = null;
        byte[] indexBytes = null;
        for (DocWriteRequest<?> action : bulk.requests()) {
            IndexRequest r = (IndexRequest) action;
            if (!r.index().equals(lastIndex)) {
                lastIndex = r.index();
                indexBytes = JsonStringEncoder.getInstance().quoteAsUTF8(lastIndex);
            }
            body.append(INDEX, 0, INDEX.length);
            body.append(indexBytes, 0, indexBytes.length);
            body.append(ID, 0, ID.length);
            appendQuoted(body, r.id());
            body.append(END_ACTION, 0, END_ACTION.length);
            BytesRef source = r.source().toBytesRef();
            body.append(source.bytes, source.offset, source.length);
            body.append('\n');
        }
        Request request = new Request("POST", "/_bulk");
        request.addParameter("timeout", bulk.timeout().getStringRep());
        request.setEntity(new ByteArrayEntity(body.buffer(), 0, body.length(), NDJSON));
        return request;
    }

    /** JSON string content; ids are plain ASCII nearly always, and are copied as they are. */
    private static void appendQuoted(ByteArrayBuffer body, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                byte[] quoted = JsonStringEncoder.getInstance().quoteAsUTF8(s);
                body.append(quoted, 0, quoted.length);
                return;
            }
        }
        for (int i = 0; i < s.length(); i++) {
            body.append(s.charAt(i));
        }
    }

    /**
     * The response as the bulk processor needs it. When Elasticsearch says {@code "errors": false} (it writes
     * {@code took} and {@code errors} before the items), the items are not read: each request gets a success
     * item made from the request itself (index and id; version and sequence number unknown), which is all the
     * writer and the retry logic look at. Otherwise the whole response is parsed as the client would.
     */
    public static BulkResponse response(BulkRequest bulk, Response response) throws IOException {
        byte[] body = EntityUtils.toByteArray(response.getEntity());
        long took = tookWithoutErrors(body);
        if (took >= 0) {
            return new BulkResponse(successItems(bulk), took);
        }
        try (XContentParser parser = XContentType.JSON.xContent().createParser(NamedXContentRegistry.EMPTY,
                DeprecationHandler.THROW_UNSUPPORTED_OPERATION, body)) {
            return BulkResponse.fromXContent(parser);
        }
    }

    /** {@code took} when the response says {@code "errors": false}, else -1. */
    static long tookWithoutErrors(byte[] body) throws IOException {
        try (JsonParser p = JSON.createParser(body)) {
            long took = -1;
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return -1;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.getCurrentName();
                JsonToken value = p.nextToken();
                if (name.equals("took") && value == JsonToken.VALUE_NUMBER_INT) {
                    took = p.getLongValue();
                } else if (name.equals("errors")) {
                    return value == JsonToken.VALUE_FALSE ? took : -1;
                } else {
                    p.skipChildren();
                }
            }
            return -1;
        }
    }

    /** A success item for every request of the bulk: what the sink is told once every document is settled. */
    static BulkItemResponse[] successItems(BulkRequest bulk) {
        List<DocWriteRequest<?>> requests = bulk.requests();
        BulkItemResponse[] items = new BulkItemResponse[requests.size()];
        ShardId shard = null;
        for (int i = 0; i < items.length; i++) {
            IndexRequest r = (IndexRequest) requests.get(i);
            if (shard == null || !shard.getIndexName().equals(r.index())) {
                shard = new ShardId(r.index(), IndexMetadata.INDEX_UUID_NA_VALUE, -1);
            }
            items[i] = new BulkItemResponse(i, DocWriteRequest.OpType.INDEX, new IndexResponse(shard, r.type(), r.id(),
                    SequenceNumbers.UNASSIGNED_SEQ_NO, SequenceNumbers.UNASSIGNED_PRIMARY_TERM, Versions.NOT_FOUND, true));
        }
        return items;
    }

    /** The answer the sink gets for a bulk whose documents are all settled. */
    static BulkResponse successes(BulkRequest bulk) {
        return new BulkResponse(successItems(bulk), 0);
    }

    /** The bytes a request carries (tests). */
    static byte[] body(Request request) throws IOException {
        return EntityUtils.toByteArray(request.getEntity());
    }
}
