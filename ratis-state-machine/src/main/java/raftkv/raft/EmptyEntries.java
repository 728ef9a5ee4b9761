package raftkv.raft;

import com.codahale.metrics.Counter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one producer of empty entries: entries that carry no request, appended only because a new entry makes the
 * leader send the followers its commit index at once (Ratis otherwise sends it with the next heartbeat, half an
 * election timeout away). Its callers each decide when one is worth it:
 *
 * <ul>
 *   <li>{@link CommitAnnouncer}, at the end of a burst of writes (the followers' watchers and reads see it now);</li>
 *   <li>{@link ReadIndexBatcher}, for a follower's ReadIndex round that waits on the commit index (and so, through
 *       it, {@link EntrySender} when a follower's write was committed but not answered by the leader);</li>
 *   <li>{@link RatisWorkarounds}, for a follower the leader answers with heartbeats only (RATIS-2523).</li>
 * </ul>
 *
 * <p>Here the limits hold for all of them: one empty entry in flight at a time (so that a dead leader cannot tie up
 * the sender threads with them) and at least {@link #MIN_GAP_MS} between two; and one metric counts them,
 * {@code raftkv_raft_empty_entries_total}. An entry still unanswered after the request timeout (forwarded to a
 * frozen leader, say) no longer counts as in flight: it must not silence every producer until the Ratis client gives
 * up on it, minutes later. Thread-safe: called from the nudger thread and the read-index thread.
 */
final class EmptyEntries {

    private static final Logger log = LoggerFactory.getLogger(EmptyEntries.class);

    /** The least time between two empty entries. */
    static final long MIN_GAP_MS = 2;

    /** Why an empty entry was asked for; for the debug log. */
    enum Reason { END_OF_BURST, READ_INDEX, LAGGING_FOLLOWER }

    private static final long NONE = Long.MIN_VALUE;

    private final Supplier<CompletableFuture<?>> append;
    private final Counter appended;
    private final LongSupplier nanoTime;
    private final long stuckNanos;
    /** When the entry in flight was sent, {@link #NONE} when none is. */
    private final AtomicLong inFlightSince = new AtomicLong(NONE);
    private final AtomicLong lastNanos;

    /**
     * {@code append} sends one empty entry into the log and completes when it is committed or failed; one unanswered
     * after {@code stuckAfter} stops holding the slot.
     */
    EmptyEntries(Supplier<CompletableFuture<?>> append, Counter appended, LongSupplier nanoTime, Duration stuckAfter) {
        this.append = append;
        this.appended = appended;
        this.nanoTime = nanoTime;
        this.stuckNanos = stuckAfter.toNanos();
        this.lastNanos = new AtomicLong(nanoTime.getAsLong() - MIN_GAP_MS * 1_000_000);
    }

    /** Appends an empty entry unless one is in flight or the last one is too recent; whether it appended one. */
    boolean append(Reason why) {
        long now = nanoTime.getAsLong();
        if (now - lastNanos.get() < MIN_GAP_MS * 1_000_000) {
            return false;
        }
        long since = inFlightSince.get();
        if (since != NONE && now - since < stuckNanos) {
            return false;
        }
        if (!inFlightSince.compareAndSet(since, now)) {
            return false;
        }
        if (since != NONE) {
            log.debug("an empty entry sent {} ms ago is still unanswered: sending another", (now - since) / 1_000_000);
        }
        lastNanos.set(now);
        appended.inc();
        log.trace("appending an empty entry ({})", why);
        CompletableFuture<?> sent;
        try {
            sent = append.get();
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        if (sent == null) {
            sent = CompletableFuture.completedFuture(null);
        }
        sent.whenComplete((r, e) -> inFlightSince.compareAndSet(now, NONE));
        return true;
    }
}
