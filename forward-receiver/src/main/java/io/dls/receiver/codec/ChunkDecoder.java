package io.dls.receiver.codec;

import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a msgpack {@link Frame} into a {@link Chunk}, for every carrier mode of forward protocol v1:
 * Message {@code [tag, time, record, option?]}, Forward {@code [tag, [[time, record]...], option?]},
 * PackedForward {@code [tag, entries-as-bin-or-str, option?]} and its compressed form.
 *
 * <p>Structural faults in the message itself throw {@link ProtocolException}. Faults inside one entry
 * (a record that is not a map, a time of the wrong type) only skip that entry and are counted. Record
 * maps are passed on as the client's bytes, never re-encoded.
 */
public final class ChunkDecoder {
    private static final byte[] ACK_KEY = {(byte) 0xa3, 'a', 'c', 'k'};

    private final CodecLimits limits;
    private final JsonChunkDecoder json;
    /** The last tag decoded and its bytes (a connection mostly repeats one tag); the empty tag to start with. */
    private String lastTag = "";
    private byte[] lastTagBytes = new byte[0];
    /** The bytes left out of each entry of the frame being decoded, when it was cut (see {@link Frame#cuts}). */
    private Map<Integer, Long> cuts = Map.of();

    public ChunkDecoder(CodecLimits limits) {
        this.limits = limits;
        this.json = new JsonChunkDecoder();
    }

