package raftkv.it;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Counts the leader changes a fault scenario caused, by asking every member who leads, in which term, about five
 * times a second. A term in which someone was seen leading is one leadership; the changes are those terms but the
 * first. Each member is polled on a thread of its own, so a frozen or dead one delays only itself; a leadership
 * shorter than a poll can go unseen, so the count is a lower bound.
 */
final class LeaderObserver implements AutoCloseable {

    private final TestCluster cluster;
    private final Set<Long> termsWithALeader = ConcurrentHashMap.newKeySet();
    private final ExecutorService pollers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "leader-observer");
        t.setDaemon(true);
        return t;
    });
    private final Set<String> polled = ConcurrentHashMap.newKeySet();
    private volatile boolean running = true;

    LeaderObserver(TestCluster cluster) {
        this.cluster = cluster;
        pollers.execute(this::watchMembership);
    }

    /** Starts a poller for every member as it appears (members added by a scenario too). */
    private void watchMembership() {
        while (running) {
            for (TestCluster.NodeProcess n : cluster.nodes()) {
                if (polled.add(n.endpoint())) {
                    pollers.execute(() -> poll(n.endpoint()));
                }
            }
            sleep(500);
        }
    }

    private void poll(String endpoint) {
        while (running) {
            try {
                var r = cluster.api.post(endpoint, "/v3/maintenance/status", "{}", Duration.ofSeconds(1));
                if (r.ok() && r.body().path("leader").asInt() != 0) {
                    termsWithALeader.add(r.body().path("raftTerm").asLong());
                }
            } catch (Exception e) {
                // down or frozen: the others still answer
            }
            sleep(200);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The leader changes seen so far. */
    int leaderChanges() {
        return Math.max(0, termsWithALeader.size() - 1);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        pollers.shutdownNow();
        pollers.awaitTermination(5, TimeUnit.SECONDS);
    }
}
