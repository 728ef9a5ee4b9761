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
 * @param auth             the users, roles and permissions ({@link raftkv.storage.auth.AuthCodec}; empty for none
 *                         ever), replicated state too. The backend keeps it apart from the rest, written only when it
 *                         changed; snapshots carry it here.
 */
public record Meta(long appliedTerm, long appliedIndex, long revision, long compactRevision, long scheduledCompact,
                   long finishedCompact, List<Alarm> alarms, byte[] auth) {

    /** Format 1 (raftkv 0.1) had no alarms, format 2 (0.2) no auth; both are still read. */
    private static final byte FORMAT_1 = 1;
    private static final byte FORMAT_2 = 2;
    private static final byte FORMAT = 3;
    /** A bound on the auth state's size, far above any real set of users and roles. */
    public static final int MAX_AUTH_BYTES = 16 << 20;
    private static final int FIXED = 1 + 6 * Long.BYTES;
    /** Far more than members times alarm kinds; a bound so that a damaged record cannot ask for gigabytes. */
    public static final int MAX_ALARMS = 1024;

    /** A new store: revision 1 as in etcd, nothing applied, nothing compacted, no alarm. */
    public static final Meta INITIAL = new Meta(0, 0, 1, 0, 0, 0, List.of());

    public Meta {
        alarms = List.copyOf(alarms);
        auth = auth == null ? new byte[0] : auth;
    }

    /** Bookkeeping of a store that has no users or roles. */
    public Meta(long appliedTerm, long appliedIndex, long revision, long compactRevision, long scheduledCompact,
                long finishedCompact, List<Alarm> alarms) {
        this(appliedTerm, appliedIndex, revision, compactRevision, scheduledCompact, finishedCompact, alarms, null);
    }

    /** The same bookkeeping with {@code finishedCompact} replaced. */
    public Meta withFinishedCompact(long finished) {
        return new Meta(appliedTerm, appliedIndex, revision, compactRevision, scheduledCompact, finished, alarms, auth);
    }

    /** The same bookkeeping with the auth state replaced. */
    public Meta withAuth(byte[] authState) {
        return new Meta(appliedTerm, appliedIndex, revision, compactRevision, scheduledCompact, finishedCompact, alarms,
                authState);
    }

    /** Everything, the auth state included: what a snapshot carries. */
    public byte[] encode() {
        return encode(true);
    }

    /** Everything but the auth state, which the backend keeps apart: what every commit writes. */
    public byte[] encodeWithoutAuth() {
        return encode(false);
    }

    private byte[] encode(boolean withAuth) {
        ByteBuffer bb = ByteBuffer.allocate(FIXED + 4 + alarms.size() * (Long.BYTES + 1)
                        + (withAuth ? 4 + auth.length : 0)).put(withAuth ? FORMAT : FORMAT_2)
                .putLong(appliedTerm).putLong(appliedIndex).putLong(revision).putLong(compactRevision)
                .putLong(scheduledCompact).putLong(finishedCompact).putInt(alarms.size());
        for (Alarm a : alarms) {
            bb.putLong(a.memberId()).put((byte) a.type().ordinal());
        }
        if (withAuth) {
            bb.putInt(auth.length).put(auth);
        }
        return bb.array();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Meta m && appliedTerm == m.appliedTerm && appliedIndex == m.appliedIndex
                && revision == m.revision && compactRevision == m.compactRevision
                && scheduledCompact == m.scheduledCompact && finishedCompact == m.finishedCompact
                && alarms.equals(m.alarms) && java.util.Arrays.equals(auth, m.auth);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(appliedTerm, appliedIndex, revision, compactRevision, scheduledCompact,
                finishedCompact, alarms, java.util.Arrays.hashCode(auth));
    }

    @Override
    public String toString() {
        return "Meta[applied " + appliedTerm + ":" + appliedIndex + ", revision " + revision + ", compacted "
                + compactRevision + ", compaction " + scheduledCompact + "/" + finishedCompact + ", alarms " + alarms
                + ", auth " + auth.length + " bytes]";
    }

    public static Meta decode(byte[] b) {
        if (b.length < FIXED || (b[0] != FORMAT && b[0] != FORMAT_2 && b[0] != FORMAT_1)) {
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
        byte[] auth = new byte[0];
        if (b[0] != FORMAT_1) {
            int n = bb.remaining() >= 4 ? bb.getInt() : -1;
            int authPart = b[0] == FORMAT ? 4 : 0;
            if (n < 0 || n > MAX_ALARMS || bb.remaining() < n * (Long.BYTES + 1) + authPart
                    || (b[0] == FORMAT_2 && bb.remaining() != n * (Long.BYTES + 1))) {
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
            if (b[0] == FORMAT) {
                int length = bb.getInt();
                if (length < 0 || length > MAX_AUTH_BYTES || bb.remaining() != length) {
                    throw new IllegalStateException("unrecognised meta record (length " + b.length + ", auth state of "
                            + length + " bytes)");
                }
                auth = new byte[length];
                bb.get(auth);
            }
        } else if (b.length != FIXED) {
            throw new IllegalStateException("unrecognised meta record (length " + b.length + ")");
        }
        return new Meta(term, index, revision, compact, scheduled, finished, alarms, auth);
    }
}
