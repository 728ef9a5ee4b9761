package raftkv.raft;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.storage.KeyValue;
import raftkv.storage.StoreConfig;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.PutResponse;
import raftkv.storage.request.RangeRequest;

/**
 * Three members in one JVM (the multi-process tests live in integration-tests): replication, proposals through a
 * follower, linearizable reads on followers, and a wiped member catching up by snapshot install.
 */
class RaftNodeTest {

    @TempDir
    Path dir;
    private final List<RaftNode> nodes = new ArrayList<>(List.of());
    private List<RaftNodeOptions.Peer> peers;

    @AfterEach
    void stop() {
        nodes.forEach(n -> {
            if (n != null) {
                n.close();
            }
        });
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private RaftNodeOptions options(int id) {
        return options(id, false);
    }

    private RaftNodeOptions options(int id, boolean joining) {
        return options(id, joining, Duration.ofSeconds(10));
    }

    private RaftNodeOptions options(int id, boolean joining, Duration requestTimeout) {
        Path home = dir.resolve("node-" + id);
        // Snapshots every 20 entries in small log segments: the tests see snapshot installs and log purges.
        StoreConfig store = StoreConfig.defaults(home.resolve("store"));
        return RaftNodeOptions.builder("test", id, peers, home.resolve("raft"), store)
                .electionTimeout(Duration.ofMillis(300))
                .snapshotThreshold(20)
                .purgeGap(10)
                .requestTimeout(requestTimeout)
                .maxBatchCount(256)
                .maxBatchBytes(1 << 20)
                .maxInFlight(4)
                .logSegmentBytes(16 * 1024)
                .joining(joining)
                .build();
    }

    private void startCluster() throws IOException {
        peers = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            peers.add(new RaftNodeOptions.Peer(id, "127.0.0.1:" + freePort(), "http://127.0.0.1:" + freePort()));
        }
        for (int id = 1; id <= 3; id++) {
            nodes.add(RaftNode.start(options(id), new MetricRegistry()));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> nodes.stream().anyMatch(n -> n.status().isLeader()));
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private RaftNode follower() {
        return nodes.stream().filter(n -> n != null && !n.status().isLeader()).findFirst().orElseThrow();
    }

    @Test
    void writesThroughAFollowerAreReadLinearizablyEverywhere() throws Exception {
        startCluster();
        RaftNode follower = follower();
        CommandResult r = follower.writes().propose(new Command.Kv(PutRequest.of(b("k"), b("v1")))).get();
        assertEquals(2, r.revision());
        assertEquals(2, ((PutResponse) r.response()).revision());
        for (RaftNode n : nodes) {
            n.reads().linearizable().get();
            List<KeyValue> kvs = n.store().range(RangeRequest.of(b("k")).build()).kvs();
            assertEquals("v1", new String(kvs.get(0).value(), StandardCharsets.UTF_8), "member " + n.memberId());
        }
    }

    @Test
    void concurrentProposalsShareEntries() throws Exception {
        startCluster();
        RaftNode leader = nodes.stream().filter(n -> n.status().isLeader()).findFirst().orElseThrow();
        List<CompletableFuture<CommandResult>> all = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            all.add(leader.writes().propose(new Command.Kv(PutRequest.of(b("key" + i), b("v")))));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get();
        long revisions = all.stream().map(CompletableFuture::join).mapToLong(CommandResult::revision).distinct()
                .count();
        assertEquals(2_000, revisions, "every request gets its own revision");
        long entries = leader.metrics().entriesProposedTotal();
        assertTrue(entries < 1_000, "2,000 concurrent proposals took " + entries + " entries");
    }

    @Test
    void aWipedMemberCatchesUpBySnapshotInstall() throws Exception {
        startCluster();
        RaftNode victim = follower();
        int victimId = victim.memberId();
        victim.close();
        nodes.set(nodes.indexOf(victim), null);
        RaftNode live = nodes.stream().filter(n -> n != null).findFirst().orElseThrow();
        for (int i = 0; i < 300; i++) { // one at a time: one entry each, so snapshots and purges happen
            live.writes().propose(new Command.Kv(PutRequest.of(b("key" + (i % 37)), b("v" + i)))).get();
        }
        deleteTree(dir.resolve("node-" + victimId));
        RaftNode back = RaftNode.start(options(victimId), new MetricRegistry());
        nodes.add(back);
        long target = live.store().revision();
        await().atMost(Duration.ofSeconds(30)).until(() -> back.store() != null && back.store().revision() >= target);
        assertEquals(live.store().hash(target), back.store().hash(target));
    }

    @Test
    void aJoiningMemberListensUntilAConfigurationMakesItAVoter() throws Exception {
        startCluster();
        RaftNode leader = nodes.stream().filter(n -> n.status().isLeader()).findFirst().orElseThrow();
        for (int i = 0; i < 50; i++) {
            leader.writes().propose(new Command.Kv(PutRequest.of(b("key" + i), b("v" + i)))).get();
        }
        RaftNodeOptions.Peer joiner = new RaftNodeOptions.Peer(4, "127.0.0.1:" + freePort(),
                "http://127.0.0.1:" + freePort());
        peers = new ArrayList<>(peers); // the running members keep the list they started with
        peers.add(joiner);
        RaftNode joining = RaftNode.start(options(4, true), new MetricRegistry());
        nodes.add(joining);
        assertEquals("LISTENER", joining.status().role(), "a member nobody added yet cannot campaign");
        leader.membership().reconfigure(members -> {
            List<MemberInfo> next = new ArrayList<>(members);
            next.add(new MemberInfo(4, joiner.raftAddress(), joiner.clientUrl(), true));
            return next;
        }).get();
        long target = leader.store().revision();
        await().atMost(Duration.ofSeconds(30)).until(() -> joining.store().revision() >= target);
        assertEquals("LISTENER", joining.status().role(), "a learner stays a listener");
        leader.membership().promote(4).get();
        await().atMost(Duration.ofSeconds(30)).until(() -> "FOLLOWER".equals(joining.status().role()));
        assertEquals(leader.store().hash(target), joining.store().hash(target));
        var again = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> leader.membership().promote(4).get());
        assertTrue(again.getCause() instanceof IllegalArgumentException, "a voter is not promoted twice: " + again);
    }

