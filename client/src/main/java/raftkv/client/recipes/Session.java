package raftkv.client.recipes;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import raftkv.client.KeepAlive;
import raftkv.client.RaftKv;

/**
 * A lease kept alive for as long as this process holds locks or campaigns with it: when the process dies, the
 * lease expires and its keys (its lock and election keys) go with it. {@code onLost} is told if the lease is lost
 * while the process lives; every lock and leadership of the session must then be taken as gone.
 */
public final class Session implements AutoCloseable {

    private final RaftKv client;
    private final long leaseId;
    private final KeepAlive keepAlive;
    private volatile String lost;

    private Session(RaftKv client, long leaseId, Consumer<String> onLost) {
        this.client = client;
        this.leaseId = leaseId;
        this.keepAlive = client.lease().keepAlive(leaseId, (id, reason) -> {
            lost = reason;
            if (onLost != null) {
                onLost.accept(reason);
            }
        });
    }

    /** Grants a lease of {@code ttlSeconds} and keeps it alive. */
    public static CompletableFuture<Session> create(RaftKv client, long ttlSeconds, Consumer<String> onLost) {
        return client.lease().grant(ttlSeconds).thenApply(g -> new Session(client, g.id(), onLost));
    }

    public long leaseId() {
        return leaseId;
    }

    RaftKv client() {
        return client;
    }

    /** Why the session was lost, or null while it lives. */
    public String lostReason() {
        return lost;
    }

    /** Stops the keepalive and revokes the lease, releasing every key of the session at once. */
    @Override
    public void close() {
        keepAlive.close();
        try {
            client.lease().revoke(leaseId).join();
        } catch (RuntimeException e) {
            // expired already, or unreachable: the lease then expires by itself
        }
    }
}
