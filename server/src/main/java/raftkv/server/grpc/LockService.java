package raftkv.server.grpc;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.lock.LockGrpc;
import io.etcd.jetcd.api.lock.LockRequest;
import io.etcd.jetcd.api.lock.LockResponse;
import io.etcd.jetcd.api.lock.UnlockRequest;
import io.etcd.jetcd.api.lock.UnlockResponse;
import io.grpc.stub.StreamObserver;
import raftkv.server.Node;
import raftkv.server.ops.Caller;
import raftkv.server.ops.LockOps;

/**
 * etcd's v3lock service ({@code v3lockpb.Lock}) over {@link LockOps}. The methods run on the gRPC executor (the
 * node's work pool) and return at once; a Lock call is answered from whichever thread completes its wait, and the
 * client cancelling it while it waits takes its key out of the line.
 */
final class LockService extends LockGrpc.LockImplBase {

    private final Node node;
    private final LockOps locks;

    LockService(Node node) {
        this.node = node;
        this.locks = new LockOps(node);
    }

    @Override
    public void lock(LockRequest request, StreamObserver<LockResponse> out) {
        Caller caller = Calls.caller(out);
        Calls.unary(out, () -> {
            if (request.getName().isEmpty()) {
                throw Protos.invalid("name", "the lock's name is required");
            }
            return locks.lock(caller, Authenticated.who(), request.getName().toByteArray(), request.getLease()).thenApply(a ->
                    LockResponse.newBuilder().setHeader(Protos.header(node, a.revision()))
                            .setKey(ByteString.copyFrom(a.key())).build());
        });
    }

    @Override
    public void unlock(UnlockRequest request, StreamObserver<UnlockResponse> out) {
        Calls.unary(out, () -> {
            if (request.getKey().isEmpty()) {
                throw Protos.invalid("key", "the key Lock answered is required");
            }
            return locks.unlock(Authenticated.who(), request.getKey().toByteArray()).thenApply(rev ->
                    UnlockResponse.newBuilder().setHeader(Protos.header(node, rev)).build());
        });
    }
}
