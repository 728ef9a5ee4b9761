package raftkv.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
    private static final int MAX_NUDGES = 20;

    private final Supplier<CompletableFuture<?>> barrier;
    private final RaftMetrics metrics;
    private final BooleanSupplier isFollower;
    private final Runnable appendEmptyEntry;
    private final ScheduledExecutorService timer;

    // guarded by this
    private boolean roundInFlight;
    private List<CompletableFuture<Void>> waiting = new ArrayList<>();

    ReadIndexBatcher(Supplier<CompletableFuture<?>> barrier, RaftMetrics metrics, BooleanSupplier isFollower,
            Runnable appendEmptyEntry, ScheduledExecutorService timer) {
        this.barrier = barrier;
        this.metrics = metrics;
        this.isFollower = isFollower;
        this.appendEmptyEntry = appendEmptyEntry;
        this.timer = timer;
    }

    /** Completes when a read started now may be served from the local store. */
    CompletableFuture<Void> await() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        boolean start;
        synchronized (this) {
            waiting.add(f);
            start = !roundInFlight;
            roundInFlight = true;
        }
        if (start) {
            startRound();
        }
        return f;
    }

    private void startRound() {
        List<CompletableFuture<Void>> round;
        synchronized (this) {
            round = waiting;
            waiting = new ArrayList<>();
        }
        metrics.readIndexRounds.inc();
        CompletableFuture<?> done;
        try {
            done = barrier.get();
        } catch (RuntimeException e) {
            done = CompletableFuture.failedFuture(e);
        }
        ScheduledFuture<?> nudges = isFollower.getAsBoolean() ? nudge(done) : null;
        done.whenComplete((r, error) -> {
            if (nudges != null) {
                nudges.cancel(false);
            }
            for (CompletableFuture<Void> f : round) {
                if (error == null) {
                    f.complete(null);
                } else {
                    f.completeExceptionally(error);
                }
            }
            metrics.readsServed.inc(round.size());
            boolean again;
            synchronized (this) {
                again = !waiting.isEmpty();
                roundInFlight = again;
            }
            if (again) {
                startRound();
            }
        });
    }

    /** Appends an empty entry every {@link #NUDGE_MS} until {@code round} ends; see the class comment. */
    private ScheduledFuture<?> nudge(CompletableFuture<?> round) {
        int[] sent = {0};
        try {
            return timer.scheduleWithFixedDelay(() -> {
                if (!round.isDone() && sent[0]++ < MAX_NUDGES) {
                    metrics.readIndexNudges.inc();
                    appendEmptyEntry.run();
                }
            }, NUDGE_MS, NUDGE_MS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return null; // closing
        }
    }
}
