package raftkv.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import raftkv.client.RaftKv;

/**
 * Compacts the store's history under the fault suite's watchers while faults strike, and keeps what it compacts
 * away: before each compaction it replays the history it is about to remove (through a watch, from the live store)
 * and keeps it, so that the checks can still compare every watcher and every read with the store's whole history.
 *
 * <p>It compacts only below what every watcher has already received (their last event), so a watcher that resumes
 * on another member after a fault still finds its history; a watcher cancelled for compaction is a failure. One
 * thread of its own; the watchers' list is shared with the run (synchronized).
 */
final class HistoryKeeper implements AutoCloseable {

    /** The workloads' prefixes whose history the checks need. */
    static final List<String> PREFIXES = List.of(RegisterWorkload.PREFIX, BankWorkload.PREFIX);
    /** How far below the slowest watcher a compaction stays. */
    private static final long MARGIN = 20;

    private final TestCluster cluster;
    private final List<WatchRecorder> watchers;
    /** Kept history, by prefix; written by the compactor thread, read after it stopped. */
    private final Map<String, List<WatchRecorder.Seen>> kept = new HashMap<>();
    /** Everything up to here is in {@link #kept}; the store may have compacted up to it. */
    private final AtomicLong keptUpTo;
    private final RaftKv client;
    /** The highest revision a compaction was chosen at; a new watcher starts above it. Guarded by this. */
    private long chosen;
    private volatile boolean compacting;
    private Thread thread;
    private int compactions;

    HistoryKeeper(TestCluster cluster, long start, List<WatchRecorder> watchers) {
        this.cluster = cluster;
        this.watchers = watchers;
        this.keptUpTo = new AtomicLong(start - 1);
        this.chosen = start - 1;
        PREFIXES.forEach(p -> kept.put(p, new ArrayList<>()));
        this.client = RaftKv.builder().endpoints(cluster.nodes().stream().map(TestCluster.NodeProcess::endpoint)
                .toList()).timeout(Duration.ofSeconds(4)).connectTimeout(Duration.ofMillis(500)).build();
    }

    /** Starts compacting every 1.5-3 s, on a thread of its own. */
    void startCompacting() {
        compacting = true;
        thread = new Thread(() -> {
            java.util.Random rnd = new java.util.Random();
            while (compacting) {
                try {
                    // Not interrupted to stop: a round stopped half-way would leave the kept history half-updated.
                    long wake = System.nanoTime() + (1_500 + rnd.nextInt(1_500)) * 1_000_000L;
                    while (compacting && System.nanoTime() < wake) {
                        Thread.sleep(50);
                    }
                    if (compacting) {
                        compactOnce();
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException | AssertionError e) {
                    // A fault in the way (no member answered in time): the next round tries again.
                    FaultRun.log("history keeper: round skipped: " + e.getMessage());
                }
            }
        }, "history-keeper");
        thread.setDaemon(true);
        thread.start();
    }

    void stopCompacting() throws InterruptedException {
        compacting = false;
        if (thread != null) {
            thread.join(180_000);
        }
    }

    private void compactOnce() {
        long target = Long.MAX_VALUE;
        synchronized (this) {
            synchronized (watchers) {
                for (WatchRecorder w : watchers) {
                    target = Math.min(target, w.lastEventRevision());
                }
            }
            target -= MARGIN;
            if (target <= chosen) {
                return;
            }
            chosen = target;
        }
        // Every prefix's part first, then all kept at once: a round that fails half-way keeps nothing.
        Map<String, List<WatchRecorder.Seen>> chunks = new HashMap<>();
        for (String prefix : PREFIXES) {
            chunks.put(prefix, FaultChecks.storeHistory(cluster, prefix, keptUpTo.get() + 1, target));
        }
        chunks.forEach((prefix, chunk) -> kept.get(prefix).addAll(chunk));
        keptUpTo.set(target);
        try {
            client.kv().compact(target).get(10, java.util.concurrent.TimeUnit.SECONDS);
            compactions++;
            FaultRun.log("compacted history at revision " + target);
        } catch (Exception e) {
            // Unknown: it may have happened. The history below target is kept either way.
            FaultRun.log("compaction at " + target + " of unknown outcome: " + e);
        }
    }

    /**
     * Adds a new watcher from a revision already in the past (but above any compaction): it replays that history
     * and goes on live, in the middle of whatever fault is striking.
     */
    void addWatcherFromRecentPast(String name, List<String> endpoints) {
        long latest = 0;
        for (TestCluster.NodeProcess n : cluster.live()) {
            if (!n.isPaused()) {
                var s = cluster.api.status(n.endpoint());
                latest = Math.max(latest, s == null ? 0 : s.path("header").path("revision").asLong());
            }
        }
        synchronized (this) {
            long from = Math.max(Math.max(chosen, keptUpTo.get()) + 1, latest - 100);
            FaultRun.log("watcher " + name + " created from revision " + from);
            watchers.add(new WatchRecorder(name, endpoints, from));
        }
    }

    /** The store's history under {@code prefix} from the start up to {@code to}: what was kept, then the rest. */
    List<WatchRecorder.Seen> storeHistory(String prefix, long to) {
        List<WatchRecorder.Seen> all = new ArrayList<>(kept.get(prefix));
        all.addAll(FaultChecks.storeHistory(cluster, prefix, keptUpTo.get() + 1, to));
        return all;
    }

    int compactions() {
        return compactions;
    }

    @Override
    public void close() throws InterruptedException {
        stopCompacting();
        client.close();
    }
}
