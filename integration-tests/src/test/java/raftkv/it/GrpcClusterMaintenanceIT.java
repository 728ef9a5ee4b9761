package raftkv.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Message;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.AuthEnableResponse;
import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.AuthenticateRequest;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.MemberListResponse;
import io.etcd.jetcd.api.MemberRemoveRequest;
import io.etcd.jetcd.api.SnapshotRequest;
import io.etcd.jetcd.api.SnapshotResponse;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.maintenance.AlarmMember;
import io.etcd.jetcd.maintenance.AlarmType;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.server.grpc.SnapshotFraming;
import raftkv.storage.MvccStore;
import raftkv.storage.StoreConfig;
import raftkv.storage.StoreSnapshot;

/**
 * etcd's Cluster, Maintenance and Auth services on a real cluster, through etcd's Java client (jetcd) and, for what
 * jetcd lacks (MemberPromote, AuthStatus, cancelling a snapshot), grpc-java with jetcd's generated messages.
 */
class GrpcClusterMaintenanceIT extends SharedClusterIT {

    private Client client;
    private final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeAll
    void connect() {
        client = Client.builder().endpoints(cluster.nodes().stream().map(TestCluster.NodeProcess::endpoint)
                .toArray(String[]::new)).build();
    }

    @AfterAll
    void disconnect() {
        client.close();
        channels.forEach(ManagedChannel::shutdownNow);
    }

