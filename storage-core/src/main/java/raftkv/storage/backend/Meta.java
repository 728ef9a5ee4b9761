package raftkv.storage.backend;

import java.nio.ByteBuffer;

/**
 * The store's bookkeeping, written in the same MapDB commit as the data it describes.
 *
 * @param appliedTerm      term of the last Raft entry whose effects are in the store
 * @param appliedIndex     index of that entry; a restarted node replays the Raft log from here + 1
 * @param revision         the current main revision
 * @param compactRevision  reads below this revision fail with {@code compacted}
 * @param scheduledCompact a compaction at this revision was started; if it is above {@code finishedCompact}
 *                         after a crash, the store finishes it on open
 * @param finishedCompact  the last compaction whose deletions are all done
 */
public record Meta(long appliedTerm, long appliedIndex, long revision, long compactRevision, long scheduledCompact,
                   long finishedCompact) {

    private static final byte FORMAT = 1;
    static final int SIZE = 1 + 6 * Long.BYTES;

    /** A new store: revision 1 as in etcd, nothing applied, nothing compacted. */
    public static final Meta INITIAL = new Meta(0, 0, 1, 0, 0, 0);

    public byte[] encode() {
        return ByteBuffer.allocate(SIZE).put(FORMAT).putLong(appliedTerm).putLong(appliedIndex).putLong(revision)
                .putLong(compactRevision).putLong(scheduledCompact).putLong(finishedCompact).array();
    }

    public static Meta decode(byte[] b) {
        if (b.length != SIZE || b[0] != FORMAT) {
            throw new IllegalStateException("unrecognised meta record (length " + b.length + ")");
        }
        ByteBuffer bb = ByteBuffer.wrap(b, 1, SIZE - 1);
        return new Meta(bb.getLong(), bb.getLong(), bb.getLong(), bb.getLong(), bb.getLong(), bb.getLong());
    }
}
