package raftkv.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import raftkv.client.RaftKv;
import raftkv.client.WatchEvent;
import raftkv.it.history.HistoryResolver;
import raftkv.it.history.LinearizabilityChecker;
import raftkv.it.history.Operation;

/**
 * What every fault scenario checks once its faults are healed: the history is linearizable; every acknowledged
 * write is in the store's history at the revision it was acknowledged with, and nothing is there that no client
 * wrote (or that was refused); every watcher saw exactly the store's history from its start, in order, with no gap
 * and no duplicate, and was never silently dropped; and all members hash alike at one revision.
 */
final class FaultChecks {

    /** Where each run appends its figures, for docs/reliability.md. */
    static final Path REPORT = Path.of("target", "reliability-report.txt");

    private FaultChecks() {
    }

    /** The figures of one scenario run. */
    record Summary(String scenario, long seed, int operations, int acknowledgedWrites, int unknown, int failed,
                   int faults, long revisions, int watchEvents, long checkMillis, long seconds) {
        String line() {
            return String.format("%s seed=%d: %d operations (%d acknowledged writes, %d unknown, %d failed), %d faults,"
                            + " %d revisions, %d watch events checked, linearizability check %d ms, %d s in all",
                    scenario, seed, operations, acknowledgedWrites, unknown, failed, faults, revisions, watchEvents,
                    checkMillis, seconds);
        }
    }

