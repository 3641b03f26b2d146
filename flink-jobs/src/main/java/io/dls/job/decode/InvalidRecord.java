package io.dls.job.decode;

import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What goes to logs.invalid: where the record was, why it was refused, and its bytes (base64), the bytes
 * bounded so the JSON always fits a Kafka record (a refused one would fail the job on every restart); the
 * whole record stays at its place in the raw topic.
 */
public class InvalidRecord {
    /** Raw bytes copied into the record: 64 KiB, about 87 KiB of base64. */
    static final int MAX_VALUE_BYTES = 64 * 1024;
    /** Longest reason and tag kept. */
    static final int MAX_TEXT_CHARS = 1024;

    public String reason;
    public String topic;
    public int partition;
    public long offset;
    public String tag;
    public long timestamp;
    public String valueBase64;
    /** Size of the whole value in bytes; valueBase64 holds only the first {@link #MAX_VALUE_BYTES}. */
    public int valueSize;
    public boolean valueTruncated;

    public InvalidRecord() {
    }

    static InvalidRecord of(RawRecord raw, String reason) {
        InvalidRecord r = new InvalidRecord();
        r.reason = clip(reason);
        r.topic = raw.topic;
        r.partition = raw.partition;
        r.offset = raw.offset;
        r.tag = clip(raw.tag);
        r.timestamp = raw.timestamp;
        if (raw.value != null) {
            r.valueSize = raw.value.length;
            r.valueTruncated = raw.value.length > MAX_VALUE_BYTES;
            r.valueBase64 = Base64.getEncoder().encodeToString(r.valueTruncated
                    ? Arrays.copyOf(raw.value, MAX_VALUE_BYTES) : raw.value);
        }
        return r;
    }

    private static String clip(String s) {
        return s == null || s.length() <= MAX_TEXT_CHARS ? s : s.substring(0, MAX_TEXT_CHARS) + "...";
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
        d.put("value_size", valueSize);
        if (valueTruncated) {
            d.put("value_truncated", true);
        }
        return d;
    }
}
