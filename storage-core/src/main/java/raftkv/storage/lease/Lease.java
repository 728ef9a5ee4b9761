package raftkv.storage.lease;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import raftkv.storage.Bytes;

/**
 * A lease: an id, the TTL it was granted with, the keys attached to it, and when it expires.
 *
 * <p>The expiry is not persisted and is not the store's decision: the replicated layer sets it (on the leader, by
 * {@link LeaseTable#promote} and keepalives) and revokes expired leases through the log. Until then it is
 * {@link #NEVER}. The key set is guarded by the store lock; the expiry is volatile so that keepalives can renew it
 * under the shared lock.
 */
public final class Lease {

    public static final long NEVER = Long.MAX_VALUE;

    private final long id;
    private final long ttlSeconds;
    private final TreeSet<byte[]> keys = new TreeSet<>(Bytes.ORDER);
    private volatile long expiryMillis = NEVER;

    Lease(long id, long ttlSeconds) {
        this.id = id;
        this.ttlSeconds = ttlSeconds;
    }

    public long id() {
        return id;
    }

    public long ttlSeconds() {
        return ttlSeconds;
    }

    /** When the lease expires, in the replicated layer's clock ({@link #NEVER} until it sets one). */
    public long expiryMillis() {
        return expiryMillis;
    }

    void expireAt(long millis) {
        expiryMillis = millis;
    }

    /** Seconds left at {@code nowMillis}, rounded up; -1 once expired, the TTL when no expiry is set. */
    public long remainingSeconds(long nowMillis) {
        long exp = expiryMillis;
        if (exp == NEVER) {
            return ttlSeconds;
        }
        long left = exp - nowMillis;
        return left <= 0 ? -1 : (left + 999) / 1000;
    }

    /** A detached copy; the caller holds the store lock. */
    Lease copy() {
        Lease c = new Lease(id, ttlSeconds);
        c.keys.addAll(keys);
        c.expiryMillis = expiryMillis;
        return c;
    }

    void attach(byte[] key) {
        keys.add(key);
    }

    void detach(byte[] key) {
        keys.remove(key);
    }

    /** A copy of the attached keys, in key order. */
    public List<byte[]> keys() {
        return new ArrayList<>(keys);
    }

    public int keyCount() {
        return keys.size();
    }

    @Override
    public String toString() {
        return "Lease{id=" + id + ", ttl=" + ttlSeconds + "s, keys=" + keys.size() + "}";
    }
}