    /**
     * A promotion asked of a member while the leader dies still completes: the configuration change is tried again
     * once a leader is elected, and each of its two steps is applied once. (Seen in the fault suite: a promotion
     * right after the leader's SIGKILL failed with Ratis' "retry failure" and left the learner in place.)
     */
    @Test
    void aPromotionGoesThroughTheLeadersDeath() throws Exception {
        startCluster();
        RaftNode leader = nodes.stream().filter(n -> n.status().isLeader()).findFirst().orElseThrow();
        RaftNodeOptions.Peer joiner = new RaftNodeOptions.Peer(4, "127.0.0.1:" + freePort(),
                "http://127.0.0.1:" + freePort());
        peers = new ArrayList<>(peers);
        peers.add(joiner);
        RaftNode joining = RaftNode.start(options(4, true), new MetricRegistry());
        nodes.add(joining);
        leader.membership().reconfigure(members -> {
            List<MemberInfo> next = new ArrayList<>(members);
            next.add(new MemberInfo(4, joiner.raftAddress(), joiner.clientUrl(), true));
            return next;
        }).get();
        // Not follower(): on a loaded machine the leader found above may have lost its role by now, and the member
        // asked must be one that stays up (nor the learner itself).
        RaftNode asked = nodes.stream().filter(n -> n != null && n != leader && n != joining).findFirst()
                .orElseThrow();
        nodes.set(nodes.indexOf(leader), null);
        leader.close();
        List<MemberInfo> after = asked.membership().promote(4).get(90, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(1, after.stream().filter(m -> m.id() == 4 && !m.learner()).count(), after.toString());
        await().atMost(Duration.ofSeconds(30)).until(() -> "FOLLOWER".equals(joining.status().role())
                || joining.status().isLeader());
    }

    /**
     * A proposal whose outcome is unknown at its deadline (here: no quorum, so nothing commits) is forgotten by the
     * member: a waiter left registered would be kept forever, and a burst of timeouts would grow without bound.
     */
    @Test
    void timedOutProposalsAreNoLongerRegistered() throws Exception {
        // The other two members are black holes: they take connections and never answer, as frozen members do, so
        // this member's attempts to find a leader hang for seconds after each proposal's deadline.
        List<ServerSocket> holes = List.of(new ServerSocket(0), new ServerSocket(0));
        List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (ServerSocket hole : holes) {
            Thread t = new Thread(() -> {
                while (!hole.isClosed()) {
                    try {
                        held.add(hole.accept());
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
        }
        peers = new ArrayList<>();
        peers.add(new RaftNodeOptions.Peer(1, "127.0.0.1:" + freePort(), "http://127.0.0.1:" + freePort()));
        for (int id = 2; id <= 3; id++) {
            peers.add(new RaftNodeOptions.Peer(id, "127.0.0.1:" + holes.get(id - 2).getLocalPort(),
                    "http://127.0.0.1:" + freePort()));
        }
        MetricRegistry registry = new MetricRegistry();
        RaftNode alone = RaftNode.start(options(1, false, Duration.ofMillis(500)), registry);
        nodes.add(alone);
        List<CompletableFuture<CommandResult>> all = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            all.add(alone.writes().propose(new Command.Kv(PutRequest.of(b("key" + i), b("v")))));
        }
        for (CompletableFuture<CommandResult> f : all) {
            await().atMost(Duration.ofSeconds(10)).until(f::isDone);
            assertTrue(f.isCompletedExceptionally(), "nothing can commit without a quorum");
        }
        @SuppressWarnings("unchecked")
        var waiting = (com.codahale.metrics.Gauge<Integer>) registry.getGauges().get("raftkv_raft_proposals_pending");
        try {
            await().atMost(Duration.ofSeconds(1)).until(() -> waiting.getValue() == 0);
        } finally {
            for (ServerSocket hole : holes) {
                hole.close();
            }
            for (java.net.Socket s : held) {
                s.close();
            }
        }
    }

    /**
     * A committed entry this version cannot decode (here an unknown command tag, as a newer member would write in a
     * rolling upgrade) stops every member that meets it, with the entry not applied: skipping it would let members
     * that can apply it diverge from those that cannot.
     */
    @Test
    void anEntryThatDoesNotDecodeStopsTheMemberInsteadOfBeingSkipped() throws Exception {
        startCluster();
        RaftNode leader = nodes.stream().filter(n -> n.status().isLeader()).findFirst().orElseThrow();
        leader.writes().propose(new Command.Kv(PutRequest.of(b("before"), b("v")))).get();
        // version 1, proposer 42, one proposal (seq 1) holding command tag 99, which no version knows
        byte[] unknown = {1, 0, 0, 0, 0, 0, 0, 0, 42, 1, 1, 99};
        var props = new org.apache.ratis.conf.RaftProperties();
        org.apache.ratis.RaftConfigKeys.Rpc.setType(props, org.apache.ratis.rpc.SupportedRpcType.GRPC);
        try (var client = org.apache.ratis.client.RaftClient.newBuilder()
                .setRaftGroup(Membership.groupOf(options(1))).setProperties(props)
                .setLeaderId(Ratis.peerId(leader.memberId()))
                .setRetryPolicy(org.apache.ratis.retry.RetryPolicies.retryUpToMaximumCountWithFixedSleep(20,
                        org.apache.ratis.util.TimeDuration.valueOf(100, java.util.concurrent.TimeUnit.MILLISECONDS)))
                .build()) {
            client.io().send(org.apache.ratis.protocol.Message.valueOf(
                    org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFrom(unknown)));
        } catch (IOException expected) {
            // the leader's apply failed: there is no answer to give
        }
        for (RaftNode n : nodes) {
            Throwable why = n.failure().get(20, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(why.getMessage().contains("cannot be decoded"), "member " + n.memberId() + ": " + why);
        }
        long applied = leader.store().appliedIndex().index();
        long unknownIndex = leader.status().commitIndex();
        assertTrue(applied < unknownIndex, "the undecodable entry " + unknownIndex + " was not marked applied ("
                + applied + ")");
        var after = leader.writes().propose(new Command.Kv(PutRequest.of(b("after"), b("v"))));
        assertTrue(assertThrows(java.util.concurrent.ExecutionException.class, after::get).getCause() != null,
                "nothing is applied after it");
        assertTrue(leader.store().range(RangeRequest.of(b("after")).build()).kvs().isEmpty());

        // A new leader's no-op entry does not carry the applied index past it either, and a restarted member
        // meets it again and stops again: it is never skipped.
        int leaderId = leader.memberId();
        leader.close();
        nodes.set(nodes.indexOf(leader), null);
        List<RaftNode> others = nodes.stream().filter(n -> n != null).toList();
        await().atMost(Duration.ofSeconds(30)).until(() -> others.stream().anyMatch(n -> n.status().isLeader()));
        await().atMost(Duration.ofSeconds(30)).until(() -> others.stream()
                .allMatch(n -> n.status().commitIndex() > unknownIndex));
        for (RaftNode n : others) {
            assertTrue(n.store().appliedIndex().index() < unknownIndex, "member " + n.memberId() + " applied "
                    + n.store().appliedIndex() + ", past the undecodable entry " + unknownIndex);
        }
        RaftNode restarted = RaftNode.start(options(leaderId), new MetricRegistry());
        nodes.add(restarted);
        Throwable again = restarted.failure().get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(again.getMessage().contains("cannot be decoded"), again.toString());
        assertTrue(restarted.store().appliedIndex().index() < unknownIndex, "after a restart too");
    }

    /**
     * Under a NOSPACE alarm the quota is enforced where every member decides alike, at apply (etcd's capped
     * applier): a put, a txn that puts and a lease grant are refused however they reached the log; deletes go on.
     */
    @Test
    void underANoSpaceAlarmEveryMemberRefusesWhatAddsDataAtApply() throws Exception {
        startCluster();
        RaftNode follower = follower();
        follower.writes().propose(new Command.Alarm(1, "NOSPACE", true)).get();
        var put = follower.writes().propose(new Command.Kv(PutRequest.of(b("refused"), b("v"))));
        var cause = assertThrows(java.util.concurrent.ExecutionException.class, put::get).getCause();
        assertEquals(raftkv.storage.ErrorCode.NO_SPACE, ((raftkv.storage.StorageException) cause).code());
        var grant = follower.writes().propose(new Command.LeaseGrant(77, 60));
        cause = assertThrows(java.util.concurrent.ExecutionException.class, grant::get).getCause();
        assertEquals(raftkv.storage.ErrorCode.NO_SPACE, ((raftkv.storage.StorageException) cause).code());
        follower.writes().propose(new Command.Kv(raftkv.storage.request.DeleteRangeRequest.of(b("gone")))).get();
        for (RaftNode n : nodes) {
            n.reads().linearizable().get();
            assertTrue(n.store().range(RangeRequest.of(b("refused")).build()).kvs().isEmpty(), "member "
                    + n.memberId());
            assertTrue(n.store().leaseIds().isEmpty(), "member " + n.memberId());
            assertEquals(List.of(new raftkv.storage.Alarm(1, raftkv.storage.Alarm.Type.NOSPACE)), n.store().alarms());
        }
        follower.writes().propose(new Command.Alarm(1, "NOSPACE", false)).get();
        assertEquals(2, follower.writes().propose(new Command.Kv(PutRequest.of(b("after"), b("v")))).get().revision(),
                "puts go on once it is cleared (the refused ones took no revision)");
    }

    /**
     * A lease expiry takes effect only as its leader decided it, in its term: a member that does not lead sends it
     * nowhere (it is never forwarded to whoever leads), and one whose decision's term is not its entry's term is
     * ignored by every member.
     */
    @Test
    void aLeaseExpiryFromAnotherTermOrAFollowerNeverTakesEffect() throws Exception {
        startCluster();
        RaftNode leader = nodes.stream().filter(n -> n.status().isLeader()).findFirst().orElseThrow();
        leader.writes().propose(new Command.LeaseGrant(9, 60)).get();
        leader.writes().propose(new Command.Kv(new PutRequest(b("leased"), b("v"), 9, false, false, false))).get();
        long term = leader.leadership().leaderTerm();
        assertTrue(term > 0);

        var fromFollower = follower().writes().proposeExpiry(9, term);
        assertThrows(java.util.concurrent.ExecutionException.class, fromFollower::get, "a follower's expiry fails");
        var staleTerm = leader.writes().proposeExpiry(9, term + 1);
        staleTerm.get(); // applied, and ignored
        for (RaftNode n : nodes) {
            n.reads().linearizable().get();
            assertEquals(List.of(9L), n.store().leaseIds(), "member " + n.memberId() + " kept the lease");
            assertEquals(1, n.store().range(RangeRequest.of(b("leased")).build()).kvs().size());
        }

        leader.writes().proposeExpiry(9, term).get();
        for (RaftNode n : nodes) {
            n.reads().linearizable().get();
            assertTrue(n.store().leaseIds().isEmpty(), "member " + n.memberId() + " revoked the expired lease");
            assertTrue(n.store().range(RangeRequest.of(b("leased")).build()).kvs().isEmpty());
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> walk = Files.walk(p)) {
            walk.sorted(Comparator.reverseOrder()).forEach(q -> q.toFile().delete());
        }
    }
}
