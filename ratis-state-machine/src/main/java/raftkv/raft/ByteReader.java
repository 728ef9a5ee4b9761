package raftkv.raft;

/**
 * Reads what {@link ByteWriter} wrote, refusing anything truncated or out of bounds with
 * {@link EntryCodec.MalformedEntryException}: the input may come from another member or from disk.
 */
final class ByteReader {
    final byte[] b;
    int pos;

    ByteReader(byte[] b) {
        this.b = b;
    }

    int peek() {
        need(1);
        return b[pos] & 0xFF;
    }

    int u8() {
        need(1);
        return b[pos++] & 0xFF;
    }

    long var() {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int x = u8();
            v |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                return v;
            }
        }
        throw new EntryCodec.MalformedEntryException("varint too long");
    }

    long zigzag() {
        long v = var();
        return (v >>> 1) ^ -(v & 1);
    }

    long fixed64() {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[pos++] & 0xFF);
        }
        return v;
    }

    /** A count of things that each take at least one byte, so it cannot exceed what is left. */
    int count() {
        long n = var();
        if (n < 0 || n > b.length - pos) {
            throw new EntryCodec.MalformedEntryException("bad count " + n);
        }
        return (int) n;
    }

    byte[] bytes() {
        long n = var();
        if (n < 0 || n > b.length - pos) {
            throw new EntryCodec.MalformedEntryException("bad length " + n);
        }
        byte[] out = java.util.Arrays.copyOfRange(b, pos, pos + (int) n);
        pos += (int) n;
        return out;
    }

    byte[] bytesOrNull() {
        byte[] out = bytes();
        return out.length == 0 ? null : out;
    }

    <E> E oneOf(E[] values) {
        int i = u8();
        if (i >= values.length) {
            throw new EntryCodec.MalformedEntryException("bad enum value " + i);
        }
        return values[i];
    }

    private void need(int n) {
        if (pos + n > b.length) {
            throw new EntryCodec.MalformedEntryException("entry is truncated");
        }
    }
}
