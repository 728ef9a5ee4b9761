package raftkv.server.http;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import raftkv.raft.Command;
import raftkv.raft.CommandResult;
import raftkv.server.Node;
import raftkv.server.json.Json;
import raftkv.server.json.RequestJson;
import raftkv.server.json.ResponseJson;
import raftkv.server.json.WireMapping;
import raftkv.storage.RequestChecks;
import raftkv.storage.request.DeleteRangeResponse;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.PutResponse;
import raftkv.storage.request.RangeRequest;
import raftkv.storage.request.TxnRequest;
import raftkv.storage.request.TxnResponse;

/**
 * {@code /v3/kv/*}: writes are checked, then proposed through Raft and answered from this member's apply; reads are
 * served from the local store, after a shared ReadIndex round unless {@code serializable} is set. Read-only txns are
 * reads too.
 */
final class KvApi {

    private final Node node;

    KvApi(Node node) {
        this.node = node;
    }

    void register(Map<String, Endpoint> routes) {
        routes.put("/v3/kv/range", this::range);
        routes.put("/v3/kv/put", this::put);
        routes.put("/v3/kv/deleterange", this::deleteRange);
        routes.put("/v3/kv/txn", this::txn);
        routes.put("/v3/kv/compaction", this::compaction);
    }

    private CompletableFuture<Reply> range(byte[] body) throws Json.BadRequest {
        RangeRequest r = WireMapping.range(Json.decode(body, RequestJson.Range.class));
        RequestChecks.checkRange(r);
        return read(r.serializable(), () -> {
            var resp = node.store().range(r);
            return Reply.json(WireMapping.range(node.header(resp.revision()), resp));
        });
    }

    private CompletableFuture<Reply> put(byte[] body) throws Json.BadRequest {
        PutRequest p = WireMapping.put(Json.decode(body, RequestJson.Put.class));
        RequestChecks.checkPut(p);
        refuseIfNoSpace();
        return propose(new Command.Kv(p)).thenApply(r -> Reply.json(WireMapping.put(node.header(r.revision()),
                (PutResponse) r.response())));
    }

    private CompletableFuture<Reply> deleteRange(byte[] body) throws Json.BadRequest {
        var d = WireMapping.deleteRange(Json.decode(body, RequestJson.DeleteRange.class));
        RequestChecks.checkDeleteRange(d);
        return propose(new Command.Kv(d)).thenApply(r -> Reply.json(WireMapping.deleteRange(
                node.header(r.revision()), (DeleteRangeResponse) r.response())));
    }

    private CompletableFuture<Reply> txn(byte[] body) throws Json.BadRequest {
        TxnRequest t = WireMapping.txn(Json.decode(body, RequestJson.Txn.class));
        RequestChecks.checkTxn(t, node.config().limits().maxTxnOps());
        if (!t.writes()) {
            // Nothing to replicate: run it on the local store once it is current.
            return read(false, () -> {
                TxnResponse resp = node.store().txn(t);
                return Reply.json(WireMapping.txn(node.header(resp.revision()), resp));
            });
        }
        if (t.puts()) {
            refuseIfNoSpace();
        }
        return propose(new Command.Kv(t)).thenApply(r -> Reply.json(WireMapping.txn(node.header(r.revision()),
                (TxnResponse) r.response())));
    }

    private CompletableFuture<Reply> compaction(byte[] body) throws Json.BadRequest {
        RequestJson.Compaction c = Json.decode(body, RequestJson.Compaction.class);
        long rev = c.revision() == null ? 0 : c.revision();
        if (rev <= 0) {
            throw new Json.BadRequest("field \"revision\": a positive revision to compact at is required");
        }
        return propose(new Command.Compact(rev)).thenApply(r ->
                Reply.json(new ResponseJson.Compaction(node.header(r.revision()))));
    }

    private CompletableFuture<CommandResult> propose(Command c) {
        return node.raft().propose(c);
    }

    /**
     * Runs {@code read}: when serializable, at once (unless this member has answered a write it has yet to apply,
     * see {@code RaftNode.serializableBarrier}), else on the work pool after a ReadIndex round.
     */
    private CompletableFuture<Reply> read(boolean serializable, java.util.function.Supplier<Reply> read) {
        CompletableFuture<Void> barrier = serializable ? node.raft().serializableBarrier() : node.linearizableBarrier();
        if (barrier.isDone() && !barrier.isCompletedExceptionally()) {
            return CompletableFuture.completedFuture(read.get());
        }
        return barrier.thenApplyAsync(v -> read.get(), node.work());
    }

    private void refuseIfNoSpace() {
        if (node.noSpace()) {
            throw new ApiError.ApiException(ApiError.noSpace());
        }
    }

}
