package raftkv.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Makes concurrent linearizable reads share ReadIndex rounds, as etcd's linearizable read loop does. A round is a
 * read barrier through Ratis: it completes once this member has applied everything committed before the round
 * began. A read is released by the first round that <em>starts</em> after the read arrived, so at most one round
 * is in flight and every read waits for at most two.
 *
 * <p>Thread-safe.
 */
final class ReadIndexBatcher {

    private final Supplier<CompletableFuture<?>> barrier;
    private final RaftMetrics metrics;

    // guarded by this
    private boolean roundInFlight;
    private List<CompletableFuture<Void>> waiting = new ArrayList<>();

    ReadIndexBatcher(Supplier<CompletableFuture<?>> barrier, RaftMetrics metrics) {
        this.barrier = barrier;
        this.metrics = metrics;
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
        done.whenComplete((r, error) -> {
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
}
