package raftkv.server.http;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import raftkv.server.Node;
import raftkv.server.auth.Credentials;
import raftkv.server.ops.KvOps;
import raftkv.server.json.Json;
import raftkv.server.json.RequestJson;
import raftkv.server.json.ResponseJson;
import raftkv.server.json.WireMapping;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.RangeRequest;
import raftkv.storage.request.TxnRequest;

/** {@code /v3/kv/*}: JSON in and out of {@link KvOps}, which gRPC's KV service shares. */
final class KvApi {

    private final Node node;
    private final KvOps kv;

    KvApi(Node node) {
        this.node = node;
        this.kv = new KvOps(node);
    }

    void register(Map<String, Endpoint> routes) {
        routes.put("/v3/kv/range", this::range);
        routes.put("/v3/kv/put", this::put);
        routes.put("/v3/kv/deleterange", this::deleteRange);
        routes.put("/v3/kv/txn", this::txn);
        routes.put("/v3/kv/compaction", this::compaction);
    }

    private CompletableFuture<Reply> range(byte[] body, Credentials who) throws Json.BadRequest {
        RangeRequest r = WireMapping.range(Json.decode(body, RequestJson.Range.class));
        return kv.range(who, r).thenApply(resp -> Reply.json(WireMapping.range(node.header(resp.revision()), resp)));
    }

    private CompletableFuture<Reply> put(byte[] body, Credentials who) throws Json.BadRequest {
        PutRequest p = WireMapping.put(Json.decode(body, RequestJson.Put.class));
        return kv.put(who, p).thenApply(w -> Reply.json(WireMapping.put(node.header(w.revision()), w.response())));
    }

    private CompletableFuture<Reply> deleteRange(byte[] body, Credentials who) throws Json.BadRequest {
        var d = WireMapping.deleteRange(Json.decode(body, RequestJson.DeleteRange.class));
        return kv.deleteRange(who, d).thenApply(w -> Reply.json(WireMapping.deleteRange(node.header(w.revision()),
                w.response())));
    }

    private CompletableFuture<Reply> txn(byte[] body, Credentials who) throws Json.BadRequest {
        TxnRequest t = WireMapping.txn(Json.decode(body, RequestJson.Txn.class));
        return kv.txn(who, t).thenApply(w -> Reply.json(WireMapping.txn(node.header(w.revision()), w.response())));
    }

    private CompletableFuture<Reply> compaction(byte[] body, Credentials who) throws Json.BadRequest {
        RequestJson.Compaction c = Json.decode(body, RequestJson.Compaction.class);
        long rev = c.revision() == null ? 0 : c.revision();
        if (rev <= 0) {
            throw new Json.BadRequest("field \"revision\": a positive revision to compact at is required");
        }
        return kv.compact(who, rev).thenApply(r -> Reply.json(new ResponseJson.Compaction(node.header(r))));
    }
}
