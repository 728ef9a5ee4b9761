package raftkv.raft;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
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
    private final ConcurrentHashMap<Long, CompletableFuture<CommandResult>> waiting = new ConcurrentHashMap<>();

    public long proposer() {
        return proposer;
    }

    /** Registers a new proposal; returns its sequence number. */
    long register(CompletableFuture<CommandResult> future) {
        long seq = nextSeq.incrementAndGet();
        waiting.put(seq, future);
        return seq;
    }

    /** Called on the apply thread for each applied proposal of this node. */
    void complete(long seq, CommandResult result) {
        CompletableFuture<CommandResult> f = waiting.remove(seq);
        if (f != null) {
            f.complete(result);
        }
    }

    void fail(long seq, Throwable error) {
        CompletableFuture<CommandResult> f = waiting.remove(seq);
        if (f != null) {
            f.completeExceptionally(error);
        }
    }

    public int size() {
        return waiting.size();
    }
}
