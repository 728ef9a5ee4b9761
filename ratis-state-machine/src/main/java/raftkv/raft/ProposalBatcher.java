package raftkv.raft;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

/**
 * Groups concurrent proposals into few Raft entries. A proposal is sent at once when fewer than
 * {@code maxInFlight} entries are on their way; otherwise it waits for one to come back and leaves with everything
 * that queued meanwhile (up to {@code maxCount} proposals or {@code maxBytes}). So an idle pipeline adds no delay,
 * and a busy one carries many client requests per entry: the number of entries is bounded by the round trips, not
 * by the clients. There is no timer.
 *
 * <p>Thread-safe: any request thread proposes; completions arrive on Ratis client threads.
 */
final class ProposalBatcher {

    private final PendingProposals pending;
    private final BiFunction<byte[], long[], CompletableFuture<?>> submit;
    private final RaftMetrics metrics;
    private final int maxInFlight;
    private final int maxCount;
    private final int maxBytes;

    private record Queued(long seq, byte[] command) {
    }

    // guarded by this
    private final ArrayDeque<Queued> queue = new ArrayDeque<>();
    private int inFlight;

    /** {@code submit} sends an entry and the sequence numbers of its proposals to the leader. */
    ProposalBatcher(PendingProposals pending, BiFunction<byte[], long[], CompletableFuture<?>> submit,
                    RaftMetrics metrics, int maxInFlight, int maxCount, int maxBytes) {
        this.pending = pending;
        this.submit = submit;
        this.metrics = metrics;
        this.maxInFlight = maxInFlight;
        this.maxCount = maxCount;
        this.maxBytes = maxBytes;
    }

    /**
     * Queues a command; the future completes with its outcome, from this member's apply or from the leader's answer
     * (see {@code submit}), whichever comes first.
     */
    CompletableFuture<CommandResult> propose(Command command, CompletableFuture<CommandResult> result) {
        byte[] encoded = EntryCodec.encodeCommand(command); // on the caller's thread, not under the lock
        long seq = pending.register(result);
        metrics.proposed.inc();
        List<List<Queued>> ready;
        synchronized (this) {
            queue.add(new Queued(seq, encoded));
            ready = drain();
        }
        ready.forEach(this::send);
        return result;
    }

    /** Takes as many batches as the pipeline has room for. Called holding the lock. */
    private List<List<Queued>> drain() {
        List<List<Queued>> batches = new ArrayList<>(1);
        while (inFlight < maxInFlight && !queue.isEmpty()) {
            List<Queued> batch = new ArrayList<>(Math.min(queue.size(), maxCount));
            int bytes = 0;
            while (!queue.isEmpty() && batch.size() < maxCount
                    && (batch.isEmpty() || bytes + queue.peek().command().length <= maxBytes)) {
                Queued q = queue.poll();
                bytes += q.command().length;
                batch.add(q);
            }
            inFlight++;
            batches.add(batch);
        }
        return batches;
    }

    private void send(List<Queued> batch) {
        long[] seqs = new long[batch.size()];
        List<byte[]> commands = new ArrayList<>(batch.size());
        for (int i = 0; i < seqs.length; i++) {
            seqs[i] = batch.get(i).seq();
            commands.add(batch.get(i).command());
        }
        metrics.entryProposed(batch.size());
        CompletableFuture<?> sent;
        try {
            sent = submit.apply(EntryCodec.encodeEntry(pending.proposer(), seqs, commands), seqs);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((reply, error) -> {
            if (error != null) {
                // Not committed as far as we know: the clients learn it now rather than at their timeout.
                for (long seq : seqs) {
                    pending.fail(seq, error);
                }
                metrics.proposalsFailed.inc(seqs.length);
            }
            List<List<Queued>> ready;
            synchronized (this) {
                inFlight--;
                ready = drain();
            }
            ready.forEach(this::send);
        });
    }
}
