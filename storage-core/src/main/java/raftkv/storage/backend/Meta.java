package raftkv.storage.backend;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import raftkv.storage.Alarm;

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
 * @param alarms           the alarms raised in the cluster, in {@link Alarm#ORDER}: replicated state that must
 *                         commit with the applied index like the data
 */
public record Meta(long appliedTerm, long appliedIndex, long revision, long compactRevision, long scheduledCompact,
                   long finishedCompact, List<Alarm> alarms) {

    /** Format 1 (raftkv 0.1) had no alarms; it is still read. */
    private static final byte FORMAT_1 = 1;
    private static final byte FORMAT = 2;
    private static final int FIXED = 1 + 6 * Long.BYTES;
    /** Far more than members times alarm kinds; a bound so that a damaged record cannot ask for gigabytes. */
    public static final int MAX_ALARMS = 1024;

    /** A new store: revision 1 as in etcd, nothing applied, nothing compacted, no alarm. */
    public static final Meta INITIAL = new Meta(0, 0, 1, 0, 0, 0, List.of());

    public Meta {
        alarms = List.copyOf(alarms);
    }

    /** The same bookkeeping with {@code finishedCompact} replaced. */
    public Meta withFinishedCompact(long finished) {
        return new Meta(appliedTerm, appliedIndex, revision, compactRevision, scheduledCompact, finished, alarms);
    }

    public byte[] encode() {
        ByteBuffer bb = ByteBuffer.allocate(FIXED + 4 + alarms.size() * (Long.BYTES + 1)).put(FORMAT)
                .putLong(appliedTerm).putLong(appliedIndex).putLong(revision).putLong(compactRevision)
                .putLong(scheduledCompact).putLong(finishedCompact).putInt(alarms.size());
        for (Alarm a : alarms) {
            bb.putLong(a.memberId()).put((byte) a.type().ordinal());
        }
        return bb.array();
    }

    public static Meta decode(byte[] b) {
        if (b.length < FIXED || (b[0] != FORMAT && b[0] != FORMAT_1)) {
            throw new IllegalStateException("unrecognised meta record (length " + b.length + ")");
        }
        ByteBuffer bb = ByteBuffer.wrap(b, 1, b.length - 1);
        long term = bb.getLong();
        long index = bb.getLong();
        long revision = bb.getLong();
        long compact = bb.getLong();
        long scheduled = bb.getLong();
        long finished = bb.getLong();
        List<Alarm> alarms = new ArrayList<>();
        if (b[0] == FORMAT) {
            int n = bb.remaining() >= 4 ? bb.getInt() : -1;
            if (n < 0 || n > MAX_ALARMS || bb.remaining() != n * (Long.BYTES + 1)) {
                throw new IllegalStateException("unrecognised meta record (length " + b.length + ", " + n
                        + " alarms)");
            }
            Alarm.Type[] types = Alarm.Type.values();
            for (int i = 0; i < n; i++) {
                long member = bb.getLong();
                int type = bb.get();
                if (type < 0 || type >= types.length) {
                    throw new IllegalStateException("unrecognised alarm kind " + type + " in the meta record");
                }
                alarms.add(new Alarm(member, types[type]));
            }
        } else if (b.length != FIXED) {
            throw new IllegalStateException("unrecognised meta record (length " + b.length + ")");
        }
        return new Meta(term, index, revision, compact, scheduled, finished, alarms);
    }
}
