package raftkv.raft;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Read-only requests answered by the leader's state machine through Ratis' linearizable read path: the barrier of
 * a ReadIndex round (empty), and the lease questions only the leader can answer, because only it runs the lease
 * clocks: renew (keepalive) and time-to-live.
 */
public sealed interface Query permits Query.Barrier, Query.LeaseRenew, Query.LeaseTimeToLive {

    byte RENEW = 1;
    byte TTL = 2;

    record Barrier() implements Query {
    }

    record LeaseRenew(long id) implements Query {
    }

    record LeaseTimeToLive(long id, boolean keys) implements Query {
    }

    /**
     * A lease as the leader sees it: {@code ttl} is the remaining seconds (-1 when the lease does not exist or
     * has expired), {@code grantedTtl} what it was granted with, and its keys when asked for.
     */
    record LeaseState(long id, long ttl, long grantedTtl, List<byte[]> keys) {
    }

    static byte[] encode(Query q) {
        if (q instanceof LeaseRenew r) {
            return ByteBuffer.allocate(9).put(RENEW).putLong(r.id()).array();
        } else if (q instanceof LeaseTimeToLive t) {
            return ByteBuffer.allocate(10).put(TTL).putLong(t.id()).put((byte) (t.keys() ? 1 : 0)).array();
        }
        return new byte[0];
    }

    static Query decode(byte[] b) {
        if (b.length == 0) {
            return new Barrier();
        }
        ByteBuffer bb = ByteBuffer.wrap(b);
        byte tag = bb.get();
        if (tag == RENEW && b.length == 9) {
            return new LeaseRenew(bb.getLong());
        }
        if (tag == TTL && b.length == 10) {
            return new LeaseTimeToLive(bb.getLong(), bb.get() == 1);
        }
        throw new IllegalArgumentException("unknown query");
    }

    static byte[] encode(LeaseState s) {
        int size = 8 * 3 + 4;
        for (byte[] k : s.keys()) {
            size += 4 + k.length;
        }
        ByteBuffer bb = ByteBuffer.allocate(size).putLong(s.id()).putLong(s.ttl()).putLong(s.grantedTtl())
                .putInt(s.keys().size());
        for (byte[] k : s.keys()) {
            bb.putInt(k.length).put(k);
        }
        return bb.array();
    }

    static LeaseState decodeState(byte[] b) {
        ByteBuffer bb = ByteBuffer.wrap(b);
        long id = bb.getLong();
        long ttl = bb.getLong();
        long granted = bb.getLong();
        int n = bb.getInt();
        List<byte[]> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] k = new byte[bb.getInt()];
            bb.get(k);
            keys.add(k);
        }
        return new LeaseState(id, ttl, granted, keys);
    }
}
