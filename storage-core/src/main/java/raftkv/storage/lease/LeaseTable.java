package raftkv.storage.lease;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import raftkv.storage.Bytes;

/**
 * The in-memory table of leases and of which key is attached to which lease, as etcd's lessor keeps it. The store
 * persists grants and revokes in the backend and calls {@link #attach}/{@link #detach} as puts and deletes change
 * a key's lease; on open it rebuilds the attachments from the keys themselves.
 *
 * <p>Guarded by the store lock: structure changes under the exclusive lock, expiry changes (which touch only
 * volatile fields) under either.
 */
public final class LeaseTable {

    private final Map<Long, Lease> byId = new HashMap<>();
    private final TreeMap<byte[], Long> leaseOfKey = new TreeMap<>(Bytes.ORDER);

    /** Adds a lease; the caller has checked that the id is free. */
    public Lease add(long id, long ttlSeconds) {
        Lease l = new Lease(id, ttlSeconds);
        byId.put(id, l);
        return l;
    }

    /** Removes a lease (its keys must have been deleted or detached by the caller). */
    public Lease remove(long id) {
        Lease l = byId.remove(id);
        if (l != null) {
            for (byte[] k : l.keys()) {
                leaseOfKey.remove(k);
            }
        }
        return l;
    }

    public Lease get(long id) {
        return byId.get(id);
    }

    /**
     * A detached copy of a lease (its keys and expiry as they are now), or null: for readers outside the store
     * lock, which must not walk a key set the apply thread is changing.
     */
    public Lease copyOf(long id) {
        Lease l = byId.get(id);
        return l == null ? null : l.copy();
    }

    public boolean contains(long id) {
        return byId.containsKey(id);
    }

    public Collection<Lease> all() {
        return byId.values();
    }

    public int size() {
        return byId.size();
    }

    /** The lease {@code key} is attached to, 0 for none. */
    public long leaseOf(byte[] key) {
        Long id = leaseOfKey.get(key);
        return id == null ? 0 : id;
    }

    /** Attaches {@code key} to lease {@code id}, detaching it from any other. */
    public void attach(byte[] key, long id) {
        detach(key);
        Lease l = byId.get(id);
        if (l == null) {
            throw new IllegalStateException("attach to unknown lease " + id);
        }
        l.attach(key);
        leaseOfKey.put(key, id);
    }

    public void detach(byte[] key) {
        Long old = leaseOfKey.remove(key);
        if (old != null) {
            Lease l = byId.get(old);
            if (l != null) {
                l.detach(key);
            }
        }
    }

    /** Sets a lease to expire one TTL after {@code nowMillis}; returns the TTL, or -1 for an unknown lease. */
    public long renew(long id, long nowMillis) {
        Lease l = byId.get(id);
        if (l == null) {
            return -1;
        }
        l.expireAt(nowMillis + l.ttlSeconds() * 1000);
        return l.ttlSeconds();
    }

    /**
     * Starts the clock of every lease from {@code nowMillis}, each with its full TTL: what a new leader does, so that
     * a failover never expires leases early.
     */
    public void promote(long nowMillis) {
        for (Lease l : byId.values()) {
            l.expireAt(nowMillis + l.ttlSeconds() * 1000);
        }
    }

    /** Starts the clock of leases that have none yet (granted since the last promote); returns how many. */
    public int startUnstarted(long nowMillis) {
        int n = 0;
        for (Lease l : byId.values()) {
            if (l.expiryMillis() == Lease.NEVER) {
                l.expireAt(nowMillis + l.ttlSeconds() * 1000);
                n++;
            }
        }
        return n;
    }

    /** Stops every clock: a follower never expires leases. */
    public void demote() {
        for (Lease l : byId.values()) {
            l.expireAt(Lease.NEVER);
        }
    }

    /** The leases whose recorded expiry is at or before {@code nowMillis}, oldest expiry first. */
    public List<Lease> expired(long nowMillis) {
        List<Lease> out = new ArrayList<>();
        for (Lease l : byId.values()) {
            if (l.expiryMillis() <= nowMillis) {
                out.add(l);
            }
        }
        out.sort((a, b) -> Long.compare(a.expiryMillis(), b.expiryMillis()));
        return out;
    }

    public void clear() {
        byId.clear();
        leaseOfKey.clear();
    }
}
