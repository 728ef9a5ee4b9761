package raftkv.storage;

import java.util.ArrayList;
import java.util.List;
import raftkv.storage.lease.Lease;

/**
 * When leases expire. The store keeps the clocks but never reads a clock itself: the replicated layer decides
 * (etcd's lessor: only the leader runs the clocks, a new leader restarts them with full TTLs) and revokes expired
 * leases through the log, so every member deletes the same keys at the same revision.
 *
 * <p>Thread-safe: each call works on the lease table while the store holds its lock shared (the table's clock
 * fields are its own concern).
 */
public final class LeaseClocks {

    private final MvccStore store;

    LeaseClocks(MvccStore store) {
        this.store = store;
    }

    /**
     * Renews a lease to expire one TTL after {@code nowMillis}; returns its TTL, or -1 if it does not exist or its
     * time already ran out (its revoke is on its way: a keepalive cannot bring it back).
     */
    public long renew(long id, long nowMillis) {
        return store.fromLeases(leases -> {
            Lease l = leases.get(id);
            if (l == null || l.expiryMillis() < nowMillis) {
                return -1L;
            }
            return leases.renew(id, nowMillis);
        });
    }

    /** Gives every lease its full TTL from {@code nowMillis} on (a new leader does this). */
    public void promote(long nowMillis) {
        store.withLeases(leases -> leases.promote(nowMillis));
    }

    /** Starts the clock of leases granted since the last promote, with their full TTL. */
    public void startNew(long nowMillis) {
        store.withLeases(leases -> leases.startUnstarted(nowMillis));
    }

    /** Stops every lease clock (a follower never expires leases). */
    public void demote() {
        store.withLeases(leases -> leases.demote());
    }

    /** The ids of leases whose recorded expiry is at or before {@code nowMillis}, earliest first. */
    public List<Long> expired(long nowMillis) {
        return store.fromLeases(leases -> {
            List<Long> ids = new ArrayList<>();
            for (Lease l : leases.expired(nowMillis)) {
                ids.add(l.id());
            }
            return ids;
        });
    }
}
