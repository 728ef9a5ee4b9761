package raftkv.server.ops;

import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import raftkv.raft.Command;
import raftkv.raft.Query;
import raftkv.server.Node;
import raftkv.server.auth.Credentials;
import raftkv.storage.KeyRange;
import raftkv.storage.auth.Permission;

/**
 * The lease operations both client protocols serve. Grant and revoke go through the log; keepalive and
 * time-to-live ask the leader, which alone runs the lease clocks; the list is a linearizable local read. A lease's
 * TTL is at least one and a half election timeouts (as in etcd), so that a failover cannot outlast it.
 */
public final class LeaseOps {

    /** A granted lease: its id, the TTL it got (never below the minimum), and the revision for the header. */
    public record Granted(long id, long ttl, long revision) {
    }

    /** etcd's {@code lease.MaxLeaseTTL}: a longer TTL is refused, as etcd refuses it. */
    public static final long MAX_TTL_SECONDS = 9_000_000_000L;

    private final Node node;
    private final long minTtlSeconds;
    private final SecureRandom ids = new SecureRandom();

    public LeaseOps(Node node) {
        this.node = node;
        this.minTtlSeconds = Math.max(1, (node.config().raft().electionTimeoutMs() * 3 / 2 + 999) / 1000);
    }

    /**
     * Grants a lease of {@code ttl} seconds (at least the minimum); {@code id} 0 lets the server choose one. A TTL
     * over {@link #MAX_TTL_SECONDS} is refused: OUT_OF_RANGE, "etcdserver: too large lease TTL", as from etcd.
     */
    public CompletableFuture<Granted> grant(Credentials who, long ttl, long id) {
        if (ttl > MAX_TTL_SECONDS) {
            throw new ApiError.ApiException(ApiError.leaseTtlTooLarge());
        }
        long chosen = id == 0 ? newId() : id;
        long granted = Math.max(ttl, minTtlSeconds);
        return node.raft().writes().propose(node.guard().authenticated(who, new Command.LeaseGrant(chosen, granted)))
                .thenApply(r ->
                new Granted(chosen, granted, r.revision()));
    }

    private long newId() {
        long id;
        do {
            id = ids.nextLong() & Long.MAX_VALUE;
        } while (id == 0);
        return id;
    }

    /**
     * Revokes a lease and deletes its keys; answers the revision for the header. The apply checks that the user
     * may write every key of the lease, which only it knows.
     */
    public CompletableFuture<Long> revoke(Credentials who, long id) {
        return node.raft().writes().propose(node.guard().authenticated(who, new Command.LeaseRevoke(id)))
                .thenApply(r -> r.revision());
    }

    /**
     * Renews a lease on the leader; a lease that is gone comes back with a TTL of -1. While authentication is on,
     * the caller must be able to write every key of the lease (etcd's checkLeaseRenew): keeping a lease alive keeps
     * its keys.
     */
    public CompletableFuture<Query.LeaseState> keepAlive(Credentials who, long id) {
        node.guard().checkAuthenticated(who);
        checkKeys(who, id, Permission.Type.WRITE);
        return node.raft().reads().leaseQuery(new Query.LeaseRenew(id));
    }

    /**
     * A lease's TTL, and its keys if asked. While authentication is on, the caller must be able to read every key
     * of the lease, asked for or not (etcd's fix of CVE-2023-32082: the keys' names are data too).
     */
    public CompletableFuture<Query.LeaseState> timeToLive(Credentials who, long id, boolean keys) {
        node.guard().checkAuthenticated(who);
        if (!node.guard().state().enabled()) {
            return node.raft().reads().leaseQuery(new Query.LeaseTimeToLive(id, keys));
        }
        return node.raft().reads().leaseQuery(new Query.LeaseTimeToLive(id, true)).thenApply(state -> {
            for (byte[] key : state.keys()) {
                node.guard().checkKeys(who, Permission.Type.READ, KeyRange.single(key));
            }
            return keys ? state : new Query.LeaseState(state.id(), state.ttl(), state.grantedTtl(), List.of());
        });
    }

    /**
     * The ids of the leases, after a ReadIndex round. While authentication is on, a user other than root sees only
     * the leases all of whose keys it may read.
     */
    public CompletableFuture<List<Long>> leases(Credentials who) {
        node.guard().checkAuthenticated(who);
        return node.raft().reads().linearizable().thenApplyAsync(v -> {
            List<Long> ids = List.copyOf(node.store().leaseIds());
            if (!node.guard().state().enabled()) {
                return ids;
            }
            return ids.stream().filter(id -> {
                try {
                    checkKeys(who, id, Permission.Type.READ);
                    return true;
                } catch (raftkv.storage.StorageException e) {
                    return false;
                }
            }).toList();
        }, node.work());
    }

    /** Checks {@code need} on every key this member knows lease {@code id} to hold (none if auth is off). */
    private void checkKeys(Credentials who, long id, Permission.Type need) {
        if (!node.guard().state().enabled()) {
            return;
        }
        raftkv.storage.lease.Lease lease = node.store().lease(id);
        if (lease != null) {
            for (byte[] key : lease.keys()) {
                node.guard().checkKeys(who, need, KeyRange.single(key));
            }
        }
    }
}