    static Summary verify(String scenario, long seed, TestCluster cluster, List<Operation> recorded,
                          List<WatchRecorder> watchers, long startRevision, int keys, int faults, long startedNanos)
            throws Exception {
        String where = "scenario " + scenario + ", seed " + seed + ": ";
        cluster.awaitHealthy();
        List<Operation> history = new ArrayList<>(recorded);
        finalReads(cluster, history, keys);

        long last = cluster.api.status(cluster.live().get(0).endpoint()).path("header").path("revision").asLong();
        List<WatchRecorder.Seen> store = storeHistory(cluster, startRevision, last);
        assertOrdered(where + "the store's history", store);
        checkWritesAgainstHistory(where, history, store);

        List<Operation> resolved = HistoryResolver.resolve(history, store.stream()
                .map(e -> new HistoryResolver.Applied(e.key(), e.revision(), e.value())).toList());
        var verdict = LinearizabilityChecker.check(resolved, 180_000);
        assertTrue(verdict.linearizable(), where + verdict.describe());

        int events = 0;
        for (WatchRecorder w : watchers) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> w.progress() >= last || !w.endings().isEmpty());
            assertTrue(w.endings().isEmpty(), where + "watcher " + w.name + " ended: " + w.endings());
            List<WatchRecorder.Seen> seen = w.events();
            assertOrdered(where + "watcher " + w.name, seen);
            List<WatchRecorder.Seen> expected = store.stream().filter(e -> e.revision() >= w.startRevision).toList();
            assertEquals(expected.size(), seen.size(), where + "watcher " + w.name + " saw " + seen.size()
                    + " events where the store has " + expected.size() + firstDifference(expected, seen));
            assertEquals(expected, seen, where + "watcher " + w.name + firstDifference(expected, seen));
            events += seen.size();
        }

        assertMembersHashAlike(where, cluster);
        int acked = (int) history.stream().filter(Operation::acknowledgedWrite).count();
        int unknown = (int) history.stream().filter(o -> o.outcome() == Operation.Outcome.UNKNOWN).count();
        int failed = (int) history.stream().filter(o -> o.outcome() == Operation.Outcome.FAILED).count();
        Summary s = new Summary(scenario, seed, history.size(), acked, unknown, failed, faults, last - startRevision,
                events, verdict.millis(), (System.nanoTime() - startedNanos) / 1_000_000_000);
        System.out.println(s.line());
        report(s.line());
        return s;
    }

    static void report(String line) throws IOException {
        Files.createDirectories(REPORT.getParent());
        Files.writeString(REPORT, line + System.lineSeparator(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** A linearizable read of every key through every member, added to the history as ordinary reads. */
    private static void finalReads(TestCluster cluster, List<Operation> history, int keys) {
        int id = history.stream().mapToInt(Operation::id).max().orElse(0) + 1;
        for (TestCluster.NodeProcess n : cluster.live()) {
            try (RaftKv kv = RaftKv.builder().endpoints(n.endpoint()).timeout(Duration.ofSeconds(10)).build()) {
                for (int k = 0; k < keys; k++) {
                    String key = RegisterWorkload.key(k);
                    long invoke = System.nanoTime();
                    var r = kv.kv().get(key).join();
                    history.add(Operation.get(id++, -n.id(), key, r.kvs().isEmpty() ? null
                            : r.kvs().get(0).valueString(), invoke, System.nanoTime()));
                }
            }
        }
    }

    /** The store's own history of the workload's keys from {@code from} to {@code to}, replayed by a new watch. */
    static List<WatchRecorder.Seen> storeHistory(TestCluster cluster, long from, long to) {
        try (WatchRecorder replay = new WatchRecorder("replay", List.of(cluster.live().get(0).endpoint()), from)) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> replay.progress() >= to || !replay.endings().isEmpty());
            assertTrue(replay.endings().isEmpty(), "the replay watch ended: " + replay.endings());
            return replay.events().stream().filter(e -> e.revision() <= to).toList();
        }
    }

    /** One event per revision (the workload changes one key per request), in increasing order. */
    private static void assertOrdered(String what, List<WatchRecorder.Seen> events) {
        for (int i = 1; i < events.size(); i++) {
            long prev = events.get(i - 1).revision();
            long cur = events.get(i).revision();
            assertTrue(cur > prev, what + ": event " + i + " at revision " + cur + " follows revision " + prev
                    + (cur == prev ? " (a duplicate)" : " (out of order)"));
        }
    }

    /**
     * Every acknowledged write is in the history at its revision; every write in the history was made by an
     * operation that was acknowledged or whose outcome is unknown, never by one that was refused.
     */
    private static void checkWritesAgainstHistory(String where, List<Operation> history,
                                                  List<WatchRecorder.Seen> store) {
        Map<Long, WatchRecorder.Seen> byRevision = new HashMap<>();
        store.forEach(e -> byRevision.put(e.revision(), e));
        for (Operation op : history) {
            if (!op.acknowledgedWrite()) {
                continue;
            }
            WatchRecorder.Seen e = byRevision.get(op.revision());
            assertTrue(e != null, where + "acknowledged write " + op + " is not in the store's history");
            assertEquals(op.key(), e.key(), where + op + " vs " + e);
            if (op.kind() == Operation.Kind.DELETE) {
                assertEquals(WatchEvent.Type.DELETE, e.type(), where + op + " vs " + e);
            } else {
                assertEquals(op.value(), e.value(), where + op + " vs " + e);
            }
        }
        Map<String, Operation> writers = new HashMap<>();
        history.stream().filter(o -> o.value() != null && o.kind() != Operation.Kind.GET)
                .forEach(o -> writers.put(o.value(), o));
        Set<String> applied = new HashSet<>();
        for (WatchRecorder.Seen e : store) {
            if (e.type() != WatchEvent.Type.PUT) {
                continue;
            }
            Operation w = writers.get(e.value());
            assertTrue(w != null, where + "the store has " + e + ", which no client wrote");
            assertTrue(w.outcome() != Operation.Outcome.FAILED, where + "refused write " + w + " was applied: " + e);
            assertTrue(applied.add(e.value()), where + "write " + w + " was applied twice");
        }
    }

    private static String firstDifference(List<WatchRecorder.Seen> expected, List<WatchRecorder.Seen> seen) {
        for (int i = 0; i < Math.min(expected.size(), seen.size()); i++) {
            if (!expected.get(i).equals(seen.get(i))) {
                return "; first difference at event " + i + ": expected " + expected.get(i) + ", saw " + seen.get(i);
            }
        }
        return expected.size() == seen.size() ? "" : "; one is a prefix of the other";
    }

    static void assertMembersHashAlike(String where, TestCluster cluster) throws Exception {
        long revision = Long.MAX_VALUE;
        for (TestCluster.NodeProcess n : cluster.nodes()) {
            revision = Math.min(revision, statusOf(cluster, n).path("header").path("revision").asLong());
        }
        List<Long> hashes = new ArrayList<>();
        for (TestCluster.NodeProcess n : cluster.nodes()) {
            hashes.add(cluster.api.hash(n.endpoint(), revision));
        }
        assertEquals(1, hashes.stream().distinct().count(), where + "hashes at revision " + revision + ": " + hashes);
    }

    /** A member's status, waiting a while for a member that is busy catching up to answer. */
    private static com.fasterxml.jackson.databind.JsonNode statusOf(TestCluster cluster, TestCluster.NodeProcess n) {
        com.fasterxml.jackson.databind.JsonNode[] s = new com.fasterxml.jackson.databind.JsonNode[1];
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> (s[0] = cluster.api.status(n.endpoint())) != null);
        return s[0];
    }
}
