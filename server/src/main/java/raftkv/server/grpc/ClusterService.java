package raftkv.server.grpc;

import io.etcd.jetcd.api.ClusterGrpc;
import io.etcd.jetcd.api.Member;
import io.etcd.jetcd.api.MemberAddRequest;
import io.etcd.jetcd.api.MemberAddResponse;
import io.etcd.jetcd.api.MemberListRequest;
import io.etcd.jetcd.api.MemberListResponse;
import io.etcd.jetcd.api.MemberRemoveRequest;
import io.etcd.jetcd.api.MemberRemoveResponse;
import io.etcd.jetcd.api.MemberUpdateRequest;
import io.etcd.jetcd.api.MemberUpdateResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.List;
import raftkv.raft.MemberInfo;
import raftkv.server.Node;
import raftkv.server.ops.MemberOps;

/**
 * etcd's Cluster service over {@link MemberOps}, the path the JSON API's {@code /v3/cluster/member/*} takes too, plus
 * etcd's {@code MemberPromote}, which the generated stubs lack ({@link EtcdWire}: its request has MemberRemoveRequest's
 * shape, its response MemberListResponse's). Members look as the JSON API shows them: named {@code node-<id>}, their
 * Raft address as their one peer URL. Runs on gRPC's call threads; answers leave from the operations' futures.
 */
final class ClusterService extends ClusterGrpc.ClusterImplBase {

    private static final MethodDescriptor<MemberRemoveRequest, MemberListResponse> MEMBER_PROMOTE = EtcdWire.unary(
            ClusterGrpc.SERVICE_NAME, "MemberPromote", MemberRemoveRequest.getDefaultInstance(),
            MemberListResponse.getDefaultInstance());

    private final Node node;
    private final MemberOps members;

    ClusterService(Node node) {
        this.node = node;
        this.members = new MemberOps(node);
    }

    /** The service as gRPC serves it: the generated methods and MemberPromote. */
    ServerServiceDefinition definition() {
        return EtcdWire.extend(bindService(), ServerMethodDefinition.create(MEMBER_PROMOTE,
                ServerCalls.asyncUnaryCall(this::memberPromote)));
    }

    @Override
    public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> out) {
        Calls.unary(out, () -> members.list().thenApply(list -> MemberListResponse.newBuilder().setHeader(header())
                .addAllMembers(protos(list)).build()));
    }

    /** etcd takes several peer URLs; a raftkv member has one Raft address, so exactly one is required. */
    @Override
    public void memberAdd(MemberAddRequest request, StreamObserver<MemberAddResponse> out) {
        Calls.unary(out, () -> {
            if (request.getPeerURLsCount() != 1) {
                throw Protos.invalid("peerURLs", "exactly one peer URL (http://host:port, the member's Raft address)"
                        + " is required");
            }
            return members.add(Authenticated.who(), request.getPeerURLs(0), "", request.getIsLearner(), 0).thenApply(c -> {
                var b = MemberAddResponse.newBuilder().setHeader(header()).addAllMembers(protos(c.members()));
                if (c.added() != null) {
                    b.setMember(proto(c.added()));
                }
                return b.build();
            });
        });
    }

    @Override
    public void memberRemove(MemberRemoveRequest request, StreamObserver<MemberRemoveResponse> out) {
        Calls.unary(out, () -> members.remove(Authenticated.who(), memberId(request.getID())).thenApply(c -> MemberRemoveResponse
                .newBuilder().setHeader(header()).addAllMembers(protos(c.members())).build()));
    }

    /** Answers UNIMPLEMENTED unless the peer URL is the one the member has: see {@link MemberOps#update}. */
    @Override
    public void memberUpdate(MemberUpdateRequest request, StreamObserver<MemberUpdateResponse> out) {
        Calls.unary(out, () -> {
            long id = memberId(request.getID());
            if (request.getPeerURLsCount() != 1) {
                throw Protos.invalid("peerURLs", "exactly one peer URL (http://host:port) is required");
            }
            return members.update(Authenticated.who(), id, request.getPeerURLs(0)).thenApply(c -> MemberUpdateResponse.newBuilder()
                    .setHeader(header()).addAllMembers(protos(c.members())).build());
        });
    }

    private void memberPromote(MemberRemoveRequest request, StreamObserver<MemberListResponse> out) {
        Calls.unary(out, () -> members.promote(Authenticated.who(), memberId(request.getID())).thenApply(c -> MemberListResponse
                .newBuilder().setHeader(header()).addAllMembers(protos(c.members())).build()));
    }

    private static long memberId(long id) {
        if (id == 0) {
            throw Protos.invalid("ID", "a member id is required");
        }
        return id;
    }

    private ResponseHeader header() {
        return Protos.header(node, node.store().revision());
    }

    private List<Member> protos(List<MemberInfo> list) {
        return list.stream().map(this::proto).toList();
    }

    private Member proto(MemberInfo m) {
        var b = Member.newBuilder().setID(m.id()).setName("node-" + m.id()).addPeerURLs(node.peerUrlOf(m))
                .setIsLearner(m.learner());
        if (!m.clientUrl().isEmpty()) {
            b.addClientURLs(node.clientUrlOf(m.clientUrl()));
        }
        return b.build();
    }
}
