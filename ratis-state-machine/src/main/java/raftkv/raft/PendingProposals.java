package raftkv.raft;

import com.codahale.metrics.Timer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The clients of this node waiting for their proposals to be applied, by sequence number. Every member applies
 * every entry, but only the proposer's own state machine answers (etcd's "wait" registry): the response is then
 * computed locally, and nothing but the request travels through Raft.
 *
 * <p>Thread-safe: proposers register from request threads, the apply thread completes.
 */
public final class PendingProposals {

    /** Identifies this process's proposals in the log; random, so a restarted node never mistakes old ones. */
    private final long proposer = new java.security.SecureRandom().nextLong();
    private final AtomicLong nextSeq = new AtomicLong();
    private final ConcurrentHashMap<Long, Waiting> waiting = new ConcurrentHashMap<>();
    /** From registration to the outcome: the time a write spends in the batcher, Raft and apply. */
    private final Timer proposeToOutcome;

    private record Waiting(CompletableFuture<CommandResult> future, long since) {
    }

    PendingProposals(Timer proposeToOutcome) {
        this.proposeToOutcome = proposeToOutcome;
    }

    public long proposer() {
        return proposer;
    }

    /**
     * Registers a new proposal; returns its sequence number. It is forgotten however its future completes: by its
     * outcome, or by its deadline (an entry lost with a deposed leader is never applied, and its waiter would
     * otherwise stay here forever, as etcd's {@code w.Trigger(id, nil)} avoids).
     */
    long register(CompletableFuture<CommandResult> future) {
        long seq = nextSeq.incrementAndGet();
        waiting.put(seq, new Waiting(future, System.nanoTime()));
        future.whenComplete((r, e) -> waiting.remove(seq));
        return seq;
    }

    /** Called on the apply thread for each applied proposal of this node. */
    void complete(long seq, CommandResult result) {
        Waiting w = waiting.remove(seq);
        if (w != null) {
            proposeToOutcome.update(System.nanoTime() - w.since(), TimeUnit.NANOSECONDS);
            w.future().complete(result);
        }
    }

    void fail(long seq, Throwable error) {
        Waiting w = waiting.remove(seq);
        if (w != null) {
            w.future().completeExceptionally(error);
        }
    }

    public int size() {
        return waiting.size();
    }
}
