package io.dls.job.decode;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/** What goes to logs.invalid: where the record was, why it was refused, and its bytes (base64). */
public class InvalidRecord {
    public String reason;
    public String topic;
    public int partition;
    public long offset;
    public String tag;
    public long timestamp;
    public String valueBase64;

    public InvalidRecord() {
    }

    static InvalidRecord of(RawRecord raw, String reason) {
        InvalidRecord r = new InvalidRecord();
        r.reason = reason;
        r.topic = raw.topic;
        r.partition = raw.partition;
        r.offset = raw.offset;
        r.tag = raw.tag;
        r.timestamp = raw.timestamp;
        r.valueBase64 = raw.value == null ? null : Base64.getEncoder().encodeToString(raw.value);
        return r;
    }

    public Map<String, Object> toDocument() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("reason", reason);
        d.put("topic", topic);
        d.put("partition", partition);
        d.put("offset", offset);
        d.put("tag", tag);
        d.put("timestamp", timestamp);
        d.put("value_base64", valueBase64);
        return d;
    }
}
