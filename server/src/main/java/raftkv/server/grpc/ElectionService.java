package raftkv.server.grpc;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.CampaignRequest;
import io.etcd.jetcd.api.CampaignResponse;
import io.etcd.jetcd.api.ElectionGrpc;
import io.etcd.jetcd.api.LeaderKey;
import io.etcd.jetcd.api.LeaderRequest;
import io.etcd.jetcd.api.LeaderResponse;
import io.etcd.jetcd.api.ProclaimRequest;
import io.etcd.jetcd.api.ProclaimResponse;
import io.etcd.jetcd.api.ResignRequest;
import io.etcd.jetcd.api.ResignResponse;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import raftkv.server.Node;
import raftkv.server.ops.ApiError;
import raftkv.server.ops.Caller;
import raftkv.server.ops.ElectionOps;
import raftkv.server.ops.LeaderObserver;

/**
 * etcd's v3election service ({@code v3electionpb.Election}) over {@link ElectionOps}. The methods run on the gRPC
 * executor (the node's work pool) and return at once; a Campaign is answered from whichever thread completes its
 * wait, and Observe's messages are sent from the observer's threads (see {@link LeaderObserver}), one at a time.
 */
final class ElectionService extends ElectionGrpc.ElectionImplBase {

    private final Node node;
    private final ElectionOps elections;

    ElectionService(Node node) {
        this.node = node;
        this.elections = new ElectionOps(node);
    }

    @Override
    public void campaign(CampaignRequest request, StreamObserver<CampaignResponse> out) {
        Caller caller = Calls.caller(out);
        Calls.unary(out, () -> {
            byte[] name = name(request.getName());
            return elections.campaign(caller, Authenticated.who(), name, request.getLease(), request.getValue().toByteArray())
                    .thenApply(won -> CampaignResponse.newBuilder().setHeader(Protos.header(node, won.revision()))
                            .setLeader(leaderKey(won.leadership())).build());
        });
    }

    @Override
    public void proclaim(ProclaimRequest request, StreamObserver<ProclaimResponse> out) {
        Calls.unary(out, () -> elections.proclaim(Authenticated.who(), leadership(request.hasLeader(), request.getLeader()),
                request.getValue().toByteArray()).thenApply(rev ->
                ProclaimResponse.newBuilder().setHeader(Protos.header(node, rev)).build()));
    }

    @Override
    public void leader(LeaderRequest request, StreamObserver<LeaderResponse> out) {
        Calls.unary(out, () -> elections.leader(Authenticated.who(), name(request.getName())).thenApply(this::response));
    }

    @Override
    public void resign(ResignRequest request, StreamObserver<ResignResponse> out) {
        Calls.unary(out, () -> elections.resign(Authenticated.who(), leadership(request.hasLeader(), request.getLeader())).thenApply(rev ->
                ResignResponse.newBuilder().setHeader(Protos.header(node, rev)).build()));
    }

    /** The bound on what an Observe stream leaves unread (cut off at twice this); leader changes are small. */
    private static final long OBSERVE_UNREAD_BYTES = 1 << 20;

    /** Streams the leader and each change until the client cancels; a failed read ends the stream with it. */
    @Override
    public void observe(LeaderRequest request, StreamObserver<LeaderResponse> out) {
        byte[] name;
        try {
            name = name(request.getName());
        } catch (ApiError.ApiException e) {
            out.onError(Calls.status(e));
            return;
        }
        ServerCallStreamObserver<LeaderResponse> stream = (ServerCallStreamObserver<LeaderResponse>) out;
        // Through a ResponseStream: one writer at a time, and an observer that stops reading is cut off once it
        // leaves twice OBSERVE_UNREAD_BYTES unread, rather than buffered without bound.
        ResponseStream<LeaderResponse> responses = new ResponseStream<>(stream, OBSERVE_UNREAD_BYTES);
        LeaderObserver observer = elections.observe(Authenticated.who(), name, leader -> responses.send(response(leader)),
                failure -> responses.fail(Calls.status(failure)));
        stream.setOnCancelHandler(() -> {
            responses.cancelled();
            observer.stop();
        });
        stream.setOnCloseHandler(observer::stop); // the server ended it: a failed read, or a reader cut off
        observer.start();
    }

    private LeaderResponse response(ElectionOps.Leader leader) {
        return LeaderResponse.newBuilder().setHeader(Protos.header(node, leader.revision()))
                .setKv(Protos.kv(leader.kv())).build();
    }

    private static byte[] name(ByteString name) {
        if (name.isEmpty()) {
            throw Protos.invalid("name", "the election's name is required");
        }
        return name.toByteArray();
    }

    /** The leadership a Proclaim or Resign names; etcd refuses a request without one. */
    private static ElectionOps.Leadership leadership(boolean present, LeaderKey k) {
        if (!present) {
            throw Protos.invalid("leader", "the LeaderKey that Campaign answered is required");
        }
        if (k.getKey().isEmpty()) {
            throw Protos.invalid("leader.key", "the leader's key is required");
        }
        return new ElectionOps.Leadership(k.getName().toByteArray(), k.getKey().toByteArray(), k.getRev(),
                k.getLease());
    }

    private static LeaderKey leaderKey(ElectionOps.Leadership l) {
        return LeaderKey.newBuilder().setName(ByteString.copyFrom(l.name())).setKey(ByteString.copyFrom(l.key()))
                .setRev(l.revision()).setLease(l.lease()).build();
    }
}
