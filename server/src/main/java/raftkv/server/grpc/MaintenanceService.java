package raftkv.server.grpc;

import io.etcd.jetcd.api.AlarmMember;
import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.AlarmResponse;
import io.etcd.jetcd.api.DefragmentRequest;
import io.etcd.jetcd.api.DefragmentResponse;
import io.etcd.jetcd.api.HashKVRequest;
import io.etcd.jetcd.api.HashKVResponse;
import io.etcd.jetcd.api.HashRequest;
import io.etcd.jetcd.api.HashResponse;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.MoveLeaderRequest;
import io.etcd.jetcd.api.MoveLeaderResponse;
import io.etcd.jetcd.api.SnapshotRequest;
import io.etcd.jetcd.api.SnapshotResponse;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import raftkv.raft.NodeStatus;
import raftkv.server.Node;
import raftkv.server.ops.ApiError;
import raftkv.server.ops.MaintenanceOps;
import raftkv.storage.Alarm;

/**
 * etcd's Maintenance service over {@link MaintenanceOps}, the path the JSON API's {@code /v3/maintenance/*} takes
 * too; the snapshot stream is {@link SnapshotSender}'s. etcd's {@code Downgrade}, absent from the generated stubs, is
 * declared here to refuse it plainly. Runs on gRPC's call threads; answers leave from the operations' futures.
 */
