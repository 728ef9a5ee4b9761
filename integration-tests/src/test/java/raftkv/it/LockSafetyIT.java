package raftkv.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lock recipe under Jepsen's etcd lock test: lock holders frozen (SIGSTOP) past their lease's TTL wake up
 * believing they still hold the lock while another worker has taken it ({@link LockSafetyWorkload}). A lock alone
 * cannot keep them apart; fencing can: with every write a txn on the lock key's create revision, a holder whose key
 * is gone writes nothing. The fenced run must keep the holders apart, and must have fenced off a woken holder;
 * the unfenced run, the same workload with plain puts, must be caught with two holders at once, which proves the
 * check can fail.
 *
 * <p>Each run loads the lock for {@code raftkv.lock.seconds} (15 by default), and on until at least
 * {@link FaultRun#MIN_FAULTS} holders were frozen. The seed of the freezes and of the workers' pacing is printed and
 * can be set with {@code -Draftkv.lock.seed=...}; as with the fault suite, timing on a shared machine means a seed
 * says what was tried rather than replaying it.
 */
class LockSafetyIT {

    private static final int SECONDS = Integer.getInteger("raftkv.lock.seconds", 15);

    @TempDir
    Path dir;

    @Test
    void fencedWritesKeepFrozenHoldersOut() throws Exception {
        LockSafetyCheck.Result r = run(LockWorker.Mode.FENCED);
        assertTrue(r.holdersExcluded(), "two holders at once despite fencing: " + r.describe());
        assertTrue(r.recordsAgree(), r.describe());
        assertTrue(r.pausesBit(), r.describe());
        assertTrue(r.passed(), r.describe());
        assertTrue(r.pauses() >= FaultRun.MIN_FAULTS, "froze only " + r.pauses() + " holders: " + r.describe());
    }

    @Test
    void unfencedWritesOfFrozenHoldersAreCaught() throws Exception {
        LockSafetyCheck.Result r = run(LockWorker.Mode.UNFENCED);
        assertFalse(r.passed(), "the check missed the frozen holders' writes: " + r.describe());
        assertFalse(r.holdersExcluded(), "the check failed, but not for two holders at once: " + r.describe());
        assertTrue(r.recordsAgree(), r.describe());
    }

    /** Starts a cluster, runs the workload in {@code mode}, checks, and reports the figures. */
    private LockSafetyCheck.Result run(LockWorker.Mode mode) throws Exception {
        long seed = Long.getLong("raftkv.lock.seed", System.currentTimeMillis());
        System.out.println("lock safety, " + mode + ", seed " + seed);
        long started = System.nanoTime();
        var settings = LockSafetyWorkload.Settings.of(mode);
        try (TestCluster cluster = TestCluster.start(3, dir, TestCluster.Settings.DEFAULT)) {
            List<String> endpoints = cluster.nodes().stream().map(TestCluster.NodeProcess::endpoint).toList();
            long from = cluster.api.status(endpoints.get(0)).path("header").path("revision").asLong() + 1;
            LockSafetyWorkload.Records records;
            LockSafetyWorkload load = new LockSafetyWorkload(endpoints, dir.resolve("workers"), settings, seed);
            try (load) {
                // Worker JVMs take a few seconds to start on a busy machine; the load counts from the first lock.
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                        .until(() -> load.acquisitions() > 0);
                Thread.sleep(SECONDS * 1_000L);
                // As every fault scenario: at least five faults, here frozen holders, the window stretched for them.
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                        .until(() -> load.pauses() >= FaultRun.MIN_FAULTS);
                records = load.stop();
            } finally {
                // Beside the node logs that TestCluster.close keeps, under the same name.
                load.keepFiles(Path.of("target", "it-logs", getClass().getSimpleName() + "-" + dir.getFileName()));
            }
            cluster.awaitHealthy();
            // The revision of a write after all of the workload's: the history is complete up to it.
            long to = cluster.api.putRevision(endpoints.get(0), "locked/end", "end");
            List<WatchRecorder.Seen> history = FaultChecks.storeHistory(cluster, LockWorker.LOG_KEY, from, to);
            LockSafetyCheck.Result r = LockSafetyCheck.check(mode, history, records);
            String[] described = r.describe().split("\n", 2);
            String line = "lock safety " + mode + " seed=" + seed + ": " + described[0] + "; "
                    + (System.nanoTime() - started) / 1_000_000_000 + " s in all";
            System.out.println(line + (described.length > 1 ? "\n" + described[1] : ""));
            FaultChecks.report(line);
            return r;
        }
    }
}
