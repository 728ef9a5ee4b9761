package raftkv.storage;

/**
 * A point in the store's history: {@code main} is bumped by exactly one for every write request, {@code sub}
 * numbers the individual changes inside that request (a txn or a range delete writes several keys at one main
 * revision).
 *
 * <p>Revisions travel in two compact forms. In memory (the key index) a revision is one {@code long}: {@code main}
 * in the high 43 bits and {@code sub} in the low 20, so that comparing packed longs orders revisions. On disk a
 * revision is those same 8 bytes big-endian, which makes backend keys sort by revision; a delete's record carries
 * one more byte, the tombstone mark, so that a scan can tell a deletion from a put without decoding the value.
 */
public record Revision(long main, long sub) implements Comparable<Revision> {

    /** Bits of a packed revision that hold {@code sub}. */
    static final int SUB_BITS = 20;
    /** The most writes one revision can hold: a request touching more keys is refused. */
    public static final long MAX_SUB = (1L << SUB_BITS) - 1;
    /** 2^43 - 1: at 100,000 writes a second for 2.7 years, at etcd's typical few thousand for centuries. */
    public static final long MAX_MAIN = (1L << (63 - SUB_BITS)) - 1;

    /** Length of the on-disk form of a put's revision. */
    public static final int BYTES = 8;
    /** Appended to the on-disk revision of a delete. */
    public static final byte TOMBSTONE_MARK = 't';

    public Revision {
        if (main < 0 || main > MAX_MAIN) {
            throw new IllegalArgumentException("main revision out of range: " + main);
        }
        if (sub < 0 || sub > MAX_SUB) {
            throw new IllegalArgumentException("sub revision out of range: " + sub);
        }
    }

    public static Revision unpack(long packed) {
        return new Revision(packed >>> SUB_BITS, packed & MAX_SUB);
    }

    public long pack() {
        return pack(main, sub);
    }

    public static long pack(long main, long sub) {
        return (main << SUB_BITS) | sub;
    }

    public static long mainOf(long packed) {
        return packed >>> SUB_BITS;
    }

    public static long subOf(long packed) {
        return packed & MAX_SUB;
    }

    /** The backend key of a put at the packed revision. */
    public static byte[] toBytes(long packed) {
        return toBytes(packed, false);
    }

    public static byte[] toBytes(long packed, boolean tombstone) {
        byte[] b = new byte[tombstone ? BYTES + 1 : BYTES];
        for (int i = BYTES - 1; i >= 0; i--) {
            b[i] = (byte) packed;
            packed >>>= 8;
        }
        if (tombstone) {
            b[BYTES] = TOMBSTONE_MARK;
        }
        return b;
    }

    public static long fromBytes(byte[] b) {
        if (b.length != BYTES && !(b.length == BYTES + 1 && b[BYTES] == TOMBSTONE_MARK)) {
            throw new IllegalArgumentException("not a revision key: length " + b.length);
        }
        long v = 0;
        for (int i = 0; i < BYTES; i++) {
            v = (v << 8) | (b[i] & 0xFF);
        }
        return v;
    }

    public static boolean isTombstone(byte[] b) {
        return b.length == BYTES + 1 && b[BYTES] == TOMBSTONE_MARK;
    }

    @Override
    public int compareTo(Revision o) {
        int c = Long.compare(main, o.main);
        return c != 0 ? c : Long.compare(sub, o.sub);
    }

    @Override
    public String toString() {
        return main + "." + sub;
    }
}
