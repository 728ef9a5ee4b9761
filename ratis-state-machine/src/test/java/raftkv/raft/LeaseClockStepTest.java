package raftkv.raft;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.storage.StoreConfig;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.RangeRequest;

/**
 * The wall clock steps an hour forward on the leader (NTP, an operator, a VM resumed on another host) while a lease
 * has most of its TTL left: nothing may expire, because lease clocks run on a monotonic clock. This test's JVM runs
 * under libfaketime (see this module's pom: its own surefire execution), which shifts the wall clock, and not the
 * monotonic one, to the offset a file says.
 *
 * <p>Needs Debian's libfaketime; without it the test is skipped, or fails where {@code
 * RAFTKV_PRIVILEGED_TESTS_REQUIRED=1} (CI) says it must run.
 */
class LeaseClockStepTest {

    private static final Path OFFSET = Path.of(System.getProperty("raftkv.faketime.file", "target/faketime-offset"));

    @TempDir
    Path dir;

    @Test
    void aForwardStepOfTheWallClockExpiresNoLease() throws Exception {
        requireFaketime();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        var self = new RaftNodeOptions.Peer(1, "127.0.0.1:" + port, "http://127.0.0.1:1");
        var options = RaftNodeOptions.builder("clock", 1, List.of(self), dir.resolve("raft"),
                StoreConfig.defaults(dir.resolve("store"))).electionTimeout(Duration.ofMillis(1000)).build();
        try (RaftNode node = RaftNode.start(options, new MetricRegistry())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> node.status().isLeader());
            long ttl = 10;
            proposeUntilApplied(node, new Command.LeaseGrant(5, ttl), () -> node.store().leaseIds().contains(5L));
            proposeUntilApplied(node, new Command.Kv(new PutRequest(b("leased"), b("v"), 5, false, false, false)),
                    () -> !node.store().range(RangeRequest.of(b("leased")).build()).kvs().isEmpty());
            long granted = System.nanoTime();
            step("+3600");
            // Once the offset is reread (within a second) the wall clock is an hour ahead; the lease keeper ticks
            // every 250 ms. Watch well past that, inside the TTL.
            while ((System.nanoTime() - granted) / 1_000_000_000 < ttl - 4) {
                assertFalse(node.store().range(RangeRequest.of(b("leased")).build()).kvs().isEmpty(), "the key went "
                        + (System.nanoTime() - granted) / 1_000_000 + " ms into its " + ttl + " s lease, after the"
                        + " wall clock stepped an hour ahead");
                Thread.sleep(100);
            }
            assertEquals(List.of(5L), node.store().leaseIds());
            // The lease still expires when its time is up.
            await().atMost(Duration.ofSeconds(ttl + 5)).until(() -> node.store().leaseIds().isEmpty());
            assertTrue(node.store().range(RangeRequest.of(b("leased")).build()).kvs().isEmpty());
        } finally {
            step("+0");
        }
    }

    /**
     * Proposes {@code c} until {@code applied} holds. Ratis' leader steps down after a JVM pause longer than its
     * election timeout, which a loaded machine (and libfaketime's file reads) can cause; a proposal caught in that
     * fails, and may or may not have gone in, so the test looks at the state rather than proposing blindly again.
     */
    private static void proposeUntilApplied(RaftNode node, Command c, BooleanSupplier applied) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            if (applied.getAsBoolean()) {
                return true;
            }
            if (!node.status().isLeader()) {
                return false;
            }
            try {
                node.writes().propose(c).get();
            } catch (ExecutionException e) {
                return false; // stepped down meanwhile: look again once it leads
            }
            return applied.getAsBoolean();
        });
    }

    /**
     * Sets the wall clock's offset and waits until libfaketime has reread it (it rereads the file at most once a
     * second). Renamed into place, so that it never reads a file half written.
     */
    private static void step(String offset) throws IOException, InterruptedException {
        Path tmp = OFFSET.resolveSibling(OFFSET.getFileName() + ".tmp");
        Files.writeString(tmp, offset + "\n");
        Files.move(tmp, OFFSET, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Thread.sleep(2_200);
    }

    private static void requireFaketime() throws IOException, InterruptedException {
        step("+0");
        long wall = System.currentTimeMillis();
        long mono = System.nanoTime();
        step("+3600");
        long wallShift = System.currentTimeMillis() - wall;
        long monoShift = (System.nanoTime() - mono) / 1_000_000;
        step("+0");
        if (wallShift > 3_000_000 && monoShift < 60_000) {
            return;
        }
        String why = "libfaketime preloaded (Debian's faketime package; the wall clock moved " + wallShift
                + " ms and the monotonic one " + monoShift + " ms when the offset stepped an hour)";
        if ("1".equals(System.getenv("RAFTKV_PRIVILEGED_TESTS_REQUIRED"))) {
            Assertions.fail("the clock-step test needs " + why + ", and this run must not skip it");
        }
        Assumptions.abort("the clock-step test needs " + why + "; skipped on this machine");
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
