package raftkv.server.ops;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import raftkv.raft.Command;
import raftkv.server.Node;
import raftkv.server.auth.Credentials;

import raftkv.storage.RequestChecks;
import raftkv.storage.request.DeleteRangeRequest;
import raftkv.storage.request.DeleteRangeResponse;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.PutResponse;
import raftkv.storage.request.RangeRequest;
import raftkv.storage.request.RangeResponse;
import raftkv.storage.request.TxnRequest;
import raftkv.storage.request.TxnResponse;

/**
 * The key-value operations, as both client protocols (the JSON API and gRPC) serve them: one path from a checked
 * request to the store. Writes are proposed through Raft (and batched there with every other client's) and
 * answered from this member's apply; reads are served from the local store, after a shared ReadIndex round unless
 * serializable. Read-only txns are reads too. Every request is checked against the caller's permissions
 * ({@link raftkv.server.auth.Guard}): a read once it is current, a write before it is proposed. Runs on whatever
 * thread calls it; nothing here blocks.
 */
public final class KvOps {

    private final Node node;

    public KvOps(Node node) {
        this.node = node;
    }

    public CompletableFuture<RangeResponse> range(Credentials who, RangeRequest r) {
        RequestChecks.checkRange(r);
        return read(r.serializable(), () -> {
            node.guard().checkRange(who, r);
            return node.store().range(r);
        });
    }

    public CompletableFuture<Written<PutResponse>> put(Credentials who, PutRequest p) {
        RequestChecks.checkPut(p);
        refuseIfNoSpace();
        return node.raft().writes().propose(node.guard().write(who, p)).thenApply(r ->
                new Written<>(r.revision(), (PutResponse) r.response()));
    }

    public CompletableFuture<Written<DeleteRangeResponse>> deleteRange(Credentials who, DeleteRangeRequest d) {
        RequestChecks.checkDeleteRange(d);
        return node.raft().writes().propose(node.guard().write(who, d)).thenApply(r ->
                new Written<>(r.revision(), (DeleteRangeResponse) r.response()));
    }

    public CompletableFuture<Written<TxnResponse>> txn(Credentials who, TxnRequest t) {
        RequestChecks.checkTxn(t, node.config().limits().maxTxnOps());
        if (!t.writes()) {
            // Nothing to replicate: run it on the local store once it is current.
            return read(false, () -> {
                node.guard().checkReadTxn(who, t);
                TxnResponse resp = node.store().txn(t);
                return new Written<>(resp.revision(), resp);
            });
        }
        if (t.puts()) {
            refuseIfNoSpace();
        }
        return node.raft().writes().propose(node.guard().write(who, t)).thenApply(r ->
                new Written<>(r.revision(), (TxnResponse) r.response()));
    }

    /**
     * Compacts the history below {@code revision}; answers the revision for the response header. Root only while
     * authentication is on: it takes history from everyone's keys.
     */
    public CompletableFuture<Long> compact(Credentials who, long revision) {
        return node.raft().writes().propose(node.guard().root(who, new Command.Compact(revision)))
                .thenApply(r -> r.revision());
    }

    /**
     * Runs {@code read}: when serializable, at once (unless this member has answered a write it has yet to apply,
     * see {@code RaftNode.serializableBarrier}), else on the work pool after a ReadIndex round.
     */
    public <T> CompletableFuture<T> read(boolean serializable, Supplier<T> read) {
        CompletableFuture<Void> barrier = serializable ? node.raft().reads().serializable()
                : node.linearizableBarrier();
        if (barrier.isDone() && !barrier.isCompletedExceptionally()) {
            try {
                return CompletableFuture.completedFuture(read.get());
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        return barrier.thenApplyAsync(v -> read.get(), node.work());
    }

    private void refuseIfNoSpace() {
        if (node.noSpace()) {
            throw new ApiError.ApiException(ApiError.noSpace());
        }
    }
}
