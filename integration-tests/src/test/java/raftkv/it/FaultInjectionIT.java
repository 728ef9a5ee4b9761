package raftkv.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.it.history.Operation;

/**
 * Faults under load, in the manner of etcd's robustness suite: concurrent clients on every member record a register
 * history while members are killed, frozen, wiped or starved of space; then the history must be linearizable,
 * acknowledged writes present, watchers complete and members alike ({@link FaultChecks}).
 *
 * <p>Each scenario runs its load for {@code raftkv.fault.seconds} (12 by default; the {@code soak} profile runs
 * longer with more clients). The seed of the clients' choices and the faults' timing is printed, and can be set
 * with {@code -Draftkv.fault.seed=...}; process timing on a shared machine is never exactly reproducible, so a seed
 * says what was tried rather than replaying it.
 */
class FaultInjectionIT {

    static final int SECONDS = Integer.getInteger("raftkv.fault.seconds", 12);
    static final int CLIENTS = Integer.getInteger("raftkv.fault.clients", 12);
    static final int KEYS = 6;
    private static final int WATCHERS = 3;

    @TempDir
    Path dir;

    /** A fault schedule: injects faults until {@code until} (System.nanoTime) and returns how many. */
    interface Faults {
        int inject(TestCluster cluster, Random rnd, long until) throws Exception;
    }

    @Test
    void theLeaderKilledRepeatedly() throws Exception {
        run("leader SIGKILL", TestCluster.Settings.DEFAULT, (cluster, rnd, until) -> {
            int faults = 0;
            while (System.nanoTime() < until) {
                pause(rnd, 2_000, 4_000);
                killAndRestart(cluster, rnd, cluster.node(cluster.leader()), 500, 2_000);
                faults++;
            }
            return faults;
        });
    }

    @Test
    void aRandomMemberKilledRepeatedly() throws Exception {
        run("random member SIGKILL", TestCluster.Settings.DEFAULT, (cluster, rnd, until) -> {
            int faults = 0;
            while (System.nanoTime() < until) {
                pause(rnd, 1_500, 3_500);
                List<TestCluster.NodeProcess> nodes = cluster.nodes();
                killAndRestart(cluster, rnd, nodes.get(rnd.nextInt(nodes.size())), 300, 2_000);
                faults++;
            }
            return faults;
        });
    }

    /** SIGKILL {@code victim}, leave it down for a while, restart it. */
    private static void killAndRestart(TestCluster cluster, Random rnd, TestCluster.NodeProcess victim, int minDown,
                                       int maxDown) throws Exception {
        victim.kill();
        log("killed node " + victim.id());
        pause(rnd, minDown, maxDown);
        restartAndAwait(cluster, victim);
    }

    @Test
    void everyMemberKilledAtOnce() throws Exception {
        run("all members SIGKILL", TestCluster.Settings.DEFAULT, (cluster, rnd, until) -> {
            int faults = 0;
            while (System.nanoTime() < until) {
                pause(rnd, 3_000, 6_000);
                for (TestCluster.NodeProcess n : cluster.nodes()) {
                    n.kill();
                }
                faults++;
                log("killed every node");
                pause(rnd, 200, 1_500);
                for (TestCluster.NodeProcess n : cluster.nodes()) {
                    n.start();
                }
                cluster.awaitHealthy();
                log("all restarted and healthy");
            }
            return faults;
        });
    }

