package raftkv.storage;

import java.nio.ByteBuffer;

/** The backend's lease record: a format byte and the granted TTL. */
final class LeaseCodec {

    private static final byte FORMAT = 1;

    private LeaseCodec() {
    }

    static byte[] encode(long ttlSeconds) {
        return ByteBuffer.allocate(9).put(FORMAT).putLong(ttlSeconds).array();
    }

    static long decodeTtl(byte[] b) {
        if (b.length != 9 || b[0] != FORMAT) {
            throw new IllegalStateException("unrecognised lease record (length " + b.length + ")");
        }
        return ByteBuffer.wrap(b, 1, 8).getLong();
    }
}
