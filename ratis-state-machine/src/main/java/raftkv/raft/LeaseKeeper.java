package raftkv.raft;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.common.Threads;
import raftkv.storage.MvccStore;

/**
 * Runs the lease clocks, on the leader only, as etcd's lessor does. On becoming leader of a term it gives every
 * lease its full TTL again (so a failover never expires leases early); while leader it starts the clock of newly
 * granted leases and proposes the expiry of each lease whose time ran out; on losing leadership it stops every
 * clock. Followers never expire anything.
 *
 * <p>An expiry is a decision on this leader's own clock, so it carries the term it was decided in and is proposed
 * only into this member's own Raft server ({@link Command.LeaseExpire}): a leader frozen past a lease's TTL (a GC
 * pause, SIGSTOP) wakes up with a stale clock and may decide an expiry before it notices it was deposed, while its
 * successor keeps the lease alive. Forwarded to that successor, the decision would delete the lease's keys. As it
 * is, the stale leader appends it in its old term, where it can commit only if no successor has committed anything
 * yet: and a successor renews no lease before that, because a keepalive is a linearizable (ReadIndex) query, which
 * Ratis answers only once the new leader has committed an entry of its term. An expiry that lands in an entry of a
 * later term than its decision (this member lost and won leadership in between) is ignored at apply.
 *
 * <p>Times come from a {@link MonotonicClock}, never the wall clock. Owned by its own scheduler thread.
 */
final class LeaseKeeper implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);
    private static final long TICK_MS = 250;

    /** Proposes the expiry of lease {@code id} decided as the leader of {@code term}. */
    @FunctionalInterface
    interface ExpiryProposer {
        CompletableFuture<?> propose(long id, long term);
    }

    private final Supplier<MvccStore> store;
    private final LongSupplier leaderTerm;
    private final MonotonicClock clock;
    private final ExpiryProposer expire;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Threads.daemon("raftkv-lease-keeper"));
    /** Leases whose expiry is on its way, so that one expiry is proposed once. */
    private final Set<Long> expiring = ConcurrentHashMap.newKeySet();
    /** The term this member leads and runs the clocks in, 0 when it does not lead. Owned by the timer thread. */
    private long term;

    /**
     * {@code leaderTerm} says the term this member currently leads, or 0 when it is not the leader; a new term
     * restarts every clock, even when this member led the term before too (another leader may have renewed leases
     * in between).
     */
    LeaseKeeper(Supplier<MvccStore> store, LongSupplier leaderTerm, MonotonicClock clock, ExpiryProposer expire) {
        this.store = store;
        this.leaderTerm = leaderTerm;
        this.clock = clock;
        this.expire = expire;
    }

    void start() {
        timer.scheduleWithFixedDelay(this::tickSafely, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    }

    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException e) {
            log.warn("lease keeper tick failed", e);
        }
    }

    /** One round of the clocks; see the class comment. Package-private for tests, which drive it by hand. */
    void tick() {
        MvccStore s = store.get();
        if (s == null) {
            return;
        }
        long now = clock.millis();
        long leading = leaderTerm.getAsLong();
        if (leading != term) {
            if (leading != 0) {
                s.leaseClocks().promote(now);
                log.info("leader of term {} now: every lease gets its full TTL again ({} leases)", leading,
                        s.leaseIds().size());
            } else {
                s.leaseClocks().demote();
                log.info("no longer leader (was in term {}): lease clocks stopped", term);
            }
            expiring.clear();
            term = leading;
        }
        if (term == 0) {
            return;
        }
        s.leaseClocks().startNew(now);
        List<Long> expired = s.leaseClocks().expired(now);
        for (long id : expired) {
            if (expiring.add(id)) {
                log.info("lease {} expired on the clock of the leader of term {}: proposing its revoke", id, term);
                expire.propose(id, term).whenComplete((r, e) -> {
                    expiring.remove(id);
                    if (e != null) {
                        log.debug("proposing the expiry of lease {} failed: {}", id, e.toString());
                    }
                });
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
