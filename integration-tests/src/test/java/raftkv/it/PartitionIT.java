package raftkv.it;

import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader cut off from the other members (not from its clients) by network namespaces, repeatedly, then healed:
 * the majority elects a new leader and goes on, the old one must neither acknowledge writes nor serve stale reads
 * while cut off, and after healing it follows again. The usual checks follow ({@link FaultChecks}).
 *
 * <p>Needs root and {@code ip netns}; where the machine does not allow them the test is skipped and says why.
 */
class PartitionIT {

    @TempDir
    Path dir;

    @Test
    void theLeaderPartitionedFromTheMajority() throws Exception {
        Namespaces ns;
        try {
            ns = Namespaces.create(3);
        } catch (Exception e) {
            Assumptions.abort("network partition scenario skipped: this machine does not allow network namespaces"
                    + " (" + e.getMessage() + "); it needs root and iproute2");
            return;
        }
        try (ns) {
            TestCluster cluster = TestCluster.createOn(dir, TestCluster.Settings.DEFAULT, ns.raftHosts(),
                    ns.clientHosts(), ns.launchers());
            FaultInjectionIT.run("leader partitioned from the majority", cluster, (c, rnd, until) -> {
                int faults = 0;
                while (System.nanoTime() < until) {
                    FaultInjectionIT.pause(rnd, 1_500, 3_000);
                    int leader = c.leader();
                    ns.isolate(leader);
                    faults++;
                    FaultInjectionIT.log("cut node " + leader + " off the other members");
                    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
                        for (TestCluster.NodeProcess n : c.nodes()) {
                            var s = c.api.status(n.endpoint());
                            if (n.id() != leader && s != null && s.path("leader").asInt() != 0
                                    && s.path("leader").asInt() != leader) {
                                return true;
                            }
                        }
                        return false;
                    });
                    FaultInjectionIT.log("the majority elected a new leader");
                    FaultInjectionIT.pause(rnd, 1_000, 4_000);
                    ns.heal(leader);
                    FaultInjectionIT.log("healed node " + leader);
                }
                return faults;
            });
        }
    }
}
