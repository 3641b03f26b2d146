package io.dls.receiver.codec;

/**
 * One event of a chunk.
 *
 * @param epochSeconds event time, whole seconds
 * @param nanos        nanoseconds within the second
 * @param subsecond    whether the client sent sub-second precision (EventTime or a float)
 * @param record       the record map, msgpack-encoded: the client's own bytes whenever it sent msgpack
 * @param metadata     Fluent Bit's metadata map ({@code [[time, {metadata}], record]}) as sent, or null when
 *                     there was none or it was empty
 * @param cutFrom      the record's size as the client sent it when the record was cut to fit (a frame over
 *                     chunk_size_limit); 0 when the record is whole
 */
public record Event(long epochSeconds, int nanos, boolean subsecond, byte[] record, byte[] metadata, long cutFrom) {

    public Event(long epochSeconds, int nanos, boolean subsecond, byte[] record) {
        this(epochSeconds, nanos, subsecond, record, null, 0);
    }

    public long epochMillis() {
        return epochSeconds * 1000 + nanos / 1_000_000;
    }

    /** The same event with another record (enrichment); metadata and cut size stay. */
    public Event withRecord(byte[] newRecord) {
        return new Event(epochSeconds, nanos, subsecond, newRecord, metadata, cutFrom);
    }

    static Event now(byte[] record, byte[] metadata, long cutFrom) {
        long ms = System.currentTimeMillis();
        return new Event(Math.floorDiv(ms, 1000), (int) Math.floorMod(ms, 1000) * 1_000_000, false, record,
                metadata, cutFrom);
    }

    public boolean cut() {
        return cutFrom > 0;
    }
}
