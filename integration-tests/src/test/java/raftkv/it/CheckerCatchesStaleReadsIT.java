package raftkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.it.history.HistoryResolver;
import raftkv.it.history.LinearizabilityChecker;
import raftkv.it.history.Operation;

/**
 * The fault suite's checker, proven able to fail on a real cluster: started through a test-only launcher
 * ({@link StaleFollowerReadsNode}), followers answer linearizable reads from their own store without a ReadIndex
 * round. Under the same workload the fault scenarios run, some reads are then stale, and the checker must say the
 * history is not linearizable.
 */
class CheckerCatchesStaleReadsIT {

    @TempDir
    Path dir;

    @Test
    void followersServingLocalReadsAsLinearizableAreCaught() throws Exception {
        TestCluster cluster = TestCluster.create(3, dir, TestCluster.Settings.DEFAULT);
        for (TestCluster.NodeProcess n : cluster.nodes()) {
            n.launchWith(StaleFollowerReadsNode.class);
        }
        long seed = Long.getLong("raftkv.fault.seed", System.currentTimeMillis());
        try (cluster) {
            cluster.startAll();
            assertTrue(cluster.node(1).logText().contains("TEST-ONLY BROKEN MODE"), "the nodes run broken");
            List<String> endpoints = cluster.nodes().stream().map(TestCluster.NodeProcess::endpoint).toList();
            long start = cluster.api.status(endpoints.get(0)).path("header").path("revision").asLong() + 1;
            LinearizabilityChecker.Result verdict = null;
            // Stale reads need a follower to lag a write that already returned; a few seconds of load are plenty,
            // but give it up to three rounds on a slow machine.
            // Each round's history is checked together with the rounds before it: they wrote the values it starts
            // from.
            List<Operation> history = new java.util.ArrayList<>();
            for (int round = 0; round < 3; round++) {
                try (RegisterWorkload load = new RegisterWorkload(endpoints, seed + round, FaultRun.CLIENTS,
                        FaultRun.KEYS)) {
                    TimeUnit.SECONDS.sleep(8);
                    history.addAll(load.stop());
                }
                long last = cluster.api.status(endpoints.get(0)).path("header").path("revision").asLong();
                var store = FaultChecks.storeHistory(cluster, start, last).stream()
                        .map(e -> new HistoryResolver.Applied(e.key(), e.revision(), e.value())).toList();
                verdict = LinearizabilityChecker.check(HistoryResolver.resolve(history, store), 120_000);
                System.out.println("round " + round + ", seed " + (seed + round) + ": " + verdict.describe());
                if (!verdict.linearizable()) {
                    break;
                }
            }
            assertEquals(LinearizabilityChecker.Verdict.NOT_LINEARIZABLE, verdict.verdict(),
                    "stale follower reads went unnoticed: " + verdict.describe());
            assertTrue(verdict.failing().stream().anyMatch(o -> o.kind() == Operation.Kind.GET),
                    "the failing sub-history holds the stale read: " + verdict.describe());
            FaultChecks.report("broken follower reads (checker must fail) seed=" + seed + ": caught, "
                    + verdict.operations() + " operations, failing sub-history of " + verdict.failing().size()
                    + " operations");
        }
    }
}
