package io.dls.receiver.codec;

/**
 * One event of a chunk.
 *
 * @param epochSeconds event time, whole seconds
 * @param nanos        nanoseconds within the second
 * @param subsecond    whether the client sent sub-second precision (EventTime or a float)
 * @param record       the record map, msgpack-encoded: the client's own bytes whenever it sent msgpack
 */
public record Event(long epochSeconds, int nanos, boolean subsecond, byte[] record) {

    public long epochMillis() {
        return epochSeconds * 1000 + nanos / 1_000_000;
    }

    static Event now(byte[] record) {
        long ms = System.currentTimeMillis();
        return new Event(Math.floorDiv(ms, 1000), (int) Math.floorMod(ms, 1000) * 1_000_000, false, record);
    }
}
