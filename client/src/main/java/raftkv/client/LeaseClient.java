package raftkv.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

/** Leases: grant, revoke, time-to-live, list, and a keepalive that survives node failures (see {@link KeepAlive}). */
public final class LeaseClient {

    /** A granted lease: its id and TTL in seconds. */
    public record Grant(Header header, long id, long ttlSeconds) {
    }

    /** A lease's remaining time (-1: it does not exist), its granted TTL, and its keys if asked for. */
    public record TimeToLive(Header header, long id, long ttlSeconds, long grantedTtlSeconds, List<byte[]> keys) {
    }

    private final Rpc rpc;
    private final ScheduledExecutorService timer;
    private final java.util.concurrent.Executor callbacks;

    LeaseClient(Rpc rpc, ScheduledExecutorService timer, java.util.concurrent.Executor callbacks) {
        this.rpc = rpc;
        this.timer = timer;
        this.callbacks = callbacks;
    }

    /** Grants a lease of {@code ttlSeconds}; the cluster picks its id. */
    public CompletableFuture<Grant> grant(long ttlSeconds) {
        return grant(ttlSeconds, 0);
    }

    /** Grants a lease with a chosen id (0: the cluster picks). */
    public CompletableFuture<Grant> grant(long ttlSeconds, long id) {
        var body = Rpc.object().put("TTL", ttlSeconds);
        if (id != 0) {
            body.put("ID", Long.toString(id));
        }
        return rpc.call("/v3/lease/grant", body, Rpc.Safety.UNSAFE,
                n -> new Grant(Header.of(n.path("header")), Wire.int64(n, "ID"), Wire.int64(n, "TTL")));
    }

    /** Revokes a lease, deleting its keys. */
    public CompletableFuture<Header> revoke(long id) {
        return rpc.call("/v3/lease/revoke", Rpc.object().put("ID", Long.toString(id)), Rpc.Safety.UNSAFE,
                n -> Header.of(n.path("header")));
    }

    public CompletableFuture<TimeToLive> timeToLive(long id, boolean withKeys) {
        return rpc.call("/v3/lease/timetolive", Rpc.object().put("ID", Long.toString(id)).put("keys", withKeys),
                Rpc.Safety.SAFE, n -> {
                    List<byte[]> keys = new ArrayList<>();
                    for (JsonNode k : n.path("keys")) {
                        keys.add(java.util.Base64.getDecoder().decode(k.asText()));
                    }
                    return new TimeToLive(Header.of(n.path("header")), Wire.int64(n, "ID"),
                            n.has("TTL") ? Wire.int64(n, "TTL") : -1, Wire.int64(n, "grantedTTL"), keys);
                });
    }

    /** The ids of every lease. */
    public CompletableFuture<List<Long>> leases() {
        return rpc.call("/v3/lease/leases", Rpc.object(), Rpc.Safety.SAFE, n -> {
            List<Long> ids = new ArrayList<>();
            for (JsonNode l : n.path("leases")) {
                ids.add(Wire.int64(l, "ID"));
            }
            return ids;
        });
    }

    /**
     * Renews a lease once; completes with its TTL, or with {@link RaftKvException.LeaseNotFound} when it has expired
     * or was revoked.
     */
    public CompletableFuture<Long> keepAliveOnce(long id) {
        return keepAliveOnce(id, java.time.Duration.ofSeconds(5));
    }

    /** As {@link #keepAliveOnce(long)}, each attempt on one node given at most {@code perAttempt}. */
    CompletableFuture<Long> keepAliveOnce(long id, java.time.Duration perAttempt) {
        return rpc.call("/v3/lease/keepalive", Rpc.object().put("ID", Long.toString(id)), Rpc.Safety.SAFE, n -> {
            JsonNode r = n.has("result") ? n.get("result") : n;
            long ttl = r.has("TTL") ? Wire.int64(r, "TTL") : 0;
            if (ttl <= 0) {
                throw new RaftKvException.LeaseNotFound("etcdserver: requested lease not found");
            }
            return ttl;
        }, perAttempt);
    }

    /** Keeps a lease alive until closed, telling {@code listener} if it is lost. */
    public KeepAlive keepAlive(long id, KeepAlive.Listener listener) {
        KeepAlive k = new KeepAlive(this, id, listener, timer, callbacks);
        k.start();
        return k;
    }
}
