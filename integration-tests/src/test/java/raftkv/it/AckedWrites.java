package raftkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static raftkv.it.ApiClient.b64;
import static raftkv.it.ApiClient.obj;
import static raftkv.it.ApiClient.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writers that record which writes the cluster acknowledged, and the check that none was lost: the simple form of
 * what the fault suite ({@link FaultInjectionIT}) checks in full, for tests whose subject is something else
 * (membership changes, snapshot install).
 */
final class AckedWrites {

    private AckedWrites() {
    }

    /** Writers that record every write the cluster acknowledged (200), trying the next node on any failure. */
    static final class Writers implements AutoCloseable {
        final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        final AtomicLong lastAckNanos = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final ExecutorService pool;

        Writers(TestCluster cluster, int threads) {
            this(cluster, threads, 0);
        }

        /** {@code pauseMillis} between one thread's writes paces the load (0: as fast as the cluster answers). */
        Writers(TestCluster cluster, int threads, long pauseMillis) {
            pool = Executors.newFixedThreadPool(threads);
            for (int t = 0; t < threads; t++) {
                int id = t;
                pool.execute(() -> {
                    Random rnd = new Random(id);
                    for (int i = 0; running.get(); i++) {
                        String key = "acked/" + id + "/" + i;
                        List<TestCluster.NodeProcess> nodes = cluster.nodes();
                        var node = nodes.get(rnd.nextInt(nodes.size()));
                        try {
                            if (cluster.api.put(node.endpoint(), key, "v").ok()) {
                                acknowledged.add(key);
                                lastAckNanos.set(System.nanoTime());
                            }
                        } catch (Exception e) {
                            // a killed node: the outcome of this write is unknown, so it is not counted
                        }
                        if (pauseMillis > 0) {
                            java.util.concurrent.locks.LockSupport.parkNanos(pauseMillis * 1_000_000);
                        }
                    }
                });
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            pool.shutdown();
            assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
        }
    }

    /** Every acknowledged key is present on every node, and all nodes hash alike at one revision. */
    static void assertNothingLostAndNoDivergence(TestCluster cluster, Set<String> acknowledged) throws Exception {
        cluster.awaitHealthy();
        for (TestCluster.NodeProcess n : cluster.nodes()) {
            ApiClient.Response all = cluster.api.post(n.endpoint(), "/v3/kv/range", obj().put("key", b64("acked/"))
                    .put("range_end", b64("acked0")).put("keys_only", true));
            assertEquals(200, all.status(), all.body().toString());
            Set<String> present = new HashSet<>();
            for (JsonNode kv : all.body().path("kvs")) {
                present.add(text(kv.path("key")));
            }
            Set<String> missing = new HashSet<>(acknowledged);
            missing.removeAll(present);
            assertTrue(missing.isEmpty(), "node " + n.id() + " lost " + missing.size() + " acknowledged writes, e.g. "
                    + missing.stream().limit(5).toList());
        }
        FaultChecks.assertMembersHashAlike("", cluster);
    }
}