    @Test
    void membersAreListedAndALearnerIsAddedRefusedPromotionAsAVoterAndRemoved() throws Exception {
        List<Member> members = get(client.getClusterClient().listMember()).getMembers();
        assertEquals(3, members.size(), members.toString());
        for (Member m : members) {
            TestCluster.NodeProcess n = cluster.node((int) m.getId());
            assertEquals("node-" + m.getId(), m.getName());
            assertEquals(List.of(URI.create(n.endpoint())), m.getClientURIs());
            assertFalse(m.isLearner());
        }

        // etcd's order (add, then start) is refused at once: raftkv takes in a member that runs and catches up
        URI nobody = URI.create("http://127.0.0.1:" + TestCluster.freePort());
        assertTrue(failure(client.getClusterClient().addMember(List.of(nobody), true)).startsWith(
                "raftkv: no member answers at " + nobody));

        TestCluster.Joining joining = cluster.startJoiningNode();
        URI peer = URI.create(joining.peerUrl());
        var added = await().atMost(Duration.ofSeconds(30)).until(() -> {
            try {
                return client.getClusterClient().addMember(List.of(peer), true).get(20, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                assertTrue(e.getCause().getMessage().startsWith("raftkv: no member answers"), e.toString());
                return null; // its Raft server is not listening yet
            }
        }, r -> r != null);
        long learner = added.getMember().getId();
        assertEquals(joining.process().id(), learner);
        assertTrue(added.getMember().isLearner());
        assertEquals(List.of(peer), added.getMember().getPeerURIs());
        assertEquals(4, added.getMembers().size());
        assertEquals("etcdserver: Peer URLs already exists",
                failure(client.getClusterClient().addMember(List.of(peer), true)));

        StatusRuntimeException voter = assertThrows(StatusRuntimeException.class, () -> call(channel(1),
                MEMBER_PROMOTE, MemberRemoveRequest.newBuilder().setID(1).build()));
        assertEquals(io.grpc.Status.Code.FAILED_PRECONDITION, voter.getStatus().getCode());
        assertEquals("etcdserver: can only promote a learner member", voter.getStatus().getDescription());

        URI own = members.get(0).getPeerURIs().get(0);
        assertEquals(4, get(client.getClusterClient().updateMember(members.get(0).getId(), List.of(own)))
                .getMembers().size(), "an update to the URL a member has changes nothing");
        assertTrue(failure(client.getClusterClient().updateMember(learner, List.of(nobody)))
                .contains("peer URL cannot be changed"));

        assertEquals(3, get(client.getClusterClient().removeMember(learner)).getMembers().size());
        cluster.retire(joining.process());
        assertEquals("etcdserver: member not found", failure(client.getClusterClient().removeMember(learner)));
    }

    @Test
    void everyMemberReportsItsStatusAndTheSameLeader() throws Exception {
        get(client.getKVClient().put(bytes("status/k"), bytes("v")));
        long leader = 0;
        for (TestCluster.NodeProcess n : cluster.nodes()) {
            var s = get(client.getMaintenanceClient().statusMember(n.endpoint()));
            assertEquals("3.5.0", s.getVersion());
            assertTrue(s.getRaftIndex() > 0 && s.getRaftTerm() > 0 && s.getDbSize() > 0, s.toString());
            assertTrue(s.getLeader() != 0 && (leader == 0 || leader == s.getLeader()), "leader " + s.getLeader());
            leader = s.getLeader();
            // etcd's fields beyond jetcd's proto, by number: raftAppliedIndex = 7, isLearner = 10
            var raw = MaintenanceGrpc.newBlockingStub(channel(n.id())).status(StatusRequest.getDefaultInstance());
            assertTrue(raw.getUnknownFields().getField(7).getVarintList().get(0) > 0);
            assertEquals(List.of(0L), raw.getUnknownFields().getField(10).getVarintList());
        }
    }

    @Test
    void hashKvIsTheSameOnEveryMemberAtOneRevision() throws Exception {
        long rev = 0;
        for (int i = 0; i < 20; i++) {
            rev = get(client.getKVClient().put(bytes("hash/" + i), bytes("v" + i))).getHeader().getRevision();
        }
        List<Integer> hashes = new ArrayList<>();
        for (TestCluster.NodeProcess n : cluster.nodes()) {
            hashes.add(get(client.getMaintenanceClient().hashKV(n.endpoint(), rev)).getHash());
        }
        assertEquals(1, hashes.stream().distinct().count(), hashes.toString());
    }

    @Test
    void alarmsAreListedAndDisarmedAndMembersDefragment() throws Exception {
        assertEquals(List.of(), get(client.getMaintenanceClient().listAlarms()).getAlarms());
        var raised = api.post(cluster.node(1).endpoint(), "/v3/maintenance/alarm", ApiClient.obj()
                .put("action", "ACTIVATE").put("memberID", 2).put("alarm", "NOSPACE"));
        assertEquals(200, raised.status(), raised.body().toString());
        var listed = get(client.getMaintenanceClient().listAlarms()).getAlarms();
        assertEquals(1, listed.size());
        assertEquals(2, listed.get(0).getMemberId());
        assertEquals(AlarmType.NOSPACE, listed.get(0).getAlarmType());
        var disarmed = get(client.getMaintenanceClient().alarmDisarm(listed.get(0))).getAlarms();
        assertEquals(1, disarmed.size(), "disarm answers the alarm it cleared, as etcd");
        assertEquals(List.of(), get(client.getMaintenanceClient().alarmDisarm(new AlarmMember(2,
                AlarmType.NOSPACE))).getAlarms(), "nothing left to clear");
        assertEquals(List.of(), get(client.getMaintenanceClient().listAlarms()).getAlarms());

        for (TestCluster.NodeProcess n : cluster.nodes()) {
            assertTrue(get(client.getMaintenanceClient().defragmentMember(n.endpoint())).getHeader().getRevision()
                    > 0);
        }
    }

    /**
     * The stream is etcd's: blobs that say how much remains, then the SHA-256 of all of them as the last 32 bytes,
     * padded so that etcdctl takes the file; unwrapped, it is a raftkv snapshot that restores with the cluster's hash.
     */
    @Test
    void aSnapshotStreamsWithRemainingBytesEndsWithItsSha256AndRestores(@TempDir Path dir) throws Exception {
        for (int i = 0; i < 50; i++) {
            get(client.getKVClient().put(bytes("snap/" + i), bytes("value-" + i + "-" + "x".repeat(2_000))));
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        List<Long> remaining = new ArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        client.getMaintenanceClient().snapshot(new StreamObserver<>() {
            @Override
            public void onNext(io.etcd.jetcd.maintenance.SnapshotResponse r) {
                all.writeBytes(r.getBlob().toByteArray());
                remaining.add(r.getRemainingBytes());
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                done.complete(null);
            }
        });
        done.get(20, TimeUnit.SECONDS);
        byte[] bytes = all.toByteArray();
        byte[] padded = Arrays.copyOf(bytes, bytes.length - 32);
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(padded),
                Arrays.copyOfRange(bytes, bytes.length - 32, bytes.length));
        assertEquals(32, bytes.length % 512, "etcdctl snapshot save looks for the checksum so");
        assertTrue(remaining.size() >= 3, "32 KiB blobs, then the checksum: " + remaining);
        assertEquals(padded.length - 32 * 1024, remaining.get(0));
        assertEquals(0, remaining.get(remaining.size() - 2));

        Path file = dir.resolve("saved.db");
        Files.write(file, bytes);
        try (MvccStore restored = MvccStore.open(StoreConfig.defaults(dir.resolve("restored")));
             InputStream in = SnapshotFraming.open(file)) {
            StoreSnapshot.Info info = restored.restore(in);
            int expected = get(client.getMaintenanceClient().hashKV(cluster.node(1).endpoint(), info.revision()))
                    .getHash();
            assertEquals(expected, (int) restored.hash(info.revision()).hash());
        }
    }

    /** A client that stops reading and cancels frees the snapshot at once: defragment, which waits for it, runs. */
    @Test
    void aCancelledSnapshotIsReleased() throws Exception {
        for (int i = 0; i < 40; i++) { // more than gRPC's 1 MiB flow-control window, so the stream must wait
            get(client.getKVClient().put(bytes("big/" + i), bytes("y".repeat(100_000))));
        }
        TestCluster.NodeProcess n = cluster.node(3);
        CompletableFuture<SnapshotResponse> first = new CompletableFuture<>();
        MaintenanceGrpc.newStub(channel(n.id())).snapshot(SnapshotRequest.getDefaultInstance(),
                new ClientResponseObserver<SnapshotRequest, SnapshotResponse>() {
                    private ClientCallStreamObserver<SnapshotRequest> call;

                    @Override
                    public void beforeStart(ClientCallStreamObserver<SnapshotRequest> call) {
                        this.call = call;
                        call.disableAutoRequestWithInitial(1);
                    }

                    @Override
                    public void onNext(SnapshotResponse r) {
                        first.complete(r);
                        call.cancel("the test stops here", null);
                    }

                    @Override
                    public void onError(Throwable t) {
                        first.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        assertTrue(first.get(20, TimeUnit.SECONDS).getRemainingBytes() > 2_000_000);
        await().atMost(Duration.ofSeconds(10)).until(() -> n.logText().contains("snapshot stream cancelled"));
        get(client.getMaintenanceClient().defragmentMember(n.endpoint()));
    }

    @Test
    void theLeaderHandsItsLeadershipToAFollower() throws Exception {
        int leader = await().atMost(Duration.ofSeconds(10)).until(this::selfDeclaredLeader, id -> id != 0);
        int follower = leader % 3 + 1;
        try (Client atLeader = Client.builder().endpoints(cluster.node(leader).endpoint()).build();
             Client atFollower = Client.builder().endpoints(cluster.node(follower).endpoint()).build()) {
            assertEquals("etcdserver: not leader", failure(atFollower.getMaintenanceClient().moveLeader(leader)));
            assertEquals("etcdserver: bad leader transferee", failure(atLeader.getMaintenanceClient()
                    .moveLeader(99)));
            get(atLeader.getMaintenanceClient().moveLeader(follower));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> cluster.nodes().stream().allMatch(n ->
                get(client.getMaintenanceClient().statusMember(n.endpoint())).getLeader() == follower));
    }

    @Test
    void authenticationIsOffAndCannotBeTurnedOnWithoutRoot() throws Exception {
        // jetcd turns any failed Authenticate into a bare UNAUTHENTICATED: etcd's answer is read from the stub
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> AuthGrpc.newBlockingStub(
                channel(1)).authenticate(AuthenticateRequest.newBuilder().setName("root").setPassword("secret")
                .build()));
        assertEquals(io.grpc.Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
        assertEquals("etcdserver: authentication is not enabled", e.getStatus().getDescription());
        get(client.getAuthClient().authDisable());
        assertEquals("etcdserver: root user does not exist", failure(client.getAuthClient().authEnable()));
        assertEquals(List.of(), get(client.getAuthClient().userList()).getUsers(), "no user yet");
        // AuthStatus: enabled = 2, authRevision = 3
        AuthEnableResponse status = call(channel(2), AUTH_STATUS, StatusRequest.getDefaultInstance());
        assertEquals(List.of(0L), status.getUnknownFields().getField(2).getVarintList());
    }

    // ------------------------------------------------------------------------------------------------- plumbing

    /** The member whose own status names itself the leader (etcdctl move-leader looks for it so), or 0. */
    private int selfDeclaredLeader() {
        for (TestCluster.NodeProcess n : cluster.nodes()) {
            var s = get(client.getMaintenanceClient().statusMember(n.endpoint()));
            if (s.getLeader() == s.getHeader().getMemberId()) {
                return (int) s.getLeader();
            }
        }
        return 0;
    }

    /** etcd's MemberPromote and AuthStatus, by their wire shapes (jetcd's proto lacks them). */
    private static final MethodDescriptor<MemberRemoveRequest, MemberListResponse> MEMBER_PROMOTE = unary(
            "etcdserverpb.Cluster/MemberPromote", MemberRemoveRequest.getDefaultInstance(),
            MemberListResponse.getDefaultInstance());
    private static final MethodDescriptor<StatusRequest, AuthEnableResponse> AUTH_STATUS = unary(
            "etcdserverpb.Auth/AuthStatus", StatusRequest.getDefaultInstance(), AuthEnableResponse.getDefaultInstance());

    private static <Q extends Message, R extends Message> MethodDescriptor<Q, R> unary(String name, Q q, R r) {
        return MethodDescriptor.<Q, R>newBuilder().setType(MethodDescriptor.MethodType.UNARY).setFullMethodName(name)
                .setRequestMarshaller(ProtoUtils.marshaller(q)).setResponseMarshaller(ProtoUtils.marshaller(r))
                .build();
    }

    private static <Q, R> R call(ManagedChannel channel, MethodDescriptor<Q, R> method, Q request) {
        return ClientCalls.blockingUnaryCall(channel, method, CallOptions.DEFAULT.withDeadlineAfter(10,
                TimeUnit.SECONDS), request);
    }

    private ManagedChannel channel(int member) {
        URI uri = URI.create(cluster.node(member).endpoint());
        ManagedChannel c = NettyChannelBuilder.forAddress(uri.getHost(), uri.getPort()).usePlaintext().build();
        channels.add(c);
        return c;
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static <T> T get(CompletableFuture<T> f) {
        try {
            return f.get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The message the call failed with, as jetcd reports it (etcd's description). */
    private static String failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(20, TimeUnit.SECONDS));
        return e.getCause().getMessage();
    }
}
