package raftkv.raft;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.storage.MvccStore;

/**
 * Runs the lease clocks, on the leader only, as etcd's lessor does. On becoming leader it gives every lease its
 * full TTL again (so a failover never expires leases early); while leader it starts the clock of newly granted
 * leases and proposes a revoke, through the log, for each lease whose time ran out; on losing leadership it stops
 * every clock. Followers never expire anything.
 *
 * <p>Owned by its own scheduler thread.
 */
final class LeaseKeeper implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);
    private static final long TICK_MS = 250;

    private final Supplier<MvccStore> store;
    private final BooleanSupplier isLeader;
    private final java.util.function.LongFunction<java.util.concurrent.CompletableFuture<?>> revoke;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "raftkv-lease-keeper");
        t.setDaemon(true);
        return t;
    });
    /** Leases whose revoke is on its way, so that one expiry is proposed once. */
    private final Set<Long> revoking = ConcurrentHashMap.newKeySet();
    private boolean leader;

    LeaseKeeper(Supplier<MvccStore> store, BooleanSupplier isLeader,
                java.util.function.LongFunction<java.util.concurrent.CompletableFuture<?>> revoke) {
        this.store = store;
        this.isLeader = isLeader;
        this.revoke = revoke;
    }

    void start() {
        timer.scheduleWithFixedDelay(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        try {
            MvccStore s = store.get();
            if (s == null) {
                return;
            }
            long now = System.currentTimeMillis();
            boolean nowLeader = isLeader.getAsBoolean();
            if (nowLeader && !leader) {
                s.leaseClocks().promote(now);
                log.info("leader now: every lease gets its full TTL again ({} leases)", s.leaseIds().size());
            } else if (!nowLeader && leader) {
                s.leaseClocks().demote();
                revoking.clear();
                log.info("no longer leader: lease clocks stopped");
            }
            leader = nowLeader;
            if (!leader) {
                return;
            }
            s.leaseClocks().startNew(now);
            List<Long> expired = s.leaseClocks().expired(now);
            for (long id : expired) {
                if (revoking.add(id)) {
                    log.info("lease {} expired: revoking it", id);
                    revoke.apply(id).whenComplete((r, e) -> {
                        revoking.remove(id);
                        if (e != null) {
                            log.debug("revoking expired lease {} failed: {}", id, e.toString());
                        }
                    });
                }
            }
        } catch (RuntimeException e) {
            log.warn("lease keeper tick failed", e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
