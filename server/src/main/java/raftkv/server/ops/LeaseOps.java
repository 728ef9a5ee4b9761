package raftkv.server.ops;

import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import raftkv.raft.Command;
import raftkv.raft.Query;
import raftkv.server.Node;
import raftkv.server.auth.Credentials;

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

    /** Renews a lease on the leader; a lease that is gone comes back with a TTL of -1. */
    public CompletableFuture<Query.LeaseState> keepAlive(Credentials who, long id) {
        node.guard().checkAuthenticated(who);
        return node.raft().reads().leaseQuery(new Query.LeaseRenew(id));
    }

    public CompletableFuture<Query.LeaseState> timeToLive(Credentials who, long id, boolean keys) {
        node.guard().checkAuthenticated(who);
        return node.raft().reads().leaseQuery(new Query.LeaseTimeToLive(id, keys));
    }

    /** The ids of every lease, after a ReadIndex round. */
    public CompletableFuture<List<Long>> leases(Credentials who) {
        node.guard().checkAuthenticated(who);
        return node.raft().reads().linearizable()
                .thenApplyAsync(v -> List.copyOf(node.store().leaseIds()), node.work());
    }
}
