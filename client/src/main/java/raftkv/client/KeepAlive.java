package raftkv.client;

import java.io.Closeable;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews a lease every third of its TTL, on whichever endpoint answers, until closed. It ends by telling the
 * listener when the lease is lost: the cluster says it no longer exists (expired or revoked), or no renewal got
 * through for a whole TTL, so that the caller must assume it expired. It never dies silently.
 *
 * <p>Threads: renewals are scheduled on the client's timer; listener calls run on the callback pool.
 */
public final class KeepAlive implements Closeable {

    /** What a keepalive reports. */
    public interface Listener {
        default void onRenewed(long ttlSeconds) {
        }

        /** The lease is gone, or must be taken as gone; the keepalive has stopped. */
        void onLost(long leaseId, String reason);
    }

    private static final Logger log = LoggerFactory.getLogger(KeepAlive.class);

    private final LeaseClient leases;
    private final long id;
    private final Listener listener;
    private final ScheduledExecutorService timer;
    private final Executor callbacks;
    // guarded by this
    private boolean stopped;
    private long ttlSeconds;           // 0 until the first renewal tells it
    private long lastRenewedNanos = System.nanoTime();
    private ScheduledFuture<?> next;

    KeepAlive(LeaseClient leases, long id, Listener listener, ScheduledExecutorService timer, Executor callbacks) {
        this.leases = leases;
        this.id = id;
        this.listener = listener;
        this.timer = timer;
        this.callbacks = callbacks;
    }

    void start() {
        renew();
    }

    public long leaseId() {
        return id;
    }

    private void renew() {
        synchronized (this) {
            if (stopped) {
                return;
            }
        }
        long perAttemptMs;
        synchronized (this) {
            perAttemptMs = ttlSeconds == 0 ? 5_000 : Math.max(1_000, ttlSeconds * 1000 / 3);
        }
        // An attempt stuck on one node must not outlast the lease: a third of the TTL (at least a second, which a
        // loaded node may need), then the next node.
        leases.keepAliveOnce(id, java.time.Duration.ofMillis(perAttemptMs)).whenComplete((ttl, e) -> {
            long delayMs;
            synchronized (this) {
                if (stopped) {
                    return;
                }
                if (e == null) {
                    ttlSeconds = ttl;
                    lastRenewedNanos = System.nanoTime();
                    callbacks.execute(() -> listener.onRenewed(ttl));
                    delayMs = Math.max(200, ttl * 1000 / 3);
                } else {
                    Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                            ? e.getCause() : e;
                    if (cause instanceof RaftKvException.LeaseNotFound) {
                        lost("the lease expired or was revoked");
                        return;
                    }
                    long silentMs = (System.nanoTime() - lastRenewedNanos) / 1_000_000;
                    if (ttlSeconds > 0 && silentMs >= ttlSeconds * 1000) {
                        lost("no renewal got through for " + silentMs + " ms, more than its TTL of " + ttlSeconds
                                + " s (" + Rpc.rootMessage(cause) + ")");
                        return;
                    }
                    log.debug("renewing lease {} failed ({}); retrying", id, Rpc.rootMessage(cause));
                    delayMs = 200;
                }
                next = timer.schedule(this::renew, delayMs, TimeUnit.MILLISECONDS);
            }
        });
    }

    // under this
    private void lost(String reason) {
        stopped = true;
        log.warn("lease {} lost: {}", id, reason);
        callbacks.execute(() -> listener.onLost(id, reason));
    }

    /** Stops renewing; the lease then expires after its TTL unless revoked. */
    @Override
    public synchronized void close() {
        stopped = true;
        if (next != null) {
            next.cancel(false);
        }
    }
}
