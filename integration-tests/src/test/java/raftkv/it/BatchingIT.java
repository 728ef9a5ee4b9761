package raftkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With 256 writers in flight, many client requests share each Raft entry: entries per second stay far below
 * requests per second. (A behaviour of the write path, not a speed: the figures printed here are informative.)
 */
class BatchingIT {

    @TempDir
    Path dir;

    @Test
    void concurrentWritesShareRaftEntries() throws Exception {
        try (TestCluster cluster = TestCluster.start(3, dir, TestCluster.Settings.DEFAULT)) {
            String endpoint = cluster.node(cluster.leader()).endpoint();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            int total = 6_000;
            Semaphore inFlight = new Semaphore(256);
            AtomicInteger ok = new AtomicInteger();
            String value = ApiClient.b64("x".repeat(256));
            double proposalsBefore = cluster.api.metric(endpoint, "raftkv_raft_proposals_total");
            double entriesBefore = cluster.api.metric(endpoint, "raftkv_raft_entries_proposed_total");
            long t0 = System.nanoTime();
            CompletableFuture<?>[] all = new CompletableFuture<?>[total];
            for (int i = 0; i < total; i++) {
                inFlight.acquire();
                String body = "{\"key\":\"" + ApiClient.b64("batch/" + i) + "\",\"value\":\"" + value + "\"}";
                all[i] = http.sendAsync(HttpRequest.newBuilder(URI.create(endpoint + "/v3/kv/put"))
                                .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.discarding())
                        .whenComplete((r, e) -> {
                            inFlight.release();
                            if (e == null && r.statusCode() == 200) {
                                ok.incrementAndGet();
                            }
                        });
            }
            CompletableFuture.allOf(all).exceptionally(e -> null).join();
            double secs = (System.nanoTime() - t0) / 1e9;
            double proposals = cluster.api.metric(endpoint, "raftkv_raft_proposals_total") - proposalsBefore;
            double entries = cluster.api.metric(endpoint, "raftkv_raft_entries_proposed_total") - entriesBefore;
            System.out.printf("256 in flight: %d puts in %.1f s = %.0f puts/s, %.0f entries (%.0f entries/s), "
                    + "%.1f requests per entry%n", ok.get(), secs, ok.get() / secs, entries, entries / secs,
                    proposals / entries);
            assertEquals(total, ok.get(), "every put succeeded");
            assertEquals(total, proposals, 0.5, "every put was proposed on the node that received it");
            assertTrue(entries * 4 < proposals, entries + " entries for " + proposals + " requests");
        }
    }
}