    public Chunk decode(Frame frame) {
        if (frame.json()) {
            return json.decode(frame.bytes());
        }
        byte[] b = frame.bytes();
        cuts = frame.cuts();
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(b)) {
            MessageFormat f = u.getNextFormat();
            if (f == MessageFormat.NIL) {
                return Chunk.HEARTBEAT; // Fluentd's TCP heartbeat: harmless, nothing to publish
            }
            if (f.getValueType() != ValueType.ARRAY) {
                throw new ProtocolException("not_array", "forward message must be an array, got " + f.getValueType());
            }
            int size = u.unpackArrayHeader();
            if (size < 2 || size > 4) {
                throw new ProtocolException("bad_message", "forward message must have 2 to 4 elements, had " + size);
            }
            String tag = readTag(u, b.length);
            MessageFormat second = u.getNextFormat();
            Map<String, Integer> invalid = new HashMap<>(2);
            List<Event> events;
            int optionsIndex;
            String compressed = null;
            if (second.getValueType() == ValueType.ARRAY) {
                events = readForwardEntries(u, b, invalid);
                optionsIndex = 2;
            } else if (second.getValueType() == ValueType.BINARY || second.getValueType() == ValueType.STRING) {
                // PackedForward: remember where the entries are; the option map (after them) may say they
                // are compressed.
                int len = second.getValueType() == ValueType.BINARY ? u.unpackBinaryHeader() : u.unpackRawStringHeader();
                int off = (int) u.getTotalReadBytes();
                if (off + (long) len > b.length) {
                    throw new ProtocolException("truncated", "entries declare " + len + " bytes past the frame end");
                }
                Options opt = Options.NONE;
                if (size > 2) {
                    // The option map follows the entries; read it without walking over them.
                    try (MessageUnpacker ou = MessagePack.newDefaultUnpacker(b, off + len, b.length - off - len)) {
                        opt = readOptions(ou, b, off + len);
                    }
                }
                byte[] stream = b;
                int streamOff = off;
                int streamLen = len;
                boolean packedCompressed = opt.compressed != null && !opt.compressed.equals("text");
                if (packedCompressed && frame.wasCut()) {
                    // Compressed entries cut short cannot be inflated. The chunk is acked as dropped (counted,
                    // logged by the handler) so the agent does not resend it forever.
                    invalid.merge("too_large_compressed", 1, Integer::sum);
                    return finish(tag, List.of(), opt, invalid);
                }
                if (opt.signal != Signal.LOGS) {
                    byte[] payload = packedCompressed
                            ? Decompression.inflate(opt.compressed, b, off, len, limits.maxDecompressedBytes())
                            : Arrays.copyOfRange(b, off, off + len);
                    return finish(tag, List.of(), opt, invalid).withSignal(opt.signal, payload);
                }
                if (packedCompressed) {
                    stream = Decompression.inflate(opt.compressed, b, off, len, limits.maxDecompressedBytes());
                    streamOff = 0;
                    streamLen = stream.length;
                }
                events = readPackedEntries(stream, streamOff, streamLen, invalid);
                return finish(tag, events, opt, invalid);
            } else {
                if (size < 3) {
                    throw new ProtocolException("bad_message", "Message mode needs [tag, time, record], had " + size + " elements");
                }
                events = new ArrayList<>(1);
                readEntry(u, b, events, invalid, 0, 0);
                optionsIndex = 3;
            }
            Options opt = size > optionsIndex ? readOptions(u, b, 0) : Options.NONE;
            if (opt.compressed != null && !opt.compressed.equals("text")) {
                throw new ProtocolException("bad_message", "compressed option is only valid with PackedForward");
            }
            return finish(tag, events, opt, invalid);
        } catch (MessagePackException | IOException | IllegalStateException e) {
            throw new ProtocolException("bad_msgpack", "malformed msgpack: " + e.getMessage(), e);
        }
    }

    private Chunk finish(String tag, List<Event> events, Options opt, Map<String, Integer> invalid) {
        if (tag.isEmpty()) {
            // A chunk that cannot be routed is dropped as a whole, but acked, so an agent does not resend
            // it forever; the events are counted as invalid.
            if (!events.isEmpty()) {
                invalid.merge("empty_tag", events.size(), Integer::sum);
            }
            events = List.of();
        }
        byte[] ack = null;
        if (opt.chunkRaw != null) {
            ack = new byte[1 + ACK_KEY.length + opt.chunkRaw.length];
            ack[0] = (byte) 0x81; // fixmap, one entry
            System.arraycopy(ACK_KEY, 0, ack, 1, ACK_KEY.length);
            System.arraycopy(opt.chunkRaw, 0, ack, 1 + ACK_KEY.length, opt.chunkRaw.length);
        }
        return new Chunk(tag, events, opt.chunkId, ack, invalid);
    }

    private String readTag(MessageUnpacker u, int inputLength) throws IOException {
        MessageFormat f = u.getNextFormat();
        int len;
        if (f.getValueType() == ValueType.STRING) {
            len = u.unpackRawStringHeader();
        } else if (f.getValueType() == ValueType.BINARY) {
            len = u.unpackBinaryHeader();
        } else {
            throw new ProtocolException("bad_tag", "tag must be a string, got " + f.getValueType());
        }
        byte[] bytes = payload(u, len, inputLength);
        if (Arrays.equals(bytes, lastTagBytes)) {
            return lastTag;
        }
        try {
            String tag = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
            lastTag = tag;
            lastTagBytes = bytes;
            return tag;
        } catch (CharacterCodingException e) {
            throw new ProtocolException("bad_tag", "tag is not valid UTF-8");
        }
    }

    private List<Event> readForwardEntries(MessageUnpacker u, byte[] b, Map<String, Integer> invalid) throws IOException {
        int n = u.unpackArrayHeader();
        List<Event> events = new ArrayList<>(Math.min(n, 4096));
        for (int i = 0; i < n; i++) {
            if (u.getNextFormat().getValueType() != ValueType.ARRAY) {
                invalid.merge("entry_not_array", 1, Integer::sum);
                u.skipValue();
                continue;
            }
            readEntryArray(u, b, events, invalid, 0, i);
        }
        return events;
    }

    private List<Event> readPackedEntries(byte[] stream, int off, int len, Map<String, Integer> invalid) {
        List<Event> events = new ArrayList<>(Math.max(16, len / 64));
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(stream, off, len)) {
            for (int ordinal = 0; u.hasNext(); ordinal++) {
                if (u.getNextFormat().getValueType() != ValueType.ARRAY) {
                    invalid.merge("entry_not_array", 1, Integer::sum);
                    u.skipValue();
                    continue;
                }
                readEntryArray(u, stream, events, invalid, off, ordinal);
            }
        } catch (MessagePackException | IOException e) {
            // The entry stream is cut or corrupt past this point: there is no way to find the next entry.
            invalid.merge("truncated_entries", 1, Integer::sum);
        }
        return events;
    }

    private void readEntryArray(MessageUnpacker u, byte[] b, List<Event> events, Map<String, Integer> invalid,
                                int base, int ordinal) throws IOException {
        int size = u.unpackArrayHeader();
        if (size < 2) {
            invalid.merge("bad_entry", 1, Integer::sum);
            u.skipValue(size);
            return;
        }
        readEntry(u, b, events, invalid, base, ordinal);
        if (size > 2) {
            u.skipValue(size - 2);
        }
    }

    /** Reads {@code time, record} at the unpacker's position; always consumes exactly two values. */
    private void readEntry(MessageUnpacker u, byte[] b, List<Event> events, Map<String, Integer> invalid, int base,
                           int ordinal) throws IOException {
        EventTime time;
        byte[] metadata = null;
        if (u.getNextFormat().getValueType() == ValueType.ARRAY) {
            // Fluent Bit: [[time, {metadata}], record]. The metadata is not part of the record; it travels as
            // the client's bytes in a header of its own, unless it is the empty map (nothing to keep).
            int n = u.unpackArrayHeader();
            time = n >= 1 ? readTime(u) : null;
            if (n >= 2) {
                if (u.getNextFormat().getValueType() == ValueType.MAP) {
                    int mStart = (int) u.getTotalReadBytes();
                    u.skipValue();
                    int mEnd = (int) u.getTotalReadBytes();
                    if (mEnd - mStart > 1) { // 0x80, the empty fixmap, is one byte
                        metadata = Arrays.copyOfRange(b, base + mStart, base + mEnd);
                    }
                } else {
                    u.skipValue();
                }
            }
            u.skipValue(Math.max(0, n - 2));
        } else {
            time = readTime(u);
        }
        MessageFormat rf = u.getNextFormat();
        if (rf.getValueType() != ValueType.MAP) {
            u.skipValue();
            invalid.merge(rf == MessageFormat.NIL ? "nil_record" : "record_not_map", 1, Integer::sum);
            return;
        }
        int start = (int) u.getTotalReadBytes();
        u.skipValue();
        int end = (int) u.getTotalReadBytes();
        if (time == null) {
            invalid.merge("bad_time", 1, Integer::sum);
            return;
        }
        byte[] record = Arrays.copyOfRange(b, base + start, base + end);
        Long left = cuts.isEmpty() ? null : cuts.get(ordinal);
        long cutFrom = left == null ? 0 : record.length + left;
        events.add(time == EventTime.NOW ? Event.now(record, metadata, cutFrom)
                : new Event(time.seconds, time.nanos, time.subsecond, record, metadata, cutFrom));
    }

    /** An entry's time; {@link #NOW} where Fluentd substitutes the arrival time (0 or nil). */
    private record EventTime(long seconds, int nanos, boolean subsecond) {
        static final EventTime NOW = new EventTime(0, 0, false);
    }

    /**
     * Integer seconds, a float, or EventTime (ext type 0: uint32 seconds, uint32 nanoseconds); null when the
     * value is none of these. Always consumes exactly one value.
     */
    private static EventTime readTime(MessageUnpacker u) throws IOException {
        MessageFormat f = u.getNextFormat();
        switch (f.getValueType()) {
            case INTEGER: {
                long s = u.unpackLong();
                return s == 0 ? EventTime.NOW : new EventTime(s, 0, false);
            }
            case NIL:
                u.unpackNil();
                return EventTime.NOW;
            case FLOAT: {
                double d = u.unpackDouble();
                long s = (long) Math.floor(d);
                return new EventTime(s, (int) Math.min(999_999_999, Math.round((d - s) * 1e9)), true);
            }
            case EXTENSION: {
                var h = u.unpackExtensionTypeHeader();
                if (h.getType() != 0 || h.getLength() != 8) {
                    skipBytes(u, h.getLength());
                    return null;
                }
                byte[] p = u.readPayload(8);
                long s = ((p[0] & 0xffL) << 24) | ((p[1] & 0xffL) << 16) | ((p[2] & 0xffL) << 8) | (p[3] & 0xffL);
                long ns = ((p[4] & 0xffL) << 24) | ((p[5] & 0xffL) << 16) | ((p[6] & 0xffL) << 8) | (p[7] & 0xffL);
                return ns >= 1_000_000_000L ? null : new EventTime(s, (int) ns, true);
            }
            default:
                u.skipValue();
                return null;
        }
    }

    private record Options(String compressed, byte[] chunkRaw, byte[] chunkId, Signal signal) {
        static final Options NONE = new Options(null, null, null, Signal.LOGS);
    }

    /** @param base where the unpacker's input starts within {@code b} */
    private static Options readOptions(MessageUnpacker u, byte[] b, int base) throws IOException {
        MessageFormat f = u.getNextFormat();
        if (f == MessageFormat.NIL) {
            u.unpackNil();
            return Options.NONE;
        }
        if (f.getValueType() != ValueType.MAP) {
            throw new ProtocolException("bad_options", "option must be a map or nil, got " + f.getValueType());
        }
        int n = u.unpackMapHeader();
        String compressed = null;
        byte[] chunkRaw = null;
        byte[] chunkId = null;
        Signal signal = Signal.LOGS;
        for (int i = 0; i < n; i++) {
            MessageFormat kf = u.getNextFormat();
            String key = kf.getValueType() == ValueType.STRING ? text(u, b.length - base) : null;
            if (key == null) {
                u.skipValue();
                u.skipValue();
                continue;
            }
            switch (key) {
                case "chunk" -> {
                    MessageFormat vf = u.getNextFormat();
                    int start = base + (int) u.getTotalReadBytes();
                    if (vf.getValueType() == ValueType.STRING || vf.getValueType() == ValueType.BINARY) {
                        int len = vf.getValueType() == ValueType.STRING ? u.unpackRawStringHeader() : u.unpackBinaryHeader();
                        chunkId = payload(u, len, b.length - base);
                        // Echo the value byte for byte, header included: clients compare what they sent.
                        chunkRaw = Arrays.copyOfRange(b, start, base + (int) u.getTotalReadBytes());
                    } else if (vf == MessageFormat.NIL) {
                        u.unpackNil();
                    } else {
                        throw new ProtocolException("bad_options", "chunk option must be a string, got " + vf.getValueType());
                    }
                }
                case "compressed" -> {
                    MessageFormat vf = u.getNextFormat();
                    if (vf.getValueType() == ValueType.STRING) {
                        compressed = text(u, b.length - base);
                    } else {
                        u.skipValue();
                    }
                }
                case "fluent_signal" -> {
                    // Fluent Bit's metrics (1) and traces (2) travel as one cmetrics/ctraces blob per chunk.
                    MessageFormat vf = u.getNextFormat();
                    if (vf.getValueType() == ValueType.INTEGER) {
                        signal = Signal.of(u.unpackLong());
                    } else {
                        u.skipValue();
                    }
                }
                default -> u.skipValue(); // size is only a hint; unknown options are ignored as Fluentd does
            }
        }
        return new Options(compressed, chunkRaw, chunkId, signal);
    }

    /**
     * Reads a declared-length payload only if the input really holds that many bytes, so a lying header
     * never makes us allocate (the framing already checks this; the decoder does not rely on it).
     */
    private static byte[] payload(MessageUnpacker u, int len, int inputLength) throws IOException {
        if (len < 0 || len > inputLength - u.getTotalReadBytes()) {
            throw new ProtocolException("truncated", "a value declares " + Integer.toUnsignedString(len)
                    + " bytes but the message ends before that");
        }
        return u.readPayload(len);
    }

    private static String text(MessageUnpacker u, int inputLength) throws IOException {
        return new String(payload(u, u.unpackRawStringHeader(), inputLength), StandardCharsets.UTF_8);
    }

    private static void skipBytes(MessageUnpacker u, long n) throws IOException {
        // readPayload would allocate; skip in bounded steps instead.
        byte[] sink = new byte[(int) Math.min(n, 8192)];
        long left = n;
        while (left > 0) {
            int step = (int) Math.min(left, sink.length);
            u.readPayload(sink, 0, step);
            left -= step;
        }
    }
}
