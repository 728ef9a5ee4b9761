package raftkv.raft;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The write path's front: a client's command goes to the {@link ProposalBatcher}, which packs concurrent commands
 * into entries that the {@link EntrySender} carries into the log; the answer comes from this member's apply or, on
 * a follower, from the leader's reply ({@link PendingProposals} matches it to the caller). A lease expiry, which only
 * the leader of a term may decide, takes a path of its own. Thread-safe: called from request threads and the lease
 * keeper; it holds no state of its own.
 */
public final class Writes {

    private final ProposalBatcher proposals;
    private final PendingProposals pending;
    private final EntrySender sender;
    private final long timeoutMs;

    Writes(ProposalBatcher proposals, PendingProposals pending, EntrySender sender, Duration requestTimeout) {
        this.proposals = proposals;
        this.pending = pending;
        this.sender = sender;
        this.timeoutMs = requestTimeout.toMillis();
    }

    /**
     * Proposes a command; completes when this member has applied it, with its result, or exceptionally with the
     * {@link raftkv.storage.StorageException} that refused it, or with a {@link java.util.concurrent.TimeoutException}
     * when the outcome is unknown after the request timeout.
     */
    public CompletableFuture<CommandResult> propose(Command command) {
        CompletableFuture<CommandResult> result = new CompletableFuture<>();
        proposals.propose(command, result);
        return result.orTimeout(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /**
     * Proposes the expiry of a lease that ran out on this leader's clock in {@code term}, in an entry of its own
     * and only into this member's Raft server: never batched with client requests, whose entries may be forwarded
     * to another leader (see {@link LeaseKeeper}).
     */
    CompletableFuture<CommandResult> proposeExpiry(long id, long term) {
        CompletableFuture<CommandResult> result = new CompletableFuture<>();
        long seq = pending.register(result);
        byte[] entry = EntryCodec.encodeEntry(pending.proposer(), new long[] {seq},
                List.of(EntryCodec.encodeCommand(new Command.LeaseExpire(id, term))));
        sender.submitAsLeader(entry, new long[] {seq}).whenComplete((r, e) -> {
            if (e != null) {
                pending.fail(seq, e);
            }
        });
        return result.orTimeout(timeoutMs, TimeUnit.MILLISECONDS);
    }
}