    @Test
    void aFrozenFollowerCatchesUpBySnapshotInstall() throws Exception {
        // Snapshots every 200 entries and small log segments, so the log is purged while the follower is frozen.
        var settings = new TestCluster.Settings(500, 200, 64 * 1024);
        List<TestCluster.NodeProcess> frozen = new ArrayList<>();
        run("follower SIGSTOP past the log purge", settings, (cluster, rnd, until) -> {
            pause(rnd, 1_000, 3_000);
            int leader = cluster.leader();
            TestCluster.NodeProcess follower = cluster.nodes().stream().filter(n -> n.id() != leader)
                    .toList().get(rnd.nextInt(2));
            long before = cluster.api.status(cluster.node(leader).endpoint()).path("raftIndex").asLong();
            follower.pause();
            frozen.add(follower);
            log("froze node " + follower.id() + " at leader index " + before);
            // Ten snapshots' worth of entries go by while it sleeps; their log segments are purged behind them.
            await().atMost(Duration.ofSeconds(Math.max(60, SECONDS * 2L))).pollInterval(Duration.ofMillis(250))
                    .until(() -> {
                        var s = cluster.api.status(cluster.node(cluster.leader()).endpoint());
                        return s != null && s.path("raftIndex").asLong() > before + 2_000;
                    });
            follower.resume();
            log("continued node " + follower.id());
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> cluster.api.healthy(follower.endpoint()));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                // Ratis 3.3.0 can wedge a follower here: appends sent before the freeze arrive after the snapshot
                // install, and from then on it rejects every append with an exception instead of an
                // inconsistency reply, so the leader never backs off (see docs/reliability.md). Only that, seen in
                // its log, is worked around, the way an operator would: restart the member.
                if (!follower.logText().contains("RaftLog's latest snapshot index")) {
                    throw e;
                }
                log("node " + follower.id() + " is wedged by Ratis after the snapshot install (known Ratis 3.3.0"
                        + " issue); restarting it");
                FaultChecks.report("follower SIGSTOP: node " + follower.id() + " wedged by the Ratis 3.3.0 append"
                        + " issue after its snapshot install and was restarted");
                follower.kill();
                restartAndAwait(cluster, follower);
                await().atMost(Duration.ofSeconds(60)).until(() -> cluster.api.healthy(follower.endpoint()));
            }
            while (System.nanoTime() < until) {
                Thread.sleep(100);
            }
            return 1;
        });
        assertTrue(frozen.get(0).logText().contains("installing snapshot"),
                "the frozen follower caught up by snapshot install (see its log in target/it-logs)");
    }

    /**
     * A member loses its disk. First it comes back in place, empty, under its old identity, and catches up; then,
     * as etcd's robustness suite replaces a member, another loses its disk and is removed and added back as a new
     * member. A second member must not lose its data before the first has caught up: two empty members are a
     * majority with no data, which Raft's durable-vote assumption excludes (this suite found that they elect one of
     * themselves and drop committed writes; see docs/reliability.md).
     */
    @Test
    void aMemberWipedThenAnotherReplaced() throws Exception {
        run("member wiped, then member replaced", TestCluster.Settings.DEFAULT, (cluster, rnd, until) -> {
            pause(rnd, 2_000, 4_000);
            List<TestCluster.NodeProcess> nodes = cluster.nodes();
            TestCluster.NodeProcess wiped = nodes.get(rnd.nextInt(nodes.size()));
            wiped.kill();
            wiped.wipe();
            log("killed and wiped node " + wiped.id());
            long target = cluster.api.status(cluster.node(cluster.leader()).endpoint()).path("raftIndex").asLong();
            restartAndAwait(cluster, wiped);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() -> {
                var s = cluster.api.status(wiped.endpoint());
                return s != null && s.path("raftAppliedIndex").asLong() >= target;
            });
            log("node " + wiped.id() + " caught up to index " + target);
            pause(rnd, 1_000, 3_000);
            List<TestCluster.NodeProcess> others = cluster.nodes().stream().filter(n -> n != wiped).toList();
            TestCluster.NodeProcess lost = others.get(rnd.nextInt(others.size()));
            lost.kill();
            lost.wipe();
            log("killed and wiped node " + lost.id() + "; replacing it");
            cluster.removeNode(lost);
            TestCluster.NodeProcess added = cluster.addNode();
            log("node " + lost.id() + " removed, node " + added.id() + " added and promoted");
            while (System.nanoTime() < until) {
                Thread.sleep(100);
            }
            return 2;
        });
    }

    /**
     * Runs the workload and {@link #WATCHERS} watchers on a new 3-node cluster, injects {@code faults} for
     * {@link #SECONDS}, heals everything, and checks.
     */
    FaultChecks.Summary run(String scenario, TestCluster.Settings settings, Faults faults) throws Exception {
        return run(scenario, TestCluster.create(3, dir, settings), faults);
    }

    static FaultChecks.Summary run(String scenario, TestCluster created, Faults faults) throws Exception {
        long seed = Long.getLong("raftkv.fault.seed", System.currentTimeMillis());
        System.out.println("scenario '" + scenario + "', seed " + seed);
        Random rnd = new Random(seed);
        long started = System.nanoTime();
        try (TestCluster cluster = created) {
            cluster.startAll();
            List<String> endpoints = cluster.nodes().stream().map(TestCluster.NodeProcess::endpoint).toList();
            long start = cluster.api.status(endpoints.get(0)).path("header").path("revision").asLong() + 1;
            List<WatchRecorder> watchers = new ArrayList<>();
            try {
                for (int w = 0; w < WATCHERS; w++) {
                    List<String> mine = new ArrayList<>(endpoints);
                    Collections.rotate(mine, -w);
                    watchers.add(new WatchRecorder("w" + w + "@" + mine.get(0), mine, start));
                }
                List<Operation> history;
                int injected;
                try (RegisterWorkload load = new RegisterWorkload(endpoints, seed, CLIENTS, KEYS)) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> load.size() >= 200);
                    injected = faults.inject(cluster, rnd, System.nanoTime() + SECONDS * 1_000_000_000L);
                    heal(cluster);
                    long healed = System.nanoTime();
                    await().atMost(Duration.ofSeconds(60)).until(() -> load.lastAckNanos() > healed);
                    history = load.stop();
                    System.out.println("client errors: " + load.failures());
                }
                return FaultChecks.verify(scenario, seed, cluster, history, watchers, start, KEYS, injected,
                        started);
            } finally {
                watchers.forEach(WatchRecorder::close);
            }
        }
    }

    /** Every member running again (a frozen one continued, a dead one restarted), and healthy. */
    static void heal(TestCluster cluster) throws Exception {
        for (TestCluster.NodeProcess n : cluster.nodes()) {
            if (n.isPaused()) {
                n.resume();
            }
            if (!n.isAlive()) {
                n.start();
            }
        }
        cluster.awaitHealthy();
    }

    /**
     * Restarts {@code n} and waits until it serves and follows a leader. It may still be catching up: the next
     * fault may strike before it has, as it would in production.
     */
    static void restartAndAwait(TestCluster cluster, TestCluster.NodeProcess n) throws Exception {
        long t0 = System.nanoTime();
        n.start();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            var s = cluster.api.status(n.endpoint());
            return s != null && s.path("leader").asInt() != 0;
        });
        log("node " + n.id() + " restarted, following a leader after " + (System.nanoTime() - t0) / 1_000_000
                + " ms");
    }

    static void log(String what) {
        System.out.println(java.time.LocalTime.now() + " " + what);
    }

    static void pause(Random rnd, int minMillis, int maxMillis) throws InterruptedException {
        Thread.sleep(minMillis + rnd.nextInt(maxMillis - minMillis));
    }
}
