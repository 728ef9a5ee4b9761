package raftkv.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Makes concurrent linearizable reads share ReadIndex rounds, as etcd's linearizable read loop does. A round is a
 * read barrier through Ratis: it completes once this member has applied everything committed before the round
 * began. A read is released by the first round that <em>starts</em> after the read arrived, so at most one round
 * is in flight and every read waits for at most two.
 *
 * <p>A round that fails (no leader yet, the leader just died) is tried again after {@link #RETRY_MS}, with the reads
 * that arrived meanwhile, until its reads are released or give up (the caller's deadline); and when the leader
 * changes, the round in flight is begun again at once: one begun under a dead leader may hang until Ratis' RPC
 * timeout, long after the new leader could answer (seen: reads stalled 5.6 s after the election ended, on the
 * new leader itself). As etcd does, a read waits through a failover rather than failing.
 *
 * <p>On a follower a round ends only once the follower has learnt the leader's commit index. Ratis 3.3 sends it in
 * the heartbeat it triggers after answering the follower's ReadIndex request, except when an append to that
 * follower is still unacknowledged: that heartbeat then carries no commit index, and nothing more is sent until
 * the next regular heartbeat, half an election timeout later (seen in the leader's log: one follower write in three
 * took 507 ms; further ReadIndex requests did not help). Any new entry does carry the commit index to the follower,
 * so a follower's round still running after {@link #NUDGE_MS} has an empty entry appended, and another every
 * {@link #NUDGE_MS} until it ends.
 *
 * <p>Thread-safe.
 */
final class ReadIndexBatcher {

    static final long NUDGE_MS = 15;
    static final long RETRY_MS = 50;
    private static final int MAX_NUDGES = 20;

    private final Supplier<CompletableFuture<?>> barrier;
    private final RaftMetrics metrics;
    private final BooleanSupplier isFollower;
    private final Runnable appendEmptyEntry;
    private final ScheduledExecutorService timer;
    /** Where rounds begin and end: never a caller's thread (see {@link #ReadIndexBatcher}). */
    private final Executor rounds;

    /** One try of a round: the reads it releases when it succeeds. */
    private record Attempt(List<CompletableFuture<Void>> reads) { }

    // guarded by this
    /** The attempt whose outcome decides what happens next; null when no round is in flight. */
    private Attempt current;
    /** Reads that arrived since the current attempt began. */
    private List<CompletableFuture<Void>> waiting = new ArrayList<>();

    /**
     * Rounds begin and end on {@code rounds}, one thread of their own: submitting a request into a Ratis server
     * blocks until the server has taken it, and Ratis completes a round while holding its own locks (seen: a round
     * begun from the completion of the one before deadlocked the leader's ReadIndex bookkeeping). So neither a Netty
     * event loop nor a Ratis thread ever calls into the server, or runs what a read does next, from here.
     */
    ReadIndexBatcher(Supplier<CompletableFuture<?>> barrier, RaftMetrics metrics, BooleanSupplier isFollower,
            Runnable appendEmptyEntry, ScheduledExecutorService timer, Executor rounds) {
        this.barrier = barrier;
        this.metrics = metrics;
        this.isFollower = isFollower;
        this.appendEmptyEntry = appendEmptyEntry;
        this.timer = timer;
        this.rounds = rounds;
    }

    /**
     * Completes when a read started now may be served from the local store. It never fails on its own: the caller
     * bounds the wait (an {@code orTimeout} on the returned future stops its retries).
     */
    CompletableFuture<Void> await() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        boolean idle;
        synchronized (this) {
            waiting.add(f);
            idle = current == null;
        }
        if (idle) {
            run(() -> begin(null));
        }
        return f;
    }

    /** The leader changed: a round begun before may wait on the old one, so begin it again now. */
    void leaderChanged() {
        Attempt a;
        synchronized (this) {
            a = current;
        }
        if (a != null) {
            run(() -> begin(a));
        }
    }

    /**
     * Begins an attempt for the reads of {@code previous} (null: a new round) that are still waiting, plus those
     * that arrived since; it replaces {@code previous} as the current attempt unless another already did.
     */
    private void begin(Attempt previous) {
        Attempt attempt;
        synchronized (this) {
            if (current != previous) {
                return; // a new round started, or another retry or leader change already began this one again
            }
            List<CompletableFuture<Void>> reads = new ArrayList<>();
            if (previous != null) {
                previous.reads().stream().filter(f -> !f.isDone()).forEach(reads::add);
            }
            waiting.stream().filter(f -> !f.isDone()).forEach(reads::add);
            waiting = new ArrayList<>();
            if (reads.isEmpty()) {
                current = null;
                return;
            }
            attempt = new Attempt(reads);
            current = attempt;
        }
        metrics.readIndexRounds.inc();
        CompletableFuture<?> done;
        try {
            done = barrier.get();
        } catch (RuntimeException e) {
            done = CompletableFuture.failedFuture(e);
        }
        ScheduledFuture<?> nudges = isFollower.getAsBoolean() ? nudge(done) : null;
        done.whenCompleteAsync((r, error) -> {
            if (nudges != null) {
                nudges.cancel(false);
            }
            if (error == null) {
                succeeded(attempt);
            } else {
                schedule(() -> run(() -> begin(attempt)), RETRY_MS);
            }
        }, rounds);
    }

    private void succeeded(Attempt attempt) {
        // Even a replaced attempt releases its reads: it began after they arrived, so its answer holds for them.
        int released = 0;
        for (CompletableFuture<Void> f : attempt.reads()) {
            released += f.complete(null) ? 1 : 0;
        }
        metrics.readsServed.inc(released);
        boolean next;
        synchronized (this) {
            if (current != attempt) {
                return;
            }
            current = null;
            next = !waiting.isEmpty();
        }
        if (next) {
            begin(null);
        }
    }

    /** Appends an empty entry every {@link #NUDGE_MS} until {@code round} ends; see the class comment. */
    private ScheduledFuture<?> nudge(CompletableFuture<?> round) {
        int[] sent = {0};
        try {
            return timer.scheduleWithFixedDelay(() -> {
                if (!round.isDone() && sent[0]++ < MAX_NUDGES) {
                    appendEmptyEntry.run();
                }
            }, NUDGE_MS, NUDGE_MS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return null; // closing
        }
    }

    private void run(Runnable task) {
        try {
            rounds.execute(task);
        } catch (RejectedExecutionException e) {
            // closing: the waiting reads end at their callers' deadline
        }
    }

    private void schedule(Runnable task, long delayMs) {
        try {
            timer.schedule(task, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing: the waiting reads end at their callers' deadline
        }
    }
}