final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {

    /** etcd's AlarmType numbers; CORRUPT (2) is newer than the generated enum. */
    private static final int NONE = 0;
    private static final int NOSPACE = 1;
    private static final int CORRUPT = 2;

    /** Its request (action, version) is read as an empty message: it is refused before any field matters. */
    private static final MethodDescriptor<StatusRequest, StatusResponse> DOWNGRADE = EtcdWire.unary(
            MaintenanceGrpc.SERVICE_NAME, "Downgrade", StatusRequest.getDefaultInstance(),
            StatusResponse.getDefaultInstance());

    private final Node node;
    private final MaintenanceOps ops;

    MaintenanceService(Node node) {
        this.node = node;
        this.ops = new MaintenanceOps(node);
    }

    /** The service as gRPC serves it: the generated methods and Downgrade. */
    ServerServiceDefinition definition() {
        return EtcdWire.extend(bindService(), ServerMethodDefinition.create(DOWNGRADE,
                ServerCalls.asyncUnaryCall((request, out) -> out.onError(Calls.status(new ApiError.ApiException(
                        ApiError.unimplemented("raftkv: Downgrade is not supported: a raftkv cluster runs one"
                                + " version, with no older storage or API version to go back to")))))));
    }

    /** This member's own view, as etcd's: {@code raftIndex} is its commit index. */
    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
        Calls.unary(out, () -> {
            MaintenanceOps.Status s = ops.status();
            NodeStatus r = s.raft();
            List<String> errors = new ArrayList<>();
            for (Alarm a : s.alarms()) {
                errors.add(a.toString());
            }
            var b = StatusResponse.newBuilder().setHeader(Protos.header(node, s.revision()))
                    .setVersion(MaintenanceOps.ETCD_VERSION).setDbSize(s.dbSize()).setLeader(r.leaderId())
                    .setRaftIndex(r.commitIndex()).setRaftTerm(r.term());
            // raftkv's store has no free pages inside its file to tell apart: all of it is in use
            return CompletableFuture.completedFuture(EtcdWire.status(b, r.appliedIndex(), errors, s.dbSize(),
                    s.learner()).build());
        });
    }

    /**
     * etcd hashes its whole backend file here; raftkv's backend file is not the same across members (each compacts
     * and defragments on its own), so this answers the KV hash at the current revision, as HashKV with revision 0,
     * combined with the hash of the users, roles and permissions: the replicated state, all of it.
     */
    @Override
    public void hash(HashRequest request, StreamObserver<HashResponse> out) {
        Calls.unary(out, () -> ops.hash(Authenticated.who(), 0).thenApply(h -> HashResponse.newBuilder()
                .setHeader(Protos.header(node, h.revision()))
                .setHash((int) (h.hash() * 31 + node.store().auth().hash())).build()));
    }

    @Override
    public void hashKV(HashKVRequest request, StreamObserver<HashKVResponse> out) {
        // etcd says -1 for a store never compacted; raftkv's store says 0 (no revision is 0).
        Calls.unary(out, () -> ops.hash(Authenticated.who(), request.getRevision()).thenApply(h -> EtcdWire.hashRevision(
                HashKVResponse.newBuilder().setHeader(Protos.header(node, node.store().revision()))
                        .setHash((int) h.hash()).setCompactRevision(h.compactRevision() == 0 ? -1
                                : h.compactRevision()), h.revision()).build()));
    }

    /**
     * As etcd: GET lists the alarms (of one type, unless NONE); ACTIVATE answers the alarm raised, DEACTIVATE the
     * alarm cleared if it was raised (etcdctl's {@code alarm disarm} prints these); either with NONE does nothing.
     */
    @Override
    public void alarm(AlarmRequest request, StreamObserver<AlarmResponse> out) {
        Calls.unary(out, () -> {
            int type = request.getAlarmValue();
            if (type != NONE && type != NOSPACE && type != CORRUPT) {
                throw Protos.invalid("alarm", "unknown alarm type " + type + " (NONE, NOSPACE, CORRUPT)");
            }
            Alarm.Type kind = type == NOSPACE ? Alarm.Type.NOSPACE : Alarm.Type.CORRUPT;
            return switch (request.getActionValue()) {
                case 0 -> ops.alarms(Authenticated.who()).thenApply(list -> alarms(list.stream()
                        .filter(a -> type == NONE || a.type() == kind).toList()));
                case 1, 2 -> {
                    boolean activate = request.getActionValue() == 1;
                    if (type == NONE) {
                        yield CompletableFuture.completedFuture(alarms(List.of()));
                    }
                    Alarm alarm = new Alarm(request.getMemberID(), kind);
                    // whether it was raised, as the cluster knows it (this member may not have applied a clear yet)
                    // The credentials are taken here: the callback runs on whatever thread completes the read,
                    // outside the call's gRPC context.
                    raftkv.server.auth.Credentials who = Authenticated.who();
                    yield ops.alarms(who).thenCompose(before -> ops.alarm(who, request.getMemberID(), kind,
                            activate).thenApply(after -> alarms(activate || before.contains(alarm) ? List.of(alarm)
                                    : List.of())));
                }
                default -> throw Protos.invalid("action", "unknown action " + request.getActionValue()
                        + " (GET, ACTIVATE, DEACTIVATE)");
            };
        });
    }

    private AlarmResponse alarms(List<Alarm> list) {
        var b = AlarmResponse.newBuilder().setHeader(Protos.header(node, node.store().revision()));
        for (Alarm a : list) {
            b.addAlarms(AlarmMember.newBuilder().setMemberID(a.memberId())
                    .setAlarmValue(a.type() == Alarm.Type.NOSPACE ? NOSPACE : CORRUPT));
        }
        return b.build();
    }

    @Override
    public void defragment(DefragmentRequest request, StreamObserver<DefragmentResponse> out) {
        Calls.unary(out, () -> ops.defragment(Authenticated.who()).thenApply(rev -> DefragmentResponse.newBuilder()
                .setHeader(Protos.header(node, rev)).build()));
    }

    @Override
    public void moveLeader(MoveLeaderRequest request, StreamObserver<MoveLeaderResponse> out) {
        Calls.unary(out, () -> {
            if (request.getTargetID() == 0) {
                throw Protos.invalid("targetID", "the member to hand the leadership to is required");
            }
            return ops.moveLeader(Authenticated.who(), request.getTargetID()).thenApply(rev -> MoveLeaderResponse.newBuilder()
                    .setHeader(Protos.header(node, rev)).build());
        });
    }

    @Override
    public void snapshot(SnapshotRequest request, StreamObserver<SnapshotResponse> out) {
        SnapshotSender sender = new SnapshotSender(node, (ServerCallStreamObserver<SnapshotResponse>) out);
        CompletableFuture<raftkv.storage.StoreSnapshot> opened;
        try {
            opened = ops.snapshot(Authenticated.who());
        } catch (RuntimeException e) {
            opened = CompletableFuture.failedFuture(e);
        }
        opened.whenComplete(sender::opened);
    }
}
