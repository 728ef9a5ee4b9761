package raftkv.server.grpc;

import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.CompactionResponse;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import raftkv.server.Node;
import raftkv.server.ops.KvOps;

/** etcd's KV service over {@link KvOps}, the path the JSON API takes too. */
final class KvService extends KVGrpc.KVImplBase {

    private final Node node;
    private final KvOps kv;

    KvService(Node node) {
        this.node = node;
        this.kv = new KvOps(node);
    }

    @Override
    public void range(RangeRequest request, StreamObserver<RangeResponse> out) {
        Calls.unary(out, () -> kv.range(Authenticated.who(), Protos.range(request)).thenApply(r ->
                Protos.range(Protos.header(node, r.revision()), r)));
    }

    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> out) {
        Calls.unary(out, () -> kv.put(Authenticated.who(), Protos.put(request)).thenApply(w ->
                Protos.put(Protos.header(node, w.revision()), w.response())));
    }

    @Override
    public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> out) {
        Calls.unary(out, () -> kv.deleteRange(Authenticated.who(), Protos.deleteRange(request)).thenApply(w ->
                Protos.deleteRange(Protos.header(node, w.revision()), w.response())));
    }

    @Override
    public void txn(TxnRequest request, StreamObserver<TxnResponse> out) {
        Calls.unary(out, () -> kv.txn(Authenticated.who(), Protos.txn(request)).thenApply(w ->
                Protos.txn(Protos.header(node, w.revision()), w.response())));
    }

    @Override
    public void compact(CompactionRequest request, StreamObserver<CompactionResponse> out) {
        Calls.unary(out, () -> {
            if (request.getRevision() <= 0) {
                throw Protos.invalid("revision", "a positive revision to compact at is required");
            }
            CompletableFuture<Long> done = kv.compact(Authenticated.who(), request.getRevision());
            return done.thenApply(rev -> CompactionResponse.newBuilder().setHeader(Protos.header(node, rev)).build());
        });
    }
}
