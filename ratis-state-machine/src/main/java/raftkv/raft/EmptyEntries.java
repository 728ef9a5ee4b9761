package raftkv.raft;

import com.codahale.metrics.Counter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * {@code raftkv_raft_empty_entries_total}. Thread-safe: called from the nudger thread and the read-index thread.
 */
final class EmptyEntries {

    private static final Logger log = LoggerFactory.getLogger(EmptyEntries.class);

    /** The least time between two empty entries. */
    static final long MIN_GAP_MS = 2;

    /** Why an empty entry was asked for; for the debug log. */
    enum Reason { END_OF_BURST, READ_INDEX, LAGGING_FOLLOWER }

    private final Supplier<CompletableFuture<?>> append;
    private final Counter appended;
    private final LongSupplier nanoTime;
    private final AtomicBoolean inFlight = new AtomicBoolean();
    private final AtomicLong lastNanos;

    /** {@code append} sends one empty entry into the log and completes when it is committed or failed. */
    EmptyEntries(Supplier<CompletableFuture<?>> append, Counter appended, LongSupplier nanoTime) {
        this.append = append;
        this.appended = appended;
        this.nanoTime = nanoTime;
        this.lastNanos = new AtomicLong(nanoTime.getAsLong() - MIN_GAP_MS * 1_000_000);
    }

    /** Appends an empty entry unless one is in flight or the last one is too recent; whether it appended one. */
    boolean append(Reason why) {
        long now = nanoTime.getAsLong();
        long last = lastNanos.get();
        if (now - last < MIN_GAP_MS * 1_000_000 || !inFlight.compareAndSet(false, true)) {
            return false;
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
        sent.whenComplete((r, e) -> inFlight.set(false));
        return true;
    }
}
