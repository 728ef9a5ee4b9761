package raftkv.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member whose disk fills up: its data directory is a small tmpfs, and a writer of large values fills it under
 * the register workload. The member must stop loudly (its log says the disk is full) without applying anything
 * half-way, the other two go on serving, and once the disk has room again the member rejoins and catches up. The
 * usual checks follow ({@link FaultChecks}).
 *
 * Then, the full member back, members are killed and restarted until the scenario has its share of faults.
 *
 * <p>Mounting a tmpfs needs root; where it is not allowed the test is skipped and says why (or fails, where
 * {@link Privileged#REQUIRED} says it must run).
 */
class DiskFullIT {

    @TempDir
    Path dir;

    @Test
    void aMemberWhoseDiskFillsStopsLoudlyAndTheClusterGoesOn() throws Exception {
        TestCluster cluster = TestCluster.create(3, dir, new TestCluster.Settings(500, 2_000, 1L << 20));
        TestCluster.NodeProcess full = cluster.node(3);
        Path mount = full.dataDir();
        Files.createDirectories(mount);
        String refused = sh("mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", mount.toString());
        if (refused != null) {
            Privileged.unavailable("the disk-full scenario", "root to mount a tmpfs (" + refused + ")");
        }
        try {
            FaultRun.run("disk full on one member, then members killed", cluster, in -> {
                TestCluster c = in.cluster;
                AtomicBoolean filling = new AtomicBoolean(true);
                AtomicInteger filled = new AtomicInteger();
                Thread filler = new Thread(() -> {
                    String big = "f".repeat(200_000);
                    for (int i = 0; filling.get(); i++) {
                        try {
                            if (c.api.put(c.node(1).endpoint(), "fill/" + (i % 20), big).ok()) {
                                filled.incrementAndGet();
                            }
                        } catch (Exception e) {
                            // a member restarting: try again
                        }
                    }
                });
                filler.start();
                try {
                    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                            .until(() -> !full.isAlive());
                } finally {
                    filling.set(false);
                    filler.join();
                }
                in.injected("node 3 stopped with its disk full after " + filled.get() + " large puts");
                String log = full.logText();
                assertTrue(log.contains("No space left on device") || log.contains("disk is full"),
                        "the member said why it stopped (see target/it-logs)");
                // The other two go on: the workload's writes are still acknowledged.
                TimeUnit.SECONDS.sleep(2);
                assertTrue(c.live().size() == 2, "only the full member stopped");
                String grown = sh("mount", "-o", "remount,size=512m", mount.toString());
                assertTrue(grown == null, "could not grow the tmpfs: " + grown);
                FaultRun.log("disk grown to 512 MiB; the member restarts");
                FaultRun.restartAndAwait(c, full);
                while (in.more()) {
                    FaultRun.pause(in.rnd, 500, 1_500);
                    List<TestCluster.NodeProcess> nodes = c.nodes();
                    FaultRun.killAndRestart(in, nodes.get(in.rnd.nextInt(nodes.size())), 300, 1_500);
                }
            });
        } finally {
            cluster.close();
            sh("umount", "-l", mount.toString());
        }
    }

    /** Runs a command; null when it succeeded, else what it printed. */
    static String sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        return p.waitFor() == 0 ? null : (out.isEmpty() ? "exit " + p.exitValue() : out);
    }
}
