package raftkv.storage;

import java.util.ArrayList;
import java.util.List;
import raftkv.storage.lease.Lease;

/**
 * When leases expire. The store keeps the clocks but never reads a clock itself: the replicated layer decides
 * (etcd's lessor: only the leader runs the clocks, a new leader restarts them with full TTLs) and revokes expired
 * leases through the log, so every member deletes the same keys at the same revision.
 *
 * <p>Thread-safe: each call takes the store lock shared (the lease table's clock fields are its own concern).
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
        store.lock.readLock().lock();
        try {
            Lease l = store.leases.get(id);
            if (l == null || l.expiryMillis() < nowMillis) {
                return -1;
            }
            return store.leases.renew(id, nowMillis);
        } finally {
            store.lock.readLock().unlock();
        }
    }

    /** Gives every lease its full TTL from {@code nowMillis} on (a new leader does this). */
    public void promote(long nowMillis) {
        store.lock.readLock().lock();
        try {
            store.leases.promote(nowMillis);
        } finally {
            store.lock.readLock().unlock();
        }
    }

    /** Starts the clock of leases granted since the last promote, with their full TTL. */
    public void startNew(long nowMillis) {
        store.lock.readLock().lock();
        try {
            store.leases.startUnstarted(nowMillis);
        } finally {
            store.lock.readLock().unlock();
        }
    }

    /** Stops every lease clock (a follower never expires leases). */
    public void demote() {
        store.lock.readLock().lock();
        try {
            store.leases.demote();
        } finally {
            store.lock.readLock().unlock();
        }
    }

    /** The ids of leases whose recorded expiry is at or before {@code nowMillis}, earliest first. */
    public List<Long> expired(long nowMillis) {
        store.lock.readLock().lock();
        try {
            List<Long> ids = new ArrayList<>();
            for (Lease l : store.leases.expired(nowMillis)) {
                ids.add(l.id());
            }
            return ids;
        } finally {
            store.lock.readLock().unlock();
        }
    }
}
