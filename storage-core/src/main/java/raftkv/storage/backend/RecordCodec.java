package raftkv.storage.backend;

import java.util.Arrays;
import raftkv.storage.KeyValue;
import raftkv.storage.Revision;

/**
 * The value stored under a revision in the backend: a compact binary form of a {@link KeyValue}, never Java
 * serialization. The revision itself is the record's key, so {@code modRevision} is not repeated.
 *
 * <pre>
 *   put:        flags(1) keyLen(varint) key createRevision(varint) version(varint) [lease(8)] value(rest)
 *   tombstone:  flags(1) keyLen(varint) key
 * </pre>
 *
 * Flags: bit 0 set for a tombstone, bit 1 set when a lease follows. The key comes first so that rebuilding the
 * index on open reads only a record's first bytes.
 */
public final class RecordCodec {

    private static final int TOMBSTONE = 1;
    private static final int HAS_LEASE = 2;

    private RecordCodec() {
    }

    public static byte[] encodePut(KeyValue kv) {
        byte[] key = kv.key();
        byte[] value = kv.value();
        int size = 1 + varLength(key.length) + key.length + varLength(kv.createRevision())
                + varLength(kv.version()) + (kv.lease() != 0 ? 8 : 0) + value.length;
        byte[] out = new byte[size];
        out[0] = (byte) (kv.lease() != 0 ? HAS_LEASE : 0);
        int p = putVar(out, 1, key.length);
        System.arraycopy(key, 0, out, p, key.length);
        p += key.length;
        p = putVar(out, p, kv.createRevision());
        p = putVar(out, p, kv.version());
        if (kv.lease() != 0) {
            long l = kv.lease();
            for (int i = 7; i >= 0; i--) {
                out[p + i] = (byte) l;
                l >>>= 8;
            }
            p += 8;
        }
        System.arraycopy(value, 0, out, p, value.length);
        return out;
    }

    public static byte[] encodeTombstone(byte[] key) {
        byte[] out = new byte[1 + varLength(key.length) + key.length];
        out[0] = TOMBSTONE;
        int p = putVar(out, 1, key.length);
        System.arraycopy(key, 0, out, p, key.length);
        return out;
    }

    public static boolean isTombstone(byte[] record) {
        return (record[0] & TOMBSTONE) != 0;
    }

    public static byte[] keyOf(byte[] record) {
        Cursor c = new Cursor(record, 1);
        int len = (int) c.var();
        return Arrays.copyOfRange(record, c.pos, c.pos + len);
    }

    /** The lease a put record is attached to; 0 for none and for tombstones. */
    public static long leaseOf(byte[] record) {
        if ((record[0] & HAS_LEASE) == 0) {
            return 0;
        }
        Cursor c = new Cursor(record, 1);
        int keyLen = (int) c.var();
        c.pos += keyLen;
        c.var();
        c.var();
        return c.fixed64();
    }

    /** What rebuilding the index needs of a record: everything but the value, which is not copied. */
    public record Header(byte[] key, boolean tombstone, long createRevision, long version, long lease) {
    }

    public static Header header(byte[] record) {
        Cursor c = new Cursor(record, 1);
        int len = (int) c.var();
        byte[] key = Arrays.copyOfRange(record, c.pos, c.pos + len);
        if (isTombstone(record)) {
            return new Header(key, true, 0, 0, 0);
        }
        c.pos += len;
        long create = c.var();
        long version = c.var();
        long lease = (record[0] & HAS_LEASE) != 0 ? c.fixed64() : 0;
        return new Header(key, false, create, version, lease);
    }

    /** Decodes a put record stored under packed revision {@code rev}. */
    public static KeyValue decode(long rev, byte[] record) {
        if (isTombstone(record)) {
            return KeyValue.tombstone(keyOf(record), Revision.mainOf(rev));
        }
        Cursor c = new Cursor(record, 1);
        int len = (int) c.var();
        byte[] key = Arrays.copyOfRange(record, c.pos, c.pos + len);
        c.pos += len;
        long create = c.var();
        long version = c.var();
        long lease = (record[0] & HAS_LEASE) != 0 ? c.fixed64() : 0;
        byte[] value = Arrays.copyOfRange(record, c.pos, record.length);
        return new KeyValue(key, create, Revision.mainOf(rev), version, value, lease);
    }

    static int varLength(long v) {
        int n = 1;
        while ((v & ~0x7FL) != 0) {
            v >>>= 7;
            n++;
        }
        return n;
    }

    static int putVar(byte[] out, int p, long v) {
        while ((v & ~0x7FL) != 0) {
            out[p++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out[p++] = (byte) v;
        return p;
    }

    private static final class Cursor {
        final byte[] b;
        int pos;

        Cursor(byte[] b, int pos) {
            this.b = b;
            this.pos = pos;
        }

        long var() {
            long v = 0;
            int shift = 0;
            while (true) {
                byte x = b[pos++];
                v |= (long) (x & 0x7F) << shift;
                if (x >= 0) {
                    return v;
                }
                shift += 7;
                if (shift > 63) {
                    throw new IllegalArgumentException("malformed varint in record");
                }
            }
        }

        long fixed64() {
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (b[pos++] & 0xFF);
            }
            return v;
        }
    }
}
