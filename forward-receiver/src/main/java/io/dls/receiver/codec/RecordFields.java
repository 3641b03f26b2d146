package io.dls.receiver.codec;

import java.nio.charset.StandardCharsets;

/** Adds a string field to a msgpack-encoded map without decoding it (for source_address_key and friends). */
public final class RecordFields {
    private RecordFields() {
    }

    public static byte[] withField(byte[] map, String key, String value) {
        int first = map[0] & 0xff;
        long n;
        int header;
        if (first >= 0x80 && first <= 0x8f) {
            n = first & 0x0f;
            header = 1;
        } else if (first == 0xde) {
            n = ((map[1] & 0xff) << 8) | (map[2] & 0xff);
            header = 3;
        } else if (first == 0xdf) {
            n = ((map[1] & 0xffL) << 24) | ((map[2] & 0xffL) << 16) | ((map[3] & 0xffL) << 8) | (map[4] & 0xffL);
            header = 5;
        } else {
            throw new IllegalArgumentException("not a msgpack map");
        }
        byte[] k = str(key);
        byte[] v = str(value);
        byte[] h = mapHeader(n + 1);
        int body = map.length - header;
        byte[] out = new byte[h.length + body + k.length + v.length];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(map, header, out, h.length, body);
        System.arraycopy(k, 0, out, h.length + body, k.length);
        System.arraycopy(v, 0, out, h.length + body + k.length, v.length);
        return out;
    }

    private static byte[] mapHeader(long n) {
        if (n <= 15) {
            return new byte[]{(byte) (0x80 | n)};
        }
        if (n <= 0xffff) {
            return new byte[]{(byte) 0xde, (byte) (n >>> 8), (byte) n};
        }
        return new byte[]{(byte) 0xdf, (byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
    }

    private static byte[] str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] h;
        if (b.length <= 31) {
            h = new byte[]{(byte) (0xa0 | b.length)};
        } else if (b.length <= 0xff) {
            h = new byte[]{(byte) 0xd9, (byte) b.length};
        } else if (b.length <= 0xffff) {
            h = new byte[]{(byte) 0xda, (byte) (b.length >>> 8), (byte) b.length};
        } else {
            h = new byte[]{(byte) 0xdb, (byte) (b.length >>> 24), (byte) (b.length >>> 16), (byte) (b.length >>> 8), (byte) b.length};
        }
        byte[] out = new byte[h.length + b.length];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(b, 0, out, h.length, b.length);
        return out;
    }
}
