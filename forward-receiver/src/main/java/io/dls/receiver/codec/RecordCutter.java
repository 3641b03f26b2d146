package io.dls.receiver.codec;

import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes a record map fit a byte budget while it stays a msgpack map a consumer can read: the longest values
 * are shortened first (strings at a character boundary, binaries to a prefix), a value that is no string or
 * binary is replaced by nil, and only when that is not enough are the last keys dropped. Used when Kafka
 * refuses a record as too large: a record cut this way (and marked so in a header) beats a chunk the agent
 * resends forever.
 */
public final class RecordCutter {
    private RecordCutter() {
    }

    private static final class Entry {
        final byte[] src;
        final int keyStart;
        final int keyEnd;
        final int valStart;
        final int valEnd;
        /** Payload start and length of a str/bin value; -1 for other values. */
        final int payloadStart;
        int payloadLen;
        final boolean str;
        boolean nil;

        Entry(byte[] src, int keyStart, int keyEnd, int valStart, int valEnd, int payloadStart, int payloadLen,
              boolean str) {
            this.src = src;
            this.keyStart = keyStart;
            this.keyEnd = keyEnd;
            this.valStart = valStart;
            this.valEnd = valEnd;
            this.payloadStart = payloadStart;
            this.payloadLen = payloadLen;
            this.str = str;
        }

        int valueSize() {
            if (nil) {
                return 1;
            }
            if (payloadStart < 0) {
                return valEnd - valStart;
            }
            return header(payloadLen) + payloadLen;
        }

        int size() {
            return keyEnd - keyStart + valueSize();
        }
    }

    private static int header(int len) {
        return len < 32 ? 1 : len < 256 ? 2 : len < 65536 ? 3 : 5;
    }

    /**
     * @param record   a msgpack map
     * @param maxBytes the budget, at least 16 bytes
     * @return the record if it fits, else a map of at most {@code maxBytes}
     */
    public static byte[] cut(byte[] record, int maxBytes) {
        if (record.length <= maxBytes) {
            return record;
        }
        List<Entry> entries = new ArrayList<>();
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(record)) {
            int n = u.unpackMapHeader();
            for (int i = 0; i < n; i++) {
                int ks = (int) u.getTotalReadBytes();
                u.skipValue();
                int ke = (int) u.getTotalReadBytes();
                MessageFormat f = u.getNextFormat();
                int vs = (int) u.getTotalReadBytes();
                int ps = -1;
                int pl = 0;
                boolean str = f.getValueType() == ValueType.STRING;
                if (str || f.getValueType() == ValueType.BINARY) {
                    pl = str ? u.unpackRawStringHeader() : u.unpackBinaryHeader();
                    ps = (int) u.getTotalReadBytes();
                    skip(u, pl);
                } else {
                    u.skipValue();
                }
                entries.add(new Entry(record, ks, ke, vs, (int) u.getTotalReadBytes(), ps, pl, str));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long total = 5;
        for (Entry e : entries) {
            total += e.size();
        }
        while (total > maxBytes) {
            Entry largest = null;
            for (Entry e : entries) {
                if (largest == null || e.valueSize() > largest.valueSize()) {
                    largest = e;
                }
            }
            if (largest == null || largest.valueSize() <= 1) {
                // Every value is as small as it gets: drop keys from the end.
                Entry last = entries.remove(entries.size() - 1);
                total -= last.size();
                continue;
            }
            int before = largest.size();
            if (largest.payloadStart >= 0 && !largest.nil) {
                long excess = total - maxBytes;
                int len = (int) Math.max(0, largest.payloadLen - excess);
                if (largest.str) {
                    len = utf8Boundary(record, largest.payloadStart, len);
                }
                largest.payloadLen = len;
                if (len == 0) {
                    largest.nil = true;
                }
            } else {
                largest.nil = true;
            }
            total -= before - largest.size();
        }
        MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
        try {
            p.packMapHeader(entries.size());
            for (Entry e : entries) {
                p.writePayload(e.src, e.keyStart, e.keyEnd - e.keyStart);
                if (e.nil) {
                    p.packNil();
                } else if (e.payloadStart < 0) {
                    p.writePayload(e.src, e.valStart, e.valEnd - e.valStart);
                } else {
                    if (e.str) {
                        p.packRawStringHeader(e.payloadLen);
                    } else {
                        p.packBinaryHeader(e.payloadLen);
                    }
                    p.writePayload(e.src, e.payloadStart, e.payloadLen);
                }
            }
            return p.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The longest prefix of at most {@code len} bytes that does not end inside a UTF-8 character. */
    static int utf8Boundary(byte[] b, int start, int len) {
        int end = start + len;
        int i = end;
        // Step back over continuation bytes to the character that holds the cut point.
        while (i > start && (b[i - 1] & 0xc0) == 0x80 && end - i < 3) {
            i--;
        }
        if (i > start) {
            int lead = b[i - 1] & 0xff;
            int need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
            if (need > end - (i - 1)) {
                return i - 1 - start;
            }
        }
        return len;
    }

    private static void skip(MessageUnpacker u, int n) throws IOException {
        byte[] sink = new byte[Math.min(n, 8192)];
        int left = n;
        while (left > 0) {
            int step = Math.min(left, sink.length);
            u.readPayload(sink, 0, step);
            left -= step;
        }
    }
}
