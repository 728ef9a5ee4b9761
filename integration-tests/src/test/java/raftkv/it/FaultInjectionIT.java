package raftkv.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults on loopback clusters: members killed, frozen (the leader past its leases' TTL included), wiped, replaced,
 * added and removed while others die, and their files corrupted. Each scenario runs through {@link FaultRun}: the
 * register and bank workloads, watchers and compaction under the faults, at least {@link FaultRun#MIN_FAULTS} of
 * them, then the checks of {@link FaultChecks}. Partitions are in {@link PartitionIT}, a full disk in
 * {@link DiskFullIT}.
 */
class FaultInjectionIT {

    @TempDir
    Path dir;

    private TestCluster cluster(TestCluster.Settings settings) throws Exception {
        return TestCluster.create(3, dir, settings);
    }

    /**
     * SIGKILL, each time of the leader or of any member as the seed draws, restarted 0.3-2 s later. The register
     * clients and the watchers are etcd's (jetcd over gRPC) here, beside the bank's raftkv clients over HTTP.
     */
    @Test
    void theLeaderAndRandomMembersKilled() throws Exception {
        FaultRun.run("SIGKILL of the leader or a random member, jetcd over gRPC", cluster(TestCluster.Settings
                .DEFAULT), new FaultRun.Options(false, RegisterClient.Protocol.GRPC), in -> {
            while (in.more()) {
                FaultRun.pause(in.rnd, 800, 2_000);
                List<TestCluster.NodeProcess> nodes = in.cluster.nodes();
                TestCluster.NodeProcess victim = in.rnd.nextBoolean() ? in.cluster.node(in.cluster.leader())
                        : nodes.get(in.rnd.nextInt(nodes.size()));
                FaultRun.killAndRestart(in, victim, 300, 2_000);
            }
        });
    }

    @Test
    void everyMemberKilledAtOnce() throws Exception {
        FaultRun.run("all members SIGKILL", cluster(TestCluster.Settings.DEFAULT), in -> {
            while (in.more()) {
                FaultRun.pause(in.rnd, 1_000, 2_500);
                for (TestCluster.NodeProcess n : in.cluster.nodes()) {
                    n.kill();
                }
                in.injected("killed every node");
                FaultRun.pause(in.rnd, 200, 1_500);
                for (TestCluster.NodeProcess n : in.cluster.nodes()) {
                    n.start();
                }
                in.cluster.awaitHealthy();
                FaultRun.log("all restarted and healthy");
            }
        });
    }

    /**
     * The leader frozen (SIGSTOP) past an election and past its leases' TTL, then continued, over and over, while
     * clients keep leases alive through the other members: the deposed leader must answer nothing stale (the
     * register and bank checks) and must not revoke the leases its successor kept alive ({@link LeaseKeepers}).
     */
    @Test
    void theLeaderFrozenPastItsLeasesRepeatedly() throws Exception {
        TestCluster cluster = cluster(TestCluster.Settings.DEFAULT);
        FaultRun.run("leader SIGSTOP past the lease TTL", cluster, new FaultRun.Options(true), in -> {
            while (in.more()) {
                FaultRun.pause(in.rnd, 500, 1_500);
                TestCluster.NodeProcess leader = in.cluster.node(in.cluster.leader());
                leader.pause();
                in.injected("froze node " + leader.id() + ", the leader");
                Thread.sleep(LeaseKeepers.TTL_SECONDS * 1_000 + 500 + in.rnd.nextInt(1_500));
                leader.resume();
                FaultRun.log("continued node " + leader.id());
            }
        });
        // How often a resumed leader did decide an expiry on its stale clock before it noticed it was deposed (the
        // leases all lived, so none of those decisions took effect).
        long stale = 0;
        for (TestCluster.NodeProcess n : cluster.nodes()) {
            stale += n.logText().lines().filter(l -> l.contains("proposing its revoke")).count();
        }
        FaultChecks.report("leader SIGSTOP past the lease TTL: " + stale + " lease expiries decided by leaders on"
                + " their stale clocks after they resumed; every kept-alive lease lived");
    }

    /**
     * A follower frozen while 2,000 entries go by (snapshots every 200 entries, 64 KiB log segments, so its next
     * entry is purged): it must catch up by snapshot install. Then the leader and the other follower are killed and
     * restarted in turn.
     */
    @Test
    void aFrozenFollowerCatchesUpBySnapshotInstall() throws Exception {
        var settings = new TestCluster.Settings(500, 200, 64 * 1024);
        List<TestCluster.NodeProcess> frozen = new ArrayList<>();
        FaultRun.run("follower SIGSTOP past the log purge", cluster(settings), in -> {
            TestCluster cluster = in.cluster;
            FaultRun.pause(in.rnd, 500, 1_500);
            int leader = cluster.leader();
            TestCluster.NodeProcess follower = cluster.nodes().stream().filter(n -> n.id() != leader)
                    .toList().get(in.rnd.nextInt(2));
            long before = cluster.api.status(cluster.node(leader).endpoint()).path("raftIndex").asLong();
            follower.pause();
            frozen.add(follower);
            in.injected("froze node " + follower.id() + " at leader index " + before);
            // Ten snapshots' worth of entries go by while it sleeps; their log segments are purged behind them.
            await().atMost(Duration.ofSeconds(Math.max(60, FaultRun.SECONDS * 2L)))
                    .pollInterval(Duration.ofMillis(250)).until(() -> {
                        var s = cluster.api.status(cluster.node(cluster.leader()).endpoint());
                        return s != null && s.path("raftIndex").asLong() > before + 2_000;
                    });
            follower.resume();
            FaultRun.log("continued node " + follower.id());
            awaitHealthyOrRestartIfWedged(cluster, follower);
            while (in.more()) {
                FaultRun.pause(in.rnd, 500, 1_500);
                List<TestCluster.NodeProcess> others = cluster.nodes().stream().filter(n -> n != follower).toList();
                FaultRun.killAndRestart(in, others.get(in.rnd.nextInt(others.size())), 300, 1_500);
            }
        });
        assertTrue(frozen.get(0).logText().contains("installing snapshot"),
                "the frozen follower caught up by snapshot install (see its log in target/it-logs)");
    }

    /**
     * Waits until the resumed follower is healthy. Two things Ratis 3.3.0 can do to a follower frozen past the log
     * purge are worked around, the way an operator would, by restarting it, and only when its log shows exactly
     * them (see docs/reliability.md): appends sent before the freeze arrive after the snapshot install, and from
     * then on it rejects every append with an exception instead of an inconsistency reply, so the leader never
     * backs off; or two snapshot installs in a row lose the second reload, and the member stops by itself.
     */
    private static void awaitHealthyOrRestartIfWedged(TestCluster cluster, TestCluster.NodeProcess follower)
            throws Exception {
        String[] wedge = {null};
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
            String log = follower.logText();
            if (log.contains("RaftLog's latest snapshot index")) {
                wedge[0] = "the append wedge after its snapshot install";
            } else if (!follower.isAlive() && log.contains("installed but did not load")) {
                wedge[0] = "a lost snapshot reload (it stopped itself)";
            }
            return wedge[0] != null || cluster.api.healthy(follower.endpoint());
        });
        if (wedge[0] == null) {
            return;
        }
        FaultRun.log("node " + follower.id() + " hit " + wedge[0] + " (Ratis 3.3.0); restarting it");
        FaultChecks.report("follower SIGSTOP: node " + follower.id() + " hit " + wedge[0] + " (Ratis 3.3.0) and"
                + " was restarted");
        follower.kill();
        FaultRun.restartAndAwait(cluster, follower);
        await().atMost(Duration.ofSeconds(60)).until(() -> cluster.api.healthy(follower.endpoint()));
    }

    /**
     * A member loses its disk. First it comes back in place, empty, under its old identity, and catches up; then,
     * as etcd's robustness suite replaces a member, another loses its disk and is removed and added back as a new
     * member; members are killed in between. A second member must not lose its data before the first has caught
     * up: two empty members are a majority with no data, which Raft's durable-vote assumption excludes (this suite
     * found that they elect one of themselves and drop committed writes; see docs/reliability.md).
     */
    @Test
    void aMemberWipedThenAnotherReplaced() throws Exception {
        FaultRun.run("member wiped, then member replaced", cluster(TestCluster.Settings.DEFAULT), in -> {
            TestCluster cluster = in.cluster;
            FaultRun.pause(in.rnd, 500, 1_500);
            List<TestCluster.NodeProcess> nodes = cluster.nodes();
            TestCluster.NodeProcess wiped = nodes.get(in.rnd.nextInt(nodes.size()));
            wiped.kill();
            wiped.wipe();
            in.injected("killed and wiped node " + wiped.id());
            long target = cluster.api.status(cluster.node(cluster.leader()).endpoint()).path("raftIndex").asLong();
            FaultRun.restartAndAwait(cluster, wiped);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() -> {
                var s = cluster.api.status(wiped.endpoint());
                return s != null && s.path("raftAppliedIndex").asLong() >= target;
            });
            FaultRun.log("node " + wiped.id() + " caught up to index " + target);
            FaultRun.killAndRestart(in, cluster.node(cluster.leader()), 300, 1_500);
            List<TestCluster.NodeProcess> others = cluster.nodes().stream().filter(n -> n != wiped).toList();
            TestCluster.NodeProcess lost = others.get(in.rnd.nextInt(others.size()));
            lost.kill();
            lost.wipe();
            in.injected("killed and wiped node " + lost.id() + "; replacing it");
            cluster.removeNode(lost);
            TestCluster.NodeProcess added = cluster.addNode();
            FaultRun.log("node " + lost.id() + " removed, node " + added.id() + " added and promoted");
            while (in.more()) {
                FaultRun.pause(in.rnd, 500, 1_500);
                List<TestCluster.NodeProcess> now = cluster.nodes();
                FaultRun.killAndRestart(in, now.get(in.rnd.nextInt(now.size())), 300, 1_500);
            }
        });
    }

    /**
     * The membership goes 3 -> 5 -> 3 while members are down: each addition (learner, catch-up by snapshot install,
     * promotion) and each removal, the leader's first, happens while another member is killed. A majority of every
     * configuration stays up, so the cluster stays available; what it must not do is lose or invent anything.
     */
    @Test
    void membersAddedAndRemovedWhileOthersAreDown() throws Exception {
        // Snapshots every 300 entries, so that a joining member catches up by snapshot install.
        var settings = new TestCluster.Settings(500, 300, 64 * 1024);
        FaultRun.run("3 -> 5 -> 3 members under SIGKILL", cluster(settings), in -> {
            TestCluster cluster = in.cluster;
            // Grow: each new member is added and promoted while one of the others is down.
            for (int round = 0; round < 2; round++) {
                FaultRun.pause(in.rnd, 300, 1_000);
                TestCluster.NodeProcess down = round == 0 ? randomOf(in, cluster.nodes())
                        : cluster.node(cluster.leader());
                down.kill();
                in.injected("killed node " + down.id() + (round == 1 ? ", the leader" : "") + "; adding a member");
                TestCluster.NodeProcess added = cluster.addNode();
                FaultRun.log("node " + added.id() + " added and promoted while node " + down.id() + " is down");
                FaultRun.restartAndAwait(cluster, down);
            }
            assertVoters(cluster, 5);
            // Shrink back to three, the leader first: each removal while another member is down.
            for (int round = 0; round < 2; round++) {
                FaultRun.pause(in.rnd, 300, 1_000);
                TestCluster.NodeProcess removed = round == 0 ? cluster.node(cluster.leader())
                        : cluster.nodes().get(0);
                TestCluster.NodeProcess down = randomOf(in, cluster.nodes().stream().filter(n -> n != removed)
                        .toList());
                down.kill();
                in.injected("killed node " + down.id() + "; removing node " + removed.id()
                        + (round == 0 ? ", the leader" : ""));
                cluster.removeNode(removed);
                FaultRun.log("node " + removed.id() + " removed while node " + down.id() + " is down");
                FaultRun.restartAndAwait(cluster, down);
            }
            assertVoters(cluster, 3);
            while (in.more()) {
                FaultRun.pause(in.rnd, 500, 1_500);
                FaultRun.killAndRestart(in, randomOf(in, cluster.nodes()), 300, 1_500);
            }
        });
    }

    /** The configuration, as a live member lists it, has {@code n} members, all voters. */
    private static void assertVoters(TestCluster cluster, int n) throws Exception {
        var members = cluster.api.post(cluster.live().get(0).endpoint(), "/v3/cluster/member/list", "{}").body()
                .path("members");
        assertEquals(n, members.size(), members.toString());
        members.forEach(m -> assertTrue(!m.path("isLearner").asBoolean(), "promoted: " + m));
    }

    /**
     * A stopped member gets one bit flipped in a closed Raft log segment or in its newest snapshot, and is started
     * again: it must refuse to start, saying what is corrupt (Ratis checks every entry's checksum when it opens the
     * log; the member checks its newest snapshot against its MD5), and never serve the corrupted data. It is then
     * wiped and fetches everything from the others, as an operator would have it, and catches up before the next
     * fault (two wiped members at once could form a majority with no data).
     */
    @Test
    void aMemberWithABitFlippedRefusesToStartAndIsRefetched() throws Exception {
        // Snapshots every 2,000 entries and 32 KiB segments: every member has snapshots and closed segments that
        // are not purged yet.
        var settings = new TestCluster.Settings(500, 2_000, 32 * 1024);
        FaultRun.run("one bit flipped in a member's log or snapshot", cluster(settings), in -> {
            TestCluster cluster = in.cluster;
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() ->
                    cluster.nodes().stream().allMatch(n -> BitFlip.hasSegmentsAndSnapshots(n.dataDir())));
            int round = 0;
            int nothingToFlip = 0;
            while (in.more()) {
                FaultRun.pause(in.rnd, 500, 1_500);
                TestCluster.NodeProcess victim = randomOf(in, cluster.nodes());
                victim.kill();
                boolean snapshot = round++ % 2 == 1;
                String flipped = BitFlip.flip(victim.dataDir(), snapshot, in.rnd);
                if (flipped == null) {
                    assertTrue(++nothingToFlip < 20, "members kept having no closed log segment to flip a bit in");
                    FaultRun.log("node " + victim.id() + " has no closed log segment left to flip a bit in");
                    FaultRun.restartAndAwait(cluster, victim);
                    continue;
                }
                in.injected("killed node " + victim.id() + " and flipped " + flipped);
                victim.start();
                assertTrue(BitFlip.refusedToStart(cluster, victim), "node " + victim.id() + " started and served"
                        + " after " + flipped);
                String why = BitFlip.why(victim);
                FaultRun.log("node " + victim.id() + " refused to start: " + why);
                FaultChecks.report("bit flip: node " + victim.id() + " refused to start after " + flipped + ": "
                        + why);
                long target = cluster.api.status(cluster.node(cluster.leader()).endpoint()).path("raftIndex")
                        .asLong();
                victim.wipe();
                FaultRun.restartAndAwait(cluster, victim);
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() -> {
                    var s = cluster.api.status(victim.endpoint());
                    return s != null && s.path("raftAppliedIndex").asLong() >= target;
                });
                FaultRun.log("node " + victim.id() + ", wiped, caught up to index " + target);
            }
        });
    }

    private static TestCluster.NodeProcess randomOf(FaultRun.Injection in, List<TestCluster.NodeProcess> nodes) {
        return nodes.get(in.rnd.nextInt(nodes.size()));
    }
}
