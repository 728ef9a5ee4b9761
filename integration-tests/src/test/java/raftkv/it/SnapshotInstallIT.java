package raftkv.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member that lost its store comes back from a snapshot: wiped after the log was purged behind a snapshot, it
 * gets one installed by the leader; killed in the middle of a store commit, it rebuilds from its own newest
 * snapshot and log. Either way it ends with the same data (hash) as the others.
 */
class SnapshotInstallIT {

    @TempDir
    Path dir;

    @Test
    void aWipedMemberRejoinsBySnapshotInstall() throws Exception {
        var settings = new TestCluster.Settings(500, 200, 64 * 1024);
        try (TestCluster cluster = TestCluster.start(3, dir, settings)) {
            int leader = cluster.leader();
            TestCluster.NodeProcess victim = cluster.nodes().stream().filter(n -> n.id() != leader).findFirst()
                    .orElseThrow();
            victim.kill();
            Set<String> acked;
            try (AckedWrites.Writers writers = new AckedWrites.Writers(cluster, 4)) {
                // Enough entries for many snapshots and for log segments to roll and be purged behind them.
                await().atMost(Duration.ofSeconds(60)).until(() -> writers.acknowledged.size() >= 3_000);
                acked = writers.acknowledged;
            }
            victim.wipe();
            victim.start();
            long target = cluster.api.status(cluster.node(leader).endpoint()).path("header").path("revision")
                    .asLong();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
                var s = cluster.api.status(victim.endpoint());
                return s != null && s.path("header").path("revision").asLong() >= target;
            });
            assertTrue(victim.logText().contains("installing snapshot"),
                    "the wiped member caught up by snapshot install, not by replaying the whole log");
            AckedWrites.assertNothingLostAndNoDivergence(cluster, acked);
            assertEquals(cluster.api.hash(victim.endpoint(), target),
                    cluster.api.hash(cluster.node(leader).endpoint(), target));
        }
    }

    @Test
    void aMemberKilledInTheMiddleOfACommitRebuildsFromItsSnapshotAndLog() throws Exception {
        var settings = new TestCluster.Settings(500, 200, 1L << 20);
        try (TestCluster cluster = TestCluster.start(3, dir, settings)) {
            int leader = cluster.leader();
            TestCluster.NodeProcess victim = cluster.nodes().stream().filter(n -> n.id() != leader).findFirst()
                    .orElseThrow();
            Set<String> acked;
            try (AckedWrites.Writers writers = new AckedWrites.Writers(cluster, 4)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> writers.acknowledged.size() >= 1_500);
                victim.kill();
                // What a SIGKILL inside MapDB's commit leaves: the marker, and a file that may be torn. The kill itself
                // may have landed inside a commit and left the marker already (about one kill in five here).
                Files.write(victim.storeGeneration().resolve("COMMITTING"), new byte[0]);
                victim.start();
                await().atMost(Duration.ofSeconds(30)).until(() -> writers.acknowledged.size() >= 2_500);
                acked = writers.acknowledged;
            }
            long target = cluster.api.status(cluster.node(leader).endpoint()).path("header").path("revision")
                    .asLong();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
                var s = cluster.api.status(victim.endpoint());
                return s != null && s.path("header").path("revision").asLong() >= target;
            });
            String log = victim.logText();
            assertTrue(log.contains("middle of a commit") && log.contains("rebuilding it from snapshot"),
                    "the member noticed the interrupted commit and rebuilt from its snapshot");
            AckedWrites.assertNothingLostAndNoDivergence(cluster, acked);
            assertEquals(cluster.api.hash(victim.endpoint(), target),
                    cluster.api.hash(cluster.node(leader).endpoint(), target));
        }
    }
}
