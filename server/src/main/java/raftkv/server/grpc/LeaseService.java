package raftkv.server.grpc;

import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrantResponse;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.LeaseRevokeResponse;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveResponse;
import io.etcd.jetcd.api.StatusRequest;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import raftkv.server.Node;
import raftkv.server.ops.LeaseOps;
import raftkv.storage.ErrorCode;
import raftkv.storage.StorageException;

/**
 * etcd's Lease service over {@link LeaseOps}, the path the JSON API takes too, with the {@code LeaseLeases} method
 * jetcd's stubs lack added by {@link EtcdWire} ({@link #definition}). The keepalive stream is a {@link KeepAliveCall}.
 * Unary calls are answered on whichever thread completes the operation.
 */
final class LeaseService extends LeaseGrpc.LeaseImplBase {

    /** etcd's {@code LeaseLeases(LeaseLeasesRequest)}: the request is empty, as StatusRequest is. */
    static final MethodDescriptor<StatusRequest, LeaseRevokeResponse> LEASE_LEASES = EtcdWire.unary(
            LeaseGrpc.SERVICE_NAME, "LeaseLeases", StatusRequest.getDefaultInstance(),
            LeaseRevokeResponse.getDefaultInstance());

    private final Node node;
    private final LeaseOps leases;

    LeaseService(Node node) {
        this.node = node;
        this.leases = new LeaseOps(node);
    }

    /** The service as a node serves it: jetcd's methods and LeaseLeases. */
    static ServerServiceDefinition definition(Node node) {
        LeaseService s = new LeaseService(node);
        return EtcdWire.extend(s.bindService(),
                ServerMethodDefinition.create(LEASE_LEASES, ServerCalls.asyncUnaryCall(s::leaseLeases)));
    }

    /**
     * A TTL below the minimum gets the minimum, as from etcd (whose lessor raises it rather than refuse it); an id
     * of 0 lets the server choose, one in use is refused (FAILED_PRECONDITION, "etcdserver: lease already exists").
     */
    @Override
    public void leaseGrant(LeaseGrantRequest request, StreamObserver<LeaseGrantResponse> out) {
        Calls.unary(out, () -> {
            if (request.getID() < 0) {
                throw Protos.invalid("ID", "a lease id must not be negative, got " + request.getID());
            }
            return leases.grant(Authenticated.who(), request.getTTL(), request.getID()).thenApply(g -> LeaseGrantResponse.newBuilder()
                    .setHeader(Protos.header(node, g.revision())).setID(g.id()).setTTL(g.ttl()).build());
        });
    }

    /** Revokes the lease and deletes its keys; an unknown lease is NOT_FOUND, as from etcd. */
    @Override
    public void leaseRevoke(LeaseRevokeRequest request, StreamObserver<LeaseRevokeResponse> out) {
        Calls.unary(out, () -> {
            if (request.getID() <= 0) {
                throw new StorageException(ErrorCode.LEASE_NOT_FOUND); // no lease has such an id
            }
            return leases.revoke(Authenticated.who(), request.getID()).thenApply(rev -> LeaseRevokeResponse.newBuilder()
                    .setHeader(Protos.header(node, rev)).build());
        });
    }

    /** A lease that is gone is answered with TTL -1, not an error, as from etcd. */
    @Override
    public void leaseTimeToLive(LeaseTimeToLiveRequest request, StreamObserver<LeaseTimeToLiveResponse> out) {
        Calls.unary(out, () -> leases.timeToLive(Authenticated.who(), request.getID(), request.getKeys()).thenApply(s -> {
            var b = LeaseTimeToLiveResponse.newBuilder().setHeader(Protos.header(node, node.store().revision()))
                    .setID(request.getID()).setTTL(s.ttl()).setGrantedTTL(s.grantedTtl());
            for (byte[] k : s.keys()) {
                b.addKeys(com.google.protobuf.ByteString.copyFrom(k));
            }
            return b.build();
        }));
    }

    /** On gRPC's call thread; the call's handlers and flow control must be set before this returns. */
    @Override
    public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(StreamObserver<LeaseKeepAliveResponse> out) {
        return new KeepAliveCall(node, leases, (ServerCallStreamObserver<LeaseKeepAliveResponse>) out);
    }

    /** etcd's LeaseLeases: every lease's id, after a ReadIndex round. */
    private void leaseLeases(StatusRequest request, StreamObserver<LeaseRevokeResponse> out) {
        Calls.unary(out, () -> leases.leases(Authenticated.who()).thenApply(ids ->
                EtcdWire.leases(Protos.header(node, node.store().revision()), ids)));
    }
}
