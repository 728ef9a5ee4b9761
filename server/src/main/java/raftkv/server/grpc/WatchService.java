package raftkv.server.grpc;

import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import raftkv.server.Node;

/**
 * etcd's Watch service: each {@code Watch} call is a {@link WatchCall}. The unary {@code Progress} of jetcd's copy of
 * the .proto is left unimplemented, as etcd leaves it: etcd's own service has no such method (a progress request is
 * a message of the stream), so its clients never call it.
 */
final class WatchService extends WatchGrpc.WatchImplBase {

    private final Node node;

    WatchService(Node node) {
        this.node = node;
    }

    /** On gRPC's call thread; the call's handlers and flow control must be set before this returns. */
    @Override
    public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> out) {
        return new WatchCall(node, (ServerCallStreamObserver<WatchResponse>) out);
    }
}
